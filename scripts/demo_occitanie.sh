#!/bin/sh
# make demo-occitanie DATA=../shared/data: the real portrait of Toulouse Métropole.
# 1. checks that DATA holds the shared open data (exit 1 naming what is missing);
# 2. derives the tables diagsante cannot read as they are (scripts/prepare_occitanie.py,
#    into BUILD/occitanie/donnees: never committed, rebuilt at each run);
# 3. writes BUILD/occitanie/diagnostic.ini from datasets/demo/occitanie/diagnostic.ini
#    (@ROOT@, @DATA@, @DERIVED@ replaced by absolute paths);
# 4. runs diagsante portrait into BUILD/occitanie/portrait and says where the report is.
# Usage: scripts/demo_occitanie.sh BUILD DATA [OUT]   (OUT default BUILD/occitanie)
set -eu
BUILD=${1:-build}
DATA=${2:-}
if [ -z "$DATA" ]; then
    echo "demo-occitanie: no DATA given: make demo-occitanie DATA=../shared/data" >&2
    exit 1
fi
for f in iris_occitanie/iris_indicateurs_occitanie.csv qpv2015_occitanie/qp.csv \
         qpv2015_occitanie/qp.geojson qpv2015_occitanie/qp_occitanie_2015_lb93.shp \
         communes_2018/communes_occitanie_2018_lb93.shp \
         insee/epci/FILO2019_DISP_EPCI.csv insee/commune/FILO2019_DISP_COM.csv \
         insee/dep_reg/FILO2019_DISP_DEP.csv insee/dep_reg/FILO2019_DISP_REG.csv \
         insee/dep_reg/FILO2019_DISP_METROPOLE.csv \
         sante_occitanie/mortalite_2023_standardise_all.csv sante_occitanie/toutes_causes.csv \
         sante_occitanie/pathologie_clean.csv sante_occitanie/finess_occitanie2.csv \
         sante_occitanie/distances_communes_urgence_occitanie.csv; do
    if [ ! -r "$DATA/$f" ]; then
        echo "demo-occitanie: DATA=$DATA lacks $f: give the folder of the shared open data" >&2
        echo "  (make demo-occitanie DATA=../shared/data; see its README.md)" >&2
        exit 1
    fi
done
ROOT=$(pwd)
DATA_ABS=$(cd "$DATA" && pwd)
OUT=${3:-$BUILD/occitanie}
mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
echo "== derived tables (scripts/prepare_occitanie.py) into $OUT/donnees"
python3 scripts/prepare_occitanie.py "$DATA_ABS" "$OUT_ABS/donnees" "$ROOT"
sed -e "s|@ROOT@|$ROOT|g" -e "s|@DATA@|$DATA_ABS|g" -e "s|@DERIVED@|$OUT_ABS/donnees|g" \
    datasets/demo/occitanie/diagnostic.ini > "$OUT/diagnostic.ini.tmp"
mv "$OUT/diagnostic.ini.tmp" "$OUT/diagnostic.ini"
echo "== diagsante portrait: Toulouse Métropole (EPCI 243100518), real open data"
"$BUILD/diagsante" portrait --config="$OUT/diagnostic.ini" --out="$OUT/portrait"
echo "   report: $OUT/portrait/portrait.html"
