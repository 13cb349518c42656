#!/bin/sh
# Rebuilds the seed corpora of tests/fuzz/corpus from the fixtures and small cuts of
# ../shared/data (when present). Run from the repository root; the result is committed
# (a few hundred KB), so the fuzz targets and `make test` do not need the data.
set -eu
C=tests/fuzz/corpus
DATA=../shared/data
rm -rf "$C"; mkdir -p "$C/csv" "$C/codes" "$C/shapefile" "$C/config"

# csv: option bytes 00 00 (all detected), then the file; a few forced variants.
seed() { # name optbytes file [lines]
    { printf "$2"; if [ -n "${4:-}" ]; then head -n "$4" "$3"; else cat "$3"; fi; } > "$C/csv/$1"
}
for f in tests/fixtures/csv/*.csv tests/fixtures/stats/*.csv datasets/demo/*.csv \
         datasets/demo/portrait/*.csv; do
    seed "$(basename "$(dirname "$f")")_$(basename "$f")" '\000\000' "$f" 40
done
seed forced_semicolon_cp1252_skip '\005\202' datasets/demo/indicateurs_demo.csv
seed forced_long_skiperrors '\120\000' tests/fixtures/csv/ragged.csv
seed libcsv_comma_latin1 '\016\000' tests/fixtures/csv/latin1.csv
if [ -d "$DATA" ]; then
    for f in insee/commune/FILO2019_DISP_COM.csv insee/dep_reg/FILO2019_DISP_REG.csv \
             insee/qpv2015/DEMO_2021.csv insee/mortalite/insee_rp_evol_1968_region_2018.csv \
             insee/iris/data_CAF_2020_IRIS.csv qpv2015_occitanie/qp.csv \
             sante_occitanie/toutes_causes.csv sante_occitanie/urbanite.csv \
             cog_2026/occitanie_commune_epci.csv; do
        [ -f "$DATA/$f" ] && seed "data_$(basename "$f")" '\000\000' "$DATA/$f" 12
    done
else
    echo "make_corpus: $DATA absent: no cuts of the real data" >&2
fi
# a quoted field spanning lines, a BOM, a tab file, secret markers
printf '\000\000\357\273\277code;"nom\nsur deux lignes";val\n31555;"Toulouse";12,5\n09001;x;s\n' > "$C/csv/quoted_bom"
printf '\000\000CODGEO\tLIBGEO\tP19_POP\n31555\tToulouse\t 493 465 \n2A004\tAjaccio\tnd\n' > "$C/csv/tab"
printf '\000\000indicateur,annee,sexe,code,valeur\nmort,2019,H,31,"1,5"\nmort,2019,F,31,N/A - secret statistique\n' > "$C/csv/long"

# codes: one value per file
i=0
for v in 31555 1001 01001 2A004 2b033 75101 69381 13216 97411 976 09 9 2A 76 243100518 \
         200069300 315550101 10040101 QP031001 QN03101M qp02a001 QP974001 " 31555 " 31555.0 \
         2C004 00 95 20 ABC 999999999 1e5 "12,5 %" "71 361" -3 N/A nd s secret "N/A - division par 0"; do
    printf '%s' "$v" > "$C/codes/$i"; i=$((i + 1))
done

# shapefile: the good fixture of the malformed corpus, and cuts of real layers
python3 - <<'PY'
import sys
sys.path.insert(0, "tests/malformed"); sys.path.insert(0, "tests/fuzz")
import shpgood, shp_pack
p = shpgood.good()
parts = [p["shp"], p["shx"], p["dbf"], p["prj"], p["cpg"]]
for opt in (0, 1, 8):
    open("tests/fuzz/corpus/shapefile/good_%d" % opt, "wb").write(shp_pack.pack(parts, opt))
open("tests/fuzz/corpus/shapefile/good_no_sidecars", "wb").write(shp_pack.pack(parts[:3], 1))
PY
if [ -d "$DATA" ]; then
    python3 tests/fuzz/shp_pack.py pack "$DATA/qpv2015_occitanie/qp_occitanie_2015_lb93" "$C/shapefile/qpv_cut" 0 2
    python3 tests/fuzz/shp_pack.py pack "$DATA/contrats_ville/cv_2015_wgs84" "$C/shapefile/cv_cut" 5 2
    python3 tests/fuzz/shp_pack.py pack "$DATA/epci_2025/epci_2025_occitanie_lb93" "$C/shapefile/epci_cut" 3 1
fi

# config: the demo's and variants
cp datasets/demo/portrait/diagnostic.ini "$C/config/demo.ini"
cp datasets/demo/portrait/diagnostic_cartes.ini "$C/config/cartes.ini"
printf '[territory]\ncode = CLS-TARBES\nlevel = territory\ndefinitions = ../cls.csv\n[referential]\ndir = ref\nqpv_communes = q.csv\nqpv_column = qp\ncommune_column = com\n[indicators]\ndictionary = d.csv\nselect = a, b c\npopulation = pop\n[data]\ncommune = c.csv\ncommune = c2.csv\ncolumn.x.numerator = N\ncolumn.x.value = V\n[references]\nfrance = non\nconfidence = 0,9\n[disclosure]\nthreshold = 11\n[outputs]\nexcel = oui\ntitle = T\nfictitious = 1\n' > "$C/config/full.ini"
du -sh "$C"; for d in "$C"/*; do echo "$d: $(ls "$d" | wc -l) files"; done
