#!/bin/sh
# Runs every cmocka test binary of BUILD/tests and the end-to-end CLI tests, and ends
# with one line "N passed, N failed". Exit status 0 only when nothing failed.
# DS_TEST_WRAPPER (make check-valgrind): a command every test program and every run of
# the CLI goes through (valgrind ...); peak-memory checks are then skipped.
BUILD=${1:-build}
WRAP=${DS_TEST_WRAPPER:-}
BIN=$BUILD/diagsante
if [ -n "$WRAP" ]; then
    BIN=$BUILD/diagsante-wrapped
    printf '#!/bin/sh\nexec %s %s "$@"\n' "$WRAP" "$(pwd)/$BUILD/diagsante" > "$BIN"
    chmod +x "$BIN"
fi
passed=0; failed=0; skipped=0
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$($WRAP "$t" 2>&1); status=$?
    printf '%s\n' "$out" | grep -E '^\[ *(FAILED|ERROR|SKIPPED|PASSED|LINE) *\]|runtime error|Sanitizer|skipped:' \
        | sed "s|^|$(basename "$t"): |"
    # A binary may run several cmocka groups: add up every group's summary line.
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    s=$(printf '%s\n' "$out" | grep -c '^\[  SKIPPED \]')
    passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + s))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$(basename "$t"): exited with status $status"; printf '%s\n' "$out" | tail -20
        failed=$((failed + 1))
    fi
done
if [ -f tests/e2e/run.sh ]; then
    out=$(sh tests/e2e/run.sh "$BIN" 2>&1); status=$?
    printf '%s\n' "$out" | grep -E '^(FAIL|ok)' | grep '^FAIL' 
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "e2e: exited with status $status"; printf '%s\n' "$out" | tail -20; failed=$((failed + 1))
    fi
fi
# Fuzz targets replayed on their seed and regression corpora (tests/fuzz).
for r in "$BUILD"/tests/fuzz_replay_*; do
    [ -x "$r" ] || continue
    t=${r##*/fuzz_replay_}; dirs=""
    for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do [ -d "$d" ] && dirs="$dirs $d"; done
    out=$($WRAP "$r" $dirs 2>&1); status=$?
    if [ "$status" -eq 0 ] && ! printf '%s\n' "$out" | grep -qE 'runtime error|Sanitizer'; then
        passed=$((passed + 1))
    else
        echo "fuzz replay $t: exited with status $status"; printf '%s\n' "$out" | tail -20
        failed=$((failed + 1))
    fi
done
# The malformed-input corpus (tests/malformed): status, message, no crash, no output.
if [ -f tests/malformed/run.sh ]; then
    out=$(sh tests/malformed/run.sh "$BIN" 2>&1); status=$?
    printf '%s\n' "$out" | grep '^FAIL' -A6
    p=$(printf '%s\n' "$out" | grep -c '^ok ')
    f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "malformed: exited with status $status"; printf '%s\n' "$out" | tail -20; failed=$((failed + 1))
    fi
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
