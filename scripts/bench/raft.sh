#!/usr/bin/env bash
# scripts/bench/raft.sh: steppe's three-server lab against a three-member
# etcd cluster (Debian's etcd-server), both on loopback, driven by the same
# load tool (scripts/bench/loadgen.c) with the same concurrency.
#
#   scripts/bench/raft.sh
#
# For each system, one after the other so that they never compete for the
# CPU: writes per second, p50 and p99 latency and errors with 1 and 64
# concurrent clients (closed loop, keep-alive connections) against the
# leader, then the same through a follower; then, under a steady open-loop
# write load sent to the two followers, kill -9 of the leader and the time
# from the kill to the first write acknowledged (2xx) among those sent after
# it, three times (the killed member is restarted and caught up in between),
# median reported. Prints a table and the steppe/etcd ratios against the
# goal of issue 3: at least 2x the writes per second, at most 0.5x the
# failover time. A member that dies during a measurement is reported in a
# note (and its row marked), restarted, and the run goes on.
#
# Writes: steppe gets PUT /v1/jobs with a one-task raw_exec job and a new
# job ID per request; etcd gets POST /v3/kv/put (its JSON gateway) with a
# new key per request.
#
# Environment (all optional):
#   BENCH_DURATION=10       seconds per throughput level
#   BENCH_CLIENTS="1 64"    concurrency levels
#   BENCH_FOLLOWER=1        also measure writes sent to a follower (0: skip)
#   BENCH_FAILOVER_RUNS=3   leader kills per system
#   BENCH_FAILOVER_RATE=200 steady load during a kill, writes/s (the
#                           resolution of the failover time is 1/RATE)
#   BENCH_SYSTEMS="steppe etcd"
#   BENCH_KEEP=0            1: keep the data and logs folder
#   BUILD=build             where steppe and loadgen are built
#   STEPPE_BIN              a steppe binary to use instead of building one
#   STEPPE_LAB_ARGS         extra agent flags, passed on to scripts/lab.sh
#                           (e.g. "-config FILE" for a diagnostic run)
#
# Addresses: steppe on 127.0.5.1-3 (HTTP 4646, RPC 4647) through
# scripts/lab.sh, etcd on 127.0.4.1-3 (client 2379, peer 2380). Data lives in
# a temporary folder that is removed on exit; every process started here is
# stopped on exit, Ctrl-C included. etcd and etcdctl are installed with
# apt-get (etcd-server, etcd-client) when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

duration=${BENCH_DURATION:-10}
levels=${BENCH_CLIENTS:-1 64}
follower=${BENCH_FOLLOWER:-1}
fo_runs=${BENCH_FAILOVER_RUNS:-3}
fo_rate=${BENCH_FAILOVER_RATE:-200}
systems=${BENCH_SYSTEMS:-steppe etcd}
build=${BUILD:-build}
steppe_net=127.0.5
etcd_net=127.0.4
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY='*' no_proxy='*'

log() { printf '%s\n' "$*" >&2; }
die() { log "raft.sh: $*"; exit 1; }

# ---- setup ------------------------------------------------------------------

need_etcd() {
	command -v etcd >/dev/null && command -v etcdctl >/dev/null && return
	[ "$(id -u)" -eq 0 ] || die "etcd is missing: apt-get install etcd-server etcd-client"
	log "installing etcd-server and etcd-client"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q etcd-server etcd-client >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q etcd-server etcd-client >&2; } ||
		die "could not install etcd-server and etcd-client"
}

build_tools() {
	if [ -z "${STEPPE_BIN:-}" ]; then
		make -s BUILD="$build" "$build/steppe" >&2
		STEPPE_BIN=$root/$build/steppe
	fi
	[ -x "$STEPPE_BIN" ] || die "no steppe binary at $STEPPE_BIN"
	STEPPE_BIN=$(realpath "$STEPPE_BIN")
	mkdir -p "$build/bench"
	# shellcheck disable=SC2046
	cc -std=c11 -O2 -Wall -Wextra -o "$build/bench/loadgen" \
		scripts/bench/loadgen.c $(pkg-config --cflags --libs libcurl) ||
		die "could not build the load generator"
	loadgen=$root/$build/bench/loadgen
}

answers() { # URL: true when something answers there
	curl -s -o /dev/null --max-time 1 "$1"
}

check_free() {
	local n
	for n in 1 2 3; do
		! answers "http://$steppe_net.$n:4646/" ||
			die "something already answers on $steppe_net.$n:4646"
		! answers "http://$etcd_net.$n:2379/health" ||
			die "something already answers on $etcd_net.$n:2379"
	done
}

# ---- cleanup ----------------------------------------------------------------

work=
etcd_pids=(0 0 0 0)
steppe_up=0

alive() { # PID: running and not a zombie (init may reap orphans late)
	local st
	[ "$1" -gt 0 ] 2>/dev/null || return 1
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	[[ $st != Z* ]]
}

stop_pid() { # PID: SIGTERM, up to 5 s, then SIGKILL
	local p=$1
	alive "$p" || return 0
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 1 50); do
		alive "$p" || return 0
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null || true
}

stop_steppe() {
	local n p
	[ "$steppe_up" -eq 1 ] || return 0
	for n in 1 2 3; do
		p=$(cat "$work/steppe/s$n.pid" 2>/dev/null) || continue
		stop_pid "$p"
	done
	steppe_up=0
}

stop_etcd() {
	local n
	for n in 1 2 3; do
		stop_pid "${etcd_pids[$n]}"
		etcd_pids[n]=0
	done
}

cleanup() {
	local rc=$?
	trap '' INT TERM
	stop_steppe
	stop_etcd
	if [ "$rc" -ne 0 ] && [ -n "$work" ] && [ -d "$work" ]; then
		log "raft.sh: failed (exit $rc); last lines of the server logs:"
		for f in "$work"/steppe/s?.log "$work"/etcd/e?.log; do
			[ -f "$f" ] || continue
			log "== $f"
			tail -n 5 "$f" >&2 || true
		done
	fi
	if [ -n "$work" ] && [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "raft.sh: kept $work"
	elif [ -n "$work" ]; then
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- steppe -----------------------------------------------------------------

lab() { # run from $work, where a core dump would land
	(cd "$work" && STEPPE_BIN=$STEPPE_BIN STEPPE_LAB_NET=$steppe_net \
		STEPPE_LAB_DIR=$work/steppe "$root/scripts/lab.sh" "$@")
}

steppe_url() { echo "http://$steppe_net.$1:4646"; }

steppe_pid() { cat "$work/steppe/s$1.pid" 2>/dev/null || echo 0; }

steppe_log() { echo "$work/steppe/s$1.log"; }

steppe_leader() { # prints the leader's number (1-3), or fails
	local n l
	for n in 1 2 3; do
		alive "$(steppe_pid "$n")" || continue
		l=$(curl -sf --max-time 1 "$(steppe_url "$n")/v1/status/leader?stale") || continue
		l=${l//\"/}
		l=${l%:*}
		[ -n "$l" ] && { echo "${l##*.}"; return 0; }
	done
	return 1
}

steppe_index() { # N: the job table index that server N has applied
	curl -sf --max-time 1 -D - -o /dev/null \
		"$(steppe_url "$1")/v1/jobs?stale&prefix=none-" |
		tr -d '\r' | awk -F': ' 'tolower($1) == "x-nomad-index" { print $2 }'
}

steppe_settled() { # every server follows one leader and has its index
	local l n want got ln
	l=$(steppe_leader) || return 1
	want=$(steppe_index "$l") || return 1
	[ -n "$want" ] || return 1
	for n in 1 2 3; do
		ln=$(curl -sf --max-time 1 "$(steppe_url "$n")/v1/status/leader?stale") || return 1
		[ "$ln" = "\"$steppe_net.$l:4647\"" ] || return 1
		got=$(steppe_index "$n") || return 1
		[ -n "$got" ] && [ "$got" -ge "$want" ] || return 1
	done
}

steppe_describe() { # one line per server: its leader and index
	local n
	for n in 1 2 3; do
		echo "  steppe s$n (pid $(steppe_pid "$n")): leader $(curl -sf --max-time 1 \
			"$(steppe_url "$n")/v1/status/leader?stale" || echo '?'), index $(steppe_index "$n" || echo '?')"
	done
}

steppe_start() {
	mkdir -p "$work/steppe"
	lab up >/dev/null || die "the steppe lab did not elect a leader"
	steppe_up=1
}

steppe_restart() { lab restart "$1" >/dev/null; }

steppe_stop() { lab down >/dev/null 2>&1 || true; stop_steppe; }

# ---- etcd -------------------------------------------------------------------

etcd_url() { echo "http://$etcd_net.$1:2379"; }

etcd_pid() { echo "${etcd_pids[$1]}"; }

etcd_log() { echo "$work/etcd/e$1.log"; }

etcd_endpoints() { echo "$(etcd_url 1),$(etcd_url 2),$(etcd_url 3)"; }

etcd_run() { # N: starts (or restarts, from its data dir) member N
	local n=$1 a=$etcd_net.$1 cluster
	cluster=e1=http://$etcd_net.1:2380,e2=http://$etcd_net.2:2380,e3=http://$etcd_net.3:2380
	mkdir -p "$work/etcd"
	(cd "$work" && exec etcd --name "e$n" --data-dir "$work/etcd/e$n" \
		--listen-client-urls "http://$a:2379" \
		--advertise-client-urls "http://$a:2379" \
		--listen-peer-urls "http://$a:2380" \
		--initial-advertise-peer-urls "http://$a:2380" \
		--initial-cluster "$cluster" --initial-cluster-state new \
		--initial-cluster-token steppe-bench \
		>>"$work/etcd/e$n.log" 2>&1 </dev/null) &
	etcd_pids[n]=$!
	disown "$!" # no "Killed" notice from bash when loadgen kills it
}

etcd_status() { # endpoint, id, version, size, leader, learner, term, index, applied
	ETCDCTL_API=3 etcdctl --dial-timeout=1s --command-timeout=2s \
		--endpoints="$(etcd_endpoints)" endpoint status 2>/dev/null
}

etcd_leader() { # prints the leader's number (1-3), or fails
	local l
	l=$(etcd_status | awk -F', ' '$5 == "true" { print $1 }' | head -n 1)
	l=${l#http://}
	l=${l%:*}
	[ -n "$l" ] || return 1
	echo "${l##*.}"
}

etcd_settled() { # three members answer, one leader, same applied index
	etcd_status | awk -F', ' '
		{ n++; if ($5 == "true") lead++; a[$9] = 1 }
		END { k = 0; for (i in a) k++; exit !(n == 3 && lead == 1 && k == 1) }'
}

etcd_describe() { # endpoint, id, version, size, leader, learner, term, index, applied
	etcd_status | sed 's/^/  etcd /'
}

etcd_start() {
	local n
	for n in 1 2 3; do etcd_run "$n"; done
	wait_for 30 etcd_settled || die "etcd did not form a cluster in 30 s"
}

etcd_restart() { stop_pid "${etcd_pids[$1]}"; etcd_run "$1"; }

etcd_stop() { stop_etcd; }

# ---- measuring --------------------------------------------------------------

wait_for() { # SECONDS CMD...: polls CMD every 0.2 s
	local deadline=$(($(date +%s) + $1))
	shift
	while [ "$(date +%s)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

stable() { # SYSTEM: settled, and the same leader one second later
	local a b
	"${1}_settled" || return 1
	a=$("${1}_leader") || return 1
	sleep 1
	"${1}_settled" || return 1
	b=$("${1}_leader") || return 1
	[ "$a" = "$b" ]
}

kv() { # KEY LINE
	sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"
}

declare -A rps p50 p99 errs fo_all fo_med
notes=()

died=0
check_alive() { # SYSTEM PHASE: notes and restarts members that died; sets died
	local sys=$1 phase=$2 n pid
	died=0
	for n in 1 2 3; do
		pid=$("${sys}_pid" "$n")
		alive "$pid" && continue
		notes+=("$sys member $n (pid $pid) died during $phase; its log ended with: $(tail -n 1 "$("${sys}_log" "$n")" 2>/dev/null)")
		died=1
		log "  $sys member $n died during $phase; restarting it"
		"${sys}_restart" "$n"
	done
	wait_for 60 stable "$sys" ||
		die "$sys did not settle in 60 s after $phase:"$'\n'"$("${sys}_describe")"
}

throughput() { # SYSTEM TARGET(leader|follower) CLIENTS
	local sys=$1 target=$2 c=$3 l n url out
	l=$("${sys}_leader") || die "$sys has no leader"
	n=$l
	[ "$target" = follower ] && n=$((l % 3 + 1))
	url=$("${sys}_url" "$n")
	out=$("$loadgen" -k "$sys" -c "$c" -d "$duration" \
		-p "$sys-$target-$c-$$" "$url" 2>"$work/loadgen.err") ||
		die "loadgen failed on $sys: $(cat "$work/loadgen.err")"
	rps[$sys,$target,$c]=$(kv rps "$out")
	p50[$sys,$target,$c]=$(kv p50_ms "$out")
	p99[$sys,$target,$c]=$(kv p99_ms "$out")
	errs[$sys,$target,$c]=$(kv errors "$out")
	log "  $sys $target c=$c: $out"
	if [ -s "$work/loadgen.err" ]; then log "$(cat "$work/loadgen.err")"; fi
	check_alive "$sys" "the $target run with $c clients"
	[ "$died" = 0 ] || errs[$sys,$target,$c]+=" (a member died)"
}

fo_result=
failover_once() { # SYSTEM RUN: sets fo_result to the ms, "timeout" or "fail"
	local sys=$1 r=$2 l pid urls=() n out ms
	wait_for 60 stable "$sys" ||
		die "$sys did not settle in 60 s before run $r:"$'\n'"$("${sys}_describe")"
	l=$("${sys}_leader") || die "$sys has no leader"
	pid=$("${sys}_pid" "$l")
	for n in 1 2 3; do
		[ "$n" -ne "$l" ] && urls+=("$("${sys}_url" "$n")")
	done
	if out=$("$loadgen" -k "$sys" -K "$pid" -w 2 -r "$fo_rate" -t 30 \
		-p "$sys-fo$r-$$" "${urls[@]}" 2>"$work/loadgen.err"); then
		ms=$(kv failover_ms "$out")
	else
		ms=fail
	fi
	log "  $sys failover $r (killed member $l, pid $pid): $out"
	if [ "$(kv ok_before "$out")" -lt "$(kv sent_before "$out" | awk '{ print int($1 * 0.9) }')" ] 2>/dev/null; then
		notes+=("$sys failover run $r: under 90% of the writes before the kill were acknowledged ($out)")
	fi
	if [ -s "$work/loadgen.err" ]; then log "$(cat "$work/loadgen.err")"; fi
	for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
	"${sys}_restart" "$l"
	check_alive "$sys" "failover run $r"
	fo_result=$ms
}

median() { # values, "timeout" and "fail" sort last
	printf '%s\n' "$@" | sed 's/^timeout$/1e99 timeout/; s/^fail$/2e99 fail/' |
		sort -g | awk '{ v[NR] = ($2 != "" ? $2 : $1) } END { print v[int((NR + 1) / 2)] }'
}

bench_system() { # SYSTEM
	local sys=$1 c r all=()
	log "== $sys: starting three members"
	"${sys}_start"
	wait_for 60 stable "$sys" ||
		die "$sys did not settle in 60 s:"$'\n'"$("${sys}_describe")"
	# warm-up, not reported
	"$loadgen" -k "$sys" -c 8 -d 1 -p "$sys-warm-$$" \
		"$("${sys}_url" "$("${sys}_leader")")" >/dev/null
	for c in $levels; do throughput "$sys" leader "$c"; done
	if [ "$follower" = 1 ]; then
		for c in $levels; do throughput "$sys" follower "$c"; done
	fi
	for r in $(seq 1 "$fo_runs"); do
		failover_once "$sys" "$r"
		all+=("$fo_result")
	done
	fo_all[$sys]="${all[*]}"
	fo_med[$sys]=$(median "${all[@]}")
	log "== $sys: stopping"
	"${sys}_stop"
}

# ---- report -----------------------------------------------------------------

ratio() { # A B: A/B, or "n/a" when either is not a number
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.6f", a / b;
		else printf "n/a" }'
}

two() { # RATIO as "1.23x"
	awk -v r="$1" 'BEGIN { if (r == "n/a") printf "n/a"; else printf "%.2fx", r }'
}

verdict() { # RATIO OP GOAL
	awk -v r="$1" -v op="$2" -v g="$3" 'BEGIN {
		if (r == "n/a") { print "unknown"; exit }
		ok = (op == ">=") ? (r + 0 >= g + 0) : (r + 0 <= g + 0);
		print ok ? "met" : "NOT met" }'
}

report() {
	local sys target c fr v all_met=1
	echo
	echo "Writes (closed loop, ${duration} s per level; latency in ms)"
	printf '%-7s %-9s %7s %10s %9s %9s %7s\n' system target clients \
		writes/s p50 p99 errors
	for target in leader follower; do
		for sys in $systems; do
			for c in $levels; do
				[ -n "${rps[$sys,$target,$c]:-}" ] || continue
				printf '%-7s %-9s %7s %10s %9s %9s %7s\n' "$sys" \
					"$target" "$c" "${rps[$sys,$target,$c]}" \
					"${p50[$sys,$target,$c]}" \
					"${p99[$sys,$target,$c]}" \
					"${errs[$sys,$target,$c]}"
			done
		done
	done
	echo
	echo "Failover (kill -9 of the leader to the first acknowledged write;" \
		"steady load $fo_rate writes/s to the followers)"
	for sys in $systems; do
		printf '%-7s median %8s ms   runs: %s\n' "$sys" \
			"${fo_med[$sys]:-n/a}" "${fo_all[$sys]:-}"
	done
	for v in "${notes[@]}"; do echo "note: $v"; done
	[[ " $systems " == *" steppe "* && " $systems " == *" etcd "* ]] || return 0
	echo
	echo "steppe/etcd (goal of issue 3: writes/s >= 2x, failover <= 0.5x)"
	for c in $levels; do
		fr=$(ratio "${rps[steppe,leader,$c]}" "${rps[etcd,leader,$c]}")
		v=$(verdict "$fr" ">=" 2)
		[ "$v" = met ] || all_met=0
		printf '  writes/s, %3s clients, leader:   %6s   goal >= 2x:   %s\n' \
			"$c" "$(two "$fr")" "$v"
	done
	if [ "$follower" = 1 ]; then
		for c in $levels; do
			fr=$(ratio "${rps[steppe,follower,$c]}" "${rps[etcd,follower,$c]}")
			printf '  writes/s, %3s clients, follower: %6s   (information)\n' \
				"$c" "$(two "$fr")"
		done
	fi
	fr=$(ratio "${fo_med[steppe]}" "${fo_med[etcd]}")
	v=$(verdict "$fr" "<=" 0.5)
	[ "$v" = met ] || all_met=0
	printf '  failover time (median):           %6s   goal <= 0.5x: %s\n' \
		"$(two "$fr")" "$v"
	if [ "$all_met" = 1 ]; then
		echo "goal: met"
	else
		echo "goal: NOT met"
	fi
}

main() {
	echo "raft.sh: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine: nproc $(nproc), load average $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
	need_etcd
	build_tools
	check_free
	work=$(mktemp -d "${TMPDIR:-/tmp}/steppe-bench.XXXXXX")
	echo "steppe: $("$STEPPE_BIN" version 2>/dev/null | head -n 1 || echo "$STEPPE_BIN")"
	echo "etcd: $(etcd --version | head -n 1)"
	for sys in $systems; do bench_system "$sys"; done
	report
}

main "$@"
