#!/usr/bin/env bash
# scripts/bench/sched.sh: scheduling figures.
#   1. the scheduler alone (build/schedbench): one job of 10,000 placements
#      on 5,000 and on 10,000 nodes, placements per second;
#   2. end to end on a three-server lab (127.0.11.x) with simulated nodes
#      (build/nodesim): submission of a 10,000-allocation job on 1,000
#      nodes (just before `job run` against the leader) to every
#      allocation committed (a blocking query on the registration
#      evaluation sees it complete: its outcome is written after every
#      placement of the evaluation), placements per second;
#   3. the leader's resident memory with 10,000 nodes and 100,000
#      allocations (ten jobs of 10,000).
# Prints figures, not verdicts. Goal from issue 4: 50,000 placements per
# second end to end.
#   BUILD=build  SIZES="5000 10000"  E2E_NODES=1000  E2E_COUNT=10000
#   MEM_NODES=10000  MEM_JOBS=10  (MEM_JOBS=0 skips part 3)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${BUILD:-build}
make -s BUILD="$build" "$build/steppe" "$build/nodesim" "$build/schedbench" >/dev/null
S=$root/$build/steppe SIM=$root/$build/nodesim
NET=127.0.11
work=$(mktemp -d)
export STEPPE_BIN=$S STEPPE_LAB_DIR=$work/lab STEPPE_LAB_NET=$NET STEPPE_LAB_ARGS=
mkdir -p "$STEPPE_LAB_DIR"
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; scripts/lab.sh down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
log() { printf '%s\n' "$*"; }

log "== scheduler alone (one job of 10000 placements, best of 3)"
for n in ${SIZES:-5000 10000}; do
	"$build/schedbench" "$n" 10000 3 | sort -t= -k6 -n | tail -1
done

jobfile() { # NAME COUNT
	sed "s/@NAME@/$1/g; s/@COUNT@/$2/" <<'JOB' >"$work/$1.hcl"
job "@NAME@" {
  datacenters = ["dc1"]
  group "g" {
    count = @COUNT@
    network {
      port "http" {}
    }
    task "t" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
      }
      resources {
        cpu    = 10
        memory = 16
      }
    }
  }
}
JOB
}
A() { echo "http://$NET.$1:4646"; }
wait_for() { # SECONDS CMD...
	local end=$(($(date +%s) + $1)); shift
	until "$@"; do [ "$(date +%s)" -lt "$end" ] || return 1; sleep 0.2; done
}
start_sims() { # NODES
	"$SIM" -servers "$NET.1:4647,$NET.2:4647,$NET.3:4647" -count "$1" -quiet \
		-cpu 100000 -memory 200000 >"$work/sim.log" 2>&1 &
	sim_pid=$!
	wait_for 300 grep -q "^registered $1 nodes" "$work/sim.log"
}
eval_done() { # JOB: the registration eval is complete
	[ "$(curl -sf "$(A 1)/v1/job/$1/evaluations?stale" | jq -r '[.[] | select(.TriggeredBy == "job-register")][0].Status')" = complete ]
}
wait_complete() { # ADDR EVAL_ID: blocks on the evaluation until it is complete
	# One curl per change and no other process: the poll itself must not
	# add tens of milliseconds to what is measured.
	local idx=1 out end=$(($(date +%s) + 600)) re='[Xx]-[Nn]omad-[Ii]ndex: ([0-9]+)'
	while [ "$(date +%s)" -lt "$end" ]; do
		out=$(curl -sf -D - "$1/v1/evaluation/$2?index=$idx&wait=30s") || continue
		[[ $out == *'"Status":"complete"'* ]] && return 0
		[[ $out =~ $re ]] && idx=${BASH_REMATCH[1]}
	done
	return 1
}

log "== end to end: ${E2E_COUNT:=10000} allocations on ${E2E_NODES:=1000} simulated nodes"
scripts/lab.sh up >/dev/null
start_sims "$E2E_NODES"
jobfile e2e "$E2E_COUNT"
leader=$(curl -sf "$(A 1)/v1/status/leader" | tr -d '"'); leader=http://${leader%:*}:4646
t0=$(date +%s%N)
eval_id=$("$S" job run -detach -address "$leader" "$work/e2e.hcl")
eval_id=${eval_id##*Evaluation ID: }
wait_complete "$leader" "${eval_id%%[[:space:]]*}"
ms=$((($(date +%s%N) - t0) / 1000000))
placed=$(curl -sf "$(A 1)/v1/job/e2e/allocations" | jq '[.[] | select(.DesiredStatus == "run")] | length')
log "placed=$placed ms=$ms placements_per_s=$(jq -n "$placed / ($ms / 1000) | floor")"
kill "$sim_pid"; sim_pid=
scripts/lab.sh down >/dev/null

if [ "${MEM_JOBS:=10}" -gt 0 ]; then
	log "== leader memory: ${MEM_NODES:=10000} nodes, $((MEM_JOBS * 10000)) allocations"
	rm -rf "$STEPPE_LAB_DIR"; mkdir -p "$STEPPE_LAB_DIR"
	scripts/lab.sh up >/dev/null
	start_sims "$MEM_NODES"
	for j in $(seq 1 "$MEM_JOBS"); do
		jobfile "m$j" 10000
		"$S" job run -detach -address "$(A 1)" "$work/m$j.hcl" >/dev/null
		wait_for 600 eval_done "m$j"
	done
	leader=$(curl -sf "$(A 1)/v1/status/leader" | tr -d '"'); leader=${leader%:*}
	rss_mb() { echo $(($(awk '/VmRSS/ {print $2}' /proc/"$(cat "$STEPPE_LAB_DIR/s$1.pid")"/status) / 1024)); }
	follower=1; [ "${leader##*.}" = 1 ] && follower=2
	allocs=$(curl -sf "$(A 1)/v1/allocations" | jq length)
	log "allocations=$allocs leader_rss_mb=$(rss_mb "${leader##*.}") follower_rss_mb=$(rss_mb $follower)"
fi
