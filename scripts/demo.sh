#!/bin/sh
# make demo: runs diagsante on the bundled demo data (datasets/).
set -eu
BIN=${1:-build/diagsante}
echo "== diagsante portrait: the portrait de santé of the CA Tarbes-Lourdes-Pyrénées"
echo "   (datasets/demo/portrait: invented figures, données fictives)"
"$BIN" portrait --config=datasets/demo/portrait/diagnostic.ini --excel --out=build/demo-portrait
echo "   open build/demo-portrait/portrait.html in a browser; for Excel: build/demo-portrait/portrait.xlsx"
echo "   or build/demo-portrait/tables/excel/*.csv (';', decimal comma); data: portrait.json, tables/*.csv"
if [ -r ../shared/data/communes_2018/communes_occitanie_2018_lb93.shp ]; then
    echo "== the same with the commune and QPV contours of ../shared/data: maps and portrait.geojson"
    "$BIN" portrait --config=datasets/demo/portrait/diagnostic_cartes.ini --out=build/demo-portrait-cartes
    echo "   open build/demo-portrait-cartes/portrait.geojson in QGIS"
fi
echo
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
echo
echo "== diagsante coverage: the demo CLS list (datasets/demo/cls_occitanie_demo.csv) against"
echo "   the QPV, communes and contrats de ville of ../shared/data"
SHARED=../shared/data
if [ -r "$SHARED/qpv2015_occitanie/qp_occitanie_2015_lb93.shp" ] &&
   [ -r "$SHARED/communes_2018/communes_occitanie_2018_lb93.shp" ] &&
   [ -r "$SHARED/contrats_ville/cv_2015_wgs84.shp" ]; then
    mkdir -p build/demo-coverage
    "$BIN" coverage --cls=datasets/demo/cls_occitanie_demo.csv \
        --cv="$SHARED/contrats_ville/cv_2015_wgs84.shp" --cv-id=id --cv-name=lib \
        --qpv="$SHARED/qpv2015_occitanie/qp_occitanie_2015_lb93.shp" --qpv-id=code_qp \
        --qpv-commune=code_commu --qpv-pop="$SHARED/qpv2015_occitanie/qp.csv" \
        --communes="$SHARED/communes_2018/communes_occitanie_2018_lb93.shp" --commune-id=code \
        --out=build/demo-coverage
else
    echo "   skipped: the shared data (QPV, communes, contrats de ville shapefiles) is not in $SHARED;"
    echo "   the geographic layers are public (see datasets/demo/README.md) but not bundled."
fi
