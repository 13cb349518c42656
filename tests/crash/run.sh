#!/bin/sh
# Crash-safe outputs: a large batch (every commune and EPCI portrait of région 76 from
# the demo, ~550 MB in 4 files) is killed with SIGKILL at random moments over a folder
# holding the outputs of a previous run made with another threshold. Each time, every
# output must be, byte for byte, the previous file or the complete new one (checked
# against reference runs by SHA-256) and the four together must be the previous set or
# the new one (never a mix: the group is published by one folder exchange), the folder
# must show no other file (temporary files are hidden: .NAME.PID.tmp-XXXXXX, and the
# swap folder beside it .out.PID.swap-XXXXXX), and a complete run afterwards must leave
# no temporary file or swap folder at all (it removes those of the killed runs).
#     sh tests/crash/run.sh PATH/TO/diagsante [KILLS] [PATH/TO/kill_at_swap]
# Prints "ok NAME" / "FAIL NAME: why"; exit 1 when any failed. Seed: $CRASH_SEED.
BIN=${1:?usage: run.sh BIN [KILLS]}
KILLS=${2:-5}
KILL_AT_SWAP=${3:-}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0
DEMO=$(pwd)/datasets/demo/portrait
# the previous run's configuration: threshold 11 instead of 5 (other figures withheld)
sed -e "s|= \([a-z_]*\.csv\)$|= $DEMO/\1|" -e "s|= \.\./|= $DEMO/../|" \
    -e 's/^threshold = 5$/threshold = 11/' "$DEMO/diagnostic.ini" > "$TMP/old.ini"
grep -q '^threshold = 11$' "$TMP/old.ini" || { echo "FAIL crash-setup: no threshold line"; exit 1; }
NEW="$DEMO/diagnostic.ini"
FILES="commune.csv commune.jsonl epci.csv epci.jsonl"

run() { "$BIN" portrait --config="$1" --all=commune,epci --out="$2" > /dev/null 2>&1; }
sums() { (cd "$1" && sha256sum $FILES); }

start=$(date +%s.%N)
run "$TMP/old.ini" "$TMP/ref-old" || { echo "FAIL crash-reference-old"; exit 1; }
run "$NEW" "$TMP/ref-new" || { echo "FAIL crash-reference-new"; exit 1; }
duration=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.2f", (e - s) / 2 }')
sums "$TMP/ref-old" > "$TMP/old.sums"; sums "$TMP/ref-new" > "$TMP/new.sums"
if cmp -s "$TMP/old.sums" "$TMP/new.sums"; then
    echo "FAIL crash-references: the two runs wrote the same files"; exit 1
fi
cp -r "$TMP/ref-old" "$TMP/out"
# After a kill: the folder must hold the four outputs, all previous or all new.
check() { # NAME WHEN
    visible=$(ls "$TMP/out" | tr '\n' ' ')
    if [ "$visible" != "commune.csv commune.jsonl epci.csv epci.jsonl " ]; then
        echo "FAIL $1 ($2): visible files: $visible"; failed=1; return
    fi
    state=""
    for f in $FILES; do
        s=$(cd "$TMP/out" && sha256sum "$f")
        if grep -qxF "$s" "$TMP/old.sums"; then state="$state old"
        elif grep -qxF "$s" "$TMP/new.sums"; then state="$state new"
        else state="$state PARTIAL:$f"; fi
    done
    case "$state" in
    " old old old old"|" new new new new")
        echo "ok $1 ($2:$state; $(ls -A "$TMP/out" | grep -c '\.tmp-') temporary files, $(ls -A "$TMP" | grep -c '^\.out\..*\.swap-') swap folders hidden)" ;;
    *) echo "FAIL $1 ($2):$state"; failed=1 ;;
    esac
    # back to the previous outputs for the next kill (the hidden temporaries stay)
    for f in $FILES; do cp "$TMP/ref-old/$f" "$TMP/out/$f"; done
}
seed=${CRASH_SEED:-$(date +%s)}
echo "crash: batch of ${duration}s, $KILLS kills at random moments, seed $seed"
i=0
while [ "$i" -lt "$KILLS" ]; do
    i=$((i + 1))
    # a moment in [0.05, 1.1] x the duration: most during the computation, some after
    delay=$(awk -v d="$duration" -v s="$seed" -v i="$i" 'BEGIN { srand(s + i); printf "%.2f", d * (0.05 + 1.05 * rand()) }')
    "$BIN" portrait --config="$NEW" --all=commune,epci --out="$TMP/out" > /dev/null 2>&1 &
    pid=$!
    sleep "$delay"
    kill -9 "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    check "crash-kill-$i" "after ${delay}s"
done
# kills aimed at the publication itself: DELAY microseconds after the swap folder
# appears beside the output folder (kill_at_swap watches for it with inotify)
if [ -n "$KILL_AT_SWAP" ]; then
    for us in 0 100 300 1000 3000 10000 30000; do
        what=$("$KILL_AT_SWAP" "$TMP" "$us" "$BIN" portrait --config="$NEW" --all=commune,epci \
               --out="$TMP/out" 2> /dev/null)
        check "crash-publish-kill-${us}us" "$what"
    done
fi
# a complete run: the new outputs, and the killed runs' temporaries removed
if run "$NEW" "$TMP/out" && (cd "$TMP/out" && sha256sum -c --quiet "$TMP/new.sums") &&
   [ -z "$(ls -A "$TMP/out" | grep '\.tmp-')" ] && [ -z "$(ls -A "$TMP" | grep '^\.out\.')" ]; then
    echo "ok crash-complete-run-cleans"
else
    echo "FAIL crash-complete-run-cleans: $(ls -A "$TMP/out" "$TMP" | tr '\n' ' ')"; failed=1
fi
# a run that fails (a data file with a stray word) changes nothing
sed "s|^commune = .*|commune = $TMP/bad.csv|" "$TMP/old.ini" > "$TMP/bad.ini"
sed '5s/;[0-9]*;/;trois;/' "$DEMO/communes.csv" > "$TMP/bad.csv"
if ! run "$TMP/bad.ini" "$TMP/out" && (cd "$TMP/out" && sha256sum -c --quiet "$TMP/new.sums") &&
   [ "$(ls -A "$TMP/out" | tr '\n' ' ')" = "commune.csv commune.jsonl epci.csv epci.jsonl " ]; then
    echo "ok crash-failed-run-writes-nothing"
else
    echo "FAIL crash-failed-run-writes-nothing: $(ls -A "$TMP/out" | tr '\n' ' ')"; failed=1
fi
exit $failed
