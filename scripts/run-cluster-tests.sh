#!/usr/bin/env bash
# Runs the cluster suites (jest.cluster.config.js) on the whole control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, KWOK, Karpenter): starts the cluster, runs Jest, always stops it.
# Fails if Jest fails or no test ran (all skipped counts as none). Extra arguments go to Jest.
# The cluster's processes watch this script's PID: if this script is killed (even with SIGKILL),
# they exit by themselves.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The project's own Node and Jest, as `npm run` would put them first on PATH.
export PATH="$ROOT/node_modules/.bin:$PATH"

state="${KAITO_TEST_CLUSTER_STATE:-$ROOT/.cluster}"
export KUBECONFIG_TEST="$state/kubeconfig"
results="$state/jest-results.json"
mkdir -p "$state"
rm -f "$results"
jest_pid=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$jest_pid" ]] && kill -0 "$jest_pid" 2>/dev/null; then
    kill -TERM "$jest_pid" 2>/dev/null || true
    wait "$jest_pid" 2>/dev/null || true
  fi
  bash "$ROOT/scripts/test-cluster.sh" stop || rc=1
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Vm-modules lets the suites import ESM-only packages, as in the unit tests.
export NODE_OPTIONS="--experimental-vm-modules${NODE_OPTIONS:+ $NODE_OPTIONS}"
bash "$ROOT/scripts/test-cluster.sh" start --owner-pid "$$"
# Jest runs in the background so that INT/TERM reach the traps at once.
jest_rc=0
jest -c jest.cluster.config.js --passWithNoTests --json --outputFile="$results" "$@" &
jest_pid=$!
wait "$jest_pid" || jest_rc=$?
jest_pid=""
if ((jest_rc != 0)); then
  echo "run-cluster-tests: jest failed (exit $jest_rc)" >&2
  exit "$jest_rc"
fi
# Tests that ran: numTotalTests also counts skipped ones (e.g. all filtered out by -t).
ran="$(node -e '
  const r = require(process.argv[1]);
  process.stdout.write(String(r.numTotalTests - r.numPendingTests - r.numTodoTests));
' "$results" 2>/dev/null || true)"
if ! [[ "$ran" =~ ^[0-9]+$ ]]; then
  echo "run-cluster-tests: no Jest results" >&2
  exit 1
fi
if ((ran == 0)); then
  echo "run-cluster-tests: jest ran no test" >&2
  exit 1
fi
echo "run-cluster-tests: $ran cluster tests passed"
