#!/usr/bin/env bash
# The master/standby scenario end to end, for a person to watch:
# starts a server, three examples/c/master_standby.c instances, shows which is
# master, kills it with SIGKILL and times the takeover, then asks the new
# master to stop (graceful handover) and times that, and stops everything.
#
#   scripts/demo.sh                 bundled zkserver + this project's libzookeeper_mt
#   DEMO_SERVER=apache DEMO_CLIENT=apache scripts/demo.sh
#                                   Debian's Java server and Apache's C client
#   DEMO_SESSION_MS=4000            session timeout the instances ask for
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
server_kind="${DEMO_SERVER:-zkserver}"
client_kind="${DEMO_CLIENT:-zkrs}"
session_ms="${DEMO_SESSION_MS:-4000}"
release="${ZKRS_RELEASE_DIR:-$root/target/release}"
work="$(mktemp -d /tmp/zkrs-demo.XXXXXX)"
pids=()
server_pid=""

if [ -t 1 ]; then bold=$'\033[1m'; plain=$'\033[0m'; else bold=""; plain=""; fi
say() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && { sleep 0.3; kill -KILL "$server_pid" 2>/dev/null || true; }
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }
# Milliseconds since the epoch of a status line's leading UTC timestamp.
line_ms() { date -u -d "$(cut -d' ' -f1 <<<"$1")" +%s%3N; }

# ---- build the example against the chosen client ----
case "$client_kind" in
  apache) cflags=(-I/usr/include/zookeeper) ; ldflags=(-lzookeeper_mt) ;;
  zkrs)
    [ -f "$release/libzookeeper_mt.so" ] || die "$release/libzookeeper_mt.so missing: run 'make build' first"
    # Programs load the library by its soname (libzookeeper_mt.so.2, as
    # Apache's): offer ours under that name too, ahead of the system's.
    mkdir -p "$work/lib"
    so="$(readlink -f "$release/libzookeeper_mt.so")"
    soname="$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
    ln -sf "$so" "$work/lib/libzookeeper_mt.so"
    ln -sf "$so" "$work/lib/${soname:-libzookeeper_mt.so.2}"
    cflags=(-I"$root/include/zookeeper")
    ldflags=(-L"$work/lib" -Wl,-rpath,"$work/lib" -lzookeeper_mt) ;;
  *) die "DEMO_CLIENT must be zkrs or apache" ;;
esac
say "building examples/c/master_standby.c against the $client_kind C client"
cc -O2 -Wall -pthread "${cflags[@]}" -o "$work/master_standby" "$root/examples/c/master_standby.c" "${ldflags[@]}"
loaded="$(ldd "$work/master_standby" | sed -n 's/.*libzookeeper_mt[^ ]* => \([^ ]*\).*/\1/p')"
echo "master_standby loads $(readlink -f "$loaded")"

# ---- start the server ----
case "$server_kind" in
  zkserver)
    [ -x "$release/zkserver" ] || die "$release/zkserver missing: run 'make build' first"
    "$release/zkserver" --port 0 --data-dir "$work/data" >"$work/server.out" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do grep -q "listening on" "$work/server.out" && break; sleep 0.1; done
    port="$(grep -m1 -o 'listening on .*' "$work/server.out" | sed 's/.*://; s/]//')"
    tick_ms=2000 ;;
  apache)
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    mkdir -p "$work/data"
    printf 'tickTime=2000\ndataDir=%s\nclientPort=%s\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n4lw.commands.whitelist=*\n' \
      "$work/data" "$port" >"$work/zoo.cfg"
    java -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar:/usr/share/java/*" \
      org.apache.zookeeper.server.ZooKeeperServerMain "$work/zoo.cfg" >"$work/server.out" 2>&1 &
    server_pid=$!
    tick_ms=2000 ;;
  *) die "DEMO_SERVER must be zkserver or apache" ;;
esac
[ -n "${port:-}" ] || die "the server printed no port: $(cat "$work/server.out")"
for _ in $(seq 300); do
  python3 - "$port" <<'EOF' 2>/dev/null && break
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"srvr")
sys.exit(0 if b"Mode:" in s.recv(4096) else 1)
EOF
  sleep 0.1
done
say "$server_kind serving on 127.0.0.1:$port (tick ${tick_ms} ms)"

# ---- three instances ----
say "starting three instances of service 'demo' (session timeout ${session_ms} ms)"
for n in 1 2 3; do
  "$work/master_standby" -d 500 -l "$work/zk$n.log" "127.0.0.1:$port" demo "$session_ms" \
    > >(tee "$work/node$n.out" | sed -u "s/^/  node$n | /") 2>&1 &
  pids+=($!)
  disown  # no job-control notice when one is killed on purpose
  sleep 0.2
done

# The pid printed in the status lines (the process we signal).
node_pid() { grep -m1 -o '\[[0-9]*\] STARTING' "$work/node$1.out" | tr -dc 0-9; }
master_node() {  # the node whose latest MASTER/STANDBY/STOPPED word is MASTER
  for n in 1 2 3; do
    last="$(grep -E '\] (MASTER|STANDBY|EXPIRED|STOPPED)' "$work/node$n.out" 2>/dev/null | tail -1 || true)"
    if [[ "$last" == *"] MASTER "* ]]; then echo "$n"; fi
  done
}
wait_master_other_than() {  # waits for a MASTER line from another node after a line count
  local old="$1" deadline=$(( $(now_ms) + $2 ))
  while [ "$(now_ms)" -lt "$deadline" ]; do
    for n in 1 2 3; do
      [ "$n" = "$old" ] && continue
      l="$(tail -n +"$(( ${seen[$n]} + 1 ))" "$work/node$n.out" | grep -m1 '\] MASTER ' || true)"
      [ -n "$l" ] && { echo "$n $l"; return 0; }
    done
    sleep 0.02
  done
  return 1
}
declare -A seen
mark() { for n in 1 2 3; do seen[$n]=$(wc -l <"$work/node$n.out"); done; }

for _ in $(seq 200); do [ -n "$(master_node)" ] && break; sleep 0.05; done
m="$(master_node)"
[ -n "$m" ] || die "no master elected"
sleep 1
say "node$m (pid $(node_pid "$m")) is MASTER; the others stand by"

# Sends SIGNAL to master node OLD and waits up to TIMEOUT_MS for another
# node's MASTER line; sets taker (that node) and dt (ms from the signal).
takeover_after() {
  local signal="$1" old="$2" timeout_ms="$3" t0 got
  mark
  t0=$(now_ms)
  kill -"$signal" "$(node_pid "$old")"
  got="$(wait_master_other_than "$old" "$timeout_ms")" || die "no standby took over"
  taker="${got%% *}"
  dt=$(( $(line_ms "${got#* }") - t0 ))
  sleep 1
}

# ---- crash ----
say "killing the master node$m with SIGKILL: its session must time out first"
takeover_after KILL "$m" $(( session_ms + tick_ms + 10000 ))
new="$taker"
say "node$new took over ${dt} ms after the crash (session timeout ${session_ms} ms + up to one ${tick_ms} ms tick)"

# ---- graceful ----
say "stopping the master node$new with SIGTERM: zookeeper_close ends its session at once"
takeover_after TERM "$new" 5000
say "node$taker took over ${dt} ms after the graceful close"

say "stopping everything"
for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
sleep 0.5
say "done"
