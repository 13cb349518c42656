#!/bin/sh
# Fuzzes each target for SECONDS, one at a time (-jobs=1: the machine is shared):
#     sh tests/fuzz/run.sh BUILD SECONDS TARGET...
# Seeds: tests/fuzz/corpus/TARGET (read only); new inputs go to BUILD/corpus/TARGET;
# a crash is written to BUILD/crash-* (also a leak, a timeout of 10 s or an RSS over
# 2 GB) and makes the script fail. Prints the executions of each target.
set -u
BUILD=$1; SECONDS_EACH=$2; shift 2
failed=0
for t in "$@"; do
    mkdir -p "$BUILD/corpus/$t"
    dict=""
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    max_len=4096
    [ "$t" = shapefile ] && max_len=65536
    [ "$t" = csv ] && max_len=16384
    log="$BUILD/fuzz-$t.log"
    "$BUILD/fuzz_$t" "$BUILD/corpus/$t" "tests/fuzz/corpus/$t" $dict \
        -max_total_time="$SECONDS_EACH" -max_len=$max_len -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$BUILD/crash-$t-" -print_final_stats=1 >"$log" 2>&1
    status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz $t: ${execs:-?} executions in ${SECONDS_EACH}s, exit $status"
    if [ "$status" -ne 0 ]; then
        failed=1
        grep -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | head -10
    fi
done
exit $failed
