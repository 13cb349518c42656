#!/bin/sh
# Renders the demo portrait (datasets/demo/portrait/diagnostic.ini) in headless
# Chromium and checks what a reader would get:
#  - the page loads with no console message at all (the report has no script: any
#    message, "Uncaught ..." or a blocked resource, is a fault), with every host
#    unresolvable so that nothing outside the file could be fetched;
#  - the rendered DOM holds the cover, the three portraits, the nine chapters, the
#    methods and the provenance (h2/h3 titles), the charts and the tables;
#  - a 1240x1754 screenshot (A4 at 150 dpi) exists and is not blank;
#  - the age pyramid (the demo has [ages]) is there with its title and data table;
#  - printed to PDF it gives A4 pages, several of them (page breaks between portraits);
#  - with the shared open data next to the project, the variant with maps
#    (diagnostic_cartes.ini) renders its choropleths.
# Usage: tests/browser/run.sh [BUILD]   (BUILD holds the diagsante binary; default build)
# Skips (exit 0, with a message) when no Chromium is installed:
# `sh scripts/install-deps.sh --browser` installs Debian's chromium.
set -u
BUILD=${1:-build}
BIN=$BUILD/diagsante
CHROMIUM=${CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
    for c in chromium chromium-browser google-chrome; do
        if command -v "$c" > /dev/null 2>&1; then CHROMIUM=$c; break; fi
    done
fi
if [ -z "$CHROMIUM" ]; then
    echo "test-browser: SKIPPED: chromium is not installed (sh scripts/install-deps.sh --browser)"
    exit 0
fi
[ -x "$BIN" ] || { echo "test-browser: FAIL: $BIN not built"; exit 1; }
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
failed=0
fail() { echo "test-browser: FAIL: $*"; failed=1; }
ok() { echo "test-browser: ok $*"; }

if ! "$BIN" portrait --config=datasets/demo/portrait/diagnostic.ini --out="$TMP/out" \
        > "$TMP/cli.out" 2>&1; then
    fail "diagsante portrait:"; sed 's/^/    /' "$TMP/cli.out"; exit 1
fi
HTML=$TMP/out/portrait.html
URL="file://$HTML"
# A fresh profile, no network, no first-run work.
run_chromium() {
    timeout 180 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-extensions --disable-sync --no-first-run --mute-audio \
        --host-resolver-rules="MAP * ~NOTFOUND" --user-data-dir="$TMP/profile" \
        --enable-logging=stderr --v=0 "$@"
}

# 1. The DOM as rendered, and the console.
run_chromium --dump-dom "$URL" > "$TMP/dom.html" 2> "$TMP/dom.err"
[ -s "$TMP/dom.html" ] || fail "--dump-dom gave nothing"
for title in "Portrait de territoire" "Portrait de santé" "Portrait des ressources" \
             "Méthodes" "Provenance des données"; do
    if grep -qF "<h2>$title</h2>" "$TMP/dom.html"; then ok "section '$title'"; else fail "no <h2>$title</h2> in the rendered DOM"; fi
done
h3=$(grep -o '<h3>[1-9]\. [^<]*</h3>' "$TMP/dom.html" | sort -u | wc -l)
[ "$h3" -eq 9 ] && ok "9 chapters" || fail "$h3 chapter titles in the DOM, expected 9"
svg=$(grep -o '<svg' "$TMP/dom.html" | wc -l)
tables=$(grep -o '<table' "$TMP/dom.html" | wc -l)
[ "$svg" -ge 20 ] && ok "$svg charts" || fail "$svg charts (<svg>) in the DOM, expected at least 20"
[ "$tables" -ge 10 ] && ok "$tables tables" || fail "$tables tables in the DOM, expected at least 10"
# The demo configuration has [ages]: the pyramid (SVG with its title, and its table).
if grep -qF '<svg class="pyramide" role="img"' "$TMP/dom.html" &&
   grep -qF '<title id="pyr-titre">Pyramide des âges' "$TMP/dom.html" &&
   grep -qF '<table class="indicateurs pyramide">' "$TMP/dom.html"; then
    ok "age pyramid"
else
    fail "no age pyramid (svg.pyramide with its title and table) in the rendered DOM"
fi
grep -qF 'class="fictif-filigrane"' "$TMP/dom.html" && ok "données fictives watermark" ||
    fail "no 'Données fictives' watermark"

# 2. The screenshot.
run_chromium --screenshot="$TMP/shot.png" --window-size=1240,1754 "$URL" > "$TMP/shot.out" 2> "$TMP/shot.err"
if [ ! -s "$TMP/shot.png" ]; then
    fail "no screenshot"
else
    size=$(wc -c < "$TMP/shot.png")
    sig=$(od -An -tx1 -N8 "$TMP/shot.png" | tr -d ' \n')
    dims=$(od -An -tu1 -j16 -N8 "$TMP/shot.png" |
           awk '{print ($1*16777216+$2*65536+$3*256+$4) "x" ($5*16777216+$6*65536+$7*256+$8)}')
    # A blank 1240x1754 page compresses to about 10 kB; the cover is well above 50 kB.
    if [ "$sig" = "89504e470d0a1a0a" ] && [ "$dims" = "1240x1754" ] && [ "$size" -gt 50000 ]; then
        ok "screenshot $dims, $size bytes"
    else
        fail "screenshot: signature $sig, $dims, $size bytes (expected a 1240x1754 PNG over 50 kB)"
    fi
fi

# 3. Printed: A4 pages (595 x 842 pt), one portrait per page break at least.
run_chromium --no-pdf-header-footer --print-to-pdf="$TMP/portrait.pdf" "$URL" > "$TMP/pdf.out" 2> "$TMP/pdf.err"
if [ -s "$TMP/portrait.pdf" ]; then
    pages=$(grep -a -c '/Type /Page$' "$TMP/portrait.pdf")
    a4=$(grep -a -c '/MediaBox \[0 0 594\.9[0-9]* 841\.9[0-9]*\]' "$TMP/portrait.pdf")
    if [ "$pages" -ge 5 ] && [ "$a4" -eq "$pages" ]; then ok "PDF: $pages A4 pages"; else
        fail "PDF: $pages pages, $a4 of them A4 (expected at least 5, all A4)"; fi
else
    fail "no PDF"
fi

# 4. With maps (datasets/demo/portrait/diagnostic_cartes.ini reads the commune and QPV
# contours of ../shared/data): the choropleths render. Skipped without the shared data.
if [ -f ../shared/data/communes_2018/communes_occitanie_2018_lb93.shp ] &&
   [ -f ../shared/data/qpv2015_occitanie/qp_occitanie_2015_lb93.shp ]; then
    if "$BIN" portrait --config=datasets/demo/portrait/diagnostic_cartes.ini --out="$TMP/cartes" \
            > "$TMP/cartes.out" 2>&1; then
        run_chromium --dump-dom "file://$TMP/cartes/portrait.html" > "$TMP/cartes.html" 2> "$TMP/cartes.err"
        maps=$(grep -o '<svg class="carte"' "$TMP/cartes.html" | wc -l)
        shapes=$(grep -o '<path id="m[0-9]*"' "$TMP/cartes.html" | wc -l)
        if [ "$maps" -ge 20 ] && [ "$shapes" -eq 86 ]; then ok "maps: $maps choropleths of $shapes communes"; else
            fail "maps: $maps choropleths of $shapes communes (expected at least 20, of 86)"; fi
    else
        fail "diagsante portrait with maps:"; sed 's/^/    /' "$TMP/cartes.out"
    fi
else
    echo "test-browser: maps skipped: ../shared/data not here"
    : > "$TMP/cartes.err"
fi

# 5. No console message (no script runs in the report; a message is a fault).
if grep -hE ':CONSOLE|Uncaught' "$TMP/dom.err" "$TMP/shot.err" "$TMP/pdf.err" "$TMP/cartes.err" > "$TMP/console"; then
    fail "console messages:"; sed 's/^/    /' "$TMP/console" | head -20
else
    ok "no console message"
fi

[ "$failed" -eq 0 ] && echo "test-browser: passed" || echo "test-browser: FAILED"
exit "$failed"
