#!/usr/bin/env bash
# A throwaway standalone ZooKeeper for the quickstart, run from Debian's `zookeeper` package
# (installed by scripts/install-deps.sh) with `java` directly: its own zoo.cfg and data
# directory, a free port on 127.0.0.1, and stopped by pid. Not for production: there,
# use the `zookeeperd` service or a real ensemble (docs/installation.md#zookeeper).
#
# As a command:   scripts/lib/zookeeper.sh start DIR    prints "PORT PID" once it answers
#                 scripts/lib/zookeeper.sh stop DIR     stops the server started in DIR
# Sourced:        zk_start DIR (sets ZK_PORT and ZK_PID), zk_stop DIR
#
# Environment: JAVA (default /usr/bin/java), NODEPOOL_ZK_JAR (default
# /usr/share/java/zookeeper.jar), ZK_PORT (default: a free port), ZK_START_TIMEOUT
# (seconds, default 120).

zk_free_port() {
  node -e 'const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# Sends a four-letter word to 127.0.0.1:$1 and prints the reply (empty on failure).
zk_four_letter() {
  local port=$1 word=$2
  # In a subshell, so that the descriptor and the stderr redirection do not leak.
  ( exec 3<>"/dev/tcp/127.0.0.1/$port" && printf '%s' "$word" >&3 \
      && IFS= read -r -t 2 reply <&3; printf '%s' "${reply:-}" ) 2>/dev/null || true
}

zk_start() {
  local dir=$1
  local java=${JAVA:-/usr/bin/java}
  local jar=${NODEPOOL_ZK_JAR:-/usr/share/java/zookeeper.jar}
  local log_jar=/usr/share/java/slf4j-simple.jar
  local timeout=${ZK_START_TIMEOUT:-120}
  if [ ! -x "$java" ] || [ ! -f "$jar" ]; then
    echo "zookeeper: cannot start: need $java and $jar (run scripts/install-deps.sh)" >&2
    return 1
  fi
  mkdir -p "$dir/data"
  ZK_PORT=${ZK_PORT:-$(zk_free_port)}
  cat > "$dir/zoo.cfg" <<CFG
tickTime=500
dataDir=$dir/data
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr,stat
minSessionTimeout=1000
maxSessionTimeout=60000
maxClientCnxns=0
CFG
  local cp=$jar
  [ -f "$log_jar" ] && cp="$cp:$log_jar"
  # setsid: the server does not get the terminal's Ctrl-C; whoever started it stops it.
  setsid "$java" -Xmx256m -Dzookeeper.jmx.log4j.disable=true -cp "$cp" \
    org.apache.zookeeper.server.ZooKeeperServerMain "$dir/zoo.cfg" \
    >"$dir/zookeeper.log" 2>&1 </dev/null &
  ZK_PID=$!
  echo "$ZK_PID" > "$dir/zookeeper.pid"
  local waited=0
  while [ "$(zk_four_letter "$ZK_PORT" ruok)" != imok ]; do
    if ! kill -0 "$ZK_PID" 2>/dev/null; then
      echo "zookeeper: exited during startup; see $dir/zookeeper.log" >&2
      return 1
    fi
    if [ "$waited" -ge $((timeout * 10)) ]; then
      echo "zookeeper: no answer on port $ZK_PORT after ${timeout}s; see $dir/zookeeper.log" >&2
      zk_stop "$dir"
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

zk_stop() {
  local dir=$1 pid
  [ -f "$dir/zookeeper.pid" ] || return 0
  pid=$(cat "$dir/zookeeper.pid")
  rm -f "$dir/zookeeper.pid"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local waited=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$waited" -ge 100 ]; then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start) zk_start "${2:?usage: zookeeper.sh start DIR}"; echo "$ZK_PORT $ZK_PID" ;;
    stop) zk_stop "${2:?usage: zookeeper.sh stop DIR}" ;;
    *) echo "usage: zookeeper.sh start|stop DIR" >&2; exit 2 ;;
  esac
fi
