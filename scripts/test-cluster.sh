#!/usr/bin/env bash
# A real Kubernetes control plane on 127.0.0.1 for the cluster test suites: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler (k8s.io/kubernetes), KWOK (fake nodes' kubelets) and Karpenter
# with its kwok cloud provider, all built from Go modules.
#
#   scripts/test-cluster.sh build    build the binaries once (cached outside the work tree)
#   scripts/test-cluster.sh start [--owner-pid PID] [--apiserver-only]
#                                    start the control plane (with --apiserver-only: etcd and
#                                    kube-apiserver alone), wait until each serves and write
#                                    .cluster/kubeconfig; with an owner PID (or
#                                    KAITO_TEST_CLUSTER_OWNER_PID) every process exits when that one does
#   scripts/test-cluster.sh stop     stop what start started and remove its data
#   scripts/test-cluster.sh status   exit 0 and list the processes if all run, else exit 1
#   scripts/test-cluster.sh restart-apiserver
#                                    stop kube-apiserver and start it again (same port, same etcd data)
#   scripts/test-cluster.sh restart COMPONENT
#                                    the same for karpenter, kwok, kube-scheduler or kube-controller-manager
#
# Environment:
#   KAITO_TEST_CLUSTER_CACHE    binary cache (default ${XDG_CACHE_HOME:-$HOME/.cache}/kaito-constructs/test-cluster)
#   KAITO_TEST_CLUSTER_TIMEOUT  seconds to wait for readiness (default 120)
#   KAITO_TEST_CLUSTER_OWNER_PID  as --owner-pid
#   KAITO_TEST_CLUSTER_STATE    where the kubeconfig, PIDs and logs go (default: .cluster/ in the repo)
#   GO                          the go command (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE_DIR="$ROOT/test/cluster/apiserver"
KWOK_MODULE_DIR="$ROOT/test/cluster/kwok"
KARPENTER_MODULE_DIR="$ROOT/test/cluster/karpenter"
STATE_DIR="${KAITO_TEST_CLUSTER_STATE:-$ROOT/.cluster}"
CACHE_ROOT="${KAITO_TEST_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kaito-constructs/test-cluster}"
READY_TIMEOUT="${KAITO_TEST_CLUSTER_TIMEOUT:-120}"
STOP_TIMEOUT=15
DATA_PREFIX="kaito-test-cluster."
# Changing how the binaries are built must change the cache key: bump this.
RECIPE="v2 CGO_ENABLED=0 -trimpath -pgo=off -ldflags=-s,-w,version"

log() { printf 'test-cluster: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# ---------------------------------------------------------------- build

find_go() {
  if [[ -n "${GO:-}" ]]; then
    command -v "$GO" || die "GO=$GO is not an executable"
  elif command -v go >/dev/null 2>&1; then
    command -v go
  elif [[ -x /usr/local/go/bin/go ]]; then
    echo /usr/local/go/bin/go
  else
    die "Go is not installed (need Go >= $(required_go "$MODULE_DIR")); install it from https://go.dev/dl or your package manager"
  fi
}

# The Go version a module needs: its go.mod "go" line (k8s.io/kubernetes sets the control plane's).
required_go() { sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' "$1/go.mod"; }

# version_ge A B: A >= B for dotted versions (1.26.8 vs 1.25.0).
version_ge() {
  local -a a b
  IFS=. read -r -a a <<<"$1"
  IFS=. read -r -a b <<<"$2"
  local i
  for i in 0 1 2; do
    if ((${a[i]:-0} > ${b[i]:-0})); then return 0; fi
    if ((${a[i]:-0} < ${b[i]:-0})); then return 1; fi
  done
  return 0
}

check_go() {
  GO_BIN="$(find_go)"
  local have need dir
  have="$(GOTOOLCHAIN=local "$GO_BIN" env GOVERSION 2>/dev/null)" || die "$GO_BIN does not run"
  have="${have#go}"
  have="${have%%[!0-9.]*}"
  for dir in "$MODULE_DIR" "$KWOK_MODULE_DIR" "$KARPENTER_MODULE_DIR"; do
    need="$(required_go "$dir")"
    version_ge "$have" "$need" ||
      die "Go $have is too old: building $(basename "$dir") needs Go >= $need ($GO_BIN)"
  done
  GO_VERSION="$have"
}

# cache_key MODULE_DIR: a hash of the module (go.mod, go.sum, Go sources), the Go version and the recipe.
cache_key() {
  local dir="$1" f
  {
    printf 'recipe %s\ngo %s %s/%s\n' "$RECIPE" "$GO_VERSION" \
      "$(GOTOOLCHAIN=local "$GO_BIN" env GOOS)" "$(GOTOOLCHAIN=local "$GO_BIN" env GOARCH)"
    while IFS= read -r f; do
      printf 'file %s\n' "$f"
      cat "$dir/$f"
    done < <(cd "$dir" && { printf '%s\n' go.mod go.sum; find . -name '*.go' -type f | sed 's#^\./##' | LC_ALL=C sort; })
  } | sha256sum | cut -c1-16
}

# build_module NAME MODULE_DIR LDFLAGS PACKAGE...: builds the packages' commands of one module into
# $CACHE_ROOT/NAME-<key>/bin (skipped when that exists) and sets BUILT_DIR to it. Each module keeps its
# own dependency versions: KWOK and Karpenter pin other client-go versions than k8s.io/kubernetes.
build_module() {
  local name="$1" dir="$2" ldflags="$3"
  shift 3
  local key
  key="$(cache_key "$dir")"
  BUILT_DIR="$CACHE_ROOT/$name-$key"
  if [[ -f "$BUILT_DIR/complete" ]]; then
    return 0
  fi
  mkdir -p "$CACHE_ROOT"
  # Partial builds of interrupted runs.
  find "$CACHE_ROOT" -maxdepth 1 -name '.build-*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
  local tmp
  tmp="$(mktemp -d "$CACHE_ROOT/.build-$name-$key.XXXXXX")"
  log "building $name ($*) with Go $GO_VERSION into $BUILT_DIR"
  local started=$SECONDS rc=0
  (
    cd "$dir"
    export GOTOOLCHAIN=local CGO_ENABLED=0
    exec nice -n 10 "$GO_BIN" build -v -trimpath -pgo=off -ldflags "$ldflags" -o "$tmp/" "$@"
  ) 2>"$tmp/build.log" &
  local build_pid=$!
  # If this script is interrupted, the build must not go on without it.
  # shellcheck disable=SC2064
  trap "kill -TERM $build_pid 2>/dev/null; rm -rf '$tmp'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP PIPE
  while kill -0 "$build_pid" 2>/dev/null; do
    sleep 5
    if (((SECONDS - started) % 30 < 5)) && kill -0 "$build_pid" 2>/dev/null; then
      log "  ... $name: $((SECONDS - started))s, $(grep -vc '^go: ' "$tmp/build.log" || true) packages compiled"
    fi
  done
  wait "$build_pid" || rc=$?
  trap - EXIT INT TERM HUP PIPE
  if ((rc != 0)); then
    grep -v '^[a-zA-Z0-9._/-]*$' "$tmp/build.log" >&2 || tail -n 40 "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "go build of $name failed (exit $rc)"
  fi
  mkdir -p "$tmp/bin"
  find "$tmp" -maxdepth 1 -type f -perm -u+x -exec mv {} "$tmp/bin/" \;
  printf 'module %s\ngo %s\nbuilt %s\n' "$name" "$GO_VERSION" "$(date -u +%FT%TZ)" >"$tmp/build-info"
  rm -f "$tmp/build.log"
  touch "$tmp/complete"
  if ! mv -T "$tmp" "$BUILT_DIR" 2>/dev/null; then
    rm -rf "$tmp" # another build of the same key finished first
  fi
  log "built $name in $((SECONDS - started))s: $(du -sh "$BUILT_DIR" | cut -f1) in $BUILT_DIR"
  # Keep the three most recent builds of this module (other branches may want theirs); drop older ones.
  local old
  while IFS= read -r old; do
    rm -rf "$old"
  done < <(find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d -name "$name-*" -printf '%T@ %p\n' |
    sort -rn | tail -n +4 | cut -d' ' -f2-)
}

# module_dir MODULE_DIR MODULE: where Go's module cache holds a dependency's files (CRDs, for one).
module_dir() {
  (cd "$1" && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO_BIN" list -m -f '{{.Dir}}' "$2")
}

# Sets BIN_DIR (the control plane: etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kubectl,
# supervise), KWOK_BIN (kwok) and KARPENTER_DIR (bin/karpenter-kwok and crds/), building what is missing.
build() {
  check_go
  local k8s_version minor ldflags
  k8s_version="$(cd "$MODULE_DIR" && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO_BIN" list -m -f '{{.Version}}' k8s.io/kubernetes)"
  minor="$(cut -d. -f2 <<<"$k8s_version")"
  ldflags="-s -w"
  ldflags+=" -X k8s.io/component-base/version.gitVersion=$k8s_version"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
  ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"
  local cold=""
  [[ -d "$(GOTOOLCHAIN=local "$GO_BIN" env GOMODCACHE)/k8s.io/kubernetes@$k8s_version" ]] || cold=1
  if [[ -n "$cold" ]]; then
    log "a cold build downloads ~0.9 GB of Go modules and compiles for ~12 min on 2 cores; later builds reuse Go's caches"
  fi
  build_module control-plane "$MODULE_DIR" "$ldflags" ./cmd/kube-apiserver ./cmd/etcd ./cmd/supervise \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kubectl
  BIN_DIR="$BUILT_DIR/bin"
  local kwok_version
  kwok_version="$(cd "$KWOK_MODULE_DIR" && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO_BIN" list -m -f '{{.Version}}' sigs.k8s.io/kwok)"
  build_module kwok "$KWOK_MODULE_DIR" "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version#v}" sigs.k8s.io/kwok/cmd/kwok
  KWOK_BIN="$BUILT_DIR/bin/kwok"
  build_module karpenter "$KARPENTER_MODULE_DIR" "-s -w" sigs.k8s.io/karpenter/kwok
  KARPENTER_DIR="$BUILT_DIR"
  if [[ ! -x "$KARPENTER_DIR/bin/karpenter-kwok" ]]; then
    mv "$KARPENTER_DIR/bin/kwok" "$KARPENTER_DIR/bin/karpenter-kwok"
  fi
  if [[ ! -d "$KARPENTER_DIR/crds" ]]; then
    local src tmp
    src="$(module_dir "$KARPENTER_MODULE_DIR" sigs.k8s.io/karpenter)"
    tmp="$(mktemp -d "$KARPENTER_DIR/.crds.XXXXXX")"
    cp "$src"/pkg/apis/crds/*.yaml "$src"/kwok/apis/crds/*.yaml "$tmp/"
    chmod u+w "$tmp"/*
    mv -T "$tmp" "$KARPENTER_DIR/crds" 2>/dev/null || rm -rf "$tmp"
  fi
  log "binaries: $BIN_DIR, $KWOK_BIN, $KARPENTER_DIR/bin/karpenter-kwok"
}

# ---------------------------------------------------------------- processes

# running PID: the process exists and is not a zombie.
running() {
  local pid="$1" stat
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}

# ours PID DATA_DIR: the process runs and was started for this data dir
# (guards against a PID reused by an unrelated process).
ours() {
  local pid="$1" data_dir="$2"
  running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$data_dir/"
}

# stop_pid NAME PID DATA_DIR: TERM, wait, then KILL.
stop_pid() {
  local name="$1" pid="$2" data_dir="$3" waited=0
  ours "$pid" "$data_dir" || return 0
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  while running "$pid" && ((waited < STOP_TIMEOUT * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if running "$pid"; then
    log "$name (pid $pid) did not stop in ${STOP_TIMEOUT}s: killing it"
    kill -KILL "$pid" 2>/dev/null || true
    waited=0
    while running "$pid" && ((waited < 50)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    running "$pid" && die "$name (pid $pid) survived SIGKILL"
  fi
  return 0
}

read_state() { cat "$STATE_DIR/$1" 2>/dev/null || true; }

# The processes of a full control plane, in the order they stop (the API server and etcd come last).
COMPONENTS=(karpenter kwok kube-scheduler kube-controller-manager)

# Stops whatever .cluster/ records and removes its data; logs are kept.
stop() {
  local data_dir pid c
  data_dir="$(read_state data-dir)"
  if [[ -n "$data_dir" ]]; then
    for c in "${COMPONENTS[@]}" apiserver etcd; do
      pid="$(read_state "$c.pid")"
      if [[ -n "$pid" ]]; then stop_pid "$c" "$pid" "$data_dir"; fi
    done
    if [[ -d "$data_dir" && "$(basename "$data_dir")" == "$DATA_PREFIX"* ]]; then
      rm -rf "$data_dir"
    fi
  fi
  rm -f "$STATE_DIR"/{kubeconfig,data-dir,server,owner.pid,profile,ports} "$STATE_DIR"/*.pid
}

status() {
  local data_dir profile c pid rc=0
  data_dir="$(read_state data-dir)"
  profile="$(read_state profile)"
  if [[ -z "$data_dir" ]]; then
    echo "not running"
    return 1
  fi
  if ! ours "$(read_state apiserver.pid)" "$data_dir" || ! ours "$(read_state etcd.pid)" "$data_dir"; then
    echo "not running (stale state in $STATE_DIR: run '$0 stop' to clean up)"
    return 1
  fi
  echo "running: $(read_state server) (${profile:-full})"
  echo "kubeconfig: $STATE_DIR/kubeconfig"
  echo "data: $data_dir"
  for c in etcd apiserver "${COMPONENTS[@]}"; do
    pid="$(read_state "$c.pid")"
    [[ -z "$pid" ]] && continue
    if ours "$pid" "$data_dir"; then
      printf '  %-24s pid %s\n' "$c" "$pid"
    else
      printf '  %-24s exited (pid %s; log %s)\n' "$c" "$pid" "$STATE_DIR/logs/$c.log"
      rc=1
    fi
  done
  if [[ -n "$(read_state owner.pid)" ]]; then echo "stops when process $(read_state owner.pid) exits"; fi
  return "$rc"
}

# ---------------------------------------------------------------- start

# A port in 20000-32767 (below Linux's ephemeral range) that nothing listens on.
free_port() {
  local port i
  for i in $(seq 1 200); do
    port=$((20000 + RANDOM % 12768))
    [[ " ${USED_PORTS:-} " == *" $port "* ]] && continue
    if ! (: </dev/tcp/127.0.0.1/$port) 2>/dev/null; then
      USED_PORTS="${USED_PORTS:-} $port"
      echo "$port"
      return 0
    fi
  done
  die "no free port found on 127.0.0.1"
}

make_pki() {
  local pki="$1"
  mkdir -p "$pki"
  (
    cd "$pki"
    umask 077
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 7 \
      -subj "/CN=kaito-test-cluster-ca" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=serverAuth" \
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc" \
      >serving.ext
    openssl req -new "${ec[@]}" -keyout serving.key -out serving.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in serving.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 \
      -extfile serving.ext -out serving.crt 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
      "extendedKeyUsage=clientAuth" >client.ext
    openssl req -new "${ec[@]}" -keyout admin.key -out admin.csr \
      -subj "/O=system:masters/CN=kaito-test-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 7 \
      -extfile client.ext -out admin.crt 2>/dev/null
    # Service-account token signing key (TokenRequest) and its public half.
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key 2>/dev/null
    openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ca.srl
  ) || die "openssl failed to make the certificates"
}

b64() { base64 -w0 <"$1"; }

# The kubeconfig is written as JSON (which is also YAML): kubectl and client
# libraries read it as any kubeconfig, and the tests parse it without a YAML parser.
write_kubeconfig() {
  local pki="$1" server="$2" out="$3"
  umask 077
  cat >"$out" <<EOF
{
  "apiVersion": "v1",
  "kind": "Config",
  "clusters": [
    {
      "name": "kaito-test",
      "cluster": {
        "server": "$server",
        "certificate-authority-data": "$(b64 "$pki/ca.crt")"
      }
    }
  ],
  "users": [
    {
      "name": "kaito-test-admin",
      "user": {
        "client-certificate-data": "$(b64 "$pki/admin.crt")",
        "client-key-data": "$(b64 "$pki/admin.key")"
      }
    }
  ],
  "contexts": [{ "name": "kaito-test", "context": { "cluster": "kaito-test", "user": "kaito-test-admin" } }],
  "current-context": "kaito-test"
}
EOF
}

# wait_http NAME PID URL [curl args...]: poll URL until it answers 200.
wait_http() {
  local name="$1" pid="$2" url="$3"
  shift 3
  local deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    running "$pid" || return 1
    if curl -fsS -o /dev/null --max-time 2 "$@" "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  log "$name did not answer $url within ${READY_TIMEOUT}s"
  return 1
}

show_log() {
  log "last lines of $1:"
  tail -n 25 "$1" >&2 || true
}

# One attempt with fresh ports. Returns 2 when a port was taken meanwhile.
start_once() {
  local data_dir="$1" owner="$2" t0=$SECONDS
  local pki="$data_dir/pki" logs="$STATE_DIR/logs"
  local etcd_client etcd_peer api_port
  etcd_client="$(free_port)"
  etcd_peer="$(free_port)"
  api_port="$(free_port)"
  local watch=()
  if [[ -n "$owner" ]]; then watch=(--watch-pid="$owner"); fi

  : >"$logs/apiserver.log"
  # With an owner, etcd outlives the API server so that the API server can shut down cleanly.
  "$BIN_DIR/etcd" "${watch[@]}" --outlive-pid-file="$STATE_DIR/apiserver.pid" \
    --data-dir="$data_dir/etcd/" --remove-data-dir-on-exit \
    --listen-client-url="http://127.0.0.1:$etcd_client" \
    --listen-peer-url="http://127.0.0.1:$etcd_peer" \
    </dev/null >"$logs/etcd.log" 2>&1 &
  local etcd_pid=$!
  echo "$etcd_pid" >"$STATE_DIR/etcd.pid"
  if ! wait_http etcd "$etcd_pid" "http://127.0.0.1:$etcd_client/health"; then
    grep -q 'address already in use' "$logs/etcd.log" && return 2
    show_log "$logs/etcd.log"
    return 1
  fi
  log "etcd ready on 127.0.0.1:$etcd_client (pid $etcd_pid, $((SECONDS - t0))s)"

  printf 'etcd_client=%s\napi_port=%s\n' "$etcd_client" "$api_port" >"$STATE_DIR/ports"
  local rc=0
  start_apiserver "$data_dir" "$owner" "$etcd_client" "$api_port" || rc=$?
  ((rc == 0)) || return "$rc"
  local server="https://127.0.0.1:$api_port"
  echo "$server" >"$STATE_DIR/server"
  write_kubeconfig "$pki" "$server" "$STATE_DIR/kubeconfig"
  # The components read the same admin kubeconfig, from the data dir (which names them as ours).
  cp "$STATE_DIR/kubeconfig" "$data_dir/kubeconfig"
  log "kube-apiserver ready at $server ($((SECONDS - t0))s)"
  if [[ "$PROFILE" == full ]]; then
    start_components "$data_dir" "$owner" || return 1
    log "control plane ready: kube-controller-manager, kube-scheduler, kwok, karpenter ($((SECONDS - t0))s)"
  fi
}

# start_apiserver DATA_DIR OWNER ETCD_PORT API_PORT: starts kube-apiserver and waits until it serves.
start_apiserver() {
  local data_dir="$1" owner="$2" etcd_client="$3" api_port="$4"
  local pki="$data_dir/pki" logs="$STATE_DIR/logs"
  local watch=()
  if [[ -n "$owner" ]]; then watch=(--watch-pid="$owner"); fi
  local server="https://127.0.0.1:$api_port"
  "$BIN_DIR/kube-apiserver" "${watch[@]}" \
    --etcd-servers="http://127.0.0.1:$etcd_client" \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$api_port" \
    --cert-dir="$data_dir/apiserver/" \
    --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key" \
    --client-ca-file="$pki/ca.crt" \
    --authorization-mode=RBAC \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$pki/sa.pub" \
    --service-account-signing-key-file="$pki/sa.key" \
    --service-cluster-ip-range=10.0.0.0/16 \
    --disable-admission-plugins=ServiceAccount \
    --endpoint-reconciler-type=none \
    --allow-privileged=true \
    --profiling=false \
    </dev/null >>"$logs/apiserver.log" 2>&1 &
  local api_pid=$!
  echo "$api_pid" >"$STATE_DIR/apiserver.pid"
  local auth=(--cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key")
  if ! wait_http kube-apiserver "$api_pid" "$server/readyz" "${auth[@]}" ||
    ! wait_http kube-apiserver "$api_pid" "$server/api/v1/namespaces/default" "${auth[@]}"; then
    grep -q 'address already in use' "$logs/apiserver.log" && return 2
    show_log "$logs/apiserver.log"
    return 1
  fi
  log "kube-apiserver serving at $server (pid $api_pid)"
}

# supervised NAME DATA_DIR OWNER [ENV=VALUE...] -- COMMAND...: starts COMMAND under supervise (which stops
# it when the owner exits), logging to logs/NAME.log; records its PID as NAME.pid.
supervised() {
  local name="$1" data_dir="$2" owner="$3"
  shift 3
  local envs=()
  while (($#)) && [[ "$1" != -- ]]; do
    envs+=("$1")
    shift
  done
  shift
  local watch=()
  if [[ -n "$owner" ]]; then watch=(--watch-pid="$owner"); fi
  env "${envs[@]}" "$BIN_DIR/supervise" "${watch[@]}" --tag="$data_dir/$name" -- "$@" \
    </dev/null >"$STATE_DIR/logs/$name.log" 2>&1 &
  echo "$!" >"$STATE_DIR/$name.pid"
}

# kubectl against the test cluster (the control plane's own kubectl, same version as the API server).
kube() { "$BIN_DIR/kubectl" --kubeconfig="$STATE_DIR/kubeconfig" "$@"; }

# wait_alive NAME SECONDS: the component is still running after SECONDS (it did not exit on a bad flag).
wait_alive() {
  local pid
  pid="$(read_state "$1.pid")"
  sleep "$2"
  if ! running "$pid"; then
    show_log "$STATE_DIR/logs/$1.log"
    return 1
  fi
}

# start_component NAME DATA_DIR OWNER: starts one component of the control plane beside the API server,
# on the ports recorded in the state's ports file.
start_component() {
  local name="$1" data_dir="$2" owner="$3" kc="$2/kubeconfig" pki="$2/pki"
  local common=(--kubeconfig="$kc" --authentication-kubeconfig="$kc" --authorization-kubeconfig="$kc"
    --leader-elect=false --bind-address=127.0.0.1 --secure-port=0)
  case "$name" in
    kube-controller-manager)
      supervised "$name" "$data_dir" "$owner" -- "$BIN_DIR/kube-controller-manager" "${common[@]}" \
        --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
        --use-service-account-credentials=false --controllers='*' \
        --node-monitor-grace-period=50s --terminated-pod-gc-threshold=100
      wait_alive "$name" 1
      ;;
    kube-scheduler)
      supervised "$name" "$data_dir" "$owner" -- "$BIN_DIR/kube-scheduler" "${common[@]}"
      wait_alive "$name" 1
      ;;
    kwok)
      local port
      port="$(port_of kwok_port)"
      supervised "$name" "$data_dir" "$owner" -- "$KWOK_BIN" --kubeconfig="$kc" \
        --config="$ROOT/test/cluster/kwok/stages.yaml" \
        --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
        --cidr=10.244.0.0/16 --node-ip=10.1.0.1 --node-lease-duration-seconds=40 \
        --server-address="127.0.0.1:$port"
      wait_http kwok "$(read_state kwok.pid)" "http://127.0.0.1:$port/healthz" || {
        show_log "$STATE_DIR/logs/kwok.log"
        return 1
      }
      ;;
    karpenter)
      local health
      health="$(port_of karpenter_health)"
      supervised "$name" "$data_dir" "$owner" KUBECONFIG="$kc" DISABLE_LEADER_ELECTION=true \
        SYSTEM_NAMESPACE=kube-system METRICS_PORT="$(port_of karpenter_metrics)" HEALTH_PROBE_PORT="$health" \
        INSTANCE_TYPES_FILE_PATH="$ROOT/test/cluster/karpenter/instance-types.json" \
        FEATURE_GATES=NodeRepair=false,ReservedCapacity=true,SpotToSpotConsolidation=false,NodeOverlay=false,StaticCapacity=true,CapacityBuffer=false \
        -- "$KARPENTER_DIR/bin/karpenter-kwok"
      wait_http karpenter "$(read_state karpenter.pid)" "http://127.0.0.1:$health/readyz" || {
        show_log "$STATE_DIR/logs/karpenter.log"
        return 1
      }
      ;;
    *) die "unknown component $name (one of ${COMPONENTS[*]})" ;;
  esac
}

port_of() { sed -n "s/^$1=//p" "$STATE_DIR/ports"; }

# The rest of a real control plane beside the API server: kube-controller-manager (node lifecycle,
# workload controllers, garbage collector, namespace deletion), kube-scheduler, KWOK (kubelets of fake
# nodes) and Karpenter with its kwok cloud provider (NodeClaims become fake nodes of real instance types).
start_components() {
  local data_dir="$1" owner="$2" c
  printf 'kwok_port=%s\nkarpenter_metrics=%s\nkarpenter_health=%s\n' \
    "$(free_port)" "$(free_port)" "$(free_port)" >>"$STATE_DIR/ports"
  # Karpenter's CRDs and the node class its kwok provider serves, before Karpenter starts.
  kube apply --server-side --force-conflicts --field-manager=kaito-test-cluster -f "$KARPENTER_DIR/crds/" >/dev/null ||
    return 1
  kube wait --for=condition=Established --timeout=60s -f "$KARPENTER_DIR/crds/" >/dev/null || return 1
  kube apply --server-side --field-manager=kaito-test-cluster -f "$ROOT/test/cluster/karpenter/nodeclass.yaml" >/dev/null ||
    return 1
  for c in kube-controller-manager kube-scheduler kwok karpenter; do
    start_component "$c" "$data_dir" "$owner" || return 1
  done
}

# Restarts one component (kill with SIGTERM, start again with the same flags and ports).
restart_component() {
  local name="${1:-}"
  [[ " ${COMPONENTS[*]} " == *" $name "* ]] || die "restart: name one of ${COMPONENTS[*]}"
  status >/dev/null || die "restart: no full test cluster runs (start one first)"
  build >/dev/null 2>&1
  local data_dir t0=$SECONDS
  data_dir="$(read_state data-dir)"
  stop_pid "$name" "$(read_state "$name.pid")" "$data_dir"
  mv -f "$STATE_DIR/logs/$name.log" "$STATE_DIR/logs/$name.previous.log" 2>/dev/null || true
  start_component "$name" "$data_dir" "$(read_state owner.pid)" || die "$name did not come back"
  log "$name restarted in $((SECONDS - t0))s"
}

# Restarts kube-apiserver on the same port and the same etcd data (a real outage of the API server).
restart_apiserver() {
  status >/dev/null || die "restart-apiserver: no test cluster runs (start one first)"
  local data_dir owner etcd_client api_port pid
  data_dir="$(read_state data-dir)"
  owner="$(read_state owner.pid)"
  etcd_client="$(port_of etcd_client)"
  api_port="$(port_of api_port)"
  build >/dev/null 2>&1
  pid="$(read_state apiserver.pid)"
  local t0=$SECONDS
  stop_pid kube-apiserver "$pid" "$data_dir"
  start_apiserver "$data_dir" "$owner" "$etcd_client" "$api_port" ||
    die "kube-apiserver did not come back (log: $STATE_DIR/logs/apiserver.log)"
  log "kube-apiserver restarted in $((SECONDS - t0))s"
}

start() {
  local owner="${KAITO_TEST_CLUSTER_OWNER_PID:-}"
  while (($#)); do
    case "$1" in
      --owner-pid) owner="${2:-}"; shift 2 ;;
      --owner-pid=*) owner="${1#*=}"; shift ;;
      --apiserver-only) PROFILE=apiserver-only; shift ;;
      *) die "start: unknown argument $1" ;;
    esac
  done
  if [[ -n "$owner" ]] && ! running "$owner"; then
    die "start: owner process '$owner' is not running"
  fi
  command -v openssl >/dev/null || die "openssl is required"
  command -v curl >/dev/null || die "curl is required"
  if status >/dev/null; then
    die "a test cluster is already running ($(read_state server)); run '$0 stop' first"
  fi
  stop # clean up what a killed run left behind

  build
  local t0=$SECONDS attempt rc
  mkdir -p "$STATE_DIR/logs"
  for attempt in 1 2 3; do
    local data_dir
    data_dir="$(mktemp -d "${TMPDIR:-/tmp}/${DATA_PREFIX}XXXXXXXX")"
    echo "$data_dir" >"$STATE_DIR/data-dir"
    if [[ -n "$owner" ]]; then echo "$owner" >"$STATE_DIR/owner.pid"; fi
    echo "$PROFILE" >"$STATE_DIR/profile"
    make_pki "$data_dir/pki"
    rc=0
    start_once "$data_dir" "$owner" || rc=$?
    if ((rc == 0)); then
      log "ready in $((SECONDS - t0))s; KUBECONFIG=$STATE_DIR/kubeconfig"
      return 0
    fi
    stop
    ((rc == 2)) || die "the test cluster did not start (logs in $STATE_DIR/logs)"
    log "a port was taken while starting (attempt $attempt): retrying with other ports"
  done
  die "the test cluster did not start: ports kept being taken"
}

PROFILE=full
case "${1:-}" in
  build) build ;;
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  restart-apiserver) restart_apiserver ;;
  restart) shift; restart_component "$@" ;;
  *)
    echo "usage: $0 build|start [--owner-pid PID] [--apiserver-only]|stop|status|restart-apiserver|restart COMPONENT" >&2
    exit 2
    ;;
esac
