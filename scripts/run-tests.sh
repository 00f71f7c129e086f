#!/bin/sh
# Run C test binaries (cmocka) one after another and print one closing line:
# "<suite>: N passed, N failed".  Each binary prints its own cmocka report.
set -u
suite=$1; shift
pass=0; fail=0
for t in "$@"; do
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t" >&2; fi
done
echo "$suite: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
