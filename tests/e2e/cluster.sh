#!/usr/bin/env bash
# e2e: a three-server cluster on loopback (127.0.2.x), formed with
# bootstrap_expect = 3, driven through the CLI and the HTTP API as a user
# would: peers, replication, forwarding, blocking queries, leader kill and
# restart, full restart, a cluster that waits for its third server, and
# bad input on both ports.
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN
# A low snapshot threshold so the full restart below restores from a
# snapshot plus the log, not the log alone.
printf 'server {\n  raft_snapshot_threshold = 8\n}\n' >"$T_TMP/snap.hcl"
export STEPPE_BIN=$S STEPPE_LAB_DIR=$T_TMP/lab STEPPE_LAB_NET=127.0.2
export STEPPE_LAB_ARGS="-config $T_TMP/snap.hcl"
lab() { scripts/lab.sh "$@"; }
trap 'STEPPE_LAB_NET=127.0.2 scripts/lab.sh down >/dev/null 2>&1; STEPPE_LAB_NET=127.0.3 STEPPE_LAB_DIR=$T_TMP/lab3 scripts/lab.sh down >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT
A() { echo "http://127.0.2.$1:4646"; }

leader_of() { curl -sf --max-time 3 "$(A "$1")/v1/status/leader?stale" | tr -d '"'; }
leader_num() { local l; l=$(leader_of "$1") || return 1; [ -n "$l" ] || return 1; l=${l%:*}; echo "${l##*.}"; }
# The leader as any running server knows it; waits for one to be known.
current_leader() {
	local n deadline=$(($(date +%s) + 15))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		for n in 1 2 3; do leader_num "$n" 2>/dev/null && return 0; done
		sleep 0.1
	done
	return 1
}
has_leader() { [ -n "$(leader_of "$1")" ]; }

t_run "lab up" 0 lab up
for n in 1 2 3; do
	t_run "list-peers on server $n" 0 "$S" operator raft list-peers -address "$(A "$n")"
	t_eq "three voters seen by server $n" 3 "$(grep -c ' true ' <<<"$T_OUT")"
	t_eq "one leader seen by server $n" 1 "$(grep -c ' leader ' <<<"$T_OUT")"
	peers[$n]=$(awk 'NR>1 {print $1, $3, $4}' <<<"$T_OUT" | sort)
done
t_eq "servers 1 and 2 agree" "${peers[1]}" "${peers[2]}"
t_eq "servers 1 and 3 agree" "${peers[1]}" "${peers[3]}"
t_run "server members" 0 "$S" server members -address "$(A 1)"
t_eq "members lists three alive servers" 3 "$(grep -c ' alive ' <<<"$T_OUT")"

L=$(current_leader)
F=$((L % 3 + 1))
job() { sed "s/job \"hello\"/job \"$1\"/" examples/hello.hcl >"$T_TMP/$1.hcl"; echo "$T_TMP/$1.hcl"; }
t_run "register through follower $F" 0 "$S" job run -detach -address "$(A "$F")" "$(job web)"
t_match "registration answers with an evaluation" 'Evaluation ID: [0-9a-f-]{36}' "$T_OUT"
idx() { curl -sf "$(A "$1")/v1/job/$2?stale" | jq -r .ModifyIndex; }
same_index() { local a b c; a=$(idx 1 "$1"); b=$(idx 2 "$1"); c=$(idx 3 "$1"); [ -n "$a" ] && [ "$a" != null ] && [ "$a" = "$b" ] && [ "$b" = "$c" ]; }
if t_wait 10 same_index web; then t_ok "job readable from all three with the same ModifyIndex"; else
	t_fail "job readable from all three with the same ModifyIndex" "$(idx 1 web) $(idx 2 web) $(idx 3 web)"; fi
t_run "job status through the third server" 0 "$S" job status -address "$(A $(((F % 3) + 1)))" web
t_match "job status shows the job" '^ID +=.*web' "$T_OUT"

# Blocking queries: a change wakes the query; no change returns after wait.
N=$(curl -sfi "$(A "$F")/v1/jobs" | awk -F': ' 'tolower($1)=="x-nomad-index" {print $2}' | tr -d '\r')
curl -sfi "$(A "$F")/v1/jobs?index=$N&wait=30s" >"$T_TMP/blocked" &
bq=$!
"$S" job run -detach -address "$(A "$L")" "$(job api)" >/dev/null
if t_wait 10 bash -c "! kill -0 $bq 2>/dev/null"; then t_ok "blocking query returns on change"; else t_fail "blocking query returns on change"; fi
wait $bq 2>/dev/null
NEW=$(awk -F': ' 'tolower($1)=="x-nomad-index" {print $2}' "$T_TMP/blocked" | tr -d '\r')
if [ -n "$NEW" ] && [ "$NEW" -gt "$N" ]; then t_ok "blocking query answers with the new index"; else t_fail "blocking query answers with the new index" "old $N new $NEW"; fi
t_match "blocking query body has the new job" '"ID":"api"' "$(cat "$T_TMP/blocked")"
start=$(date +%s%N)
code=$(curl -s -o /dev/null -w '%{http_code}' "$(A "$F")/v1/jobs?index=$NEW&wait=1s")
ms=$((($(date +%s%N) - start) / 1000000))
t_eq "idle blocking query answers 200" 200 "$code"
if [ "$ms" -ge 900 ]; then t_ok "idle blocking query waits (${ms} ms)"; else t_fail "idle blocking query waits" "${ms} ms"; fi

# Leader failover, three rounds: writes keep working, nothing is lost,
# the killed server comes back as a voter and catches up.
for round in 1 2 3; do
	# The server the lab killed, not one a stale view names: right after
	# an election a follower may still report the previous leader, and
	# restarting that one would leave the killed server down.
	killed=$(lab kill-leader)
	L=$(sed -n 's/^killed server \([0-9]*\) .*/\1/p' <<<"$killed")
	[ -n "$L" ] || L=$(current_leader)
	O=$((L % 3 + 1))
	if t_wait 15 "$S" job run -detach -address "$(A "$O")" "$(job "r$round")" >/dev/null 2>&1; then
		t_ok "round $round: write accepted after killing the leader"
	else
		t_fail "round $round: write accepted after killing the leader"
	fi
	lab restart "$L" >/dev/null
	if t_wait 15 bash -c "curl -sf '$(A "$L")/v1/jobs?stale' | jq -e 'map(.ID) | index(\"r$round\")' >/dev/null"; then
		t_ok "round $round: restarted server caught up"
	else
		t_fail "round $round: restarted server caught up"
	fi
done
# Every server answers again before it is asked (the last one restarted
# may still be starting).
for n in 1 2 3; do t_wait 15 curl -sf --max-time 2 -o /dev/null "$(A "$n")/v1/status/leader"; done
t_run "list-peers after the drills" 0 "$S" operator raft list-peers -address "$(A 1)"
t_eq "still three voters" 3 "$(grep -c ' true ' <<<"$T_OUT")"

# A full restart brings every job back from snapshot plus log.
for i in $(seq 1 12); do "$S" job run -detach -address "$(A 1)" "$(job "s$i")" >/dev/null; done
want=$(curl -sf "$(A "$(current_leader)")/v1/jobs" | jq -c 'map(.ID) | sort')
t_run "lab down" 0 lab down
snaps=$(ls "$T_TMP"/lab/s*/server/raft/ | grep -c '^snapshot-.*[0-9]$')
if [ "$snaps" -gt 0 ]; then t_ok "snapshots were taken ($snaps)"; else t_fail "snapshots were taken" "$(ls "$T_TMP"/lab/s1/server/raft/)"; fi
t_run "lab up again" 0 lab up
got() { curl -sf "$(A 2)/v1/jobs" | jq -c 'map(.ID) | sort'; }
if t_wait 15 bash -c "[ \"\$(curl -sf '$(A 2)/v1/jobs' | jq -c 'map(.ID) | sort')\" = '$want' ]"; then
	t_ok "full restart keeps every job"
else
	t_fail "full restart keeps every job" "want $want" "got $(got)"
fi

# Bad input on the ports: the servers keep serving.
printf '\x07garbage' >/dev/tcp/127.0.2.1/4647 2>/dev/null
printf '\x01\xff\xff\xff\xffxx' >/dev/tcp/127.0.2.1/4647 2>/dev/null
t_run "still serving after RPC garbage" 0 "$S" operator raft list-peers -address "$(A 1)"
# Raft from a stranger: one that claims server 2's Raft ID and address but
# connects from another IP is refused; from server 2's IP, the claim passes
# the hello (libraft then sees a second stream from a known peer).
cc -o "$T_TMP/raftpoke" tests/e2e/tools/raftpoke.c -lmsgpackc
id2=$(curl -sf "$(A 1)/v1/operator/raft/configuration" | jq -r '.Servers[] | select(.Address == "127.0.2.2:4647") | .ID')
t_eq "raft hello claiming server 2 from 127.0.2.9 is refused" "refused closed" "$("$T_TMP/raftpoke" 127.0.2.9 127.0.2.1 4647 "$id2" 127.0.2.2:4647 global)"
t_match "the refusal is logged with the source" 'refusing Raft connection from 127.0.2.9:[0-9]* claiming server' "$(cat "$STEPPE_LAB_DIR/s1.log")"
t_eq "raft hello with an unknown ID is refused" "refused closed" "$("$T_TMP/raftpoke" 127.0.2.2 127.0.2.1 4647 12345 127.0.2.2:4647 global)"
t_run "still serving after the raft strangers" 0 "$S" operator raft list-peers -address "$(A 1)"
code=$(curl -s -o "$T_TMP/body" -w '%{http_code}' -X PUT --data '{"Job": {"ID": 5' "$(A 1)/v1/jobs")
t_eq "malformed job JSON is a 400" 400 "$code"
head -c $((33 * 1024 * 1024)) /dev/zero >"$T_TMP/big.bin"
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$T_TMP/big.bin" "$(A 1)/v1/jobs")
t_eq "oversized body is a 413" 413 "$code"
t_run "still serving after bad HTTP" 0 "$S" job status -address "$(A 1)"
t_run "lab down" 0 lab down

# Two of three: no leader, and the servers say what they wait for.
export STEPPE_LAB_NET=127.0.3 STEPPE_LAB_DIR=$T_TMP/lab3 STEPPE_LAB_ARGS=
mkdir -p "$STEPPE_LAB_DIR"
lab restart 1 >/dev/null
lab restart 2 >/dev/null
waiting() { curl -s "http://127.0.3.1:4646/v1/agent/health" | grep -q '2 of 3'; }
if t_wait 15 waiting; then t_ok "health says 2 of 3 expected servers known"; else t_fail "health says 2 of 3 expected servers known" "$(curl -s http://127.0.3.1:4646/v1/agent/health)"; fi
t_eq "no leader with two of three" '""' "$(curl -s 'http://127.0.3.1:4646/v1/status/leader?stale')"
t_match "the log says it is waiting" 'waiting for more servers.*2 of 3' "$(cat "$STEPPE_LAB_DIR/s1.log")"
lab restart 3 >/dev/null
if t_wait 20 bash -c "[ -n \"\$(curl -sf 'http://127.0.3.2:4646/v1/status/leader?stale' | tr -d '\"')\" ]"; then
	t_ok "the cluster forms when the third server arrives"
else
	t_fail "the cluster forms when the third server arrives"
fi
lab down >/dev/null

# Agents built with sanitizers report at exit into their logs.
if grep -l "Sanitizer" "$T_TMP"/lab/*.log "$T_TMP"/lab3/*.log >/dev/null 2>&1; then
	t_fail "agents ran clean" "$(grep -h -A5 Sanitizer "$T_TMP"/lab/*.log "$T_TMP"/lab3/*.log | head -40)"
else
	t_ok "agents ran clean (no sanitizer reports in their logs)"
fi

exit $T_FAILED
