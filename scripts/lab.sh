#!/usr/bin/env bash
# scripts/lab.sh: the three-server lab on loopback.
#
#   scripts/lab.sh up            start three servers (bootstrap_expect = 3)
#   scripts/lab.sh down          stop them (SIGTERM: graceful leave)
#   scripts/lab.sh status        processes, leader and Raft peers
#   scripts/lab.sh kill-leader   kill -9 the current leader
#   scripts/lab.sh restart N     (re)start server N (1-3)
#   scripts/lab.sh logs N        follow server N's log
#   scripts/lab.sh client N      (re)start client agent N
#
# With STEPPE_LAB_CLIENTS=K (make lab sets 2), `up` also starts K client
# agents: client N on $net.(10+N), data in $STEPPE_LAB_DIR/cN, talking to
# the three servers. `down` stops them and the tasks they run (tasks
# outlive a stopped client agent by design, so the lab kills them).
#
# Server N listens on 127.0.1.N with the standard ports (HTTP 4646, RPC
# 4647) and keeps its data in $STEPPE_LAB_DIR/sN (default ./lab). Servers 2
# and 3 know only server 1 (-retry-join 127.0.1.1). STEPPE_LAB_NET picks
# another 127.x.y network; STEPPE_LAB_ARGS adds agent flags.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${STEPPE_BIN:-$root/build/steppe}
dir=${STEPPE_LAB_DIR:-$root/lab}
n_servers=3
n_clients=${STEPPE_LAB_CLIENTS:-0}
net=${STEPPE_LAB_NET:-127.0.1}

addr() { echo "$net.$1"; }
pidfile() { echo "$dir/s$1.pid"; }

running() { # N; a zombie (killed, not yet reaped) counts as stopped
	local p st
	p=$(cat "$(pidfile "$1")" 2>/dev/null) || return 1
	st=$(ps -o stat= -p "$p" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

start() { # N
	local n=$1 join=()
	if running "$n"; then
		echo "server $n already running (pid $(cat "$(pidfile "$n")"))"
		return
	fi
	[ "$n" -ne 1 ] && join=(-retry-join "$(addr 1)")
	mkdir -p "$dir/s$n"
	# shellcheck disable=SC2086 # STEPPE_LAB_ARGS: extra agent flags
	nohup "$bin" agent -server -bootstrap-expect $n_servers \
		-bind "$(addr "$n")" -data-dir "$dir/s$n" -node "s$n" \
		"${join[@]}" ${STEPPE_LAB_ARGS:-} >>"$dir/s$n.log" 2>&1 </dev/null &
	echo $! >"$(pidfile "$n")"
	echo "server $n started: http://$(addr "$n"):4646 (pid $!, log $dir/s$n.log)"
}

cpidfile() { echo "$dir/c$1.pid"; }
crunning() { # N
	local p st
	p=$(cat "$(cpidfile "$1")" 2>/dev/null) || return 1
	st=$(ps -o stat= -p "$p" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st#Z}" = "$st" ]
}

start_client() { # N
	local n=$1 ip servers
	ip=$net.$((10 + n))
	servers=$(addr 1):4647,$(addr 2):4647,$(addr 3):4647
	if crunning "$n"; then
		echo "client $n already running (pid $(cat "$(cpidfile "$n")"))"
		return
	fi
	mkdir -p "$dir/c$n"
	# shellcheck disable=SC2086 # STEPPE_LAB_CLIENT_ARGS: extra agent flags
	nohup "$bin" agent -client -bind "$ip" -data-dir "$dir/c$n" -node "c$n" \
		-servers "$servers" ${STEPPE_LAB_CLIENT_ARGS:-} >>"$dir/c$n.log" 2>&1 </dev/null &
	echo $! >"$(cpidfile "$n")"
	echo "client $n started: http://$ip:4646 (pid $!, log $dir/c$n.log)"
}

# The tasks of the lab's clients: their executors' pid files.
kill_tasks() {
	local f tp ep
	for f in "$dir"/c*/client/tasks/*/*/pid.json; do
		[ -f "$f" ] || continue
		tp=$(jq -r '.TaskPid // empty' "$f" 2>/dev/null || true)
		ep=$(jq -r '.ExecutorPid // empty' "$f" 2>/dev/null || true)
		[ -z "$ep" ] || kill -9 "$ep" 2>/dev/null || true
		[ -z "$tp" ] || kill -9 -- "-$tp" 2>/dev/null || kill -9 "$tp" 2>/dev/null || true
	done
	# Allocation secrets dirs are tmpfs mounts.
	awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
		xargs -r umount -l 2>/dev/null || true
}

leader() { # prints the leader's RPC address, or nothing
	local n l
	for n in $(seq 1 $n_servers); do
		running "$n" || continue
		l=$(curl -sf --max-time 2 "http://$(addr "$n"):4646/v1/status/leader?stale" 2>/dev/null | tr -d '"') || continue
		if [ -n "$l" ]; then
			echo "$l"
			return 0
		fi
	done
	return 1
}

wait_leader() { # waits up to 30 s for a leader
	local deadline=$(($(date +%s) + 30)) l
	while [ "$(date +%s)" -lt "$deadline" ]; do
		l=$(leader || true)
		if [ -n "$l" ]; then
			echo "leader: $l"
			return 0
		fi
		sleep 0.2
	done
	echo "no leader yet; see scripts/lab.sh status and the logs" >&2
	return 1
}

usage() {
	echo "usage: scripts/lab.sh up|down|status|kill-leader|restart N|logs N|client N" >&2
	exit 1
}

cmd_up() {
	[ -x "$bin" ] || make -C "$root" -s
	mkdir -p "$dir"
	for n in $(seq 1 $n_servers); do start "$n"; done
	wait_leader
	for n in $(seq 1 "$n_clients"); do start_client "$n"; done
	echo
	echo "The lab is up. Point the CLI at any server:"
	echo "  export STEPPE_ADDR=http://$(addr 2):4646"
	echo "  $bin operator raft list-peers"
	echo "  $bin job run examples/hello.hcl"
	echo "  $bin job status"
	echo "Failover drill: scripts/lab.sh kill-leader, then scripts/lab.sh restart N."
	echo "Stop it with: scripts/lab.sh down"
}

cmd_down() {
	local c
	for c in "$dir"/c*.pid; do
		[ -f "$c" ] || continue
		kill -TERM "$(cat "$c")" 2>/dev/null || true
		rm -f "$c"
		echo "client ${c##*/c} stopping" | sed 's/.pid//'
	done
	kill_tasks
	for n in $(seq 1 $n_servers); do
		if running "$n"; then
			kill -TERM "$(cat "$(pidfile "$n")")" 2>/dev/null || true
			echo "server $n stopping"
		fi
	done
	for n in $(seq 1 $n_servers); do
		for _ in $(seq 1 100); do running "$n" || break; sleep 0.1; done
		rm -f "$(pidfile "$n")"
	done
}

cmd_status() {
	local l
	for n in $(seq 1 $n_servers); do
		if running "$n"; then
			echo "server $n: running (pid $(cat "$(pidfile "$n")")) at $(addr "$n")"
		else
			echo "server $n: stopped"
		fi
	done
	l=$(leader || true)
	echo "leader: ${l:-none}"
	for n in $(seq 1 $n_servers); do
		if running "$n"; then
			"$bin" operator raft list-peers -stale -address "http://$(addr "$n"):4646" || true
			break
		fi
	done
}

cmd_kill_leader() {
	local l ip n
	l=$(leader || true)
	[ -n "$l" ] || { echo "no leader to kill" >&2; exit 1; }
	ip=${l%:*}
	n=${ip##*.}
	kill -9 "$(cat "$(pidfile "$n")")"
	echo "killed server $n (the leader, $l); restart it with: scripts/lab.sh restart $n"
}

cmd_restart() {
	local n=${1:?usage: scripts/lab.sh restart N}
	if running "$n"; then
		kill -TERM "$(cat "$(pidfile "$n")")" 2>/dev/null || true
		for _ in $(seq 1 100); do running "$n" || break; sleep 0.1; done
	fi
	start "$n"
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
kill-leader) cmd_kill_leader ;;
restart) cmd_restart "${2:-}" ;;
client) start_client "${2:?usage: scripts/lab.sh client N}" ;;
logs) exec tail -f "$dir/s${2:?usage: scripts/lab.sh logs N}.log" ;;
*) usage ;;
esac
