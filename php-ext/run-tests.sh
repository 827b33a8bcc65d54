#!/bin/bash
# Builds the extension out of tree, starts a ZooKeeper server on a free
# loopback port, runs the phpt suite against it and stops the server.
#
#   php-ext/run-tests.sh [run-tests.php options, e.g. -m for valgrind]
#
# ZK_SERVER_CMD  command starting a server that prints "listening on HOST:PORT"
#                (e.g. "target/release/zkserver --port 0"). Unset: Debian's
#                Apache ZooKeeper on a free port with its own dataDir.
# ZK_PREFIX      where libzookeeper_mt lives (default: see build.sh)
# ZK_BUILD_DIR   build directory (default /tmp/php-zookeeper-build)
#
# Tests read ZK_TEST_HOSTS (host:port) and ZK_TEST_SERVER_PID (to pause the
# server for the session-expiry test).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${ZK_BUILD_DIR:-/tmp/php-zookeeper-build}
workdir=$(mktemp -d)
server_pid=""

cleanup() {
	if [ -n "$server_pid" ]; then
		kill -CONT "$server_pid" 2>/dev/null || true
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$workdir"
}
trap cleanup EXIT

"$here/build.sh" "$build" "${ZK_PREFIX:-}" >/dev/null

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

if [ -n "${ZK_SERVER_CMD:-}" ]; then
	# shellcheck disable=SC2086
	(cd "$root" && exec $ZK_SERVER_CMD) >"$workdir/server.log" 2>&1 &
	server_pid=$!
	port=""
	for _ in $(seq 1 100); do
		port=$(sed -n 's/.*listening on [0-9.]*:\([0-9][0-9]*\).*/\1/p' "$workdir/server.log" | head -n1)
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "server did not report its port:"; cat "$workdir/server.log"; exit 1; }
else
	port=$(free_port)
	mkdir -p "$workdir/data"
	cat >"$workdir/zoo.cfg" <<CFG
tickTime=2000
dataDir=$workdir/data
clientPort=$port
clientPortAddress=127.0.0.1
4lw.commands.whitelist=*
admin.enableServer=false
CFG
	java -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*" \
		org.apache.zookeeper.server.ZooKeeperServerMain "$workdir/zoo.cfg" >"$workdir/server.log" 2>&1 &
	server_pid=$!
fi

# Serving, not only listening: Apache answers srvr once its database is up.
for _ in $(seq 1 150); do
	if /usr/bin/python3 -c "
import socket, sys
try:
    s = socket.create_connection(('127.0.0.1', $port), 1)
    s.sendall(b'srvr')
    sys.exit(0 if b'Mode:' in s.recv(4096) else 1)
except Exception:
    sys.exit(1)
" 2>/dev/null; then break; fi
	sleep 0.2
done

export ZK_TEST_HOSTS="127.0.0.1:$port"
export ZK_TEST_SERVER_PID="$server_pid"
export ZK_TEST_EXAMPLES="$root/examples/php"
export NO_INTERACTION=1
export REPORT_EXIT_STATUS=1
php -n /usr/lib/php/*/build/run-tests.php -q -n -d extension_dir="$build/modules" -d extension=zookeeper \
	-d session.save_handler=files "$@" "$build/tests"
