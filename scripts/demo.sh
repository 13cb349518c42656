#!/bin/sh
# make demo: runs diagsante on the bundled demo data (datasets/).
set -eu
BIN=${1:-build/diagsante}
echo "== diagsante check: a Geoclip-style export (Windows-1252, title lines, secret cells)"
"$BIN" check datasets/demo/indicateurs_demo.csv
if [ -f datasets/referentiel/communes.csv ]; then
    echo
    echo "== diagsante check: the bundled referential (INSEE COG, $(cat datasets/referentiel/VERSION 2>/dev/null || echo '?'))"
    "$BIN" check datasets/referentiel/communes.csv
fi
