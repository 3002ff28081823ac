#!/usr/bin/env bash
# scripts/chaos/failover.sh [ROUNDS]: leader-kill drill under a write load.
#
# Starts a three-server lab of its own (STEPPE_LAB_NET, default 127.0.6;
# data in a temporary folder) and a steady load of job registrations
# (STEPPE_CHAOS_WRITERS concurrent writers, default 4, each at most
# STEPPE_CHAOS_RATE writes per second, default 25), every job with a unique
# ID, sent to a random server. Then ROUNDS times (default 20): kill -9 the
# leader, wait for a new one, wait for the first acknowledged write, restart
# the killed server and wait until it has caught up.
#
# At the end the load stops and, once the three servers agree on the
# index, every server must hold every acknowledged job (2xx with an
# EvalID), exactly once, never registered twice (Version 0, JobModifyIndex
# = CreateIndex, one evaluation), and nothing that was never sent or was
# refused at connect; writes whose outcome is unknown (timeouts, resets,
# 5xx) may exist or not. The cluster must have one leader and three
# voters, and no server may have died on its own or reported a sanitizer
# error. Prints per-round times and "check: NAME: ok|FAILED" lines; exits
# non-zero on any violation, with the evidence. The data folder (server
# logs, writer log) is kept after a failure, or always with
# STEPPE_CHAOS_KEEP=1; STEPPE_CHAOS_KEEP=0 always removes it.
set -uo pipefail
export LC_ALL=C
root=$(cd "$(dirname "$0")/../.." && pwd)
rounds=${1:-20}
net=${STEPPE_LAB_NET:-127.0.6}
writers=${STEPPE_CHAOS_WRITERS:-4}
rate=${STEPPE_CHAOS_RATE:-25}
export STEPPE_BIN=${STEPPE_BIN:-$root/build/steppe}
export STEPPE_LAB_NET=$net
dir=$(mktemp -d "${TMPDIR:-/tmp}/steppe-chaos.XXXXXX")
export STEPPE_LAB_DIR=$dir/lab
wlog=$dir/writes.log
stop_file=$dir/stop
failed=0
load_pid=

# Per-round deadlines (seconds) and the pace: a kill at most every
# ROUND_MIN_MS.
LEADER_WAIT=10
ACK_WAIT=10
REJOIN_WAIT=20
ROUND_MIN_MS=2000

lab() { "$root/scripts/lab.sh" "$@"; }
A() { echo "http://$net.$1:4646"; }
now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
pid_of() { cat "$STEPPE_LAB_DIR/s$1.pid" 2>/dev/null; }
alive() { local p; p=$(pid_of "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

check() { # NAME OK [EVIDENCE...]
	local name=$1 ok=$2
	shift 2
	if [ "$ok" = 1 ]; then
		echo "check: $name: ok"
	else
		echo "check: $name: FAILED"
		for l in "$@"; do echo "    $l"; done
		failed=1
	fi
}

# wait_for SECONDS CMD...: polls CMD until it succeeds or time runs out.
wait_for() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

stop_load() {
	[ -n "$load_pid" ] || return 0
	touch "$stop_file"
	# Writers finish the request in flight (client timeout 8 s); a
	# watchdog bounds the wait.
	(sleep 15 && kill -9 "$load_pid" 2>/dev/null) &
	local dog=$!
	wait "$load_pid" 2>/dev/null
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	load_pid=
}

cleanup() {
	local n p
	stop_load
	lab down >/dev/null 2>&1
	for n in 1 2 3; do
		p=$(pid_of "$n") && kill -9 "$p" 2>/dev/null
	done
	if [ "${STEPPE_CHAOS_KEEP:-0}" = 1 ] ||
		{ [ "$failed" != 0 ] && [ "${STEPPE_CHAOS_KEEP:-}" != 0 ]; }; then
		echo "data kept in $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the load ---------------------------------------------------------------
# One line per event: T start_ms id server (before sending), then
# A end_ms id server start_ms eval_id (acknowledged), U ... reason (outcome
# unknown), R ... (connection refused: never sent) or X ... (rejected, 4xx).
read -r -d '' WRITER <<'EOF'
import http.client, json, os, random, sys, threading, time

log_path, stop_path, net = sys.argv[1], sys.argv[2], sys.argv[3]
nwriters, rate = int(sys.argv[4]), float(sys.argv[5])
fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

def log(*fields):
    os.write(fd, (" ".join(str(f) for f in fields) + "\n").encode())

def ms():
    return int(time.time() * 1000)

def body(jid):
    task = {"Name": "t", "Driver": "raw_exec", "Config": {"command": "/bin/true"}}
    job = {"ID": jid, "Name": jid, "Type": "batch", "Datacenters": ["dc1"],
           "TaskGroups": [{"Name": "g", "Tasks": [task]}]}
    return json.dumps({"Job": job})

def word(s):
    return "".join(c if c.isalnum() or c in ":-." else "_" for c in s)[:100]

def attempt(n, jid):
    c = http.client.HTTPConnection("%s.%d" % (net, n), 4646, timeout=8)
    try:
        try:
            c.connect()
        except ConnectionRefusedError:
            return "R", "refused"
        except OSError as e:
            return "U", "connect:" + type(e).__name__
        try:
            c.request("PUT", "/v1/jobs", body=body(jid),
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            return "U", type(e).__name__
        text = data.decode(errors="replace")
        if 200 <= r.status < 300:
            try:
                ev = json.loads(text).get("EvalID")
            except ValueError:
                ev = None
            if ev:
                return "A", ev
            return "U", "http%d-without-EvalID:%s" % (r.status, word(text))
        kind = "X" if 400 <= r.status < 500 else "U"
        return kind, "http%d:%s" % (r.status, word(text))
    finally:
        c.close()

def writer(w):
    gap = 1.0 / rate if rate > 0 else 0.0
    k = 0
    while not os.path.exists(stop_path):
        k += 1
        jid = "c%d-%d" % (w, k)
        n = random.randint(1, 3)
        t0 = time.monotonic()
        start = ms()
        log("T", start, jid, n)
        kind, info = attempt(n, jid)
        if kind == "A":
            log("A", ms(), jid, n, start, info)
        else:
            log(kind, ms(), jid, n, start, info)
        spent = time.monotonic() - t0
        if spent < gap:
            time.sleep(gap - spent)

threads = [threading.Thread(target=writer, args=(w,)) for w in range(nwriters)]
for t in threads:
    t.start()
for t in threads:
    t.join()
EOF

# ---- cluster probes ---------------------------------------------------------

# Server N says it is the leader itself.
self_leader() {
	local l
	l=$(curl -sf --max-time 1 "$(A "$1")/v1/status/leader?stale") || return 1
	[ "$l" = "\"$net.$1:4647\"" ]
}

# The number of a server that says it leads, other than $1.
find_leader() {
	local n
	for n in 1 2 3; do
		[ "$n" = "${1:-0}" ] && continue
		alive "$n" && self_leader "$n" && { echo "$n"; return 0; }
	done
	return 1
}

applied_index() { # N
	curl -sf --max-time 2 "$(A "$1")/v1/operator/raft/configuration?stale" |
		jq -er '.Index'
}

# Server N knows a leader and has applied at least index $2.
caught_up() {
	local l i
	l=$(curl -sf --max-time 1 "$(A "$1")/v1/status/leader?stale") || return 1
	[ -n "$(tr -d '"' <<<"$l")" ] || return 1
	i=$(applied_index "$1") || return 1
	[ "$i" -ge "$2" ]
}

# The first write started after $1 (ms) and acknowledged: "end_ms id".
first_ack_after() {
	awk -v k="$1" '$1 == "A" && $5 > k { print $2, $3; exit }' "$wlog"
}
has_ack_after() { [ -n "$(first_ack_after "$1")" ]; }

others_alive() { # all servers but $1 run
	local n
	for n in 1 2 3; do
		[ "$n" = "$1" ] && continue
		alive "$n" || { echo "$n"; return 1; }
	done
}

log_tail() { tail -n 15 "$STEPPE_LAB_DIR/s$1.log" 2>/dev/null | sed 's/^/      /'; }

# ---- the drill ----------------------------------------------------------------

echo "chaos: $rounds rounds, $writers writers at <= $rate/s each, lab on $net.1-3, binary $STEPPE_BIN"
t0=$(now_ms)
if ! lab up >"$dir/lab-up.out" 2>&1; then
	cat "$dir/lab-up.out"
	check "the lab forms" 0 "$(log_tail 1)"
	exit 1
fi
L=
wait_for 15 find_leader >/dev/null && L=$(find_leader)
[ -n "$L" ] || { check "the lab has a leader" 0; exit 1; }

touch "$wlog"
python3 -c "$WRITER" "$wlog" "$stop_file" "$net" "$writers" "$rate" 2>"$dir/writer.err" &
load_pid=$!
# The load runs before the first kill.
wait_for 10 has_ack_after "$t0" || { check "writes are acknowledged before any kill" 0 "$(cat "$dir/writer.err")"; exit 1; }

declare -a r_leader r_ack r_back
done_rounds=0
stuck=
for r in $(seq 1 "$rounds"); do
	L=$(find_leader) || L=
	if [ -z "$L" ] && ! { wait_for "$LEADER_WAIT" find_leader >/dev/null && L=$(find_leader); }; then
		stuck="round $r: no leader before the kill"
		break
	fi
	pid=$(pid_of "$L")
	kill -9 "$pid"
	# After the signal: a write started later cannot reach the old
	# leader's code.
	kill_ms=$(now_ms)
	echo "K $kill_ms s$L" >>"$dir/rounds.log"
	if ! wait_for "$LEADER_WAIT" find_leader "$L" >/dev/null; then
		stuck="round $r: no new leader ${LEADER_WAIT}s after killing server $L"
		break
	fi
	NL=$(find_leader "$L")
	r_leader[r]=$(($(now_ms) - kill_ms))
	if ! wait_for "$ACK_WAIT" has_ack_after "$kill_ms"; then
		stuck="round $r: no acknowledged write ${ACK_WAIT}s after killing server $L (new leader $NL)"
		break
	fi
	read -r ack_ms _ < <(first_ack_after "$kill_ms")
	r_ack[r]=$((ack_ms - kill_ms))
	if ! dead=$(others_alive "$L"); then
		stuck="round $r: server $dead died on its own"
		break
	fi
	# lab.sh restart stops a server it sees running: let the killed
	# one be reaped first (a reaper that never comes is survivable),
	# and try once more if the reaping raced with lab.sh.
	wait_for 5 gone "$pid"
	if ! lab restart "$L" >"$dir/restart.out" 2>&1 &&
		! { wait_for 5 gone "$pid" && lab restart "$L" >"$dir/restart.out" 2>&1; }; then
		stuck="round $r: lab.sh restart $L failed: $(cat "$dir/restart.out")"
		break
	fi
	target=$(applied_index "$NL") || target=0
	if ! wait_for "$REJOIN_WAIT" caught_up "$L" "$target"; then
		stuck="round $r: server $L, restarted, did not catch up to index $target in ${REJOIN_WAIT}s"
		break
	fi
	r_back[r]=$(($(now_ms) - kill_ms))
	printf 'round %2d: killed s%d (leader); new leader s%d seen after %4d ms; first ack after %4d ms; s%d caught up after %5d ms\n' \
		"$r" "$L" "$NL" "${r_leader[r]}" "${r_ack[r]}" "$L" "${r_back[r]}"
	done_rounds=$r
	# Pace: the next kill comes ROUND_MIN_MS after this one at the
	# earliest, with the load running all along.
	left=$((kill_ms + ROUND_MIN_MS - $(now_ms)))
	[ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
done
drill_ms=$(($(now_ms) - t0))
if [ -n "$stuck" ]; then
	ev=("$stuck")
	for n in 1 2 3; do ev+=("server $n (alive: $(alive "$n" && echo yes || echo no)), log tail:" "$(log_tail "$n")"); done
	check "every round recovers (leader, write, rejoin) within its deadline" 0 "${ev[@]}"
else
	check "every round recovers (leader, write, rejoin) within its deadline" 1
fi

stop_load
if [ -s "$dir/writer.err" ]; then
	check "the load ran clean" 0 "$(head -20 "$dir/writer.err")"
fi

# ---- verification -------------------------------------------------------------

# Every server alive (the last killed one was restarted unless stuck).
for n in 1 2 3; do alive "$n" || lab restart "$n" >/dev/null; done

indexes() { # prints "applied jobs-index evals-index" of server N
	local a j e
	a=$(applied_index "$1") || return 1
	j=$(curl -sf -D - -o /dev/null --max-time 10 "$(A "$1")/v1/jobs?stale" | awk -F': ' 'tolower($1)=="x-nomad-index" {print $2}' | tr -d '\r')
	e=$(curl -sf -D - -o /dev/null --max-time 10 "$(A "$1")/v1/evaluations?stale" | awk -F': ' 'tolower($1)=="x-nomad-index" {print $2}' | tr -d '\r')
	[ -n "$j" ] && [ -n "$e" ] && echo "$a $j $e"
}
agree() {
	local a b c
	a=$(indexes 1) && b=$(indexes 2) && c=$(indexes 3) &&
		[ "$a" = "$b" ] && [ "$b" = "$c" ] && self_or_known_leader
}
self_or_known_leader() { find_leader >/dev/null; }
if wait_for 30 agree; then
	check "the three servers agree on the index ($(indexes 1))" 1
else
	check "the three servers agree on the index" 0 "s1: $(indexes 1)" "s2: $(indexes 2)" "s3: $(indexes 3)"
fi

# Leader and voters, as each server sees them.
for n in 1 2 3; do
	out=$("$STEPPE_BIN" operator raft list-peers -stale -address "$(A "$n")" 2>&1)
	v=$(grep -c ' true ' <<<"$out")
	l=$(grep -c ' leader ' <<<"$out")
	[ "$v" = 3 ] && [ "$l" = 1 ]
	check "server $n sees one leader and three voters" $((1 - $?)) "$out"
	peers[n]=$(awk 'NR>1 {print $1, $3, $4}' <<<"$out" | sort)
done
[ "${peers[1]}" = "${peers[2]}" ] && [ "${peers[2]}" = "${peers[3]}" ]
check "the servers agree on the peers and the leader" $((1 - $?)) "${peers[@]}"

# What the writers know.
awk '$1 == "A" { print $3 }' "$wlog" | sort >"$dir/acked"
awk '$1 == "T" { print $3 }' "$wlog" | sort >"$dir/tried"
awk '$1 == "R" || $1 == "X" { print $3 }' "$wlog" | sort >"$dir/not-sent"
awk '$1 != "T" { print $3 }' "$wlog" | sort >"$dir/answered"
comm -23 "$dir/tried" "$dir/answered" >"$dir/no-outcome" # cut off at stop
n_acked=$(wc -l <"$dir/acked")
n_unknown=$(awk '$1 == "U"' "$wlog" | wc -l)
n_refused=$(awk '$1 == "R"' "$wlog" | wc -l)
n_rejected=$(awk '$1 == "X"' "$wlog" | wc -l)
if [ "$n_rejected" -gt 0 ]; then
	check "no valid registration is rejected (4xx)" 0 "$(awk '$1 == "X"' "$wlog" | head -10)"
fi

for n in 1 2 3; do
	jobs=$dir/jobs.$n evals=$dir/evals.$n
	curl -sf --max-time 30 "$(A "$n")/v1/jobs?stale" |
		jq -r '.[] | "\(.ID) \(.CreateIndex) \(.ModifyIndex) \(.JobModifyIndex)"' | sort >"$jobs"
	curl -sf --max-time 30 "$(A "$n")/v1/evaluations?stale" |
		jq -r '.[] | select(.TriggeredBy == "job-register") | .JobID' | sort | uniq -c | awk '{print $2, $1}' >"$evals"
	cut -d' ' -f1 "$jobs" >"$jobs.ids"
	missing=$(comm -23 "$dir/acked" "$jobs.ids")
	[ -z "$missing" ]
	ev=()
	for id in $(head -20 <<<"$missing"); do ev+=("missing $id: $(grep " $id " "$wlog" | tr '\n' ';')"); done
	check "server $n has every acknowledged job ($n_acked)" $((1 - $?)) "${ev[@]}"
	dups=$(uniq -d "$jobs.ids")
	check "server $n lists no job twice" "$([ -z "$dups" ] && echo 1 || echo 0)" "$(head -20 <<<"$dups")"
	stray=$(comm -23 "$jobs.ids" "$dir/tried"; comm -12 "$jobs.ids" "$dir/not-sent")
	check "server $n has no job that was never sent or was refused" "$([ -z "$stray" ] && echo 1 || echo 0)" "$(head -20 <<<"$stray")"
	twice=$(awk '$2 != $4 { print $1, "CreateIndex", $2, "JobModifyIndex", $4 }' "$jobs" | head -20)
	check "server $n: no job got a second version (JobModifyIndex = CreateIndex)" "$([ -z "$twice" ] && echo 1 || echo 0)" "$twice"
	badev=$(join -a1 -e0 -o 0,2.2 "$jobs.ids" "$evals" | awk '$2 != 1 { print $1, $2, "evaluations" }' | head -20)
	check "server $n: one registration evaluation per job (no registration applied twice)" "$([ -z "$badev" ] && echo 1 || echo 0)" "$badev"
done
for n in 2 3; do
	if cmp -s "$dir/jobs.1" "$dir/jobs.$n" && cmp -s "$dir/evals.1" "$dir/evals.$n"; then
		check "servers 1 and $n hold the same jobs and evaluations" 1
	else
		check "servers 1 and $n hold the same jobs and evaluations" 0 \
			"$(diff "$dir/jobs.1" "$dir/jobs.$n" | head -10)" "$(diff "$dir/evals.1" "$dir/evals.$n" | head -10)"
	fi
done

# Version 0 read back on every job whose write had an unknown outcome and
# exists (where a retried write would show), and on a sample of the rest.
{
	awk '$1 == "U" { print $3 }' "$wlog" | sort | comm -12 - "$dir/jobs.1.ids"
	shuf -n 20 "$dir/acked" 2>/dev/null
} >"$dir/probe"
bad=()
while read -r id; do
	v=$(curl -sf --max-time 3 "$(A 1)/v1/job/$id?stale" | jq -r '.Version')
	[ "$v" = 0 ] || bad+=("job $id has Version ${v:-?}")
done <"$dir/probe"
check "sampled jobs have Version 0 ($(wc -l <"$dir/probe") read back)" "$([ ${#bad[@]} -eq 0 ] && echo 1 || echo 0)" "${bad[@]}"

n_jobs=$(wc -l <"$dir/jobs.1")
n_unknown_present=$(awk '$1 == "U" { print $3 }' "$wlog" | sort | comm -12 - "$dir/jobs.1.ids" | wc -l)

# Sanitizer reports land in the logs when the servers exit.
lab down >/dev/null 2>&1
if grep -l "Sanitizer\|runtime error:" "$STEPPE_LAB_DIR"/*.log >/dev/null 2>&1; then
	check "servers ran clean (no sanitizer report in the logs)" 0 \
		"$(grep -h -B2 -A20 "Sanitizer\|runtime error:" "$STEPPE_LAB_DIR"/*.log | head -60)"
else
	check "servers ran clean (no sanitizer report in the logs)" 1
fi

# ---- summary --------------------------------------------------------------------
stats() { # values... -> "min/avg/max"
	printf '%s\n' "$@" | sort -n | awk '{ s += $1; v[NR] = $1 } END {
		if (NR) printf "%d/%d/%d ms", v[1], s / NR, v[NR]; else printf "-" }'
}
echo "summary: rounds $done_rounds of $rounds in $((drill_ms / 1000)) s"
echo "summary: writes acknowledged $n_acked, unknown outcome $n_unknown ($n_unknown_present of them applied), refused $n_refused, rejected $n_rejected, cut off at stop $(wc -l <"$dir/no-outcome")"
echo "summary: jobs on every server $n_jobs"
echo "summary: kill -> new leader seen (min/avg/max) $(stats "${r_leader[@]}")"
echo "summary: kill -> first acknowledged write (min/avg/max) $(stats "${r_ack[@]}")"
echo "summary: kill -> killed server caught up (min/avg/max) $(stats "${r_back[@]}")"
if [ "$failed" = 0 ] && [ "$done_rounds" = "$rounds" ]; then
	echo "PASS"
	exit 0
fi
echo "FAIL"
failed=1
exit 1
