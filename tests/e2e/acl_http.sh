#!/usr/bin/env bash
# e2e: ACLs on every HTTP route, through every agent. Three servers
# (127.0.22.1-3) and one client agent (127.0.22.11) with acl { enabled },
# agents at debug log level.
#
# 1. The route table: `steppe agent -routes` lists every registered route;
#    tests/e2e/acl_http_table.tsv must cover each (method, pattern).
# 2. Every row x token kind (none, anonymous policy only, a client token
#    without the capability, one with it, an expired token, management)
#    gives the table's status, first against the servers, then against
#    the client agent (which forwards server routes with the caller's
#    token and checks /v1/client/... and agent routes itself).
# 3. Regressions: unknown and malformed tokens are 400 "ACL token not
#    found" everywhere; a request relayed to (or sent straight at) a
#    client agent is checked there, X-Steppe-Forwarded is no identity;
#    lists never show namespaces the token cannot read.
# 4. The walkthrough's policies: a token-less user lists jobs and reads
#    nodes but cannot submit; the dev token submits and reads logs in
#    "dev", is refused in "default", cannot read ACLs; -namespace '*'.
# 5. No SecretID the test saw appears in any agent log.
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN
NET=127.0.22
TABLE=tests/e2e/acl_http_table.tsv
cat >"$T_TMP/acl.hcl" <<'HCL'
acl {
  enabled = true
  token_min_expiration_ttl = "1s"
  token_ttl = "1s"
  policy_ttl = "1s"
}
HCL
export STEPPE_BIN=$S STEPPE_LAB_DIR=$T_TMP/lab STEPPE_LAB_NET=$NET STEPPE_LAB_CLIENTS=1
export STEPPE_LAB_ARGS="-config $T_TMP/acl.hcl -log-level debug"
export STEPPE_LAB_CLIENT_ARGS="-config $T_TMP/acl.hcl -log-level debug"
unset STEPPE_TOKEN NOMAD_TOKEN STEPPE_ADDR NOMAD_ADDR STEPPE_NAMESPACE NOMAD_NAMESPACE
cleanup() {
	scripts/lab.sh down >/dev/null 2>&1
	awk -v t="$T_TMP" 'index($2, t) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l 2>/dev/null
	rm -rf "$T_TMP"
}
trap cleanup EXIT
A() { echo "http://$NET.$1:4646"; }
CL=http://$NET.11:4646
SECRETS=$T_TMP/secrets # every SecretID seen, for the log check
: >"$SECRETS"

# req METHOD URL TOKEN BODYFILE [bearer]: prints the status; the body goes
# to $T_TMP/body. TOKEN and BODYFILE may be "-".
req() {
	local h=() d=()
	if [ "$3" != "-" ]; then
		if [ "${5:-}" = bearer ]; then h=(-H "Authorization: Bearer $3"); else h=(-H "X-Nomad-Token: $3"); fi
	fi
	[ "$4" != "-" ] && d=(--data-binary "@$T_TMP/bodies/$4")
	curl -s --max-time 15 -o "$T_TMP/body" -w '%{http_code}' -X "$1" "${h[@]}" "${d[@]}" "$2"
}
mg() { curl -sf --max-time 15 -H "X-Nomad-Token: $MGMT" "$@"; }
secret_of() { jq -r '.SecretID // empty' "$T_TMP/body" | tee -a "$SECRETS"; }

# ---- 1. the route table covers every route ------------------------------
t_run "steppe agent -routes" 0 "$S" agent -routes
ROUTES=$T_OUT
t_match "lists the job routes" '^GET /v1/job/:id$' "$ROUTES"
COVERED=$(grep -v '^#' "$TABLE" | awk -F'\t' 'NF {n = split($1, m, "|"); for (i = 1; i <= n; i++) print m[i] " " $2}' | sort -u)
missing=$(comm -23 <(sort -u <<<"$ROUTES") <(echo "$COVERED"))
stale=$(comm -13 <(sort -u <<<"$ROUTES") <(echo "$COVERED"))
t_eq "every registered route has a row in $TABLE" "" "$missing"
t_eq "every row names a registered route" "" "$stale"
bad=$(grep -v '^#' "$TABLE" | awk -F'\t' 'NF && NF != 12 {print NR": "$0}')
t_eq "every row has 12 columns" "" "$bad"

# ---- cluster, bootstrap, policies, tokens -------------------------------
t_run "lab up (three servers, one client agent)" 0 scripts/lab.sh up
client_up() { curl -sf --max-time 2 "$CL/v1/agent/health" >/dev/null; }
if t_wait 30 client_up; then t_ok "the client agent answers HTTP"; else t_fail "the client agent answers HTTP"; fi
t_eq "bootstrap (through the client agent)" 200 "$(req PUT "$CL/v1/acl/bootstrap" - -)"
MGMT=$(secret_of)
ready() { [ "$(mg "$(A 1)/v1/nodes" | jq '[.[] | select(.Status == "ready")] | length')" = 1 ]; }
if t_wait 30 ready; then t_ok "the client agent's node is ready"; else t_fail "the client agent's node is ready"; fi
NODE=$(mg "$(A 1)/v1/nodes" | jq -r '.[0].ID')

mkdir -p "$T_TMP/bodies" "$T_TMP/pol"
printf 'namespace "*" {\n  policy = "read"\n}\n' >"$T_TMP/pol/nsread"
printf 'namespace "*" {\n  policy = "write"\n}\n' >"$T_TMP/pol/nswrite"
printf 'node {\n  policy = "read"\n}\n' >"$T_TMP/pol/noderead"
printf 'node {\n  policy = "write"\n}\n' >"$T_TMP/pol/nodewrite"
printf 'agent {\n  policy = "read"\n}\n' >"$T_TMP/pol/agentread"
printf 'operator {\n  policy = "read"\n}\n' >"$T_TMP/pol/opread"
printf 'operator {\n  policy = "write"\n}\n' >"$T_TMP/pol/opwrite"
cat "$T_TMP/pol/nswrite" "$T_TMP/pol/nodewrite" >"$T_TMP/pol/all"
printf 'agent {\n  policy = "write"\n}\n' >>"$T_TMP/pol/all"
cat "$T_TMP/pol/opwrite" >>"$T_TMP/pol/all"
declare -A TOK ACC
for k in nsread nswrite noderead nodewrite agentread opread opwrite all; do
	t_run "policy p-$k" 0 "$S" acl policy apply -address "$(A 2)" -token "$MGMT" "p-$k" "$T_TMP/pol/$k"
	printf '{"Name":"%s","Type":"client","Policies":["p-%s"]}' "$k" "$k" >"$T_TMP/bodies/tok-$k"
	t_eq "token for p-$k" 200 "$(req PUT "$(A 3)/v1/acl/token" "$MGMT" "tok-$k")"
	TOK[$k]=$(secret_of)
	ACC[$k]=$(jq -r .AccessorID "$T_TMP/body")
done
printf '{"Name":"soon-expired","Type":"client","Policies":["p-all"],"ExpirationTTL":1000000000}' >"$T_TMP/bodies/tok-expired"
t_eq "a token with a 1s TTL" 200 "$(req PUT "$(A 1)/v1/acl/token" "$MGMT" tok-expired)"
TOK[expired]=$(secret_of)
TOK[mgmt]=$MGMT

# ---- a job whose allocation runs on the client agent ---------------------
cat >"$T_TMP/tbl.hcl" <<JOB
job "tbl-web" {
  datacenters = ["dc1"]
  group "web" {
    task "server" {
      driver = "raw_exec"
      config {
        command = "/bin/sh"
        args    = ["-c", "echo hello-tbl; while :; do sleep 1; done", "steppe-e2e-task-$NET"]
      }
      resources {
        cpu    = 50
        memory = 32
      }
    }
  }
}
JOB
t_run "job run tbl-web" 0 "$S" job run -address "$(A 1)" -token "$MGMT" "$T_TMP/tbl.hcl"
running() { [ "$(mg "$(A 1)/v1/job/$1/allocations?namespace=${2:-default}" | jq '[.[] | select(.ClientStatus == "running")] | length')" = 1 ]; }
if t_wait 30 running tbl-web; then t_ok "tbl-web runs"; else t_fail "tbl-web runs" "$(mg "$(A 1)/v1/job/tbl-web/allocations" | jq -c .)"; fi
ALLOC=$(mg "$(A 1)/v1/job/tbl-web/allocations" | jq -r '.[0].ID')
EVAL=$(mg "$(A 1)/v1/job/tbl-web/evaluations" | jq -r '.[0].ID')
logged() { mg "$(A 1)/v1/client/fs/logs/$ALLOC?task=server&type=stdout&plain=true" | grep -q hello-tbl; }
t_wait 10 logged

# ---- request bodies ----------------------------------------------------------
"$S" job run -output "$T_TMP/tbl.hcl" >"$T_TMP/bodies/job"
jq '. + {Diff: true}' "$T_TMP/bodies/job" >"$T_TMP/bodies/plan"
jq -n --rawfile h "$T_TMP/tbl.hcl" '{JobHCL: $h, Canonicalize: true}' >"$T_TMP/bodies/parse"
echo '{"Name":"tbl-victim","Rules":"node {\n  policy = \"read\"\n}\n"}' >"$T_TMP/bodies/policy"
echo '{"Name":"tbl-new","Type":"client","Policies":["p-nsread"]}' >"$T_TMP/bodies/token"
echo '{"Name":"tbl-victim-renamed","Type":"client","Policies":["p-nsread"]}' >"$T_TMP/bodies/token-update"
echo '{"Name":"tbl-ns-new","Description":"from the table"}' >"$T_TMP/bodies/ns-new"
echo '{"Name":"tbl-ns","Description":"from the table"}' >"$T_TMP/bodies/ns"
echo '{"DrainSpec":null}' >"$T_TMP/bodies/drain"
echo '{"Eligibility":"eligible"}' >"$T_TMP/bodies/elig"
echo '{"Count":1,"Target":{"Group":"web"}}' >"$T_TMP/bodies/scale"
echo '{}' >"$T_TMP/bodies/restart"
cp examples/policies/anonymous.policy.hcl "$T_TMP/pol/anonymous"

expired() { [ "$(req GET "$(A 1)/v1/acl/token/self" "${TOK[expired]}" -)" = 403 ] && grep -q 'ACL token expired' "$T_TMP/body"; }
if t_wait 10 expired; then t_ok "the 1s token has expired"; else t_fail "the 1s token has expired" "$(cat "$T_TMP/body")"; fi

# ---- 2. the table, against the servers and then the client agent ---------
declare -A GOT
COLS=(none anon without with expired mgmt)
# Objects the table's writes may delete, made again for each pass.
victims() {
	local base=$1
	req PUT "$base/v1/acl/policy/tbl-victim" "$MGMT" policy >/dev/null
	printf '{"Name":"tbl-victim","Type":"client","Policies":["p-nsread"]}' >"$T_TMP/bodies/tok-victim"
	[ "$(req PUT "$base/v1/acl/token" "$MGMT" tok-victim)" = 200 ] || echo "# victim token not created: $(cat "$T_TMP/body")"
	secret_of >/dev/null
	VACC=$(jq -r .AccessorID "$T_TMP/body")
	req PUT "$base/v1/namespace/tbl-ns" "$MGMT" ns >/dev/null
}
fill() {
	local p=$1
	p=${p//\{job\}/tbl-web}
	p=${p//\{gone\}/tbl-gone}
	p=${p//\{alloc\}/$ALLOC}
	p=${p//\{eval\}/$EVAL}
	p=${p//\{node\}/$NODE}
	p=${p//\{fakenode\}/00000000-0000-4000-8000-000000000001}
	p=${p//\{policy\}/p-nsread}
	p=${p//\{vpolicy\}/tbl-victim}
	p=${p//\{accessor\}/${ACC[nsread]}}
	p=${p//\{vaccessor\}/$VACC}
	p=${p//\{vns\}/tbl-ns}
	echo "$p"
}
anon_is() { [ "$(req GET "$1/v1/agent/self" - -)" = "$2" ]; }
run_pass() { # run_pass NAME BASE_URL PASS(1 servers, 2 client) [bearer]
	local name=$1 base=$2 pass=$3 how=${4:-} col i tok row m ms code
	victims "$base"
	for col in "${COLS[@]}"; do
		case $col in
		none)
			req DELETE "$base/v1/acl/policy/anonymous" "$MGMT" - >/dev/null
			t_wait 10 anon_is "$base" 403 || echo "# anonymous still allowed on $base"
			;;
		anon)
			"$S" acl policy apply -address "$base" -token "$MGMT" anonymous "$T_TMP/pol/anonymous" >/dev/null
			t_wait 10 anon_is "$base" 200 || echo "# anonymous policy not seen on $base"
			;;
		esac
		i=0
		while IFS=$'\t' read -r m pattern path body with without _; do
			i=$((i + 1))
			case $col in
			none | anon) tok=- ;;
			without) tok=${TOK[$without]} ;;
			with) tok=${TOK[$with]} ;;
			*) tok=${TOK[$col]} ;;
			esac
			IFS='|' read -ra ms <<<"$m"
			for m in "${ms[@]}"; do
				code=$(req "$m" "$base$(fill "$path")" "$tok" "$body" "$how")
				[ "$pattern" = /v1/acl/token ] && secret_of >/dev/null
				GOT[$pass,$i,$m,$col]="$code $(head -c 120 "$T_TMP/body" | tr '\n' ' ')"
			done
		done < <(grep -v '^#' "$TABLE" | grep -v '^$')
	done
	i=0
	while IFS=$'\t' read -r m pattern path body with without e_none e_anon e_without e_with e_expired e_mgmt; do
		i=$((i + 1))
		local -A want=([none]=$e_none [anon]=$e_anon [without]=$e_without [with]=$e_with [expired]=$e_expired [mgmt]=$e_mgmt)
		IFS='|' read -ra ms <<<"$m"
		for m in "${ms[@]}"; do
			local bad=() w got
			for col in "${COLS[@]}"; do
				w=${want[$col]}
				[[ $w == *'|'* ]] && { [ "$pass" = 1 ] && w=${w%%|*} || w=${w##*|}; }
				got=${GOT[$pass,$i,$m,$col]}
				[ "${got%% *}" = "$w" ] || bad+=("$col: want $w, got $got")
			done
			if [ ${#bad[@]} -eq 0 ]; then t_ok "$name: $m $path"; else t_fail "$name: $m $path" "${bad[@]}"; fi
		done
	done < <(grep -v '^#' "$TABLE" | grep -v '^$')
}
run_pass servers "$(A 2)" 1
run_pass "client agent" "$CL" 2 bearer
"$S" acl policy apply -address "$(A 1)" -token "$MGMT" anonymous "$T_TMP/pol/anonymous" >/dev/null

# ---- 3. regressions ------------------------------------------------------------
for base in "$(A 3)" "$CL"; do
	for p in /v1/agent/self /v1/jobs "/v1/client/fs/ls/$ALLOC" /v1/acl/token/self; do
		t_eq "unknown token on $base$p is a 400" "400 ACL token not found" \
			"$(req GET "$base$p" 6a4b0a5e-1d63-4c8e-9d2f-000000000000 -) $(cat "$T_TMP/body")"
		t_eq "malformed token on $base$p is a 400" "400 ACL token not found" \
			"$(req GET "$base$p" not-a-token -) $(cat "$T_TMP/body")"
	done
done
fwd() { curl -s -o "$T_TMP/body" -w '%{http_code}' -H 'X-Steppe-Forwarded: 1' "$@"; }
LOGS="/v1/client/fs/logs/$ALLOC?task=server&type=stdout&plain=true"
t_eq "the client agent refuses logs without a token, even marked forwarded" 403 "$(fwd "$CL$LOGS")"
t_eq "and with a token lacking read-logs" 403 "$(fwd -H "X-Nomad-Token: ${TOK[nsread]}" "$CL$LOGS")"
t_eq "and an unknown token" 400 "$(fwd -H "X-Nomad-Token: 6a4b0a5e-1d63-4c8e-9d2f-000000000000" "$CL$LOGS")"
t_eq "a relayed request needs the capability on the client too (server relays)" 200 "$(req GET "$(A 1)$LOGS" "${TOK[nswrite]}" -)"
t_match "and gets the logs" hello-tbl "$(cat "$T_TMP/body")"
t_eq "the client agent's fs routes for a node:read token" 403 \
	"$(req GET "$CL/v1/client/fs/ls/$ALLOC" "${TOK[noderead]}" -)"
t_eq "a deleted token stops working on the client agent" 200 "$(req DELETE "$(A 1)/v1/acl/token/${ACC[agentread]}" "$MGMT" -)"
gone() { [ "$(req GET "$CL/v1/agent/self" "${TOK[agentread]}" -)" = 400 ]; }
if t_wait 10 gone; then t_ok "within the cache TTL"; else t_fail "within the cache TTL" "$(cat "$T_TMP/body")"; fi

# ---- 4. the walkthrough's policies ----------------------------------------
t_run "namespace apply dev" 0 "$S" namespace apply -address "$(A 1)" -token "$MGMT" -description Developers dev
t_run "acl policy apply dev" 0 "$S" acl policy apply -address "$(A 1)" -token "$MGMT" dev examples/policies/dev.policy.hcl
t_run "token create for the developer" 0 "$S" acl token create -address "$(A 1)" -token "$MGMT" -name "Max Mustermann" -policy dev
DEV=$(awk -F' = ' '/^Secret ID/ {print $2}' <<<"$T_OUT")
echo "$DEV" >>"$SECRETS"
sed -e 's/tbl-web/dev-web/' -e 's/hello-tbl/hello-dev/' "$T_TMP/tbl.hcl" >"$T_TMP/dev.hcl"
t_run "the developer runs a job with STEPPE_NAMESPACE=dev (client agent)" 0 \
	env STEPPE_ADDR="$CL" STEPPE_TOKEN="$DEV" STEPPE_NAMESPACE=dev "$S" job run "$T_TMP/dev.hcl"
if t_wait 30 running dev-web dev; then t_ok "dev-web runs in dev"; else t_fail "dev-web runs in dev"; fi
DEV_ALLOC=$(mg "$(A 1)/v1/job/dev-web/allocations?namespace=dev" | jq -r '.[0].ID')
devlogged() { NOMAD_ADDR=$(A 2) NOMAD_TOKEN=$DEV NOMAD_NAMESPACE=dev "$S" alloc logs "$DEV_ALLOC" server 2>/dev/null | grep -q hello-dev; }
if t_wait 10 devlogged; then t_ok "the developer reads its logs (NOMAD_TOKEN, NOMAD_NAMESPACE, through a server)"; else
	t_fail "the developer reads its logs" "$(NOMAD_ADDR=$(A 2) NOMAD_TOKEN=$DEV NOMAD_NAMESPACE=dev "$S" alloc logs "$DEV_ALLOC" server 2>&1)"; fi
t_run "and from the client agent with -token and -namespace" 0 "$S" alloc logs -address "$CL" -token "$DEV" -namespace dev "$DEV_ALLOC" server
t_match "the same output" hello-dev "$T_OUT"
t_run "the developer cannot submit in default" 1 "$S" job run -address "$CL" -token "$DEV" -namespace default "$T_TMP/tbl.hcl"
t_match "403" '403' "$T_ERR"
t_run "nor read default's logs" 1 "$S" alloc logs -address "$CL" -token "$DEV" "$ALLOC" server
t_eq "nor list default's jobs" 403 "$(req GET "$(A 3)/v1/jobs" "$DEV" -)"
t_run "nor list ACL tokens" 1 "$S" acl token list -address "$(A 2)" -token "$DEV"
t_eq "nor read the anonymous policy" 403 "$(req GET "$CL/v1/acl/policy/anonymous" "$DEV" -)"
t_eq "sees only its own policy" '["dev"]' "$(curl -s -H "X-Nomad-Token: $DEV" "$CL/v1/acl/policies" | jq -c '[.[].Name]')"
for base in "$(A 1)" "$CL"; do
	for p in jobs allocations evaluations; do
		t_eq "$base /v1/$p?namespace=* shows the developer only dev" '["dev"]' \
			"$(curl -s -H "X-Nomad-Token: $DEV" "$base/v1/$p?namespace=*" | jq -c '[.[].Namespace] | unique')"
	done
	t_eq "$base /v1/jobs?namespace=* shows management both" '["default","dev"]' \
		"$(mg "$base/v1/jobs?namespace=*" | jq -c '[.[].Namespace] | unique')"
done
t_run "job status -namespace '*' (management) lists both" 0 "$S" job status -address "$CL" -token "$MGMT" -namespace '*'
t_match "tbl-web" 'tbl-web' "$T_OUT"
t_match "dev-web" 'dev-web' "$T_OUT"
t_run "job status -namespace '*' (developer) lists dev only" 0 "$S" job status -address "$(A 2)" -token "$DEV" -namespace '*'
t_match "dev-web" 'dev-web' "$T_OUT"
t_nomatch "not tbl-web" 'tbl-web' "$T_OUT"
t_run "alloc status -namespace '*' (developer) finds its allocation by prefix" 0 \
	"$S" alloc status -address "$CL" -token "$DEV" -namespace '*' "${DEV_ALLOC:0:8}"
t_match "in dev" 'dev-web' "$T_OUT"
t_run "eval list -namespace '*' (developer)" 0 "$S" eval list -address "$CL" -token "$DEV" -namespace '*'
t_nomatch "shows no default evaluation" 'tbl-web' "$T_OUT"
t_run "without a token, job status lists jobs (anonymous read policy)" 0 "$S" job status -address "$CL"
t_match "tbl-web" 'tbl-web' "$T_OUT"
t_run "and node status reads nodes" 0 "$S" node status -address "$(A 3)"
t_match "c1" 'c1' "$T_OUT"
t_run "but job run is refused" 1 "$S" job run -address "$CL" "$T_TMP/tbl.hcl"
t_match "403" '403' "$T_ERR"
t_run "-token wins over a stale STEPPE_TOKEN" 0 env STEPPE_TOKEN=6a4b0a5e-1d63-4c8e-9d2f-000000000000 "$S" acl token self -address "$CL" -token "$MGMT"
t_run "a stale STEPPE_TOKEN is refused as unknown" 1 env STEPPE_TOKEN=6a4b0a5e-1d63-4c8e-9d2f-000000000000 "$S" acl token self -address "$CL"
t_match "with a 400" '400 \(ACL token not found\)' "$T_ERR"

# ---- 5. no secret in any log ------------------------------------------------
t_run "lab down" 0 scripts/lab.sh down
# Sanitizer reports are written at exit. A server holding a client's
# blocking query (up to 30 s) exits only when it ends.
exited() { ! pgrep -f -- "-data-dir $STEPPE_LAB_DIR/" >/dev/null; }
if t_wait 40 exited; then t_ok "every agent exited"; else t_fail "every agent exited" "$(pgrep -af -- "-data-dir $STEPPE_LAB_DIR/")"; fi
sort -u "$SECRETS" | grep -E '^[0-9a-f-]{36}$' >"$T_TMP/patterns"
t_match "the test collected the secrets it saw" '.' "$(cat "$T_TMP/patterns")"
leaked=$(grep -l -F -f "$T_TMP/patterns" "$STEPPE_LAB_DIR"/*.log 2>/dev/null)
t_eq "no SecretID in any agent log ($(wc -l <"$T_TMP/patterns") secrets, $(cat "$STEPPE_LAB_DIR"/*.log | wc -l) log lines)" "" "$leaked"
if grep -l "Sanitizer" "$STEPPE_LAB_DIR"/*.log >/dev/null 2>&1; then
	t_fail "agents ran clean" "$(grep -h -A5 Sanitizer "$STEPPE_LAB_DIR"/*.log | head -40)"
else
	t_ok "agents ran clean (no sanitizer reports in their logs)"
fi
exit $T_FAILED
