#!/usr/bin/env bash
# e2e: ACLs on every server RPC (issue 6), on a three-server lab
# (127.0.20.x) with acl { enabled = true }. tests/e2e/acl_rpc_table.tsv
# lists every method with its rule and the outcome for each kind of
# caller; the test fails when a method the server registers is missing
# from it, when a rule differs, or when any call's outcome does. Calls go
# straight to the RPC port through rpcpoke (built next to STEPPE_BIN by
# `make tools`), round-robin over the servers, so followers forward them
# with the caller's token. Then regressions: node secrets reach only their
# own node's RPCs, an empty policy set denies, lists never show another
# namespace's jobs, allocations or evaluations, a job naming its own
# namespace is checked there; a real client agent works with its node
# secret; and no SecretID reaches a server log.
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN
POKE=$(dirname "$S")/rpcpoke
NET=127.0.20
TABLE=tests/e2e/acl_rpc_table.tsv
printf 'acl {\n  enabled = true\n  token_min_expiration_ttl = "1s"\n}\n' >"$T_TMP/acl.hcl"
export STEPPE_BIN=$S STEPPE_LAB_DIR=$T_TMP/lab STEPPE_LAB_NET=$NET
export STEPPE_LAB_ARGS="-config $T_TMP/acl.hcl" STEPPE_LAB_CLIENTS=1
unset STEPPE_TOKEN NOMAD_TOKEN STEPPE_ADDR NOMAD_ADDR STEPPE_NAMESPACE NOMAD_NAMESPACE STEPPE_RPC_TOKEN
trap 'STEPPE_LAB_NET=$NET scripts/lab.sh down >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT

if [ ! -x "$POKE" ]; then
	t_fail "rpcpoke next to $S" "build it with make BUILD=... tools"
	exit 1
fi

# poke SERVER TOKEN NS METHOD [ARGS]: the raw answer in $T_TMP/poke, and
# its class on stdout: ok, denied, notfound, expired or fail (no answer).
poke() {
	local srv=$1 tok=$2 ns=$3 m=$4 nsf=() rc
	shift 4
	[ "$ns" != - ] && nsf=(-namespace "$ns")
	STEPPE_RPC_TOKEN=$tok "$POKE" "${nsf[@]}" "$NET.$srv:4647" "$m" "$@" \
		>"$T_TMP/poke" 2>&1
	rc=$?
	case "$rc:$(head -c 300 "$T_TMP/poke")" in
	0:*) echo ok ;;
	1:"error: Permission denied") echo denied ;;
	1:"error: ACL token not found") echo notfound ;;
	1:"error: ACL token expired") echo expired ;;
	1:*) echo ok ;; # the endpoint's own answer: the ACL let it through
	*) echo fail ;;
	esac
}
# call SERVER TOKEN NS METHOD [ARGS]: the reply JSON (or error line).
call() {
	poke "$@" >/dev/null
	cat "$T_TMP/poke"
}
# mgmt METHOD ARGS [NS]: a call with the management token that must work.
mgmt() {
	local out
	out=$(call 1 "$MGMT" "${3:--}" "$1" "$2")
	if [ "$(head -c 6 <<<"$out")" = "error:" ] || [ -z "$out" ]; then
		echo "$1: $out" >&2
		return 1
	fi
	echo "$out"
}

t_run "lab up" 0 scripts/lab.sh up

# ---- the table covers every method, with the server's own rules --------------
"$POKE" -methods | sort >"$T_TMP/methods"
grep -v '^#' "$TABLE" | cut -f1,2 | sort >"$T_TMP/table"
t_eq "the server registers methods" 1 "$([ -s "$T_TMP/methods" ] && echo 1)"
t_eq "the table lists every method with its rule" "" \
	"$(diff "$T_TMP/methods" "$T_TMP/table" | grep '^[<>]')"

# ---- bootstrap, nodes, jobs ----------------------------------------------------
leader_rpc() { [ -n "$(call 1 "" - Status.Leader | jq -r '.Leader // empty' 2>/dev/null)" ]; }
t_wait 30 leader_rpc
BOOT=$(call 2 "" - ACL.Bootstrap '{}')
MGMT=$(jq -r '.Tokens[0].SecretID' <<<"$BOOT" 2>/dev/null)
MGMT_ACC=$(jq -r '.Tokens[0].AccessorID' <<<"$BOOT" 2>/dev/null)
t_match "ACL.Bootstrap through a follower gives a management token" '^[0-9a-f-]{36}$' "$MGMT"

uuid() { cat /proc/sys/kernel/random/uuid; }
N1=$(uuid) S1=$(uuid) N2=$(uuid) S2=$(uuid) N3=$(uuid) S3=$(uuid)
node_json() { # ID SECRET NAME
	jq -cn --arg id "$1" --arg sec "$2" --arg name "$3" '{ID: $id, SecretID: $sec,
		Name: $name, Datacenter: "dc-fake", Status: "ready", HTTPAddr: "127.0.0.1:4646",
		Attributes: {"kernel.name": "linux", "os.name": "debian", "cpu.arch": "amd64",
			"driver.raw_exec": "1", "unique.hostname": $name},
		NodeResources: {Cpu: {CpuShares: 4000}, Memory: {MemoryMB: 8192},
			Disk: {DiskMB: 100000}}}'
}
NODE1=$(node_json "$N1" "$S1" n1)
register() { # ID SECRET NAME: the node registers itself with its secret
	[ "$(poke 1 "$2" - Node.Register "{\"Node\":$(node_json "$1" "$2" "$3")}")" = ok ] &&
		! grep -q '^error' "$T_TMP/poke"
}
t_run "node 1 registers with its own secret" 0 register "$N1" "$S1" n1
t_run "node 2 registers with its own secret" 0 register "$N2" "$S2" n2

job_json() { # ID [DC [COMMAND]]: a raw_exec service job, one instance
	printf 'job "%s" {\n datacenters = ["%s"]\n group "g" {\n  task "t" {\n   driver = "raw_exec"\n   config {\n    command = "%s"\n    args = ["300"]\n   }\n   resources {\n    cpu    = 100\n    memory = 64\n   }\n  }\n }\n}\n' \
		"$1" "${2:-dc-fake}" "${3:-/bin/true}" >"$T_TMP/$1.hcl"
	"$S" job run -output "$T_TMP/$1.hcl" | jq -c '.Job'
}
JOB=$(job_json web)
t_run "namespace dev" 0 mgmt Namespace.UpsertNamespaces '{"Namespaces":[{"Name":"dev"}]}'
t_run "job web in default" 0 mgmt Job.Register "{\"Job\":$JOB}" default
t_run "job app in dev" 0 mgmt Job.Register "{\"Job\":$(job_json app | jq -c '.Namespace = "dev"')}" dev
allocs_placed() {
	[ "$(call 1 "$MGMT" '*' Alloc.List '{}' | jq '[.Allocations[].Namespace] | unique | length')" = 2 ]
}
if t_wait 20 allocs_placed; then t_ok "both jobs placed"; else t_fail "both jobs placed" "$(cat "$T_TMP/poke")"; fi
ALLOC1=$(call 1 "$MGMT" default Job.Allocations '{"ID":"web"}' | jq -r '.Allocations[0].ID')
ALLOC1_NODE=$(jq -r '.Allocations[0].NodeID' <"$T_TMP/poke")
EVAL1=$(jq -r '.Allocations[0].EvalID' <"$T_TMP/poke") # placed ALLOC1
DEV_ALLOC=$(call 1 "$MGMT" dev Job.Allocations '{"ID":"app"}' | jq -r '.Allocations[0].ID')
DEV_EVAL=$(jq -r '.Allocations[0].EvalID' <"$T_TMP/poke")
# The table's node 1 is the node holding ALLOC1.
if [ "$ALLOC1_NODE" = "$N2" ]; then
	N1=$N2 S1=$S2 N2=$(jq -r '.ID' <<<"$NODE1") S2=$(jq -r '.SecretID' <<<"$NODE1")
	NODE1=$(node_json "$N1" "$S1" n2)
fi
t_eq "the web allocation is on node 1" "$N1" "$ALLOC1_NODE"
t_run "node 3 registers with its own secret" 0 register "$N3" "$S3" n3

# ---- policies and tokens --------------------------------------------------------
declare -A RULES=(
	[list]='namespace "default" { capabilities = ["list-jobs"] }'
	[read]='namespace "default" { capabilities = ["read-job"] }'
	[submit]='namespace "default" { capabilities = ["submit-job"] }'
	[scale]='namespace "default" { capabilities = ["scale-job"] }'
	[node-read]='node { policy = "read" }'
	[node-write]='node { policy = "write" }'
	[op-read]='operator { policy = "read" }'
	[op-write]='operator { policy = "write" }'
	[elsewhere]='namespace "other" { policy = "write" }'
	[ns-all]='namespace "*" { policy = "write" }'
	[all]='namespace "*" { policy = "write" }
node { policy = "write" }
operator { policy = "write" }
agent { policy = "write" }'
	[dev-read]='namespace "dev" { policy = "read" }
node { policy = "read" }'
	[submit-default]='namespace "default" { policy = "write" }'
)
POLICIES=$(for p in "${!RULES[@]}"; do jq -n --arg n "g-$p" --arg r "${RULES[$p]}" '{Name: $n, Rules: $r}'; done | jq -cs '{Policies: .}')
t_run "the test policies" 0 mgmt ACL.UpsertPolicies "$POLICIES"

# The "with" and "without" policy sets per grant.
declare -A WITH=(
	[open]=all [gossip]=all [token]=all [node]=all
	[list]=list [read]=read [submit]=submit [scale]=scale
	[node-read]=node-read [node-write]=node-write [op-read]=op-read [op-write]=op-write
	[mgmt]=all
)
declare -A WITHOUT=(
	[open]=elsewhere [gossip]=elsewhere [token]=elsewhere [node]=elsewhere
	[list]="read submit scale node-write op-write elsewhere"
	[read]="list submit scale node-write op-write elsewhere"
	[submit]="list read node-write op-write elsewhere"
	[scale]="list read node-write op-write elsewhere"
	[node-read]="ns-all op-write"
	[node-write]="node-read ns-all op-write"
	[op-read]="ns-all node-write"
	[op-write]="op-read ns-all node-write"
	[mgmt]=all
)
tok() { # NAME POLICY...
	local n=$1
	shift
	jq -n --arg n "$n" --args '{Name: $n, Type: "client", Policies: [$ARGS.positional[] | "g-" + .]}' "$@"
}
TOKENS=$({
	for g in "${!WITH[@]}"; do
		tok "with-$g" ${WITH[$g]}
		tok "without-$g" ${WITHOUT[$g]}
	done
	tok dev-read dev-read
	tok submit-default submit-default
	tok empty does-not-exist
	jq -n '{Name: "expired", Type: "client", Policies: ["g-all"], ExpirationTTL: 1000000000}'
} | jq -cs '{Tokens: .}')
REPLY=$(mgmt ACL.UpsertTokens "$TOKENS")
secret() { jq -r --arg n "$1" '.Tokens[] | select(.Name == $n) | .SecretID' <<<"$REPLY"; }
t_eq "every test token created" "$(jq '.Tokens | length' <<<"$TOKENS")" "$(jq '.Tokens | length' <<<"$REPLY")"
declare -A TW TWO
for g in "${!WITH[@]}"; do
	TW[$g]=$(secret "with-$g")
	TWO[$g]=$(secret "without-$g")
done
TW[mgmt]=$MGMT
EXPIRED=$(secret expired)
expired() { [ "$(poke 3 "$EXPIRED" - ACL.ResolveToken '{}')" = expired ]; }
if t_wait 10 expired; then t_ok "the 1s token expired"; else t_fail "the 1s token expired" "$(cat "$T_TMP/poke")"; fi

# ---- the table -----------------------------------------------------------------
fill() {
	local a=$1
	a=${a//@N1@/$N1}
	a=${a//@S1@/$S1}
	a=${a//@N3@/$N3}
	a=${a//@ALLOC1@/$ALLOC1}
	a=${a//@EVAL1@/$EVAL1}
	a=${a//@MGMT_ACC@/$MGMT_ACC}
	a=${a//@JOB@/$JOB}
	a=${a//@NODE1@/$NODE1}
	echo "$a"
}
# outcome ROW CALLER SERVER: one cell.
outcome() {
	local method=$1 grant=$2 ns=$3 args=$4 who=$5 srv=$6 token
	case $who in
	none | anon) token= ;;
	without) token=${TWO[$grant]} ;;
	with) token=${TW[$grant]} ;;
	expired) token=$EXPIRED ;;
	mgmt) token=$MGMT ;;
	node) token=$S1 ;;
	esac
	# Node.Deregister removes node 3: it is back before every call.
	[[ $args == *"$N3"* ]] && register "$N3" "$S3" n3
	if [ "$args" = - ]; then poke "$srv" "$token" "$ns" "$method"; else poke "$srv" "$token" "$ns" "$method" "$args"; fi
}
# run_table CALLER...: fills $T_TMP/got_<caller> with "method outcome".
run_table() {
	local i=0 method rule grant ns args rest who
	while IFS=$'\t' read -r method rule grant ns args rest; do
		[[ $method == \#* || -z $method ]] && continue
		args=$(fill "$args")
		for who in "$@"; do
			echo "$method $(outcome "$method" "$grant" "$ns" "$args" "$who" $((i % 3 + 1)))" >>"$T_TMP/got_$who"
		done
		i=$((i + 1))
	done <"$TABLE"
}
COLS=(none anon without with expired mgmt node)
want() { # COLUMN_INDEX (from 6)
	grep -v '^#' "$TABLE" | awk -F'\t' -v c="$1" '{print $1, $c}'
}
rm -f "$T_TMP"/got_*
run_table none
t_run "the anonymous policy" 0 mgmt ACL.UpsertPolicies \
	"$(jq -cn --arg r "${RULES[dev-read]//dev/default}" '{Policies: [{Name: "anonymous", Rules: $r}]}')"
run_table anon without with expired mgmt node
for c in "${!COLS[@]}"; do
	who=${COLS[$c]}
	want $((c + 6)) >"$T_TMP/want_$who"
	t_eq "every method, caller $who" "" "$(diff "$T_TMP/want_$who" "$T_TMP/got_$who" | grep '^[<>]')"
done

# ---- regressions: node secrets -----------------------------------------------
t_eq "a node secret cannot create ACL tokens" notfound \
	"$(poke 2 "$S1" - ACL.UpsertTokens '{"Tokens":[{"Name":"x","Type":"management"}]}')"
t_eq "a node secret cannot register jobs" notfound "$(poke 2 "$S1" default Job.Register "{\"Job\":$JOB}")"
t_eq "a node secret cannot remove Raft peers" notfound \
	"$(poke 3 "$S1" - Operator.RaftRemovePeerByID '{"ID":"1"}')"
t_eq "a node secret cannot write namespaces" notfound \
	"$(poke 1 "$S1" - Namespace.UpsertNamespaces '{"Namespaces":[{"Name":"x"}]}')"
t_eq "node 1 cannot heartbeat for node 2" denied \
	"$(poke 2 "$S1" - Node.UpdateStatus "{\"NodeID\":\"$N2\",\"Status\":\"down\"}")"
t_eq "node 1 cannot pull node 2's allocations" denied \
	"$(poke 3 "$S1" - Node.GetClientAllocs "{\"NodeID\":\"$N2\",\"SecretID\":\"$S1\"}")"
t_eq "node 2 cannot read node 1's allocation" denied \
	"$(poke 1 "$S2" - Alloc.GetAllocs "{\"AllocIDs\":[\"$ALLOC1\"]}")"
t_eq "node 2 cannot update node 1's allocation" denied \
	"$(poke 2 "$S2" - Node.UpdateAlloc "{\"Alloc\":[{\"ID\":\"$ALLOC1\",\"NodeID\":\"$N2\",\"ClientStatus\":\"failed\"}]}")"
t_eq "node 2 cannot deregister node 1" denied \
	"$(poke 3 "$S2" - Node.Deregister "{\"NodeID\":\"$N1\"}")"
t_eq "node 2 cannot take over node 1 by registering with its own secret" denied \
	"$(poke 1 "$S2" - Node.Register "{\"Node\":$(node_json "$N1" "$S2" evil)}")"
t_eq "a made-up secret registering node 1 is refused" denied \
	"$(poke 1 "$(uuid)" - Node.Register "{\"Node\":$(node_json "$N1" "$(uuid)" evil)}")"
t_eq "node 3 deregisters itself" ok "$(poke 2 "$S3" - Node.Deregister "{\"NodeID\":\"$N3\"}")"
t_eq "node 1's allocation is still pending (untouched)" pending \
	"$(call 1 "$MGMT" default Alloc.GetAlloc "{\"ID\":\"$ALLOC1\"}" | jq -r '.Alloc.ClientStatus')"

# ---- regressions: tokens and namespaces -----------------------------------------
EMPTY=$(secret empty)
t_eq "a token whose policies do not exist lists no jobs" denied "$(poke 1 "$EMPTY" default Job.List '{}')"
t_eq "nor nodes" denied "$(poke 2 "$EMPTY" - Node.List '{}')"
t_eq "nor across namespaces" denied "$(poke 3 "$EMPTY" '*' Alloc.List '{}')"
DEVR=$(secret dev-read)
t_eq "dev reader: jobs across namespaces show only dev's" '["dev"]' \
	"$(call 1 "$DEVR" '*' Job.List '{}' | jq -c '[.Jobs[].Namespace] | unique')"
t_eq "dev reader: allocations across namespaces show only dev's" '["dev"]' \
	"$(call 2 "$DEVR" '*' Alloc.List '{}' | jq -c '[.Allocations[].Namespace] | unique')"
t_eq "dev reader: evaluations across namespaces show only dev's" '["dev"]' \
	"$(call 3 "$DEVR" '*' Eval.List '{}' | jq -c '[.Evaluations[].Namespace] | unique')"
t_eq "dev reader: job web's allocations across namespaces are not there" '[]' \
	"$(call 2 "$DEVR" '*' Job.Allocations '{"ID":"web"}' | jq -c '.Allocations // []')"
t_eq "dev reader: job web's evaluations across namespaces are not there" '[]' \
	"$(call 3 "$DEVR" '*' Job.Evaluations '{"ID":"web"}' | jq -c '.Evaluations // []')"
t_eq "the management token sees job web's allocations across namespaces" '["default"]' \
	"$(call 1 "$MGMT" '*' Job.Allocations '{"ID":"web"}' | jq -c '[.Allocations[].Namespace] | unique')"
t_eq "dev reader: default's jobs are denied" denied "$(poke 1 "$DEVR" default Job.List '{}')"
t_eq "dev reader: no namespace means default" denied "$(poke 2 "$DEVR" - Alloc.List '{}')"
t_eq "dev reader: default's allocation by ID is not there" null \
	"$(call 3 "$DEVR" '*' Alloc.GetAlloc "{\"ID\":\"$ALLOC1\"}" | jq -c '.Alloc')"
t_eq "dev reader: its own allocation by ID is" "$DEV_ALLOC" \
	"$(call 1 "$DEVR" dev Alloc.GetAlloc "{\"ID\":\"$DEV_ALLOC\"}" | jq -r '.Alloc.ID')"
t_eq "dev reader: default's evaluation by ID is not there" null \
	"$(call 2 "$DEVR" dev Eval.GetEval "{\"ID\":\"$EVAL1\"}" | jq -c '.Eval')"
t_eq "dev reader: its own evaluation by ID is" "$DEV_EVAL" \
	"$(call 3 "$DEVR" dev Eval.GetEval "{\"ID\":\"$DEV_EVAL\"}" | jq -r '.Eval.ID')"
# The table's writes may have moved the allocation to a newer evaluation.
EVAL1=$(call 1 "$MGMT" default Alloc.GetAlloc "{\"ID\":\"$ALLOC1\"}" | jq -r '.Alloc.EvalID')
t_eq "the management token sees that evaluation's allocations" 1 \
	"$(call 2 "$MGMT" default Eval.Allocations "{\"ID\":\"$EVAL1\"}" | jq '[.Allocations[].ID] | length > 0 | if . then 1 else 0 end')"
t_eq "dev reader: default's evaluation's allocations are not there" '[]' \
	"$(call 1 "$DEVR" dev Eval.Allocations "{\"ID\":\"$EVAL1\"}" | jq -c '.Allocations // []')"
t_eq "dev reader: a node's allocations show only dev's" '["dev"]' \
	"$(for n in "$N1" "$N2"; do call 2 "$DEVR" - Node.Allocations "{\"NodeID\":\"$n\"}" | jq -c '(.Allocs // [])[]'; done | jq -cs '[.[].Namespace] | unique')"
t_eq "the management token sees both namespaces on the nodes" '["default","dev"]' \
	"$(for n in "$N1" "$N2"; do call 2 "$MGMT" - Node.Allocations "{\"NodeID\":\"$n\"}" | jq -c '(.Allocs // [])[]'; done | jq -cs '[.[].Namespace] | unique')"
SUBD=$(secret submit-default)
t_eq "a job naming namespace dev, sent without one, needs submit-job in dev" denied \
	"$(poke 3 "$SUBD" - Job.Register "{\"Job\":$(jq -c '.ID = "sneaky" | .Namespace = "dev"' <<<"$JOB")}")"
t_eq "no job sneaked into dev" null \
	"$(call 1 "$MGMT" dev Job.GetJob '{"ID":"sneaky"}' | jq -c '.Job')"
t_eq "the same job in default is fine" ok \
	"$(poke 3 "$SUBD" - Job.Register "{\"Job\":$(jq -c '.ID = "plain" | .Namespace = "default"' <<<"$JOB")}")"

# ---- a real client agent: its node secret is all it needs -------------------------
# The lab's client (dc1; the fake nodes are in dc-fake) registers,
# heartbeats, pulls and reports with its SecretID under ACLs.
t_run "a job for the real client" 0 mgmt Job.Register "{\"Job\":$(job_json real dc1 /bin/sleep)}" default
running() {
	[ "$(call 2 "$MGMT" default Job.Allocations '{"ID":"real"}' | jq -r '.Allocations[0].ClientStatus')" = running ]
}
if t_wait 30 running; then t_ok "the client runs it and reports it running"; else
	t_fail "the client runs it and reports it running" "$(cat "$T_TMP/poke")" "$(tail -5 "$STEPPE_LAB_DIR/c1.log")"; fi
C1_SECRET=$(jq -r '.SecretID' "$STEPPE_LAB_DIR/c1/client/node.json")
t_eq "the client's secret is no ACL token" notfound "$(poke 1 "$C1_SECRET" default Job.List '{}')"
t_run "stop the real job" 0 mgmt Job.Deregister '{"JobID":"real"}' default

# ---- no secret in any log ---------------------------------------------------------
SECRETS=("$MGMT" "$S1" "$S2" "$S3" "$EXPIRED" "$EMPTY" "$DEVR" "$SUBD" "$C1_SECRET")
for g in "${!WITH[@]}"; do SECRETS+=("${TW[$g]}" "${TWO[$g]}"); done
leaked=$(printf '%s\n' "${SECRETS[@]}" | grep -v '^$' | grep -lFf - "$STEPPE_LAB_DIR"/s*.log)
t_eq "no SecretID in any server log" "" "$leaked"
t_eq "no sanitizer report in any agent log" "" \
	"$(grep -l 'ERROR: AddressSanitizer\|runtime error:' "$STEPPE_LAB_DIR"/*.log)"

exit $T_FAILED
