#!/usr/bin/env bash
# e2e: scheduling on the three-server lab (127.0.10.x) with simulated
# nodes (build/nodesim): a job placed across 100 nodes while the leader is
# killed (exactly the requested allocations, no duplicate, no overcommitted
# node), affinity, a node that stops heartbeating (marked down, its
# allocations lost and replaced elsewhere), and a job that cannot be
# placed (the reason on the evaluation, placed once a fitting node joins).
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN
SIM=$(dirname "$S")/nodesim
NET=127.0.10
SERVERS=$NET.1:4647,$NET.2:4647,$NET.3:4647
printf 'server {\n  heartbeat_grace = "3s"\n  min_heartbeat_ttl = "3s"\n  failover_heartbeat_ttl = "10s"\n}\n' >"$T_TMP/hb.hcl"
export STEPPE_BIN=$S STEPPE_LAB_DIR=$T_TMP/lab STEPPE_LAB_NET=$NET STEPPE_LAB_ARGS="-config $T_TMP/hb.hcl"
mkdir -p "$STEPPE_LAB_DIR"
SIMS=()
stop_sims() { local p; for p in "${SIMS[@]}"; do kill "$p" 2>/dev/null; done; }
trap 'stop_sims; scripts/lab.sh down >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT
A() { echo "http://$NET.$1:4646"; }
# Reads from any live server (one of them is killed on purpose).
api() {
	local n q='?'
	[[ $1 == *'?'* ]] && q='&'
	for n in 1 2 3; do curl -sf --max-time 10 "$(A $n)$1${q}stale" && return 0; done
	return 1
}
sim() { # sim NAME ARGS...: starts a simulator, logging to $T_TMP/NAME.log
	local name=$1; shift
	"$SIM" -servers "$SERVERS" -quiet "$@" >"$T_TMP/$name.log" 2>&1 &
	SIMS+=($!)
	eval "SIM_$name=$!"
}
registered() { grep -q "^registered $2 nodes" "$T_TMP/$1.log"; }

jobfile() { # jobfile NAME COUNT CPU MEMORY [EXTRA-GROUP-HCL]
	cat >"$T_TMP/$1.hcl" <<JOB
job "$1" {
  datacenters = ["dc1"]
  group "$1" {
    count = $2
    network {
      port "http" {}
    }
    $5
    task "$1" {
      driver = "raw_exec"
      config {
        command = "/bin/sleep"
        args    = ["1000"]
      }
      resources {
        cpu    = $3
        memory = $4
      }
    }
  }
}
JOB
}

t_run "lab up" 0 scripts/lab.sh up
sim a -count 100 -prefix a -class a -cpu 1000 -memory 4096
sim b -count 1 -prefix b -class b -cpu 1000 -memory 4096
if t_wait 30 bash -c "grep -q '^registered 100 nodes' $T_TMP/a.log && grep -q '^registered 1 nodes' $T_TMP/b.log"; then
	t_ok "101 simulated nodes registered"; else t_fail "101 simulated nodes registered" "$(tail -3 "$T_TMP"/a.log)"; fi
ready() { [ "$(api /v1/nodes | jq '[.[] | select(.Status == "ready")] | length')" = "$1" ]; }
if t_wait 20 ready 101; then t_ok "every node is ready"; else t_fail "every node is ready" "$(api /v1/nodes | jq -c 'map(.Status) | group_by(.) | map({(.[0]): length})')"; fi
B_ID=$(api /v1/nodes | jq -r '.[] | select(.NodeClass == "b") | .ID')

# Affinity: the three allocations of "svc" go to the class b node.
jobfile svc 3 100 64 'affinity {
      attribute = "${node.class}"
      value     = "b"
      weight    = 100
    }'
t_run "svc runs" 0 "$S" job run -detach -address "$(A 2)" "$T_TMP/svc.hcl"
svc_on() { [ "$(api /v1/job/svc/allocations | jq --arg n "$1" '[.[] | select(.NodeID == $n and .ClientStatus == "running")] | length')" = 3 ]; }
if t_wait 20 svc_on "$B_ID"; then t_ok "affinity places svc on the class b node"; else
	t_fail "affinity places svc on the class b node" "$(api /v1/job/svc/allocations | jq -c 'map({NodeID, ClientStatus})')"; fi

# 900 allocations of 100 MHz on nodes of 1000 MHz, the leader killed
# while they are placed.
jobfile web 900 100 64
t_run "web runs" 0 "$S" job run -detach -address "$(A 1)" "$T_TMP/web.hcl"
t_run "kill -9 the leader" 0 scripts/lab.sh kill-leader
KILLED=$(sed -n 's/^killed server \([0-9]\).*/\1/p' <<<"$T_OUT")
live() { api /v1/job/web/allocations | jq '[.[] | select(.DesiredStatus == "run")] | length'; }
running() { [ "$(api /v1/job/web/allocations | jq '[.[] | select(.DesiredStatus == "run" and .ClientStatus == "running")] | length')" = 900 ]; }
if t_wait 60 running; then t_ok "900 web allocations running after the leader kill"; else
	t_fail "900 web allocations running after the leader kill" "$(api /v1/job/web/allocations | jq -c 'map(.DesiredStatus + "/" + .ClientStatus) | group_by(.) | map({(.[0]): length})')" "$(tail -3 "$T_TMP/a.log")" "$(api /v1/nodes | jq -c 'map(.Status) | group_by(.) | map({(.[0]): length})')"; fi
t_eq "exactly 900 live web allocations" 900 "$(live)"
t_eq "no allocation name placed twice" 0 "$(api /v1/job/web/allocations | jq '[.[] | select(.DesiredStatus == "run") | .Name] | group_by(.) | map(select(length > 1)) | length')"
over=$(api "/v1/allocations?resources=true" | jq -r '[.[] | select(.DesiredStatus == "run" and .ClientStatus != "lost")] | group_by(.NodeID) | map({n: .[0].NodeID, cpu: (map(.AllocatedResources.Tasks[].Cpu.CpuShares) | add)}) | map(select(.cpu > 1000)) | length')
t_eq "no node holds more than its 1000 MHz" 0 "$over"
t_run "the killed server comes back" 0 scripts/lab.sh restart "$KILLED"

# The class b node stops heartbeating: it is marked down, svc's
# allocations there are lost and placed again on other nodes.
kill -9 "$SIM_b"
down() { [ "$(api "/v1/node/$B_ID" | jq -r .Status)" = down ]; }
if t_wait 30 down; then t_ok "the silent node is marked down"; else t_fail "the silent node is marked down" "$(api "/v1/node/$B_ID" | jq -c '{Status, Events}')"; fi
t_match "its event says the heartbeat was missed" "Node heartbeat missed" "$(api "/v1/node/$B_ID" | jq -r '.Events[].Message')"
replaced() { [ "$(api /v1/job/svc/allocations | jq --arg n "$B_ID" '[.[] | select(.NodeID != $n and .ClientStatus == "running")] | length')" = 3 ]; }
if t_wait 30 replaced; then t_ok "svc's allocations run again on other nodes"; else t_fail "svc's allocations run again on other nodes" "$(api /v1/job/svc/allocations | jq -c 'map({NodeID, ClientStatus, DesiredStatus})')"; fi
t_eq "the lost allocations say so" 3 "$(api /v1/job/svc/allocations | jq '[.[] | select(.ClientStatus == "lost")] | length')"

# A job no node can take: the evaluation says why, and it is placed when
# a node with enough memory joins.
jobfile big 1 100 20000
t_run "big is accepted" 0 "$S" job run -detach -address "$(A 1)" "$T_TMP/big.hcl"
failed() { api /v1/job/big/evaluations | jq -e '[.[] | select(.FailedTGAllocs.big.DimensionExhausted.memory > 0)] | length > 0' >/dev/null; }
if t_wait 20 failed; then t_ok "the evaluation reports memory exhausted"; else t_fail "the evaluation reports memory exhausted" "$(api /v1/job/big/evaluations | jq -c 'map({Status, FailedTGAllocs})')"; fi
t_eq "a blocked evaluation waits" 1 "$(api /v1/job/big/evaluations | jq '[.[] | select(.Status == "blocked")] | length')"
sim c -count 1 -prefix c -class c -cpu 4000 -memory 32768
placed() { [ "$(api /v1/job/big/allocations | jq '[.[] | select(.ClientStatus == "running")] | length')" = 1 ]; }
if t_wait 30 placed; then t_ok "big is placed once a fitting node joins"; else t_fail "big is placed once a fitting node joins" "$(api /v1/job/big/evaluations | jq -c 'map({Status, TriggeredBy})')"; fi

stop_sims
t_run "lab down" 0 scripts/lab.sh down
for f in "$STEPPE_LAB_DIR"/s*.log; do
	if grep -q "ERROR: AddressSanitizer\|runtime error:" "$f"; then t_fail "no sanitizer report in $(basename "$f")" "$(grep -m3 "AddressSanitizer\|runtime error" "$f")"; fi
done
t_ok "agents ran clean (no sanitizer reports in their logs)"
exit $T_FAILED
