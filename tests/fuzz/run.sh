#!/usr/bin/env bash
# Runs each libFuzzer target for SECONDS over its seed corpus.
#   tests/fuzz/run.sh SECONDS TARGET...
# Corpus seeds live in tests/fuzz/corpus/<name>/ (checked in); findings go
# to build/fuzz/findings/<name>/ and fail the run.
set -u
secs=$1; shift
cd "$(dirname "$0")/../.."
rc=0 passed=0 failed=0
for t in "$@"; do
	name=$(basename "$t")
	seeds=tests/fuzz/corpus/${name#fuzz_}
	work=build/fuzz/corpus/${name#fuzz_}
	out=build/fuzz/findings/${name#fuzz_}
	mkdir -p "$work" "$out"
	[ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null
	# The example job files and policies seed the text parsers too.
	case $name in
	fuzz_hcl | fuzz_jobspec) cp -n examples/*.hcl "$work"/ 2>/dev/null ;;
	fuzz_policy) cp -n examples/policies/*.hcl examples/agent.hcl "$work"/ 2>/dev/null ;;
	esac
	if "$t" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$out/" -print_final_stats=1 "$work" \
		>"build/fuzz/$name.log" 2>&1; then
		echo "fuzz $name: clean for ${secs}s ($(grep -o 'stat::number_of_executed_units: [0-9]*' "build/fuzz/$name.log" | awk '{print $2}') runs)"
		passed=$((passed + 1))
	else
		echo "fuzz $name: FAILED, see build/fuzz/$name.log"
		tail -40 "build/fuzz/$name.log"
		failed=$((failed + 1)); rc=1
	fi
done
echo "fuzz: $passed passed, $failed failed"
exit $rc
