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
if [ -n "$(ls -A "$TMP" | grep '\.tmp-')" ]; then echo "FAIL remap-no-temp: temporary file left"; failed=1; else echo "ok remap-no-temp"; fi
expect remap-rate-warning 0 "$BIN" remap --code-column=CODGEO --columns=TAUX "$REMAP_IN" &&
    has remap-rate-warning "$TMP/err" "column 'TAUX' holds non-integer values (1.5 on line 2)"
expect remap-text-column 64 "$BIN" remap --code-column=CODGEO --columns=LIBGEO "$REMAP_IN" &&
    has remap-text-column "$TMP/err" "column 'LIBGEO' is not numeric"
expect remap-no-columns 64 "$BIN" remap "$REMAP_IN" && has remap-no-columns "$TMP/err" "remap needs --columns"
expect remap-bad-out 74 "$BIN" remap --code-column=CODGEO --columns=DECES --out="$TMP/no/such/dir/x.csv" "$REMAP_IN" &&
    has remap-bad-out "$TMP/err" "cannot create a file there"

expect overlap-usage 64 "$BIN" overlap --units=x.shp && has overlap-usage "$TMP/err" "overlap needs --units, --unit-id, --zones, --zone-id and --out"
expect overlap-threads-bad 64 "$BIN" overlap --threads=0 --units=x.shp && has overlap-threads-bad "$TMP/err" "--threads takes a number from 1 to 8, not '0'"
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
    # The same files, byte for byte, whatever the number of threads.
    mkdir -p "$TMP/ov1" "$TMP/ov3"
    expect overlap-threads-1 0 "$BIN" overlap --threads=1 --units="$QPV_SHP" --unit-id=code_qp --zones="$COM_SHP" --zone-id=code --out="$TMP/ov1" &&
        expect overlap-threads-3 0 "$BIN" overlap --threads=3 --units="$QPV_SHP" --unit-id=code_qp --zones="$COM_SHP" --zone-id=code --out="$TMP/ov3" &&
        for f in overlap slivers units_unmatched problems; do
            if cmp -s "$TMP/ov/$f.csv" "$TMP/ov1/$f.csv" && cmp -s "$TMP/ov/$f.csv" "$TMP/ov3/$f.csv"; then
                echo "ok overlap-threads-$f"; else echo "FAIL overlap-threads-$f: differs with 1 or 3 threads"; failed=1; fi
        done
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

# stats: every expected number is independent of diagsante. near NAME FILE KEY COL WANT TOL:
# the row whose first field is KEY holds WANT in column COL (columns 2-4 come before the
# method, whose text may hold a comma), within TOL relative (absolute when WANT is 0).
near() {
    if awk -F, -v k="$3" -v c="$4" -v w="$5" -v t="$6" '
        $1 == k { found = 1; d = $c - w; if (d < 0) d = -d; m = w < 0 ? -w : w
                  if ($c == "" || d > t * (m > 0 ? m : 1)) { print $c; exit 1 } }
        END { if (!found) { print "no row"; exit 1 } }' "$2" > "$TMP/why"; then
        echo "ok $1"; else echo "FAIL $1: got $(cat "$TMP/why"), expected $5"; failed=1; fi
}
SFIX=tests/fixtures/stats
expect stats-help 0 "$BIN" stats --help && has stats-help "$TMP/out" "proportion  group,numerator,denominator" &&
    has stats-help-standard "$TMP/out" "--standard=FILE" && has stats-help-neighbours "$TMP/out" "--neighbours=FILE" &&
    has stats-help-two-ci "$TMP/out" "ci-benchmark (default), two-ci, poisson-icm or"
expect stats-in-usage 0 "$BIN" --help && has stats-in-usage "$TMP/out" "stats METHOD"
# Wilson intervals, Newcombe (Stat Med 1998;17:857-72), table I, method 3: 81/263 =
# 0.3080 (0.2553, 0.3662) and 15/148 = 0.1014 (0.0624, 0.1605). C's numerator is secret:
# the row is listed and its group written empty.
expect stats-proportion 0 "$BIN" stats proportion --in "$SFIX/proportion.csv" --out "$TMP/p.csv" &&
    has stats-proportion-header "$TMP/p.csv" "group,value,lower,upper,method,numerator,denominator" &&
    has stats-proportion-skipped "$TMP/err" "1 of 3 rows with a missing or secret cell" &&
    has stats-proportion-listed "$TMP/err" "line 4 (C): numerator secret" &&
    has stats-proportion-empty "$TMP/p.csv" "C,,,,not computed: numerator secret (line 4),," &&
    has stats-proportion-method "$TMP/p.csv" ",Wilson,81,263"
near stats-wilson-value "$TMP/p.csv" B 2 0.3080 2e-4
near stats-wilson-lower "$TMP/p.csv" B 3 0.2553 2e-4
near stats-wilson-upper "$TMP/p.csv" B 4 0.3662 2e-4
near stats-wilson-lower-15 "$TMP/p.csv" A 3 0.0624 1e-3
near stats-wilson-upper-15 "$TMP/p.csv" A 4 0.1605 1e-3
if [ "$(head -n 2 "$TMP/p.csv" | tail -n 1 | cut -c1-2)" = "A," ]; then echo "ok stats-sorted"; else echo "FAIL stats-sorted"; failed=1; fi
if [ -n "$(ls -A "$TMP" | grep '\.tmp-')" ]; then echo "FAIL stats-no-temp: temporary file left"; failed=1; else echo "ok stats-no-temp"; fi
expect stats-percent 0 "$BIN" stats proportion --multiplier=100 --in "$SFIX/proportion.csv"
near stats-percent "$TMP/out" B 2 30.798479087452474 1e-12
# Rates per 100,000 (';' file, columns renamed). 0 events: the exact upper limit is
# -ln(0.025) = 3.6888794541139363 events, / 1000 x 100000. Y's two rows are gathered,
# 30 / 10000, Byar's limits computed in Python from Breslow & Day's formula.
expect stats-rate 0 "$BIN" stats rate --in "$SFIX/rate.csv" --col group=commune --col numerator=deces \
    --col denominator=population && has stats-rate-exact "$TMP/out" "Z,0,0,368.8879454113" &&
    has stats-rate-byar "$TMP/out" ",Byar,30,10000"
near stats-rate-zero-upper "$TMP/out" Z 4 368.88794541139363 1e-12
near stats-rate-byar-lower "$TMP/out" Y 3 202.36939093266392 1e-12
near stats-rate-byar-upper "$TMP/out" Y 4 428.283719419987 1e-12
# Mean of 1..5: 3 +- t(0.975; 4) sd / sqrt 5 = 3 +- 2.7764451051977987 x 1.5811388 / 2.2360680
# (SciPy's t quantile); B has one value left: not computed.
expect stats-mean 0 "$BIN" stats mean --in "$SFIX/mean.csv" &&
    has stats-mean-one "$TMP/out" "B,,,,not computed: fewer than 2 values" &&
    has stats-mean-listed "$TMP/err" "line 8 (B): value missing"
near stats-mean-lower "$TMP/out" A 3 1.0367568385224393 1e-12
near stats-mean-upper "$TMP/out" A 4 4.9632431614775607 1e-12
# DSR by hand: rates 5/1000, 20/2000, 60/3000 weighted 5000, 3000, 2000 = (25 + 30 + 40) /
# 10000 = 950 per 100,000; Dobson's limits with Byar's on O = 85 (Python). G2 has 6
# events: withheld.
expect stats-dsr 0 "$BIN" stats dsr --in "$SFIX/dsr.csv" --out "$TMP/dsr.csv" &&
    has stats-dsr-suppressed "$TMP/dsr.csv" "G2,,,,suppressed: total count < 10,6,6000" &&
    has stats-dsr-value "$TMP/dsr.csv" "G1,950,"
near stats-dsr-lower "$TMP/dsr.csv" G1 3 689.785075050242 1e-12
near stats-dsr-upper "$TMP/dsr.csv" G1 4 1255.8161741172073 1e-12
expect stats-dsr-standard 0 "$BIN" stats dsr --in "$SFIX/dsr.csv" --standard "$SFIX/standard3.csv" --out "$TMP/dsr2.csv" &&
    if cmp -s "$TMP/dsr.csv" "$TMP/dsr2.csv"; then echo "ok stats-dsr-standard"; else echo "FAIL stats-dsr-standard"; failed=1; fi
printf 'group,age,numerator,denominator\nG1,0-29,5,1000\nG1,30-60,20,2000\n' > "$TMP/dsr_bad.csv"
expect stats-dsr-bad-age 65 "$BIN" stats dsr --in "$TMP/dsr_bad.csv" --standard "$SFIX/standard3.csv" &&
    has stats-dsr-bad-age "$TMP/err" "dsr_bad.csv:3: column 'age': age group '30-60' is not one of"
# ISR: E = 10000 x 100/100000 + 5000 x 400/50000 = 50, O = 80: ICM 160, Byar limits of 80
# divided by 50; the rate is 1.6 x 500/150000 x 100000. G2: O = 3, E = 9.
expect stats-isr 0 "$BIN" stats isr --in "$SFIX/isr.csv" &&
    has stats-isr-g1 "$TMP/out" "G1,160," && has stats-isr-oe "$TMP/out" ",Byar,80,50,533.33333333333"
near stats-isr-lower "$TMP/out" G1 3 126.86574243762152 1e-12
near stats-isr-upper "$TMP/out" G1 4 199.13630479784476 1e-12
near stats-isr-small "$TMP/out" G2 2 33.333333333333333 1e-12
# Comparison with a benchmark of 9 by the CI rule, with each row's polarity.
expect stats-compare 0 "$BIN" stats compare --in "$SFIX/compare.csv" &&
    has stats-compare-worse "$TMP/out" "A,12,10,14,ci-benchmark,9,higher,worse" &&
    has stats-compare-similar "$TMP/out" "B,8,7,9.5,ci-benchmark,9,similar,similar" &&
    has stats-compare-lower "$TMP/out" "C,5,4,6,ci-benchmark,9,lower,worse" &&
    has stats-compare-nopolarity "$TMP/out" "D,5,4,6,ci-benchmark,9,lower,not applicable"
# Poisson test of O = 80 against E = 50: p = 2 P[X >= 80] (SciPy: 0.00011330071057294973);
# O = 3, E = 2.5: exact limits chi2(0.025; 6)/2 / 2.5 x 100 = 24.746884915824054.
expect stats-icm 0 "$BIN" stats compare --compare-method=poisson-icm --polarity=lower-is-better \
    --in "$SFIX/compare_icm.csv" && has stats-icm-higher "$TMP/out" ",80,50," &&
    has stats-icm-worse "$TMP/out" "higher,worse" && has stats-icm-similar "$TMP/out" "similar,similar"
near stats-icm-value "$TMP/out" A 2 160 1e-12
near stats-icm-exact "$TMP/out" B 3 24.746884915824054 1e-12
awk -F, '$1 == "A" { print $(NF - 2) }' "$TMP/out" > "$TMP/p"
if awk -v p="$(cat "$TMP/p")" 'BEGIN { d = p - 0.00011330071057294973; exit !(d < 1e-15 && d > -1e-15) }'; then
    echo "ok stats-icm-p"; else echo "FAIL stats-icm-p: $(cat "$TMP/p")"; failed=1; fi
# The normal approximation (Jougla 1997): z = (80 - 50)/sqrt(50), p = 2(1 - Phi(z))
# (SciPy: 2.2090496998585445e-05); O = 3, E = 2.5: p = 0.7518296340458492.
expect stats-icm-normal 0 "$BIN" stats compare --compare-method=poisson-normal \
    --in "$SFIX/compare_icm.csv" && has stats-icm-normal-method "$TMP/out" "poisson-normal (Jougla 1997), Byar limits"
awk -F, '$1 == "A" { print $(NF - 2) }' "$TMP/out" > "$TMP/p"
if awk -v p="$(cat "$TMP/p")" 'BEGIN { d = (p - 2.2090496998585445e-05) / 2.2090496998585445e-05; exit !(d < 1e-12 && d > -1e-12) }'; then
    echo "ok stats-icm-normal-p"; else echo "FAIL stats-icm-normal-p: $(cat "$TMP/p")"; failed=1; fi
# Two intervals (the group's and the other territory's): A [8,12] / [11,15] overlap;
# B [8,12] / [12,14] touch (similar too); C [16,24] / [10,15] disjoint, higher, no
# polarity; D and E [3,7] / [9,13] disjoint, lower: worse when higher is better, better
# when lower is better. --polarity fills C's empty cell only.
expect stats-two-ci 0 "$BIN" stats compare --compare-method=two-ci --in "$SFIX/compare_two_ci.csv" &&
    has stats-two-ci-header "$TMP/out" "group,value,lower,upper,method,other_lower,other_upper,direction,judgement" &&
    has stats-two-ci-overlap "$TMP/out" "A,10,8,12,two-ci,11,15,similar,similar" &&
    has stats-two-ci-touching "$TMP/out" "B,10,8,12,two-ci,12,14,similar,similar" &&
    has stats-two-ci-higher "$TMP/out" "C,20,16,24,two-ci,10,15,higher,not applicable" &&
    has stats-two-ci-lower-worse "$TMP/out" "D,5,3,7,two-ci,9,13,lower,worse" &&
    has stats-two-ci-lower-better "$TMP/out" "E,5,3,7,two-ci,9,13,lower,better"
expect stats-two-ci-polarity 0 "$BIN" stats compare --compare-method=two-ci --polarity=lower-is-better \
    --in "$SFIX/compare_two_ci.csv" && has stats-two-ci-polarity "$TMP/out" "C,20,16,24,two-ci,10,15,higher,worse" &&
    has stats-two-ci-row-polarity "$TMP/out" "D,5,3,7,two-ci,9,13,lower,worse"
printf 'group,value,lower,upper,other_lower,other_upper\nA,1,0,2,3,1\n' > "$TMP/two_bad.csv"
expect stats-two-ci-bad 65 "$BIN" stats compare --compare-method=two-ci --in "$TMP/two_bad.csv" &&
    has stats-two-ci-bad "$TMP/err" "two_bad.csv:2: column 'other_lower': 3 is above the other upper limit 1"
# Inequality, by hand: values 10..18 on equal populations: mean 14, D = 18 - 10, R = 1.8,
# y = 9 + 10 X on the ridits X = 0.1..0.9: SII = 10, RII = 19/9; BGV = (16+4+0+4+16)/5.
expect stats-inequality 0 "$BIN" stats inequality --in "$SFIX/inequality.csv" &&
    has stats-inequality-header "$TMP/out" "measure,value,lower,upper,method,se" &&
    has stats-inequality-pair "$TMP/out" "d,8,"
near stats-ineq-mean "$TMP/out" mean 2 14 1e-12
near stats-ineq-r "$TMP/out" r 2 1.8 1e-12
near stats-ineq-sii "$TMP/out" sii 2 10 1e-12
near stats-ineq-rii "$TMP/out" rii 2 2.1111111111111111 1e-12
near stats-ineq-bgv "$TMP/out" bgv 2 8 1e-12
# Type-7 quintiles of 1..10 (R's quantile(1:10, 0:5/5)): cut points 2.8, 4.6, 6.4, 8.2.
expect stats-quantile 0 "$BIN" stats quantile --in "$SFIX/quantile.csv" &&
    has stats-quantile-cuts "$TMP/out" "cut points 2.7999999999999998 4.5999999999999996 6.3999999999999995 8.1999999999999993" &&
    has stats-quantile-1 "$TMP/out" "8.1999999999999993\",1" && has stats-quantile-g03 "$TMP/out" "g03,3,," &&
    has stats-quantile-missing "$TMP/out" "g11,,,,not classed: value secret (line 12),"
if grep -q '^g10,.*",5$' "$TMP/out" && grep -q '^g03,.*",2$' "$TMP/out"; then echo "ok stats-quantile-classes"; else
    echo "FAIL stats-quantile-classes"; failed=1; fi
# FDep: scores from numpy (population-weighted correlation matrix, first eigenvector signed
# on unemployment; the unit with a secret cell left out).
expect stats-fdep 0 "$BIN" stats fdep --in "$SFIX/fdep.csv" &&
    has stats-fdep-excluded "$TMP/out" "I08,,,,excluded: pct_bac secret (line 9),," &&
    has stats-fdep-most "$TMP/out" "population-weighted PCA\",5,5" &&
    has stats-fdep-summary "$TMP/err" "7 of 8 units scored"
near stats-fdep-i04 "$TMP/out" I04 2 3.054109083423528 1e-9
near stats-fdep-i06 "$TMP/out" I06 2 -3.0413961044680917 1e-9
# Empirical Bayes by hand (Marshall 1991): m = 0.02, s2 = 1e-4, A = 1e-4 - 0.02/1000 = 8e-5,
# C = 8e-5 / (8e-5 + 2e-5) = 0.8: 0.02 + 0.8 (0.01 - 0.02) = 0.012 and 0.028.
expect stats-eb 0 "$BIN" stats eb --in "$SFIX/eb.csv" &&
    has stats-eb-missing "$TMP/out" "U3,,,,not computed: denominator missing (line 4)" &&
    has stats-eb-listed "$TMP/err" "line 4 (U3): denominator missing"
near stats-eb-u1 "$TMP/out" U1 2 1200 1e-12
near stats-eb-u2 "$TMP/out" U2 2 2800 1e-12
# Local empirical Bayes by hand (Marshall 1991), units on a line A - B - C - D, E alone,
# every population 1000, rates 0.01, 0.03, 0.02, 0.04, 0.005, so m / n-bar = m / 1000 and
# C = A / (A + m / 1000) in every neighbourhood (the unit itself plus its listed
# neighbours; the row B,B changes nothing):
#   A {A,B}:   m = 0.02, s2 = (1e-4 + 1e-4) / 2 = 1e-4, A = 1e-4 - 2e-5 = 8e-5,
#              C = 8/(8+2) = 0.8, 0.02 + 0.8 (0.01 - 0.02) = 0.012 -> 1200
#   B {A,B,C}: m = 0.02, s2 = 2e-4 / 3, A = 2e-4/3 - 2e-5 = 14e-5/3, C = 14/(14+6) = 0.7,
#              0.02 + 0.7 (0.03 - 0.02) = 0.027 -> 2700
#   C {B,C,D}: m = 0.03, s2 = 2e-4 / 3, A = 2e-4/3 - 3e-5 = 11e-5/3, C = 11/(11+9) = 0.55,
#              0.03 + 0.55 (0.02 - 0.03) = 0.0245 -> 2450
#   D {C,D}:   m = 0.03, s2 = 1e-4, A = 7e-5, C = 7/(7+3) = 0.7, 0.03 + 0.7 x 0.01 -> 3700
#   E {E}:     s2 = 0, A = 0: C = 0, its own rate -> 500.
expect stats-eb-local 0 "$BIN" stats eb --in "$SFIX/eb_line.csv" --neighbours="$SFIX/eb_line_neighbours.csv" &&
    has stats-eb-local-header "$TMP/out" "group,value,lower,upper,method,weight,crude_rate,numerator,denominator,neighbours" &&
    has stats-eb-local-method "$TMP/out" "A,1200,,,local empirical Bayes (Marshall 1991)," &&
    has stats-eb-local-alone "$TMP/out" "E,500,,,local empirical Bayes (Marshall 1991),0,500,5,1000,0" &&
    has stats-eb-local-summary "$TMP/err" "6 neighbour pairs from" &&
    has stats-eb-local-self "$TMP/err" "1 pair of a unit with itself ignored"
near stats-eb-local-a "$TMP/out" A 2 1200 1e-12
near stats-eb-local-b "$TMP/out" B 2 2700 1e-12
near stats-eb-local-c "$TMP/out" C 2 2450 1e-12
near stats-eb-local-d "$TMP/out" D 2 3700 1e-12
near stats-eb-local-c-weight "$TMP/out" C 6 0.55 1e-12
near stats-eb-local-b-count "$TMP/out" B 10 2 0
near stats-eb-local-d-count "$TMP/out" D 10 1 0
# Every unit neighbouring all others (';' file, columns renamed by --col): each
# neighbourhood is the whole set, so the local rates and weights are the global ones.
printf 'code;adjacent\n' > "$TMP/all.csv"
for a in A B C D E; do for b in A B C D E; do [ "$a" = "$b" ] || echo "$a;$b" >> "$TMP/all.csv"; done; done
expect stats-eb-global 0 "$BIN" stats eb --in "$SFIX/eb_line.csv" --out "$TMP/eb_global.csv"
expect stats-eb-all 0 "$BIN" stats eb --in "$SFIX/eb_line.csv" --neighbours="$TMP/all.csv" \
    --col unit=code --col neighbour=adjacent --out "$TMP/eb_all.csv" &&
    has stats-eb-all-count "$TMP/eb_all.csv" "local empirical Bayes (Marshall 1991),0.87195121951219"
for u in A B C D E; do
    # global: the method is quoted and holds a comma, so its weight is field 7.
    near "stats-eb-all-$u" "$TMP/eb_all.csv" "$u" 2 "$(awk -F, -v k="$u" '$1 == k { print $2 }' "$TMP/eb_global.csv")" 1e-12
    near "stats-eb-all-weight-$u" "$TMP/eb_all.csv" "$u" 6 "$(awk -F, -v k="$u" '$1 == k { print $7 }' "$TMP/eb_global.csv")" 1e-12
    near "stats-eb-all-neighbours-$u" "$TMP/eb_all.csv" "$u" 10 4 0
done
# A unit not computed (U3: denominator missing) is left out of its neighbours' smoothing:
# U1 and U2 as the global 1200 and 2800 above.
printf 'unit,neighbour\nU1,U2\nU2,U1\nU1,U3\nU3,U1\n' > "$TMP/nb_u.csv"
expect stats-eb-local-gap 0 "$BIN" stats eb --in "$SFIX/eb.csv" --neighbours="$TMP/nb_u.csv" &&
    has stats-eb-local-gap-row "$TMP/out" "U3,,,,not computed: denominator missing (line 4),,,,," &&
    has stats-eb-local-gap-dropped "$TMP/err" "2 pairs with a unit not computed left out"
near stats-eb-local-gap-u2 "$TMP/out" U2 2 2800 1e-12
printf 'unit,neighbour\nA,B\nA,Z\n' > "$TMP/nb_unknown.csv"
expect stats-eb-unknown 65 "$BIN" stats eb --in "$SFIX/eb_line.csv" --neighbours="$TMP/nb_unknown.csv" &&
    has stats-eb-unknown "$TMP/err" "nb_unknown.csv:3: column 'neighbour': unknown unit 'Z' (no group 'Z' in"
printf 'unit,neighbour\nA,B\nB,A\nA,B\n' > "$TMP/nb_twice.csv"
expect stats-eb-twice 65 "$BIN" stats eb --in "$SFIX/eb_line.csv" --neighbours="$TMP/nb_twice.csv" &&
    has stats-eb-twice "$TMP/err" "nb_twice.csv:4: the pair A,B is already on line 2"
expect stats-eb-no-unit-col 65 "$BIN" stats eb --in "$SFIX/eb_line.csv" --neighbours="$TMP/nb_twice.csv" \
    --col unit=commune && has stats-eb-no-unit-col "$TMP/err" "no column 'commune' (the unit column of the neighbour table"
expect stats-neighbours-rate 64 "$BIN" stats rate --in "$SFIX/eb_line.csv" --neighbours="$TMP/nb_twice.csv" &&
    has stats-neighbours-rate "$TMP/err" "--neighbours applies to 'stats eb' only"
# Errors: file, line and field named; sysexits codes.
expect stats-missing-column 65 "$BIN" stats proportion --in "$SFIX/missing_column.csv" &&
    has stats-missing-column "$TMP/err" "missing_column.csv: no column 'denominator'"
expect stats-renamed-missing 65 "$BIN" stats proportion --in "$SFIX/proportion.csv" --col denominator=pop &&
    has stats-renamed-missing "$TMP/err" "no column 'pop' (the denominator column"
printf 'group,numerator,denominator\nA,3,10\nB,-1,10\n' > "$TMP/neg.csv"
expect stats-negative 65 "$BIN" stats rate --in "$TMP/neg.csv" &&
    has stats-negative "$TMP/err" "neg.csv:3: column 'numerator': -1 is negative"
printf 'group,numerator,denominator\nA,3,10\nA,9,10\nB,11,10\n' > "$TMP/over.csv"
expect stats-over 65 "$BIN" stats proportion --in "$TMP/over.csv" &&
    has stats-over "$TMP/err" "over.csv: group 'B' (line 4): the numerator 11 exceeds the denominator 10"
printf 'group,value\nA,1\nA,2\nB,3\n' > "$TMP/dup.csv"
expect stats-duplicate 65 "$BIN" stats quantile --in "$TMP/dup.csv" &&
    has stats-duplicate "$TMP/err" "group 'A' (lines 2, 3): 2 rows for one group"
expect stats-no-method 64 "$BIN" stats --in "$SFIX/proportion.csv" && has stats-no-method "$TMP/err" "stats needs a METHOD"
expect stats-bad-method 64 "$BIN" stats median --in "$SFIX/proportion.csv" && has stats-bad-method "$TMP/err" "unknown stats METHOD 'median'"
expect stats-bad-conf 64 "$BIN" stats rate --conf=95 --in "$SFIX/rate.csv" && has stats-bad-conf "$TMP/err" "--conf is a level in (0, 1)"
expect stats-bad-role 64 "$BIN" stats rate --col deaths=x --in "$SFIX/rate.csv" && has stats-bad-role "$TMP/err" "reads no such role"
expect stats-multiplier-mean 64 "$BIN" stats mean --multiplier=100 --in "$SFIX/mean.csv" &&
    has stats-multiplier-mean "$TMP/err" "--multiplier does not apply to 'stats mean'"
expect stats-no-input 66 "$BIN" stats rate --in "$TMP/none.csv" && has stats-no-input "$TMP/err" "none.csv"
expect stats-bad-out 74 "$BIN" stats proportion --in "$SFIX/proportion.csv" --out "$TMP/no/such/dir/x.csv"

# --- portrait: the demo (invented figures) checked by an independent Python computation
# (tests/tools/portrait_check.py: sums over the EPCI's communes from the referential,
# Wilson and Byar written out, QPV / rest, and a scan of every output for a withheld count).
PDEMO=datasets/demo/portrait/diagnostic.ini
expect portrait-demo 0 "$BIN" portrait --config="$PDEMO" --out="$TMP/portrait" &&
    has portrait-demo "$TMP/out" "portrait of epci 200069300 (CA Tarbes-Lourdes-Pyrénées)" &&
    has portrait-demo-qpv "$TMP/out" "in QPV"
if command -v python3 > /dev/null && [ -f "$TMP/portrait/portrait.json" ]; then
    if python3 tests/tools/portrait_check.py "$TMP/portrait" 5 > "$TMP/check" 2>&1; then
        echo "ok portrait-independent-check"
    else
        echo "FAIL portrait-independent-check:"; sed 's/^/    /' "$TMP/check" | head -20; failed=1
    fi
fi
for f in portrait.html portrait.json tables/portrait.csv tables/chapitre_1.csv tables/chapitre_8.csv; do
    if [ -s "$TMP/portrait/$f" ]; then echo "ok portrait-file-$f"; else
        echo "FAIL portrait-file-$f: missing or empty"; failed=1; fi
done
# No temporary file left behind by the atomic writes.
if ls -A "$TMP/portrait" "$TMP/portrait/tables" | grep -q '\.tmp-'; then
    echo "FAIL portrait-no-temp: temporary files left"; failed=1; else echo "ok portrait-no-temp"; fi
expect portrait-other-territory 0 "$BIN" portrait --config="$PDEMO" --territory=CLS-TARBES \
    --out="$TMP/portrait-cls" && has portrait-other-territory "$TMP/out" "portrait of territory CLS-TARBES"
expect portrait-batch 0 "$BIN" portrait --config="$PDEMO" --all=epci --out="$TMP/batch" &&
    has portrait-batch "$TMP/out" "portraits of région 76 written"
if [ "$(wc -l < "$TMP/batch/epci.jsonl" 2>/dev/null)" = "$(awk -F, '$5 == 76' datasets/referentiel/communes.csv | cut -d, -f6 | sort -u | grep -c .)" ]; then
    echo "ok portrait-batch-count"; else echo "FAIL portrait-batch-count: one JSON line per EPCI of région 76 expected"; failed=1; fi
# Disclosure audit (tests/tools/disclosure_audit.py): no count under 5 in any output of
# the EPCI, CLS and batch portraits (CSV, JSON, JSON Lines, HTML), and no pair or sum
# of published figures giving a withheld one away; then leaky copies of the EPCI
# portrait, one leak each (tests/tools/disclosure_tamper.py), must each be caught.
if command -v python3 > /dev/null && [ -f "$TMP/portrait/portrait.json" ]; then
    if python3 tests/tools/disclosure_audit.py 5 "$TMP/portrait" "$TMP/portrait-cls" "$TMP/batch" > "$TMP/audit" 2>&1; then
        echo "ok disclosure-audit ($(tail -1 "$TMP/audit"))"
    else
        echo "FAIL disclosure-audit:"; sed 's/^/    /' "$TMP/audit" | tail -20; failed=1
    fi
    mkdir -p "$TMP/tampered"
    for leak in $(python3 tests/tools/disclosure_tamper.py "$TMP/portrait" "$TMP/tampered"); do
        case $leak in
        primary-json) kind=primary ;; withheld-csv|derived-chapter) kind=withheld ;; *) kind=$leak ;;
        esac
        if python3 tests/tools/disclosure_audit.py 5 "$TMP/tampered/$leak" > "$TMP/audit" 2>&1; then
            echo "FAIL disclosure-audit-catches-$leak: no leak found"; failed=1
        elif grep -q "^$kind: " "$TMP/audit"; then echo "ok disclosure-audit-catches-$leak"
        else echo "FAIL disclosure-audit-catches-$leak: no '$kind' leak:"; sed 's/^/    /' "$TMP/audit" | head -5; failed=1
        fi
    done
fi
# Across portraits: the batch of every commune and EPCI of région 76 (4,610 portraits);
# an EPCI's, département's or région's total less its communes as published anywhere in
# the folder must reveal no withheld commune. Then a leaky copy: one commune withheld to
# protect another (secondary) published in its own portrait must be caught ('across').
if ! command -v python3 > /dev/null; then
    : # no python3: the audits above are skipped as well
elif "$BIN" portrait --config="$PDEMO" --all=commune,epci --out="$TMP/batch-all" > /dev/null 2>&1; then
    if python3 tests/tools/disclosure_audit.py 5 "$TMP/batch-all" > "$TMP/audit" 2>&1; then
        echo "ok disclosure-audit-across ($(tail -1 "$TMP/audit"))"
    else
        echo "FAIL disclosure-audit-across:"; sed 's/^/    /' "$TMP/audit" | tail -20; failed=1
    fi
    mkdir -p "$TMP/tampered-across"
    cp "$TMP/batch-all/epci.jsonl" "$TMP/tampered-across/"
    python3 - "$TMP/batch-all/commune.jsonl" "$TMP/tampered-across/commune.jsonl" <<'PY'
import json, sys
done = False
with open(sys.argv[1], encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    for line in f:
        p = json.loads(line)
        for r in p["indicators"]:
            t = r["figures"]["territoire"]
            if not done and t.get("withheld") == "secondary" and r["kind"] == "proportion":
                t["withheld"], t["numerator"], done = False, 1000, True
        out.write(json.dumps(p, ensure_ascii=False) + "\n")
sys.exit(0 if done else 1)
PY
    if python3 tests/tools/disclosure_audit.py 5 "$TMP/tampered-across" > "$TMP/audit" 2>&1; then
        echo "FAIL disclosure-audit-catches-across: no leak found"; failed=1
    elif grep -q "^across: " "$TMP/audit"; then echo "ok disclosure-audit-catches-across"
    else echo "FAIL disclosure-audit-catches-across: no 'across' leak:"; sed 's/^/    /' "$TMP/audit" | head -5; failed=1
    fi
else
    echo "FAIL disclosure-audit-across: the commune and EPCI batch failed"; failed=1
fi
printf '[territory]\ncode = 200069300\n[referential]\ndir = x\n[indicators]\ndictionary = d\n[data]\ncommune = c.csv\nbogus = 1\n' > "$TMP/bad.ini"
expect portrait-bad-key 65 "$BIN" portrait --config="$TMP/bad.ini" --out="$TMP/p2" &&
    has portrait-bad-key "$TMP/err" "bad.ini:9: unknown key 'bogus' in [data]"
expect portrait-no-config 66 "$BIN" portrait --config="$TMP/none.ini" --out="$TMP/p3"
expect portrait-usage 64 "$BIN" portrait --out="$TMP/p4" && has portrait-usage "$TMP/err" "--config and --out are required"
sed 's/^code = 200069300/code = 99999/' "$PDEMO" > datasets/demo/portrait/.e2e_unknown.ini
expect portrait-unknown-territory 65 "$BIN" portrait --config=datasets/demo/portrait/.e2e_unknown.ini --out="$TMP/p5" &&
    has portrait-unknown-territory "$TMP/err" "territory '99999'"
rm -f datasets/demo/portrait/.e2e_unknown.ini
if [ -e "$TMP/p5" ]; then echo "FAIL portrait-failed-writes-nothing: $TMP/p5 exists"; failed=1; else echo "ok portrait-failed-writes-nothing"; fi

# --- portrait --excel and portrait.geojson: read back by tests/tools/portrait_outputs_check.py
# (zipfile + xml for the XLSX, csv, json; geopandas and pyproj for the geometry), cell by
# cell against the UTF-8 tables and portrait.json, and scanned for withheld counts.
expect portrait-excel 0 sh -c "umask 022 && exec \"\$0\" \"\$@\"" "$BIN" portrait --config="$PDEMO" --excel --out="$TMP/px" &&
    has portrait-excel-written "$TMP/out" "$TMP/px/portrait.xlsx"
for f in portrait.xlsx tables/excel/portrait.csv tables/excel/chapitre_1.csv tables/excel/chapitre_9.csv; do
    if [ -s "$TMP/px/$f" ]; then echo "ok portrait-excel-file-$f"; else
        echo "FAIL portrait-excel-file-$f: missing or empty"; failed=1; fi
done
if [ -e "$TMP/px/portrait.geojson" ]; then echo "FAIL portrait-no-geometry-no-geojson"; failed=1; else echo "ok portrait-no-geometry-no-geojson"; fi
# Published files: mode 0666 less the umask (022), not mkstemp's 0600.
modes=$(stat -c %a "$TMP/px/portrait.xlsx" "$TMP/px/portrait.json" "$TMP/px/tables/excel/portrait.csv" | sort -u)
if [ "$modes" = "644" ]; then echo "ok portrait-file-mode"; else echo "FAIL portrait-file-mode: $modes"; failed=1; fi
if find "$TMP/px" -name '*.tmp.*' | grep -q .; then echo "FAIL portrait-excel-no-temp"; failed=1; else echo "ok portrait-excel-no-temp"; fi
expect portrait-excel-batch 64 "$BIN" portrait --config="$PDEMO" --excel --all=epci --out="$TMP/pxb" &&
    has portrait-excel-batch "$TMP/err" "--excel writes one portrait's tables, not --all"
if command -v python3 > /dev/null && [ -f "$TMP/px/portrait.xlsx" ]; then
    if python3 tests/tools/portrait_outputs_check.py "$TMP/px" 5 > "$TMP/check" 2>&1; then
        echo "ok portrait-excel-independent-check"
    else
        echo "FAIL portrait-excel-independent-check:"; sed 's/^/    /' "$TMP/check" | head -20; failed=1
    fi
fi
# The disclosure audit on the Excel outputs too (tables/excel/*.csv, portrait.xlsx read
# back with zipfile), and a planted count of 3 in the workbook's long sheet is caught.
if command -v python3 > /dev/null && [ -f "$TMP/px/portrait.xlsx" ]; then
    if python3 tests/tools/disclosure_audit.py 5 "$TMP/px" > "$TMP/audit" 2>&1; then
        echo "ok portrait-excel-disclosure-audit ($(tail -1 "$TMP/audit"))"
    else
        echo "FAIL portrait-excel-disclosure-audit:"; sed 's/^/    /' "$TMP/audit" | head -20; failed=1
    fi
    rm -rf "$TMP/pxt" && mkdir -p "$TMP/pxt" && cp "$TMP/px/portrait.json" "$TMP/pxt/" &&
    python3 - "$TMP/px/portrait.xlsx" "$TMP/pxt/portrait.xlsx" <<'PY'
import re, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
zin, zout = zipfile.ZipFile(src), zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED)
for item in zin.infolist():
    data = zin.read(item.filename)
    if item.filename.startswith("xl/worksheets/"):
        text = data.decode("utf-8")
        # the first numeric cell of column F (numerator) below the header becomes 3
        text, n = re.subn(r'(<c r="F([2-9]|[1-9][0-9]+)"[^>]*?)(?: t="[a-z]+")?(\s*[^>]*>)<v>[^<]*</v>',
                          r'\1\3<v>3</v>', text, count=1)
        data = text.encode("utf-8")
    zout.writestr(item, data)
zout.close()
PY
    if python3 tests/tools/disclosure_audit.py 5 "$TMP/pxt" > "$TMP/audit" 2>&1; then
        echo "FAIL portrait-excel-audit-catches-a-leak: a planted 3 passed"; failed=1
    else
        echo "ok portrait-excel-audit-catches-a-leak"
    fi
fi
# [outputs] excel = yes does what --excel does.
sed 's/^fictitious = yes/fictitious = yes\nexcel = yes/' "$PDEMO" > datasets/demo/portrait/.e2e_excel.ini
expect portrait-excel-key 0 "$BIN" portrait --config=datasets/demo/portrait/.e2e_excel.ini --out="$TMP/pxk" &&
    if [ -s "$TMP/pxk/portrait.xlsx" ] && [ -s "$TMP/pxk/tables/excel/portrait.csv" ]; then echo "ok portrait-excel-key"; else
        echo "FAIL portrait-excel-key: no portrait.xlsx"; failed=1; fi
rm -f datasets/demo/portrait/.e2e_excel.ini
# With the shared contours: the GeoJSON of the 86 communes and 4 QPV, areas and bounds
# against geopandas, the QPV figures against qpv.csv.
if [ -r "$SHARED/communes_2018/communes_occitanie_2018_lb93.shp" ] &&
   [ -r "$SHARED/qpv2015_occitanie/qp_occitanie_2015_lb93.shp" ]; then
    expect portrait-geojson 0 "$BIN" portrait --config=datasets/demo/portrait/diagnostic_cartes.ini --excel --out="$TMP/pg" &&
        has portrait-geojson-written "$TMP/out" "$TMP/pg/portrait.geojson"
    if /usr/bin/python3 -c 'import geopandas, pyproj' 2> /dev/null; then
        if /usr/bin/python3 tests/tools/portrait_outputs_check.py "$TMP/pg" 5 --require-geojson \
            --communes "$SHARED/communes_2018/communes_occitanie_2018_lb93.shp" code \
            --qpv "$SHARED/qpv2015_occitanie/qp_occitanie_2015_lb93.shp" code_qp \
            --qpv-csv datasets/demo/portrait/qpv.csv > "$TMP/check" 2>&1 &&
            grep -q "86 geojson_features\|90 geojson_features" "$TMP/check"; then
            echo "ok portrait-geojson-independent-check"
        else
            echo "FAIL portrait-geojson-independent-check:"; sed 's/^/    /' "$TMP/check" | head -20; failed=1
        fi
    else
        echo "skipped: portrait-geojson-independent-check (python3-geopandas missing)"
    fi
    # The JSON provenance lists the contours (.shp and .dbf) with their SHA-256, as
    # sha256sum computes them.
    for f in "$SHARED/communes_2018/communes_occitanie_2018_lb93.shp" \
             "$SHARED/qpv2015_occitanie/qp_occitanie_2015_lb93.dbf"; do
        sum=$(sha256sum "$f" | cut -d' ' -f1)
        if grep -q "\"sha256\":\"$sum\"" "$TMP/pg/portrait.json"; then echo "ok portrait-json-geometry-provenance-$(basename "$f")"; else
            echo "FAIL portrait-json-geometry-provenance-$(basename "$f"): $sum not in portrait.json"; failed=1; fi
    done
fi
# --- the real portrait (make demo-occitanie): Toulouse Métropole from the shared data,
# figures recomputed from the raw files and disclosure scanned (tests/tools/occitanie_check.py).
if [ -r "$SHARED/iris_occitanie/iris_indicateurs_occitanie.csv" ] && command -v python3 > /dev/null; then
    if sh scripts/demo_occitanie.sh "$(dirname "$BIN")" "$SHARED" "$TMP/occitanie" > "$TMP/occ.out" 2>&1; then
        echo "ok occitanie-demo"
        if python3 tests/tools/occitanie_check.py "$TMP/occitanie/portrait" "$SHARED" 5 > "$TMP/occ.check" 2>&1; then
            echo "ok occitanie-independent-check ($(tail -1 "$TMP/occ.check"))"
        else
            echo "FAIL occitanie-independent-check:"; sed 's/^/    /' "$TMP/occ.check" | head -20; failed=1
        fi
        # The disclosure audit (primary and secondary suppression) on the real outputs.
        if python3 tests/tools/disclosure_audit.py 5 "$TMP/occitanie/portrait" > "$TMP/occ.audit" 2>&1; then
            echo "ok occitanie-disclosure-audit ($(tail -1 "$TMP/occ.audit"))"
        else
            echo "FAIL occitanie-disclosure-audit:"; sed 's/^/    /' "$TMP/occ.audit" | head -20; failed=1
        fi
    else
        echo "FAIL occitanie-demo:"; sed 's/^/    /' "$TMP/occ.out" | tail -10; failed=1
    fi
    expect occitanie-no-data 1 sh scripts/demo_occitanie.sh "$(dirname "$BIN")" "$TMP/nonexistent" "$TMP/occ2" &&
        has occitanie-no-data "$TMP/err" "lacks iris_occitanie/iris_indicateurs_occitanie.csv"
else
    echo "skipped: occitanie (../shared/data or python3 missing)"
fi

if [ -r "$SHARED/insee/qpv2015/DEMO_2017.csv" ]; then
    # Figures from Python's csv module: 1346 rows; 239 header fields of which 33 named.
    expect real-demo 0 "$BIN" check "$SHARED/insee/qpv2015/DEMO_2017.csv" &&
        has real-demo-rows "$TMP/out" "1346 loaded, 0 rejected" &&
        has real-demo-cols "$TMP/out" "33 (206 empty unnamed columns dropped)" &&
        has real-demo-bom "$TMP/out" "UTF-8 (BOM)"
fi
exit $failed
