#!/usr/bin/env bash
# e2e: ACLs and namespaces on a three-server lab (127.0.12.x) with
# acl { enabled = true }: bootstrap once (refused after, from any server;
# a stale token in the environment does not block it), the walkthrough's
# policies, tokens (list without secrets, self, info, update, expiry,
# delete), namespaces (default undeletable, lists filtered by the token),
# the bootstrap reset file, and the management token surviving a leader
# kill. Ends by checking no SecretID reached a log.
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
S=$STEPPE_BIN
NET=127.0.12
printf 'acl {\n  enabled = true\n  token_min_expiration_ttl = "1s"\n}\n' >"$T_TMP/acl.hcl"
export STEPPE_BIN=$S STEPPE_LAB_DIR=$T_TMP/lab STEPPE_LAB_NET=$NET
export STEPPE_LAB_ARGS="-config $T_TMP/acl.hcl"
unset STEPPE_TOKEN NOMAD_TOKEN STEPPE_ADDR NOMAD_ADDR STEPPE_NAMESPACE NOMAD_NAMESPACE
lab() { scripts/lab.sh "$@"; }
trap 'STEPPE_LAB_NET=$NET scripts/lab.sh down >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT
A() { echo "http://$NET.$1:4646"; }
# HTTP status of a request: code METHOD URL [TOKEN] [BODY]
code() {
	local h=() d=()
	[ -n "${3:-}" ] && h=(-H "X-Nomad-Token: $3")
	[ -n "${4:-}" ] && d=(--data-binary "$4")
	curl -s -o "$T_TMP/body" -w '%{http_code}' -X "$1" "${h[@]}" "${d[@]}" "$2"
}
leader_num() {
	local n l
	for n in 1 2 3; do
		l=$(curl -sf --max-time 2 "$(A "$n")/v1/status/leader?stale" | tr -d '"') || continue
		[ -n "$l" ] || continue
		l=${l%:*}
		echo "${l##*.}"
		return 0
	done
	return 1
}

t_run "lab up" 0 lab up

# ---- before bootstrap: deny by default, no token works ----------------
t_eq "token list without a token is 403" 403 "$(code GET "$(A 1)/v1/acl/tokens")"
t_eq "says Permission denied" "Permission denied" "$(cat "$T_TMP/body")"
t_eq "policy write without a token is 403" 403 \
	"$(code PUT "$(A 1)/v1/acl/policy/x" "" '{"Name":"x","Rules":"node { policy = \"read\" }"}')"
t_eq "an unknown token is 400" 400 "$(code GET "$(A 1)/v1/acl/token/self" 00000000-0000-0000-0000-000000000000)"
t_eq "with ACL token not found" "ACL token not found" "$(cat "$T_TMP/body")"

# ---- bootstrap -----------------------------------------------------
t_run "acl bootstrap from server 2, stale NOMAD_TOKEN set" 0 \
	env NOMAD_TOKEN=11111111-2222-3333-4444-555555555555 "$S" acl bootstrap -address "$(A 2)"
t_match "prints the Accessor ID line" '^Accessor ID  = [0-9a-f-]{36}$' "$T_OUT"
t_match "prints the Secret ID line" '^Secret ID    = [0-9a-f-]{36}$' "$T_OUT"
t_match "a management token" '^Type         = management$' "$T_OUT"
t_match "named Bootstrap Token" '^Name         = Bootstrap Token$' "$T_OUT"
MGMT=$(awk -F' = ' '/^Secret ID/ {print $2}' <<<"$T_OUT")
MGMT_ACC=$(awk -F' = ' '/^Accessor ID/ {print $2}' <<<"$T_OUT")
t_run "acl bootstrap again from server 3" 1 "$S" acl bootstrap -address "$(A 3)"
t_match "refused with the reset index" 'Error bootstrapping: Unexpected response code: 400 \(ACL bootstrap already done \(reset index: [0-9]+\)\)' "$T_ERR"
RESET=$(grep -Eo 'reset index: [0-9]+' <<<"$T_ERR" | grep -Eo '[0-9]+')
t_eq "bootstrap again over HTTP from server 1 is a 400" 400 "$(code PUT "$(A 1)/v1/acl/bootstrap")"

export STEPPE_ADDR=$(A 1)
t_run "token self with the management token" 0 "$S" acl token self -token "$MGMT"
t_match "self shows the accessor" "Accessor ID  = $MGMT_ACC" "$T_OUT"
t_run "token self through NOMAD_TOKEN" 0 env NOMAD_TOKEN="$MGMT" "$S" acl token self -address "$(A 3)"
export STEPPE_TOKEN=$MGMT

# ---- policies --------------------------------------------------------
t_run "apply the anonymous policy" 0 "$S" acl policy apply -description "Anonymous read" anonymous examples/policies/anonymous.policy.hcl
t_match "says so" 'Successfully wrote "anonymous" ACL policy!' "$T_OUT"
t_run "apply the dev policy" 0 "$S" acl policy apply dev examples/policies/dev.policy.hcl
t_run "apply the traefik policy to a workload" 0 "$S" acl policy apply -namespace default -job traefik -group traefik -task server traefik-policy examples/policies/traefik.policy.hcl
printf 'namespace {\n  policy = "read"\n}\n' >"$T_TMP/bad.hcl"
t_run "an unlabeled namespace block is refused" 1 "$S" acl policy apply bad "$T_TMP/bad.hcl"
t_match "with a 400 naming the problem" '400 \(policy 0 invalid: failed to parse rules: .*namespace' "$T_ERR"
t_run "policy list" 0 "$S" acl policy list
t_match "lists anonymous with its description" '^anonymous +Anonymous read$' "$T_OUT"
t_eq "lists three policies" 4 "$(wc -l <<<"$T_OUT")"
t_run "policy info traefik-policy" 0 "$S" acl policy info traefik-policy
t_match "shows the workload" 'JobID += traefik' "$T_OUT"
t_match "shows the rules" 'capabilities = \["list-jobs", "read-job"\]' "$T_OUT"
t_eq "policy JSON carries RulesJSON" '["list-jobs","read-job"]' \
	"$(curl -s -H "X-Nomad-Token: $MGMT" "$(A 2)/v1/acl/policy/traefik-policy" | jq -c '.RulesJSON.Namespaces[0].Capabilities')"

# ---- namespaces --------------------------------------------------------
t_run "namespace apply dev" 0 "$S" namespace apply -description "Developers" dev
t_match "says so" 'Successfully applied namespace "dev"!' "$T_OUT"
t_run "namespace list" 0 "$S" namespace list
t_match "lists dev" '^dev +Developers$' "$T_OUT"
t_match "lists default" '^default +Default shared namespace$' "$T_OUT"
t_run "namespace status dev" 0 "$S" namespace status dev
t_match "shows the description" '^Description += Developers$' "$T_OUT"
t_run "default cannot be deleted" 1 "$S" namespace delete default
t_match "Nomad's words" 'default namespace can not be deleted' "$T_ERR"
t_eq "anonymous sees namespaces through its policy" '["default","dev"]' \
	"$(curl -s "$(A 3)/v1/namespaces" | jq -c '[.[].Name]')"
t_eq "anonymous cannot write a namespace" 403 "$(code PUT "$(A 2)/v1/namespace/x" "" '{"Name":"x"}')"

# ---- tokens --------------------------------------------------------------
t_run "token create for the developer" 0 "$S" acl token create -name "Max Mustermann" -policy dev
t_match "a client token" '^Type         = client$' "$T_OUT"
t_match "with the dev policy" '^Policies     = \[dev\]$' "$T_OUT"
DEV=$(awk -F' = ' '/^Secret ID/ {print $2}' <<<"$T_OUT")
DEV_ACC=$(awk -F' = ' '/^Accessor ID/ {print $2}' <<<"$T_OUT")
t_run "token list" 0 "$S" acl token list
t_match "lists the developer" "^Max Mustermann +client +false +$DEV_ACC +false$" "$T_OUT"
LIST=$(curl -s -H "X-Nomad-Token: $MGMT" "$(A 2)/v1/acl/tokens")
t_eq "token list JSON has no SecretID" 0 "$(jq '[.[] | select(has("SecretID"))] | length' <<<"$LIST")"
t_nomatch "no secret in the token list" "$DEV|$MGMT" "$LIST"
t_run "token info" 0 "$S" acl token info "$DEV_ACC"
t_match "info shows the name" 'Name         = Max Mustermann' "$T_OUT"
t_nomatch "info does not show the secret to another token" "$DEV" "$T_OUT"
t_run "the developer's self" 0 "$S" acl token self -token "$DEV"
t_match "self shows its own secret" "Secret ID    = $DEV" "$T_OUT"
t_eq "the developer cannot list tokens" 403 "$(code GET "$(A 1)/v1/acl/tokens" "$DEV")"
t_eq "the developer cannot create tokens" 403 "$(code PUT "$(A 1)/v1/acl/token" "$DEV" '{"Type":"management"}')"
t_eq "the developer sees only the dev namespace" '["dev"]' \
	"$(curl -s -H "X-Nomad-Token: $DEV" "$(A 2)/v1/namespaces" | jq -c '[.[].Name]')"
t_eq "the developer cannot read default" 403 "$(code GET "$(A 2)/v1/namespace/default" "$DEV")"
t_eq "the developer lists only the dev policy" '["dev"]' \
	"$(curl -s -H "X-Nomad-Token: $DEV" "$(A 3)/v1/acl/policies" | jq -c '[.[].Name]')"
t_eq "the developer cannot read another policy" 403 "$(code GET "$(A 3)/v1/acl/policy/anonymous" "$DEV")"
t_run "token update renames" 0 "$S" acl token update -name "Erika" "$DEV_ACC"
t_match "with the new name" 'Name         = Erika' "$T_OUT"
t_run "the updated token still works" 0 "$S" acl token self -token "$DEV"
t_run "a client token needs a policy" 1 "$S" acl token create -name nothing
t_match "says so" 'client token missing policies or roles' "$T_ERR"
t_run "a TTL below the minimum is refused" 1 "$S" acl token create -policy dev -ttl 500ms
t_run "a token with a 2s TTL" 0 "$S" acl token create -name short -policy dev -ttl 2s
SHORT=$(awk -F' = ' '/^Secret ID/ {print $2}' <<<"$T_OUT")
t_match "has an expiry time" '^Expiry Time  = [0-9]{4}-' "$T_OUT"
expired() { [ "$(code GET "$(A 1)/v1/acl/token/self" "$SHORT")" = 403 ] && grep -q 'ACL token expired' "$T_TMP/body"; }
if t_wait 10 expired; then t_ok "the expired token is refused"; else t_fail "the expired token is refused" "$(cat "$T_TMP/body")"; fi
t_run "token delete" 0 "$S" acl token delete "$DEV_ACC"
t_match "says so" "Token $DEV_ACC successfully deleted" "$T_OUT"
t_eq "the deleted token is refused (unknown: 400)" 400 "$(code GET "$(A 2)/v1/acl/token/self" "$DEV")"
t_run "namespace delete dev" 0 "$S" namespace delete dev
t_match "says so" 'Successfully deleted namespace "dev"!' "$T_OUT"
t_run "policy delete" 0 "$S" acl policy delete traefik-policy
t_match "says so" 'Successfully deleted "traefik-policy" ACL policy!' "$T_OUT"

# ---- bootstrap reset through the data dir ---------------------------------
echo 999 >"$STEPPE_LAB_DIR/s$(leader_num)/server/acl-bootstrap-reset"
t_run "a reset file with the wrong index" 1 "$S" acl bootstrap -address "$(A 1)"
t_match "names both indexes" "Invalid bootstrap reset index \(specified 999, reset index: $RESET\)" "$T_ERR"
for n in 1 2 3; do echo "$RESET" >"$STEPPE_LAB_DIR/s$n/server/acl-bootstrap-reset"; done
t_run "a reset file with the right index" 0 "$S" acl bootstrap -address "$(A 3)"
MGMT2=$(awk -F' = ' '/^Secret ID/ {print $2}' <<<"$T_OUT")
t_run "the new management token works" 0 "$S" acl token self -token "$MGMT2"
t_run "the first one still works" 0 "$S" acl token self -token "$MGMT"

# ---- the management token survives a leader kill ------------------------
L=$(leader_num)
t_run "kill the leader" 0 lab kill-leader
others() { local n; for n in 1 2 3; do [ "$n" != "$L" ] && echo "$n"; done; }
new_leader() { local l; l=$(leader_num) && [ "$l" != "$L" ]; }
if t_wait 20 new_leader; then t_ok "a new leader is elected"; else t_fail "a new leader is elected"; fi
for n in $(others); do
	t_run "management token self on server $n" 0 "$S" acl token self -address "$(A "$n")" -token "$MGMT"
	t_run "policy list on server $n" 0 "$S" acl policy list -address "$(A "$n")" -token "$MGMT"
	t_match "still has the dev policy" '^dev' "$T_OUT"
done
t_run "restart the killed server" 0 lab restart "$L"
caught_up() { [ "$(curl -s -H "X-Nomad-Token: $MGMT" "$(A "$L")/v1/acl/policies?stale" | jq length 2>/dev/null)" = 2 ]; }
if t_wait 20 caught_up; then t_ok "the restarted server has the policies"; else t_fail "the restarted server has the policies"; fi
t_run "its bootstrap stays done" 1 "$S" acl bootstrap -address "$(A "$L")"
t_run "lab down" 0 lab down

# ---- secrets never reach a log ----------------------------------------
leaked=$(grep -l -e "$MGMT" -e "$DEV" -e "$MGMT2" -e "$SHORT" "$STEPPE_LAB_DIR"/*.log 2>/dev/null)
t_eq "no SecretID in any server log" "" "$leaked"
if grep -l "Sanitizer" "$STEPPE_LAB_DIR"/*.log >/dev/null 2>&1; then
	t_fail "agents ran clean" "$(grep -h -A5 Sanitizer "$STEPPE_LAB_DIR"/*.log | head -40)"
else
	t_ok "agents ran clean (no sanitizer reports in their logs)"
fi
exit $T_FAILED
