#!/usr/bin/env bash
# The README's quickstart (npm run quickstart): on a fresh machine of this kind, installs
# what is needed, builds, then runs everything on 127.0.0.1 with a work directory in
# .quickstart/: two fake OpenStack clouds (nodepool-fake-cloud), a throwaway ZooKeeper,
# a SQLite database, nodepool-builder with a stand-in disk-image-create, and nodepoold.
# It waits for the pool to reach min-ready, shows it, and keeps running until Ctrl-C,
# SIGINT or SIGTERM (also when sent to `npm run quickstart`'s own pid: npm passes it on, and
# the npm script execs this one), which stops everything it started. If its parent dies
# without passing a signal on, it stops too.
#
#   scripts/quickstart.sh [--until-ready] [--skip-install] [--timeout SECONDS]
#
#   --until-ready   exit 0 as soon as the pool is ready (stopping everything), or 1 when
#                   it is not ready within --timeout seconds (default 300)
#   --skip-install  do not run scripts/install-deps.sh, scripts/install-npm.sh and the build
#
# Environment: QUICKSTART_DIR (default: .quickstart in the repository), QUICKSTART_WEB_PORT
# (status page port; default 8005, or a free port when 8005 is taken).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
UNTIL_READY=0
INSTALL=1
TIMEOUT=300
while [ $# -gt 0 ]; do
  case "$1" in
    --until-ready) UNTIL_READY=1 ;;
    --skip-install) INSTALL=0 ;;
    --timeout) TIMEOUT=${2:?--timeout needs a number of seconds}; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "quickstart: unknown argument \"$1\" (see --help)" >&2; exit 2 ;;
  esac
  shift
done

WORK=${QUICKSTART_DIR:-$ROOT/.quickstart}
LOGS=$WORK/logs
# shellcheck source=lib/zookeeper.sh
. "$ROOT/scripts/lib/zookeeper.sh"

if [ -t 1 ]; then TAG=$'\033[1mquickstart:\033[0m'; else TAG=quickstart:; fi
say() { printf '%s %s\n' "$TAG" "$*"; }
fail() { printf '%s %s\n' "$TAG" "$*" >&2; exit 1; }

# --- 1. Install and build --------------------------------------------------------------
cd "$ROOT"
if [ "$INSTALL" = 1 ]; then
  say "installing Debian packages (scripts/install-deps.sh)"
  bash scripts/install-deps.sh
  say "installing npm modules when needed (scripts/install-npm.sh)"
  bash scripts/install-npm.sh
  say "building (npm run build)"
  npm run --silent build
fi
[ -f dist/cmd/nodepoold-main.js ] || fail "dist/ is missing: run without --skip-install"

# --- Everything started below is stopped by this trap -----------------------------------
PIDS=()          # "name:pid", in start order
stop_pid() {     # name pid signal: signal, wait up to 30 s, then SIGKILL
  local name=$1 pid=$2 sig=$3 waited=0
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 300 ]; then
      say "$name (pid $pid) did not stop within 30 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}
CLEANED=0
ZK_STARTED=0
cleanup() {
  local status=$?
  [ "$CLEANED" = 1 ] && return
  CLEANED=1
  trap - INT TERM
  if [ ${#PIDS[@]} -gt 0 ]; then say "stopping everything it started"; fi
  local i entry
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    entry=${PIDS[$i]}
    # The daemons stop gracefully on SIGTERM (forced after 10 s on their own).
    stop_pid "${entry%%:*}" "${entry##*:}" TERM
  done
  if [ "$ZK_STARTED" = 1 ]; then zk_stop "$WORK/zookeeper"; fi
  exit "$status"
}
trap cleanup EXIT
# Ctrl-C is how the quickstart is meant to end once the pool is up: then it exits 0.
RUNNING=0
trap 'if [ "$RUNNING" = 1 ]; then exit 0; else exit 130; fi' INT
trap 'exit 143' TERM

# Runs a command in its own session (so Ctrl-C reaches only this script, which then stops
# it in order), logging to $LOGS/NAME.log.
start_bg() {
  local name=$1
  shift
  setsid "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  PIDS+=("$name:$!")
}

PARENT=$PPID
check_alive() {
  local entry
  # Orphaned (npm or the shell that started us was killed): stop everything.
  if ! kill -0 "$PARENT" 2>/dev/null; then say "parent process $PARENT is gone"; exit 143; fi
  for entry in "${PIDS[@]}"; do
    if ! kill -0 "${entry##*:}" 2>/dev/null; then
      echo "--- last lines of $LOGS/${entry%%:*}.log:" >&2
      tail -n 20 "$LOGS/${entry%%:*}.log" >&2 || true
      fail "${entry%%:*} exited unexpectedly (log: $LOGS/${entry%%:*}.log)"
    fi
  done
}

wait_for_file() {  # path what seconds
  local waited=0
  while [ ! -s "$1" ]; do
    check_alive
    [ "$waited" -ge $(($3 * 10)) ] && fail "no $2 after $3 s"
    sleep 0.1
    waited=$((waited + 1))
  done
}

# --- 2. Work directory -------------------------------------------------------------------
# Only ever remove a directory an earlier quickstart made (it holds the marker file).
if [ -e "$WORK" ] && [ -n "$(ls -A "$WORK" 2>/dev/null)" ] && [ ! -e "$WORK/.quickstart-work" ]; then
  fail "$WORK exists and was not made by the quickstart: choose another QUICKSTART_DIR"
fi
if [ -f "$WORK/zookeeper/zookeeper.pid" ] && kill -0 "$(cat "$WORK/zookeeper/zookeeper.pid")" 2>/dev/null; then
  fail "another quickstart is running in $WORK: stop it first (Ctrl-C in its terminal)"
fi
rm -rf "$WORK"
mkdir -p "$LOGS/builds" "$WORK/images" "$WORK/zookeeper"
touch "$WORK/.quickstart-work"
say "work directory: $WORK"

# --- 3. Two fake clouds ------------------------------------------------------------------
for cloud in fake-east fake-west; do
  start_bg "$cloud" node bin/nodepool-fake-cloud --port 0 --build-delay 1 \
    --cloud-name "$cloud" --write-clouds-yaml "$WORK/clouds-$cloud.yaml"
done
for cloud in fake-east fake-west; do
  wait_for_file "$WORK/clouds-$cloud.yaml" "clouds.yaml from $cloud" 30
  say "$cloud: $(grep -o 'auth URL .*' "$LOGS/$cloud.log")"
done
# One clouds.yaml holding both clouds (each file starts with its own "clouds:" line).
{ cat "$WORK/clouds-fake-east.yaml"; tail -n +2 "$WORK/clouds-fake-west.yaml"; } > "$WORK/clouds.yaml"
export OS_CLIENT_CONFIG_FILE=$WORK/clouds.yaml

# --- 4. ZooKeeper ------------------------------------------------------------------------
say "starting ZooKeeper"
ZK_STARTED=1
zk_start "$WORK/zookeeper" || fail "cannot start ZooKeeper"
say "ZooKeeper: 127.0.0.1:$ZK_PORT (pid $ZK_PID)"

# --- 5. Configuration --------------------------------------------------------------------
render() {
  sed -e "s|{images_dir}|$WORK/images|g" -e "s|{zookeeper_port}|$ZK_PORT|g" \
      -e "s|{work_dir}|$WORK|g" -e 's|\$schema=\.\./nodepool|$schema='"$ROOT"'/etc/nodepool|' "$1" > "$2"
}
render etc/quickstart/nodepool.yaml "$WORK/nodepool.yaml"
render etc/quickstart/secure.conf "$WORK/secure.conf"
NODEPOOL=(node "$ROOT/bin/nodepool" -c "$WORK/nodepool.yaml" -s "$WORK/secure.conf")
"${NODEPOOL[@]}" config-validate

# --- 6. The daemons ----------------------------------------------------------------------
say "starting nodepool-builder (stand-in disk-image-create)"
start_bg nodepool-builder env NODEPOOL_DIB_CMD="$ROOT/scripts/lib/quickstart-dib.sh" \
  NODEPOOL_BUILD_LOG_DIR="$LOGS/builds" node bin/nodepool-builder -d -c "$WORK/nodepool.yaml"
say "starting nodepoold (node SSH is faked: scripts/lib/quickstart-nodepoold.mjs)"
# The status web app: 127.0.0.1:8005 (upstream's port) unless that is taken.
WEB_PORT=$(node -e 'const net = require("node:net");
  const listen = (port, next) => { const s = net.createServer();
    s.once("error", next); s.listen(port, "127.0.0.1", () => { const p = s.address().port; s.close(() => console.log(p)); }); };
  listen(Number(process.argv[1]), () => listen(0, (err) => { throw err; }));' "${QUICKSTART_WEB_PORT:-8005}")
WEB=http://127.0.0.1:$WEB_PORT
start_bg nodepoold node scripts/lib/quickstart-nodepoold.mjs -d -c "$WORK/nodepool.yaml" \
  -s "$WORK/secure.conf" --web-address "127.0.0.1:$WEB_PORT"

# --- 7. Wait for min-ready ---------------------------------------------------------------
say "waiting for every label to reach min-ready (logs: $LOGS/)"
start=$SECONDS
last=
while :; do
  check_alive
  status=$( ("${NODEPOOL[@]}" list --json 2>/dev/null || echo '[]') \
    | node scripts/lib/pool-status.mjs "$WORK/nodepool.yaml") && ready=1 || ready=0
  if [ "$status" != "$last" ]; then say "$status"; last=$status; fi
  [ "$ready" = 1 ] && break
  if [ $((SECONDS - start)) -ge "$TIMEOUT" ]; then
    fail "the pool is not ready after $TIMEOUT s (logs: $LOGS/)"
  fi
  sleep 2
done

say "the pool is ready after $((SECONDS - start)) s"
echo
echo "\$ nodepool list"
"${NODEPOOL[@]}" list
echo "\$ nodepool dib-image-list"
"${NODEPOOL[@]}" dib-image-list
echo "\$ nodepool image-list"
"${NODEPOOL[@]}" image-list
echo
if node -e "fetch('$WEB/image-list').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then
  say "status page: $WEB/ (also $WEB/image-list, $WEB/dib-image-list, $WEB/metrics)"
else
  say "the status web app does not answer on $WEB (see $LOGS/nodepoold.log)"
fi

if [ "$UNTIL_READY" = 1 ]; then exit 0; fi

cat <<EOF

Try the CLI in another terminal:
  export OS_CLIENT_CONFIG_FILE=$WORK/clouds.yaml
  node $ROOT/bin/nodepool -c $WORK/nodepool.yaml -s $WORK/secure.conf list
  ... hold ID | delete ID | image-build quickstart-small | alien-list

Logs are in $LOGS/. Press Ctrl-C to stop everything.
EOF
RUNNING=1
while :; do
  check_alive
  sleep 2
done
