#!/bin/sh
# Regenerates datasets/referentiel/ (the territorial referential read by
# engine/referential.c) from the npm package @etalab/decoupage-administratif.
#
# Usage: scripts/update-referentiel.sh [VERSION] [--from DIR] [--cog YEAR] [--out DIR]
#   VERSION      package version (default 6.0.0, the COG 2026)
#   --from DIR   convert an already unpacked data folder (communes.json, epci.json,
#                departements.json, regions.json) instead of downloading: offline
#   --cog YEAR   the COG vintage of that version; default: read from the package's
#                README ("Millésimes et versions de package" table)
#   --out DIR    output folder (default: datasets/referentiel of this repository)
#
# Online, it runs `npm pack @etalab/decoupage-administratif@VERSION` in a temporary
# folder, unpacks it and converts data/*.json with node (scripts/referentiel-from-npm.js).
# The output depends only on the package data, VERSION and the COG year: converting the
# downloaded package or an unpacked copy of it gives byte-identical files.
# Needs: sh, node >= 10, tar, npm (online only).
set -eu

PACKAGE=@etalab/decoupage-administratif
here=$(cd "$(dirname "$0")" && pwd)
version=6.0.0
from=""
cog=""
out="$here/../datasets/referentiel"

usage() {
    echo "usage: $0 [VERSION] [--from DIR] [--cog YEAR] [--out DIR]" >&2
    exit 64
}

while [ $# -gt 0 ]; do
    case "$1" in
    --from) [ $# -ge 2 ] || usage; from=$2; shift 2 ;;
    --cog) [ $# -ge 2 ] || usage; cog=$2; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) usage ;;
    *) version=$1; shift ;;
    esac
done

case "$version" in
*[!0-9.]*|"") echo "update-referentiel: '$version' is not a package version" >&2; exit 64 ;;
esac
command -v node >/dev/null 2>&1 || { echo "update-referentiel: node is required" >&2; exit 69; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/referentiel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

if [ -n "$from" ]; then
    data=$(cd "$from" && pwd)
    package_dir=$(dirname "$data")
else
    command -v npm >/dev/null 2>&1 || { echo "update-referentiel: npm is required (or use --from DIR)" >&2; exit 69; }
    echo "update-referentiel: npm pack $PACKAGE@$version"
    if ! (cd "$tmp" && npm pack --loglevel=error "$PACKAGE@$version" >/dev/null); then
        echo "update-referentiel: npm pack $PACKAGE@$version failed (unknown version? no network? try --from DIR)" >&2
        exit 69
    fi
    tarball=$(ls "$tmp"/*.tgz)
    tar -xzf "$tarball" -C "$tmp"
    package_dir="$tmp/package"
    data="$package_dir/data"
fi

# The unpacked package must be the version asked for.
if [ -f "$package_dir/package.json" ]; then
    found=$(node -e 'const p = require(process.argv[1]); process.stdout.write(p.name + "@" + p.version)' \
        "$package_dir/package.json")
    if [ "$found" != "$PACKAGE@$version" ]; then
        echo "update-referentiel: $package_dir is $found, not $PACKAGE@$version" >&2
        exit 65
    fi
fi

# The COG year: --cog, or the package README's table "| 2026 | 6.0.0 | ...".
if [ -z "$cog" ]; then
    for readme in "$data/README.md" "$package_dir/README.md"; do
        [ -f "$readme" ] || continue
        cog=$(awk -F'|' -v v="$version" '
            { y = $2; p = $3; gsub(/[ \t]/, "", y); gsub(/[ \t]/, "", p) }
            y ~ /^[0-9][0-9][0-9][0-9]$/ && p == v { print y; exit }' "$readme")
        [ -n "$cog" ] && break
    done
fi
if [ -z "$cog" ]; then
    echo "update-referentiel: cannot tell the COG year of $PACKAGE@$version: pass --cog YEAR" >&2
    exit 64
fi

mkdir -p "$tmp/out"
node "$here/referentiel-from-npm.js" "$data" "$tmp/out" "$version" "$cog"

mkdir -p "$out"
for f in VERSION README.md regions.csv departements.csv epci.csv communes.csv commune_history.csv; do
    cp "$tmp/out/$f" "$out/$f.new"
    mv "$out/$f.new" "$out/$f"
done
echo "update-referentiel: wrote $(cd "$out" && pwd)"
