#!/usr/bin/env bash
# A real kube-apiserver and etcd on 127.0.0.1 for the cluster test suites.
#
#   scripts/test-cluster.sh build    build the binaries once (cached outside the work tree)
#   scripts/test-cluster.sh start [--owner-pid PID]
#                                    start etcd + kube-apiserver, wait for /readyz and write
#                                    .cluster/kubeconfig; with an owner PID (or
#                                    KAITO_TEST_CLUSTER_OWNER_PID) both exit when that process does
#   scripts/test-cluster.sh stop     stop what start started and remove its data
#   scripts/test-cluster.sh status   exit 0 and describe the cluster if it runs, else exit 1
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
STATE_DIR="${KAITO_TEST_CLUSTER_STATE:-$ROOT/.cluster}"
CACHE_ROOT="${KAITO_TEST_CLUSTER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kaito-constructs/test-cluster}"
READY_TIMEOUT="${KAITO_TEST_CLUSTER_TIMEOUT:-120}"
STOP_TIMEOUT=15
DATA_PREFIX="kaito-test-cluster."
# Changing how the binaries are built must change the cache key: bump this.
RECIPE="v1 CGO_ENABLED=0 -trimpath -pgo=off -ldflags=-s,-w,version"

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
    die "Go is not installed (need Go >= $(required_go)); install it from https://go.dev/dl or your package manager"
  fi
}

# The Go version the module needs: its go.mod "go" line (k8s.io/kubernetes sets it).
required_go() { sed -n 's/^go \([0-9][0-9.]*\)$/\1/p' "$MODULE_DIR/go.mod"; }

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
  local have need
  have="$(GOTOOLCHAIN=local "$GO_BIN" env GOVERSION 2>/dev/null)" || die "$GO_BIN does not run"
  have="${have#go}"
  have="${have%%[!0-9.]*}"
  need="$(required_go)"
  version_ge "$have" "$need" ||
    die "Go $have is too old: building kube-apiserver needs Go >= $need ($GO_BIN)"
  GO_VERSION="$have"
}

cache_key() {
  local f
  {
    printf 'recipe %s\ngo %s %s/%s\n' "$RECIPE" "$GO_VERSION" \
      "$(GOTOOLCHAIN=local "$GO_BIN" env GOOS)" "$(GOTOOLCHAIN=local "$GO_BIN" env GOARCH)"
    while IFS= read -r f; do
      printf 'file %s\n' "$f"
      cat "$MODULE_DIR/$f"
    done < <(cd "$MODULE_DIR" && { printf '%s\n' go.mod go.sum; find . -name '*.go' -type f | sed 's#^\./##' | LC_ALL=C sort; })
  } | sha256sum | cut -c1-16
}

# Sets BIN_DIR to the cached binaries, building them on a cache miss.
build() {
  check_go
  local key
  key="$(cache_key)"
  BIN_DIR="$CACHE_ROOT/$key/bin"
  if [[ -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/etcd" ]]; then
    log "binaries cached in $BIN_DIR"
    return 0
  fi
  local k8s_version minor
  k8s_version="$(cd "$MODULE_DIR" && GOTOOLCHAIN=local GOFLAGS=-mod=mod "$GO_BIN" list -m -f '{{.Version}}' k8s.io/kubernetes)"
  minor="$(cut -d. -f2 <<<"$k8s_version")"
  local ldflags="-s -w"
  ldflags+=" -X k8s.io/component-base/version.gitVersion=$k8s_version"
  ldflags+=" -X k8s.io/component-base/version.gitMajor=1"
  ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor"
  ldflags+=" -X k8s.io/component-base/version.gitTreeState=clean"

  mkdir -p "$CACHE_ROOT"
  # Partial builds of interrupted runs.
  find "$CACHE_ROOT" -maxdepth 1 -name '.build-*' -mmin +120 -exec rm -rf {} + 2>/dev/null || true
  local tmp
  tmp="$(mktemp -d "$CACHE_ROOT/.build-$key.XXXXXX")"
  log "building kube-apiserver $k8s_version and etcd with Go $GO_VERSION into $BIN_DIR"
  log "a cold build downloads ~0.5 GB of Go modules and compiles for ~6 min on 2 cores; later builds reuse Go's caches"
  local started=$SECONDS rc=0
  (
    cd "$MODULE_DIR"
    export GOTOOLCHAIN=local CGO_ENABLED=0
    exec nice -n 10 "$GO_BIN" build -v -trimpath -pgo=off -ldflags "$ldflags" \
      -o "$tmp/" ./cmd/kube-apiserver ./cmd/etcd
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
      log "  ... $((SECONDS - started))s, $(grep -vc '^go: ' "$tmp/build.log" || true) packages compiled"
    fi
  done
  wait "$build_pid" || rc=$?
  trap - EXIT INT TERM HUP PIPE
  if ((rc != 0)); then
    grep -v '^[a-zA-Z0-9._/-]*$' "$tmp/build.log" >&2 || tail -n 40 "$tmp/build.log" >&2
    rm -rf "$tmp"
    die "go build failed (exit $rc)"
  fi
  mkdir -p "$tmp/bin"
  mv "$tmp/kube-apiserver" "$tmp/etcd" "$tmp/bin/"
  printf 'kubernetes %s\ngo %s\nbuilt %s\n' "$k8s_version" "$GO_VERSION" "$(date -u +%FT%TZ)" >"$tmp/build-info"
  rm -f "$tmp/build.log"
  if ! mv -T "$tmp" "$CACHE_ROOT/$key" 2>/dev/null; then
    rm -rf "$tmp" # another build of the same key finished first
  fi
  log "built in $((SECONDS - started))s: $(du -sh "$BIN_DIR" | cut -f1) in $BIN_DIR"
  # Keep the three most recent builds (other branches may want theirs); drop older ones.
  local old
  while IFS= read -r old; do
    rm -rf "$old"
  done < <(find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%T@ %p\n' |
    sort -rn | tail -n +4 | cut -d' ' -f2-)
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

# Stops whatever .cluster/ records and removes its data; logs are kept.
stop() {
  local data_dir apiserver_pid etcd_pid
  data_dir="$(read_state data-dir)"
  apiserver_pid="$(read_state apiserver.pid)"
  etcd_pid="$(read_state etcd.pid)"
  if [[ -n "$data_dir" ]]; then
    if [[ -n "$apiserver_pid" ]]; then stop_pid kube-apiserver "$apiserver_pid" "$data_dir"; fi
    if [[ -n "$etcd_pid" ]]; then stop_pid etcd "$etcd_pid" "$data_dir"; fi
    if [[ -d "$data_dir" && "$(basename "$data_dir")" == "$DATA_PREFIX"* ]]; then
      rm -rf "$data_dir"
    fi
  fi
  rm -f "$STATE_DIR"/{kubeconfig,apiserver.pid,etcd.pid,data-dir,server,owner.pid}
}

status() {
  local data_dir apiserver_pid etcd_pid
  data_dir="$(read_state data-dir)"
  apiserver_pid="$(read_state apiserver.pid)"
  etcd_pid="$(read_state etcd.pid)"
  if [[ -n "$data_dir" ]] && ours "$apiserver_pid" "$data_dir" && ours "$etcd_pid" "$data_dir"; then
    echo "running: $(read_state server)"
    echo "kubeconfig: $STATE_DIR/kubeconfig"
    echo "kube-apiserver pid $apiserver_pid, etcd pid $etcd_pid, data $data_dir"
    if [[ -n "$(read_state owner.pid)" ]]; then echo "stops when process $(read_state owner.pid) exits"; fi
    return 0
  fi
  if [[ -n "$data_dir" ]]; then
    echo "not running (stale state in $STATE_DIR: run '$0 stop' to clean up)"
  else
    echo "not running"
  fi
  return 1
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
    </dev/null >"$logs/apiserver.log" 2>&1 &
  local api_pid=$!
  echo "$api_pid" >"$STATE_DIR/apiserver.pid"
  local auth=(--cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key")
  if ! wait_http kube-apiserver "$api_pid" "$server/readyz" "${auth[@]}" ||
    ! wait_http kube-apiserver "$api_pid" "$server/api/v1/namespaces/default" "${auth[@]}"; then
    grep -q 'address already in use' "$logs/apiserver.log" && return 2
    show_log "$logs/apiserver.log"
    return 1
  fi
  echo "$server" >"$STATE_DIR/server"
  write_kubeconfig "$pki" "$server" "$STATE_DIR/kubeconfig"
  log "kube-apiserver ready at $server (pid $api_pid, $((SECONDS - t0))s)"
}

start() {
  local owner="${KAITO_TEST_CLUSTER_OWNER_PID:-}"
  while (($#)); do
    case "$1" in
      --owner-pid) owner="${2:-}"; shift 2 ;;
      --owner-pid=*) owner="${1#*=}"; shift ;;
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

case "${1:-}" in
  build) build ;;
  start) shift; start "$@" ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 build|start [--owner-pid PID]|stop|status" >&2
    exit 2
    ;;
esac
