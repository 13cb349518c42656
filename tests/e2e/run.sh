#!/bin/sh
# End-to-end tests of the diagsante command line. Usage: run.sh PATH/TO/diagsante
# Prints "ok NAME" or "FAIL NAME: why" per test; exit status 1 when any failed.
BIN=${1:?usage: run.sh BIN}
FIX=tests/fixtures/csv
SHARED=../shared/data
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0

# expect NAME STATUS COMMAND...: runs COMMAND, checks its exit status, keeps its
# stdout in $TMP/out and stderr in $TMP/err.
expect() {
    name=$1; want=$2; shift 2
    "$@" > "$TMP/out" 2> "$TMP/err"; got=$?
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit status $got, expected $want"; sed 's/^/    /' "$TMP/err" | head -5
        failed=1; return 1
    fi
    return 0
}
# has NAME FILE TEXT: FILE contains the fixed string TEXT.
has() {
    if grep -qF -- "$3" "$2"; then echo "ok $1"; else
        echo "FAIL $1: '$3' not in $2 output:"; sed 's/^/    /' "$2" | head -20; failed=1; fi
}

expect help 0 "$BIN" --help && has help "$TMP/out" "check FILE..."
expect version 0 "$BIN" --version && has version "$TMP/out" "diagsante 0."
expect no-command 64 "$BIN" && has no-command "$TMP/err" "Usage: diagsante COMMAND"
expect unknown-command 64 "$BIN" frobnicate && has unknown-command "$TMP/err" "unknown command 'frobnicate'"
expect check-help 0 "$BIN" check --help && has check-help "$TMP/out" "--on-error=POLICY"
expect bad-option 64 "$BIN" check --on-error=ignore x.csv && has bad-option "$TMP/err" "--on-error is stop or skip, not 'ignore'"
expect missing-file 66 "$BIN" check "$TMP/nope.csv" && has missing-file "$TMP/err" "nope.csv: cannot open"
expect stray-stop 65 "$BIN" check "$FIX/stray_word.csv" &&
    has stray-stop "$TMP/err" "stray_word.csv:3: column 4 (TX_CHOM): 'deux' is not a number in a numeric column"
expect stray-skip 0 "$BIN" check --on-error=skip "$FIX/stray_word.csv" &&
    has stray-skip "$TMP/out" "2 loaded, 1 rejected" &&
    has stray-skip-listed "$TMP/out" "line 3, field 4: 'deux' is not a number in a numeric column"
expect ragged 65 "$BIN" check "$FIX/ragged.csv" &&
    has ragged "$TMP/err" "ragged.csv:3: wrong number of fields: 2, the header (line 1) has 3"
expect latin1 0 "$BIN" check "$FIX/latin1.csv" &&
    has latin1-encoding "$TMP/out" "encoding      Windows-1252 (detected)" &&
    has latin1-secret "$TMP/out" "TP60" &&
    has latin1-decimal "$TMP/out" "decimal mark  ','"
# The TP60 line: 1 value (26,7), 1 missing (empty), 1 secret (s).
expect latin1-counts 0 "$BIN" check "$FIX/latin1.csv" &&
    if grep -E '^ +4 +TP60 +number +- +1 +1 +1 +0$' "$TMP/out" > /dev/null; then echo "ok latin1-counts"; else
        echo "FAIL latin1-counts"; cat "$TMP/out"; failed=1; fi
# One bad file among good ones: the others are still reported, the status says 65.
expect several-files 65 "$BIN" check "$FIX/latin1.csv" "$FIX/ragged.csv" && has several-files "$TMP/out" "latin1.csv"

# territory: figures recomputed with Python from the npm package's communes.json and
# epci.json (../shared/data/cog_2026): Toulouse 514819 inhabitants; Occitanie (76) 4446
# current communes, 6124653 inhabitants; Toulouse Métropole 37 communes, 841524.
TFIX=datasets/demo
expect territory-commune 0 "$BIN" territory 31555 &&
    has territory-commune-name "$TMP/out" "commune 31555  Toulouse" &&
    has territory-commune-pop "$TMP/out" "population   514819 (population municipale)" &&
    has territory-commune-epci "$TMP/out" "epci         243100518  Toulouse Métropole" &&
    has territory-commune-in "$TMP/out" "contained in departement:31 epci:243100518 region:76"
expect territory-region 0 "$BIN" territory --referential=datasets/referentiel 76 &&
    has territory-both-76 "$TMP/out" "departement 76  Seine-Maritime" &&
    has territory-region-communes "$TMP/out" "communes     4446" &&
    has territory-region-pop "$TMP/out" "population   6124653 (population municipale)"
expect territory-epci 0 "$BIN" territory 243100518 && has territory-epci "$TMP/out" "communes     37" &&
    has territory-epci-pop "$TMP/out" "population   841524"
expect territory-former 0 "$BIN" territory 12076 &&
    has territory-former "$TMP/out" "commune 12076  former code, now 12218 Conques-en-Rouergue"
expect territory-unknown 65 "$BIN" territory 99999 && has territory-unknown "$TMP/err" "'99999' is no territory"
# QP065003 straddles Tarbes (65440) and Séméac (65417).
expect territory-qpv 0 "$BIN" territory --qpv=$TFIX/qpv_tarbes.csv QP065003 65417 &&
    has territory-qpv-communes "$TMP/out" "communes     2: 65417 65440" &&
    has territory-qpv-in "$TMP/out" "qpv:QP065003"
expect territory-cls 0 "$BIN" territory --territories=$TFIX/cls_demo.csv CLS-TLS 31555 &&
    has territory-cls "$TMP/out" "territory CLS-TLS  CLS de Toulouse" &&
    has territory-cls-status "$TMP/out" "kind         cls, signé" &&
    has territory-cls-in "$TMP/out" "territory:CLS-TLS"
# The CLS declares EPCI 200069300 (CA Tarbes-Lourdes-Pyrénées), which holds Tarbes.
expect territory-cls-qpv 0 "$BIN" territory --qpv=$TFIX/qpv_tarbes.csv --territories=$TFIX/cls_demo.csv CLS-TARBES &&
    has territory-cls-qpv "$TMP/out" "qpv          1: QP065003"
# The demo CLS list: the Pays Cévennes is CA Alès Agglomération + CC de Cèze Cévennes,
# 71 + 23 = 94 member communes in epci.json (python3 over ../shared/data/cog_2026).
expect territory-demo-cls 0 "$BIN" territory --territories=datasets/demo/cls_occitanie_demo.csv CLS-PAYS-CEVENNES &&
    has territory-demo-cls "$TMP/out" "communes     94" &&
    has territory-demo-cls-epci "$TMP/out" "epci         2: 200035129 200066918"
expect territory-bad-referential 66 "$BIN" territory --referential="$TMP/none" 31555 &&
    has territory-bad-referential "$TMP/err" "$TMP/none"

# remap: in COG 2026 (communes.json), 32067 and 32413 are delegated communes of 32365
# Cap d'Astarac, 12076 of 12218 Conques-en-Rouergue; 75101 is an arrondissement of Paris
# 75056; 99999 is no commune. By hand: 32365 gets 12 + 30 = 42 births, and its deaths
# are NA because 32413's are secret.
REMAP_IN=datasets/demo/comptages_communes_2018.csv
expect remap 0 "$BIN" remap --code-column=CODGEO --columns=NAISSANCES,DECES --out="$TMP/remap.csv" "$REMAP_IN" &&
    has remap-report "$TMP/err" "6 rows -> 4 communes of COG 2026" &&
    has remap-report-kinds "$TMP/err" "1 current codes, 3 former codes, 1 arrondissements, 1 not mapped" &&
    has remap-unmapped "$TMP/err" "not mapped: line 7, code '99999'" &&
    has remap-merged "$TMP/remap.csv" "32365,Cap d'Astarac,42,NA" &&
    has remap-delegated "$TMP/remap.csv" "12218,Conques-en-Rouergue,8,11" &&
    has remap-arrondissement "$TMP/remap.csv" "75056,Paris,150,120" &&
    has remap-header "$TMP/remap.csv" "code,name,NAISSANCES,DECES"
if [ -n "$(ls "$TMP" | grep '\.tmp\.')" ]; then echo "FAIL remap-no-temp: temporary file left"; failed=1; else echo "ok remap-no-temp"; fi
expect remap-rate-warning 0 "$BIN" remap --code-column=CODGEO --columns=TAUX "$REMAP_IN" &&
    has remap-rate-warning "$TMP/err" "column 'TAUX' holds non-integer values (1.5 on line 2)"
expect remap-text-column 64 "$BIN" remap --code-column=CODGEO --columns=LIBGEO "$REMAP_IN" &&
    has remap-text-column "$TMP/err" "column 'LIBGEO' is not numeric"
expect remap-no-columns 64 "$BIN" remap "$REMAP_IN" && has remap-no-columns "$TMP/err" "remap needs --columns"
expect remap-bad-out 74 "$BIN" remap --code-column=CODGEO --columns=DECES --out="$TMP/no/such/dir/x.csv" "$REMAP_IN" &&
    has remap-bad-out "$TMP/err" "cannot create a file there"

expect overlap-usage 64 "$BIN" overlap --units=x.shp && has overlap-usage "$TMP/err" "overlap needs --units, --unit-id, --zones, --zone-id and --out"
expect overlap-missing 66 "$BIN" overlap --units="$TMP/none.shp" --unit-id=a --zones="$TMP/none.shp" --zone-id=b --out="$TMP" &&
    has overlap-missing "$TMP/err" "none"
QPV_SHP=$SHARED/qpv2015_occitanie/qp_occitanie_2015_lb93.shp
COM_SHP=$SHARED/communes_2018/communes_occitanie_2018_lb93.shp
if [ -r "$QPV_SHP" ] && [ -r "$COM_SHP" ]; then
    # QP065003 straddles Tarbes (65440) and Séméac (65417), as the geography issue says.
    mkdir -p "$TMP/ov"
    expect overlap-real 0 "$BIN" overlap --units="$QPV_SHP" --unit-id=code_qp --zones="$COM_SHP" --zone-id=code --out="$TMP/ov" &&
        has overlap-real-summary "$TMP/out" "105 units x 4485 zones" &&
        has overlap-real-tarbes "$TMP/ov/overlap.csv" "QP065003,65440," &&
        has overlap-real-semeac "$TMP/ov/overlap.csv" "QP065003,65417," &&
        has overlap-real-header "$TMP/ov/overlap.csv" "unit_id,zone_id,unit_area_m2,zone_area_m2,inter_area_m2,share_of_unit,share_of_zone"
    if [ "$(wc -l < "$TMP/ov/units_unmatched.csv")" -eq 1 ]; then echo "ok overlap-real-all-matched"; else echo "FAIL overlap-real-all-matched"; failed=1; fi
    # Weights: QP065003 has pop_mun 3316 in qp.csv (INSEE); its areal estimates over
    # Tarbes and Séméac must add back to 3316.
    expect overlap-weights 0 "$BIN" overlap --units="$QPV_SHP" --unit-id=code_qp --zones="$COM_SHP" --zone-id=code \
        --out="$TMP/ov" --weights="$SHARED/qpv2015_occitanie/qp.csv" --weight-id=code_qp --weight-col=pop_mun &&
        has overlap-weights-summary "$TMP/out" "0 rows without a weight" &&
        has overlap-weights-method "$TMP/ov/overlap.csv" "areal_estimate"
    total=$(awk -F, '$1 == "QP065003" { s += $8 } END { printf "%.6f", s }' "$TMP/ov/overlap.csv" "$TMP/ov/slivers.csv")
    if [ "$total" = "3316.000000" ]; then echo "ok overlap-weights-sum"; else echo "FAIL overlap-weights-sum: $total"; failed=1; fi
fi

# coverage: figures from tests/tools/coverage_check.py, an independent geopandas
# implementation of the same definitions (run: /usr/bin/python3 tests/tools/coverage_check.py DIR).
# summary_is NAME SCOPE METHOD MEASURE NUM DEN: the summary.csv row holds NUM/DEN (1e-9).
summary_is() {
    if awk -F, -v s="$2" -v m="$3" -v k="$4" -v n="$5" -v d="$6" '
        $1 == "all" && $3 == s && $4 == m && $5 == k { found = 1
            if (($6 - n) ^ 2 > (1e-9 * n) ^ 2 || ($7 - d) ^ 2 > (1e-9 * d) ^ 2) { print $6 "/" $7; exit 1 } }
        END { if (!found) { print "no row"; exit 1 } }' "$TMP/cov/summary.csv" > "$TMP/why"; then
        echo "ok $1"; else echo "FAIL $1: $(cat "$TMP/why"), expected $5/$6"; failed=1; fi
}
expect coverage-usage 64 "$BIN" coverage --cls=x.csv && has coverage-usage "$TMP/err" "coverage needs --cls, --cv, --qpv, --qpv-id and --out"
expect coverage-help 0 "$BIN" coverage --help && has coverage-help "$TMP/out" "discrepancies.csv"
QPV_SHP=$SHARED/qpv2015_occitanie/qp_occitanie_2015_lb93.shp
COM_SHP=$SHARED/communes_2018/communes_occitanie_2018_lb93.shp
CV_SHP=$SHARED/contrats_ville/cv_2015_wgs84.shp
if [ -r "$QPV_SHP" ] && [ -r "$COM_SHP" ] && [ -r "$CV_SHP" ]; then
    mkdir -p "$TMP/cov"
    expect coverage-missing-cls 66 "$BIN" coverage --cls="$TMP/none.csv" --cv="$CV_SHP" --cv-id=id \
        --qpv="$QPV_SHP" --qpv-id=code_qp --communes="$COM_SHP" --commune-id=code --out="$TMP/cov"
    expect coverage-bad-field 64 "$BIN" coverage --cls=datasets/demo/cls_occitanie_demo.csv --cv="$CV_SHP" \
        --cv-id=nope --qpv="$QPV_SHP" --qpv-id=code_qp --communes="$COM_SHP" --commune-id=code --out="$TMP/cov" &&
        has coverage-bad-field "$TMP/err" "cv_2015_wgs84.dbf: no field named 'nope'"
    expect coverage-demo 0 "$BIN" coverage --cls=datasets/demo/cls_occitanie_demo.csv --cv="$CV_SHP" \
        --cv-id=id --cv-name=lib --qpv="$QPV_SHP" --qpv-id=code_qp --qpv-commune=code_commu \
        --communes="$COM_SHP" --commune-id=code --qpv-pop="$SHARED/qpv2015_occitanie/qp.csv" --out="$TMP/cov" &&
        has coverage-demo-counts "$TMP/out" "105 QPV, 8 CLS (6 signé, 2 préfiguration, 0 achevé), 431 CV of which 39 hold QPV by membership and 39 by geometry"
    for m in membership geometry; do
        summary_is coverage-$m-cv-any signed $m cv_with_qpv_in_cls 6 39
        summary_is coverage-$m-cv-full signed $m cv_entirely_in_cls 5 39
        summary_is coverage-$m-qpv signed $m qpv_in_cls 24 105
        summary_is coverage-$m-pop signed $m qpv_population_in_cls 88948 358011
        summary_is coverage-$m-area signed $m qpv_area_in_cls 9924985.2830568794 34891886.111923113
        summary_is coverage-$m-cv-full-any signed_or_prefiguration $m cv_entirely_in_cls 6 39
        summary_is coverage-$m-qpv-any signed_or_prefiguration $m qpv_in_cls 26 105
        summary_is coverage-$m-pop-any signed_or_prefiguration $m qpv_population_in_cls 91620 358011
        summary_is coverage-$m-area-any signed_or_prefiguration $m qpv_area_in_cls 10086606.591765454 34891886.111923113
    done
    # The three QPV whose attribute names one commune where the contours find more.
    has coverage-tarbes-semeac "$TMP/cov/discrepancies.csv" "qpv_communes,QP065003,,65440,65417 65440,"
    has coverage-qp034005 "$TMP/cov/discrepancies.csv" "qpv_communes,QP034005,,34172,34116 34123 34172,"
    if [ "$(grep -c '^qpv,' "$TMP/cov/discrepancies.csv")" -eq 0 ]; then echo "ok coverage-no-qpv-disagreement"; else
        echo "FAIL coverage-no-qpv-disagreement"; failed=1; fi
    has coverage-cv101 "$TMP/cov/cv.csv" "CV101,Toulouse Métropole,membership,16,62394,"
    # A CLS of Tarbes alone: QP065003 straddles it, 96.20664692421436% inside (geopandas).
    printf 'territory_id,name,kind,status,member_kind,member_code\nCLS-TARBES,CLS de Tarbes,cls,signé,commune,65440\n' > "$TMP/tarbes.csv"
    expect coverage-tarbes 0 "$BIN" coverage --cls="$TMP/tarbes.csv" --cv="$CV_SHP" --cv-id=id \
        --qpv="$QPV_SHP" --qpv-id=code_qp --communes="$COM_SHP" --commune-id=code --out="$TMP/cov" &&
        has coverage-tarbes-straddles "$TMP/cov/discrepancies.csv" "qpv,QP065003,signed,in,0.962066469242" &&
        has coverage-tarbes-cv "$TMP/cov/discrepancies.csv" "cv,CV233,signed,full,partial,"
    # CV as a territory file: the 2024 contrats de ville of Occitanie (one EPCI each, from
    # ANCT's cv_2024_centroids.geojson; a commune for the few
    # contracts signed by a commune). CLS membership does not depend on the CV: 24 of
    # 105 QPV again; Toulouse Métropole's contract (EPCI 243100518) holds the 16 QPV of its
    # 37 communes, the same 16 as CLS-TOULOUSE-METROPOLE.
    if command -v python3 > /dev/null; then
        python3 -c '
import json, sys
occitanie = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}
print("territory_id,name,kind,status,member_kind,member_code")
for f in json.load(open(sys.argv[1]))["features"]:
    p = f["properties"]
    if p["insee_dep"] in occitanie:
        kind = "epci" if len(p["codgeo"]) == 9 else "commune"
        print("%s,\"%s\",cv,signé,%s,%s" % (p["code_cv"], p["lib_cv"].replace("\"", ""), kind, p["codgeo"]))
' "$SHARED/contrats_ville/cv_2024_centroids.geojson" > "$TMP/cv2024.csv"
        expect coverage-cv-file 0 "$BIN" coverage --cls=datasets/demo/cls_occitanie_demo.csv --cv="$TMP/cv2024.csv" \
            --qpv="$QPV_SHP" --qpv-id=code_qp --communes="$COM_SHP" --commune-id=code \
            --qpv-pop="$SHARED/qpv2015_occitanie/qp.csv" --out="$TMP/cov" &&
            has coverage-cv-file-count "$TMP/out" "40 CV of which" &&
            has coverage-cv-file-toulouse "$TMP/cov/cv.csv" ",membership,16,62394,"
        summary_is coverage-cv-file-qpv signed membership qpv_in_cls 24 105
        summary_is coverage-cv-file-qpv-geo signed geometry qpv_in_cls 24 105
    fi
    # Without contours: membership from the attribute gives the same membership figures
    # (the three QPV it names too few communes for lie in no demo CLS); geometry says why not.
    expect coverage-attribute 0 "$BIN" coverage --cls=datasets/demo/cls_occitanie_demo.csv \
        --cv="$CV_SHP" --cv-id=id --qpv="$QPV_SHP" --qpv-id=code_qp --qpv-commune=code_commu --out="$TMP/cov" &&
        has coverage-attribute-nogeo "$TMP/cov/summary.csv" "signed,geometry,qpv_in_cls,,,,not computed"
    summary_is coverage-attribute-qpv signed membership qpv_in_cls 24 105
    # A CV layer needs the contours for its communes: the CV figures by membership are
    # not computed, and the summary says so.
    has coverage-attribute-nocv "$TMP/cov/summary.csv" "signed,membership,cv_with_qpv_in_cls,,,,not computed"
    has coverage-attribute-why "$TMP/out" "membership of the CV not computed"
fi

if [ -r "$SHARED/insee/qpv2015/DEMO_2017.csv" ]; then
    # Figures from Python's csv module: 1346 rows; 239 header fields of which 33 named.
    expect real-demo 0 "$BIN" check "$SHARED/insee/qpv2015/DEMO_2017.csv" &&
        has real-demo-rows "$TMP/out" "1346 loaded, 0 rejected" &&
        has real-demo-cols "$TMP/out" "33 (206 empty unnamed columns dropped)" &&
        has real-demo-bom "$TMP/out" "UTF-8 (BOM)"
fi
exit $failed
