#!/usr/bin/env bash
# e2e: membership on a running cluster (lab on 127.0.7.x): a fourth server
# started with -retry-join joins as a voter and gets the existing jobs;
# a killed follower is removed with `operator raft remove-peer` and stays
# out; a client-role Raft connection is refused and the server keeps
# serving.
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN
NET=127.0.7
export STEPPE_BIN=$S STEPPE_LAB_DIR=$T_TMP/lab STEPPE_LAB_NET=$NET
lab() { scripts/lab.sh "$@"; }
A() { echo "http://$NET.$1:4646"; }
S4_PID=
cleanup() {
	[ -n "$S4_PID" ] && kill -9 "$S4_PID" 2>/dev/null
	lab down >/dev/null 2>&1
	for n in 1 2 3; do kill -9 "$(cat "$STEPPE_LAB_DIR/s$n.pid" 2>/dev/null)" 2>/dev/null; done
	rm -rf "$T_TMP"
}
trap cleanup EXIT

job() { sed "s/job \"hello\"/job \"$1\"/" examples/hello.hcl >"$T_TMP/$1.hcl"; echo "$T_TMP/$1.hcl"; }
peers() { "$S" operator raft list-peers -stale -address "$(A "$1")" 2>&1; }
n_voters() { peers "$1" | grep -c ' true '; }
leader_of() { curl -sf --max-time 2 "$(A "$1")/v1/status/leader?stale" | tr -d '"'; }
job_ids() { curl -sf --max-time 5 "$(A "$1")/v1/jobs?stale" | jq -c 'map(.ID) | sort'; }
config_ids() { curl -sf --max-time 5 "$(A "$1")/v1/operator/raft/configuration?stale" | jq -c '[.Servers[].ID] | sort'; }
raft_id_of() { # raft ID of server N, from server $2's configuration
	curl -sf --max-time 5 "$(A "$2")/v1/operator/raft/configuration?stale" |
		jq -r --arg a "$NET.$1:4647" '.Servers[] | select(.Address == $a) | .ID'
}

t_run "lab up" 0 lab up
for j in before-1 before-2; do
	t_run "register $j" 0 "$S" job run -detach -address "$(A 2)" "$(job "$j")"
done
want_jobs=$(job_ids 1)
t_eq "jobs before the fourth server" '["before-1","before-2"]' "$want_jobs"

# (a) A fourth server joins the running cluster through server 1.
mkdir -p "$STEPPE_LAB_DIR/s4"
"$S" agent -server -bootstrap-expect 3 -bind "$NET.4" -data-dir "$STEPPE_LAB_DIR/s4" \
	-node s4 -retry-join "$NET.1" >>"$STEPPE_LAB_DIR/s4.log" 2>&1 </dev/null &
S4_PID=$!
four_voters_everywhere() {
	local n
	for n in 1 2 3 4; do [ "$(n_voters "$n")" = 4 ] || return 1; done
}
if t_wait 30 four_voters_everywhere; then t_ok "the fourth server becomes a voter"; else
	t_fail "the fourth server becomes a voter" "$(peers 4)" "$(tail -20 "$STEPPE_LAB_DIR/s4.log")"; fi
same_leader() {
	local l n
	l=$(leader_of 1)
	[ -n "$l" ] || return 1
	for n in 2 3 4; do [ "$(leader_of "$n")" = "$l" ] || return 1; done
}
if t_wait 10 same_leader; then t_ok "the four servers agree on the leader"; else
	t_fail "the four servers agree on the leader" "$(for n in 1 2 3 4; do echo "s$n: $(leader_of "$n")"; done)"; fi
for n in 1 2 3 4; do
	out=$(peers "$n")
	t_eq "server $n lists four voters" 4 "$(grep -c ' true ' <<<"$out")"
	t_eq "server $n lists one leader" 1 "$(grep -c ' leader ' <<<"$out")"
	view[n]=$(awk 'NR>1 {print $1, $2, $3, $4}' <<<"$out" | sort)
done
t_eq "servers 1 and 4 see the same configuration" "${view[1]}" "${view[4]}"
t_match "the new server is listed by name" '^s4\.global .*127\.0\.7\.4:4647' "$(peers 1)"
if t_wait 10 bash -c "[ \"\$(curl -sf '$(A 4)/v1/jobs?stale' | jq -c 'map(.ID) | sort')\" = '$want_jobs' ]"; then
	t_ok "the fourth server has the jobs registered before it joined"
else
	t_fail "the fourth server has the jobs registered before it joined" "want $want_jobs" "got $(job_ids 4)"
fi
t_run "server members lists four servers" 0 "$S" server members -address "$(A 4)"
t_eq "four alive members" 4 "$(grep -c ' alive ' <<<"$T_OUT")"

# (b) kill -9 a follower (server 3, or 2 when 3 leads), then remove it by
# its Raft ID, right away: the leader still counts it alive for a while.
L=$(leader_of 1)
L=${L%:*}
L=${L##*.}
for F in 3 2; do [ "$F" != "$L" ] && break; done
# A survivor to talk to, not the leader: its answers go through forwarding.
OK=$(for n in 1 2 3 4; do [ "$n" != "$L" ] && [ "$n" != "$F" ] && { echo "$n"; break; }; done)
FID=$(raft_id_of "$F" "$L")
t_match "server $F has a Raft ID" '^[0-9]+$' "$FID"
kill -9 "$(cat "$STEPPE_LAB_DIR/s$F.pid")"
t_run "remove-peer the killed server $F" 0 "$S" operator raft remove-peer -peer-id="$FID" -address "$(A "$OK")"
t_match "remove-peer says what it did" "$FID" "$T_OUT"
gone_from() { ! config_ids "$1" | grep -q "\"$FID\""; }
survivors=$(for n in 1 2 3 4; do [ "$n" != "$F" ] && echo "$n"; done)
gone_everywhere() {
	local n
	for n in $survivors; do gone_from "$n" || return 1; done
}
if t_wait 10 gone_everywhere; then t_ok "server $F is gone from the configuration"; else
	t_fail "server $F is gone from the configuration" "$(peers "$L")"; fi
for n in $survivors; do
	t_eq "server $n lists three voters" 3 "$(n_voters "$n")"
done
# It must stay out: the leader must not add it back while it still looks
# alive. Wait until the members list says it failed, then look again.
failed_member() { "$S" server members -address "$(A "$L")" 2>/dev/null | grep -q "^s$F\.global .* failed "; }
if t_wait 30 failed_member; then t_ok "server members shows server $F failed"; else
	t_fail "server members shows server $F failed" "$("$S" server members -address "$(A "$L")" 2>&1)"; fi
if gone_everywhere; then t_ok "server $F stays out of the configuration"; else
	t_fail "server $F stays out of the configuration" "$(peers "$L")" "$(grep -h 'adding server' "$STEPPE_LAB_DIR"/s*.log)"; fi
t_run "register after the removal" 0 "$S" job run -detach -address "$(A "$OK")" "$(job after)"
t_match "the registration has an evaluation" 'Evaluation ID: [0-9a-f-]{36}' "$T_OUT"
has_after() { local n; for n in $survivors; do job_ids "$n" | grep -q '"after"' || return 1; done; }
if t_wait 10 has_after; then t_ok "the job is on every remaining server"; else
	t_fail "the job is on every remaining server" "$(for n in $survivors; do echo "s$n: $(job_ids "$n")"; done)"; fi

# (c) A client-role Raft connection: 0x02, then a hello frame with an
# unknown Raft ID. The server answers 0x01 and closes.
cc -o "$T_TMP/raftpoke" tests/e2e/tools/raftpoke.c -lmsgpackc
t_run "raft hello with an unknown ID" 0 "$T_TMP/raftpoke" "$NET.9" "$NET.$OK" 4647 12345 "$NET.9:4647" global
t_eq "the server refuses (0x01) and closes" "refused closed" "$T_OUT"
t_match "the log names the refusal" 'refusing raft connection .*id 12345' "$(cat "$STEPPE_LAB_DIR/s$OK.log" 2>/dev/null)"
t_run "the server keeps serving" 0 "$S" operator raft list-peers -address "$(A "$OK")"
t_eq "still three voters" 3 "$(grep -c ' true ' <<<"$T_OUT")"
t_run "and keeps accepting writes" 0 "$S" job run -detach -address "$(A "$OK")" "$(job last)"

# Agents built with sanitizers report at exit into their logs.
exited() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0; [[ $st == Z* ]]; }
if [ -n "$S4_PID" ]; then
	kill -TERM "$S4_PID"
	if t_wait 15 exited "$S4_PID"; then t_ok "the fourth server stops on SIGTERM"; else
		t_fail "the fourth server stops on SIGTERM" "$(tail -5 "$STEPPE_LAB_DIR/s4.log")"; kill -9 "$S4_PID"; fi
	wait "$S4_PID" 2>/dev/null
	S4_PID=
fi
lab down >/dev/null 2>&1
if grep -l "Sanitizer\|runtime error:" "$STEPPE_LAB_DIR"/*.log >/dev/null 2>&1; then
	t_fail "agents ran clean" "$(grep -h -A20 "Sanitizer\|runtime error:" "$STEPPE_LAB_DIR"/*.log | head -40)"
else
	t_ok "agents ran clean (no sanitizer reports in their logs)"
fi
exit $T_FAILED
