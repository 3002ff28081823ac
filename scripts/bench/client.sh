#!/usr/bin/env bash
# scripts/bench/client.sh: client figures.
#   1. job submission to task running, for a raw_exec task on a -dev
#      agent: the job's SubmitTime (set by the leader) to the task's
#      "Started" event (set by the client once the executor reports the
#      task started), both wall clocks of this machine; p50, p99 and max over
#      RUNS jobs submitted one after another;
#   2. idle resident memory of a server agent and of a client agent (each
#      its own process, NET.2 and NET.3) after IDLE seconds, with one running
#      task, and of that task's executor: RSS, PSS (shared pages divided
#      among the processes that map them) and anonymous memory, from
#      /proc/PID/smaps_rollup. With DETAIL=1 also the largest mappings.
# Prints figures, not verdicts. Goals from issue 5: p50 under 50 ms, idle
# RSS under 10 MB for the client and for the server.
#   BUILD=build  RUNS=50  IDLE=5  NET=127.0.15  DETAIL=0
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${BUILD:-build}
make -s BUILD="$build" "$build/steppe" >/dev/null
S=$root/$build/steppe
NET=${NET:-127.0.15}
RUNS=${RUNS:-50} IDLE=${IDLE:-5}
work=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	pkill -f "executor $work" 2>/dev/null || true
	# raw_exec tasks outlive their executors (own process groups)
	for d in /proc/[0-9]*; do
		case "$(readlink "$d/cwd" 2>/dev/null)" in
		"$work"/*) kill "${d#/proc/}" 2>/dev/null || true ;;
		esac
	done
	sleep 0.5
	awk -v t="$work" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
wait_for() { # SECONDS CMD...
	local end=$(($(date +%s) + $1)); shift
	until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.05; done
}
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
mem() { # NAME PID: RSS, PSS and anonymous memory in MB with one decimal
	awk -v n="$1" '/^Rss:/ {r = $2} /^Pss:/ {p = $2} /^Anonymous:/ {a = $2}
		END {printf "%-9s RSS %5.1f MB  PSS %5.1f MB  anon %5.1f MB\n", n, r / 1024, p / 1024, a / 1024}' \
		"/proc/$2/smaps_rollup"
}
maps() { # PID: resident kB per mapped file (or [heap], [stack], anon), largest first
	awk '/^[0-9a-f]+-[0-9a-f]+ / {f = NF >= 6 ? $6 : "anon"; sub(".*/", "", f)}
		/^Rss:/ {r[f] += $2} END {for (f in r) if (r[f] >= 64) printf "    %6d kB  %s\n", r[f], f}' \
		"/proc/$1/smaps" | sort -rn | awk 'NR <= 20'
}
jobfile() { # NAME
	cat >"$work/$1.hcl" <<JOB
job "$1" {
  datacenters = ["dc1"]
  group "g" {
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
        args    = ["600"]
      }
      resources {
        cpu    = 10
        memory = 10
      }
    }
  }
}
JOB
}

echo "== submission to task running (raw_exec, -dev agent, $RUNS jobs)"
mkdir -p "$work/dev"
"$S" agent -server -client -bootstrap-expect 1 -data-dir "$work/dev" -bind "$NET.1" -node dev \
	>"$work/dev.log" 2>&1 &
pids+=($!)
A=http://$NET.1:4646
ready() { [ "$(curl -sf "$A/v1/nodes" | jq '[.[] | select(.Status == "ready")] | length')" = 1 ]; }
wait_for 30 ready
started() { curl -sf "$A/v1/job/$1/allocations" | jq -e '.[0].TaskStates.t.StartedAt // "0001" | startswith("0001") | not' >/dev/null 2>&1; }
lat=()
for i in $(seq 1 "$RUNS"); do
	jobfile "b$i"
	"$S" job run -detach -address "$A" "$work/b$i.hcl" >/dev/null
	wait_for 30 started "b$i"
	sub=$(curl -sf "$A/v1/job/b$i" | jq -r .SubmitTime)
	id=$(curl -sf "$A/v1/job/b$i/allocations" | jq -r '.[0].ID')
	st_ns=$(curl -sf "$A/v1/allocation/$id" | jq -r '[.TaskStates.t.Events[] | select(.Type == "Started")][0].Time')
	lat+=($(((st_ns - sub) / 1000)))
done
printf '%s\n' "${lat[@]}" | sort -n >"$work/lat"
pct() { awk -v p="$1" '{a[NR]=$1} END {i=int((NR*p+99)/100); if (i<1) i=1; printf "%.1f", a[i]/1000}' "$work/lat"; }
echo "p50 $(pct 50) ms  p99 $(pct 99) ms  max $(pct 100) ms  (goal: p50 < 50 ms)"

echo "== idle memory (separate server and client agents, one running task, ${IDLE}s idle)"
mkdir -p "$work/s" "$work/c"
"$S" agent -server -bootstrap-expect 1 -data-dir "$work/s" -bind "$NET.2" -node s >"$work/s.log" 2>&1 &
spid=$!; pids+=($spid)
"$S" agent -client -data-dir "$work/c" -bind "$NET.3" -node c -servers "$NET.2:4647" >"$work/c.log" 2>&1 &
cpid=$!; pids+=($cpid)
A=http://$NET.2:4646
wait_for 30 ready
jobfile idle
"$S" job run -detach -address "$A" "$work/idle.hcl" >/dev/null
wait_for 30 started idle
sleep "$IDLE" # measuring idle memory: the wait is the measurement, not a sync
epid=$(pgrep -f "executor $work/c" | head -1)
echo "server RSS $(($(rss_kb $spid) / 1024)) MB  client RSS $(($(rss_kb $cpid) / 1024)) MB  executor RSS $(($(rss_kb "$epid") / 1024)) MB  (goal: < 10 MB each agent)"
mem server "$spid"
mem client "$cpid"
mem executor "$epid"
if [ "${DETAIL:-0}" = 1 ]; then
	for p in server:$spid client:$cpid executor:$epid; do
		echo "  ${p%%:*} mappings:"
		maps "${p#*:}"
	done
fi
