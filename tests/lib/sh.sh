# tests/lib/sh.sh: helpers for e2e shell tests. Source it; each check prints
# "ok - name" or "not ok - name" (TAP-like), which tests/run.sh counts.
# STEPPE_BIN points at the binary under test.
: "${STEPPE_BIN:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/steppe}"
T_FAILED=0
T_TMP=$(mktemp -d)
trap 'rm -rf "$T_TMP"' EXIT

t_ok() { echo "ok - $1"; }
t_fail() { echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; T_FAILED=1; }

# t_run NAME EXPECTED_RC CMD...: runs CMD capturing stdout/stderr into
# $T_OUT and $T_ERR; checks the exit code.
t_run() {
	local name=$1 want=$2; shift 2
	"$@" >"$T_TMP/out" 2>"$T_TMP/err" </dev/null; T_RC=$?
	T_OUT=$(cat "$T_TMP/out"); T_ERR=$(cat "$T_TMP/err")
	if [ "$T_RC" -eq "$want" ]; then t_ok "$name (exit $want)"; else
		t_fail "$name (exit $want)" "got exit $T_RC" "stdout: ${T_OUT:0:2000}" "stderr: ${T_ERR:0:2000}"; fi
}

# t_match NAME REGEX TEXT: TEXT must match the extended regex.
t_match() {
	if grep -Eq -- "$2" <<<"$3"; then t_ok "$1"; else t_fail "$1" "wanted /$2/" "got: ${3:0:2000}"; fi
}

# t_nomatch NAME REGEX TEXT: TEXT must not match.
t_nomatch() {
	if grep -Eq -- "$2" <<<"$3"; then t_fail "$1" "unwanted /$2/" "got: ${3:0:2000}"; else t_ok "$1"; fi
}

# t_eq NAME WANT GOT
t_eq() {
	if [ "$2" = "$3" ]; then t_ok "$1"; else t_fail "$1" "want: $2" "got:  $3"; fi
}

# t_wait DEADLINE_S CMD...: polls CMD until it succeeds or the deadline
# passes; returns CMD's last status. Never a bare sleep for sync.
t_wait() {
	local deadline=$(( $(date +%s) + $1 )); shift
	while :; do
		"$@" && return 0
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}
