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
echo
echo "== diagsante territory: a commune, a région, and a CLS made of an EPCI (with its QPV)"
"$BIN" territory --qpv=datasets/demo/qpv_tarbes.csv \
    --territories=datasets/demo/cls_demo.csv 31555 76 CLS-TARBES
echo
echo "== diagsante remap: counts on 2018 commune codes put on today's communes"
"$BIN" remap --code-column=CODGEO --columns=NAISSANCES,DECES datasets/demo/comptages_communes_2018.csv
