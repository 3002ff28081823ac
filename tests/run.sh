#!/usr/bin/env bash
# Runs the test suites of one build and prints the totals.
#   tests/run.sh BUILD_DIR [unit|e2e|all]
# Unit tests are Check binaries in BUILD_DIR/tests; e2e tests are scripts in
# tests/e2e/*.sh that drive BUILD_DIR/steppe and report through
# tests/lib/sh.sh. The last line is "<label>: N passed, M failed".
set -u
build=${1:?usage: tests/run.sh BUILD_DIR [unit|e2e|all]}
what=${2:-all}
cd "$(dirname "$0")/.."
export STEPPE_BIN="$PWD/$build/steppe"
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
label=$( [ "$build" = build ] && echo tests || echo "tests($(basename "$build"))" )
passed=0 failed=0 failures=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

count() { # file kind name rc
	local p f
	if [ "$2" = unit ]; then
		# Check: "100%: Checks: 12, Failures: 0, Errors: 0"
		local line
		line=$(grep -E '^[0-9]+%: Checks: ' "$1" | tail -1)
		if [ -z "$line" ]; then
			p=0; f=1
		else
			local checks fails errs
			checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
			fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
			errs=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
			f=$((fails + errs)); p=$((checks - f))
		fi
	else
		p=$(grep -c '^ok ' "$1"); f=$(grep -c '^not ok ' "$1")
	fi
	if [ "$4" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$f" -ne 0 ]; then failures+=("$3"); cat "$1"; fi
}

if [ "$what" = unit ] || [ "$what" = all ]; then
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		name=$(basename "$t")
		"$t" >"$log" 2>&1; rc=$?
		grep -E '^[0-9]+%: Checks: ' "$log" | sed "s/^/$name: /"
		count "$log" unit "$name" $rc
	done
fi
if [ "$what" = e2e ] || [ "$what" = all ]; then
	for t in tests/e2e/*.sh; do
		[ -f "$t" ] || continue
		name=$(basename "$t" .sh)
		bash "$t" >"$log" 2>&1; rc=$?
		echo "$name: $(grep -c '^ok ' "$log") ok, $(grep -c '^not ok ' "$log") not ok"
		count "$log" e2e "$name" $rc
	done
fi
if [ ${#failures[@]} -ne 0 ]; then
	echo "failed suites: ${failures[*]}"
fi
echo "$label: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
