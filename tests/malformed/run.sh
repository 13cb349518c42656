#!/bin/sh
# The malformed-input corpus: runs every case of tests/malformed/cases and checks its
# exit status (sysexits), the exact first line of its standard error, a line of its
# its output when given, no crash (no signal, no sanitizer report), a bounded
# peak memory when given, and that it left no file in its output folder.
#     sh tests/malformed/run.sh PATH/TO/diagsante [CASE...]
# Prints "ok NAME" or "FAIL NAME: why" per case; exit status 1 when any failed.
#
# The manifest: blocks of lines separated by a blank line, '#' lines are comments:
#     case NAME
#     run ARGUMENTS...        diagsante's arguments (split at spaces)
#     exit N                  the expected exit status
#     err TEXT                the exact first line of standard error
#     line TEXT               (optional) a line standard output or error must hold
#     rss MB                  (optional) peak resident memory at most MB MiB (3 x MB
#                             under ASan; not checked under DS_TEST_WRAPPER: valgrind)
#     outputs kept            (optional) the run succeeds and may write in $O
# In run, err and line, $M is tests/malformed, $G the folder of the inputs gen.py
# generates for this run, $O an empty folder of the case's own (outputs go there), $R
# the repository (run.sh runs from its root).
BIN=${1:?usage: run.sh BIN [CASE...]}
shift
M=tests/malformed
R=$(pwd)
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
G=$TMP/gen
python3 "$M/gen.py" "$G" . || { echo "FAIL gen: gen.py failed"; exit 1; }
mkdir -p "$G/big"
# the 1 GiB single line (never committed), and 100 MiB followed by a quoted row
python3 "$M/gen.py" --bigline "$G/big/line_1g.csv" 1024 &&
python3 "$M/gen.py" --bigline "$G/big/line_100m_quoted.csv" 100 quoted ||
    { echo "FAIL gen: --bigline failed"; exit 1; }
failed=0; n=0
# Under AddressSanitizer (make check-asan) shadow memory and the quarantine of freed
# blocks count in the peak RSS: the bounds are tripled.
rss_scale=1
if command -v ldd > /dev/null && ldd "$BIN" 2> /dev/null | grep -q libasan; then rss_scale=3; fi

expand() {
    printf '%s' "$1" | sed -e "s|\\\$M|$M|g" -e "s|\\\$G|$G|g" -e "s|\\\$O|$O|g" -e "s|\\\$R|$R|g"
}

fail() {
    echo "FAIL $name: $1"
    [ -f "$TMP/err" ] && sed 's/^/    stderr: /' "$TMP/err" | head -5
    failed=1
}

# Runs the case held in name, args, want_exit, want_err, want_out, rss, kept.
run_case() {
    [ -n "$name" ] || return 0
    if [ -n "$only" ] && ! printf ' %s ' "$only" | grep -qF " $name "; then return 0; fi
    n=$((n + 1))
    O=$TMP/outputs/$name
    rm -rf "$O"; mkdir -p "$O"
    cmd=$(expand "$args")
    set -f
    # shellcheck disable=SC2086
    RSS_FILE="$TMP/rss" python3 -c '
import os, resource, signal, subprocess, sys
r = subprocess.call(sys.argv[1:])
open(os.environ["RSS_FILE"], "w").write("%d\n" % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024))
sys.exit(128 - r if r < 0 else r)' "$BIN" $cmd > "$TMP/out" 2> "$TMP/err"
    got=$?
    set +f
    e=$(expand "$want_err"); o=$(expand "$want_out")
    if [ "$got" -ge 128 ]; then fail "killed by signal $((got - 128))"
    elif grep -qE 'Sanitizer|runtime error|Assertion|double free|corrupted' "$TMP/err"; then
        fail "sanitizer or assertion report"
    elif [ "$got" -ne "$want_exit" ]; then fail "exit status $got, expected $want_exit"
    elif [ -n "$want_err" ] && [ "$(head -n 1 "$TMP/err")" != "$e" ]; then
        fail "first line of stderr differs; expected:
    $e"
    elif [ -n "$want_out" ] && ! cat "$TMP/out" "$TMP/err" | grep -qxF -- "$o"; then
        fail "output lacks the line: $o"; sed 's/^/    stdout: /' "$TMP/out" | head -20
    elif [ -n "$rss" ] && [ -z "${DS_TEST_WRAPPER:-}" ] && [ "$(cat "$TMP/rss")" -gt $((rss * rss_scale)) ]; then
        fail "peak RSS $(cat "$TMP/rss") MiB, more than $((rss * rss_scale)) MiB"
    elif [ -z "$kept" ] && [ -n "$(find "$O" -type f | head -1)" ]; then
        fail "files left in the output folder: $(find "$O" -type f | head -3 | tr '\n' ' ')"
    elif [ -n "$rss" ]; then
        echo "ok $name (peak RSS $(cat "$TMP/rss") MiB)"
    else
        echo "ok $name"
    fi
}

only="$*"
name=""
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
    '#'*) continue ;;
    '') run_case; name="" ;;
    'case '*) name=${line#case }; args=""; want_exit=""; want_err=""; want_out=""; rss=""; kept="" ;;
    'run '*) args=${line#run } ;;
    'exit '*) want_exit=${line#exit } ;;
    'err '*) want_err=${line#err } ;;
    'line '*) want_out=${line#line } ;;
    'rss '*) rss=${line#rss } ;;
    'outputs kept') kept=1 ;;
    *) echo "FAIL manifest: cannot read the line: $line"; failed=1 ;;
    esac
done < "$M/cases"
run_case
echo "malformed: $n cases"
exit $failed
