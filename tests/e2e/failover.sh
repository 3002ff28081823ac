#!/usr/bin/env bash
# e2e: 20 leader kills in a row under a steady write load
# (scripts/chaos/failover.sh on its own lab, 127.0.6.x): no acknowledged
# write lost, no write applied twice, no stuck cluster, the killed servers
# back as voters. Each of the drill's checks becomes one line here.
source "$(dirname "$0")/../lib/sh.sh"
cd "$(dirname "$0")/../.."
export STEPPE_BIN STEPPE_LAB_NET=127.0.6 STEPPE_CHAOS_KEEP=0 TMPDIR=$T_TMP
trap 'STEPPE_LAB_DIR=$(ls -d "$T_TMP"/steppe-chaos.*/lab 2>/dev/null | head -1) scripts/lab.sh down >/dev/null 2>&1; rm -rf "$T_TMP"' EXIT

scripts/chaos/failover.sh 20 >"$T_TMP/chaos.out" 2>&1
rc=$?

# The drill's own verdicts, then its figures as comments.
while IFS= read -r line; do
	case $line in
	"check: "*": ok")
		name=${line#check: }
		t_ok "${name%: ok}"
		;;
	"check: "*": FAILED")
		name=${line#check: }
		t_fail "${name%: FAILED}" "see the drill's output below"
		;;
	esac
done <"$T_TMP/chaos.out"
n_checks=$(grep -c '^check: ' "$T_TMP/chaos.out")
if [ "$n_checks" -ge 10 ]; then t_ok "the drill ran its checks ($n_checks)"; else
	t_fail "the drill ran its checks" "only $n_checks check lines"; fi
t_match "the drill did all 20 rounds" '^summary: rounds 20 of 20 ' "$(cat "$T_TMP/chaos.out")"
if [ "$rc" -eq 0 ]; then t_ok "the drill passed (exit 0)"; else
	t_fail "the drill passed (exit 0)" "got exit $rc"; fi
grep -E '^(round|summary)' "$T_TMP/chaos.out" | sed 's/^/# /'
if [ "$T_FAILED" != 0 ]; then
	grep -vE '^(round|summary|check: .*: ok$)' "$T_TMP/chaos.out" | head -200 | sed 's/^/#   /'
fi
exit $T_FAILED
