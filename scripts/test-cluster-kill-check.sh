#!/usr/bin/env bash
# Checks that a killed test runner leaves no etcd or kube-apiserver behind.
#
# Twice, it runs scripts/run-cluster-tests.sh and kills it with SIGKILL (so no trap runs):
#   1. while the cluster is starting (etcd up, kube-apiserver not ready yet);
#   2. mid-way through the suites (cluster ready, Jest running).
# Each time it asserts that every process started for that cluster (any process whose command line or
# environment names the cluster's data dir: etcd, kube-apiserver, the supervised components and what they
# run) is gone within GRACE seconds. Needs the binaries (it builds
# them if needed) and node_modules; must not run while another test cluster runs in this work tree.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="$ROOT/.cluster"
GRACE="${GRACE:-20}"
CLUSTER="$ROOT/scripts/test-cluster.sh"

fail() {
  echo "kill-check: FAIL: $*" >&2
  exit 1
}

# PIDs of live (non-zombie) processes whose command line contains $1.
processes_naming() {
  local needle="$1" dir pid stat
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    [[ "$pid" == "$$" || "$pid" == "$BASHPID" ]] && continue
    stat="$(cat "$dir/stat" 2>/dev/null)" || continue
    stat="${stat##*) }"
    [[ "${stat:0:1}" == Z ]] && continue
    if tr '\0' ' ' 2>/dev/null <"$dir/cmdline" | grep -qF -- "$needle" ||
      tr '\0' ' ' 2>/dev/null <"$dir/environ" | grep -qF -- "$needle"; then
      echo "$pid"
    fi
  done
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.1 s.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

jest_child_of() { pgrep -P "$1" -f jest >/dev/null 2>&1; }
etcd_up_apiserver_not_ready() { [[ -s "$STATE_DIR/apiserver.pid" && ! -e "$STATE_DIR/kubeconfig" ]]; }
cluster_ready() { [[ -s "$STATE_DIR/kubeconfig" ]]; }
none_left() { [[ -z "$(processes_naming "$1")" ]]; }

scenario() {
  local name="$1" moment="$2"
  echo "kill-check: scenario '$name'"
  if bash "$CLUSTER" status >/dev/null 2>&1; then
    fail "a test cluster already runs in this work tree; stop it first"
  fi
  bash "$CLUSTER" stop # clean stale state

  local log
  log="$(mktemp "${TMPDIR:-/tmp}/kaito-kill-check.XXXXXX.log")"
  # Its own session, so that the Jest it leaves behind can be ended as a group afterwards.
  setsid bash "$ROOT/scripts/run-cluster-tests.sh" >"$log" 2>&1 &
  local runner=$!

  case "$moment" in
    starting) wait_until 300 etcd_up_apiserver_not_ready || fail "cluster never reached 'etcd up, apiserver starting'" ;;
    testing)
      wait_until 300 cluster_ready || fail "cluster never became ready (log: $log)"
      wait_until 60 jest_child_of "$runner" || fail "Jest never started (log: $log)"
      ;;
  esac
  local data_dir
  data_dir="$(cat "$STATE_DIR/data-dir")"
  local before
  before="$(processes_naming "$data_dir/" | tr '\n' ' ')"
  [[ -n "$before" ]] || fail "no cluster process found before the kill"
  kill -0 "$runner" 2>/dev/null || fail "the runner had already exited (log: $log)"

  echo "kill-check:   SIGKILL runner $runner; cluster processes: $before"
  kill -KILL "$runner"
  wait "$runner" 2>/dev/null || true
  local t0=$SECONDS
  if ! wait_until "$GRACE" none_left "-dir=$data_dir/"; then
    local -a left
    mapfile -t left < <(processes_naming "$data_dir/")
    kill -KILL "${left[@]}" 2>/dev/null || true
    fail "still running ${GRACE}s after the runner was killed: ${left[*]}"
  fi
  echo "kill-check:   all cluster processes exited within $((SECONDS - t0))s"
  [[ -d "$data_dir/etcd" ]] && fail "etcd left its data behind in $data_dir/etcd"

  # Whatever else the killed runner left (Jest in its session) is ended here.
  kill -KILL -- "-$runner" 2>/dev/null || true
  bash "$CLUSTER" stop
  [[ -e "$data_dir" ]] && fail "stop left $data_dir behind"
  rm -f "$log"
  return 0
}

scenario "killed while the cluster starts" starting
scenario "killed while the suites run" testing
echo "kill-check: 2 passed, 0 failed"
