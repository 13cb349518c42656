#!/bin/sh
# Installs the Debian packages diagsante needs to build, test and run.
# Idempotent: packages already installed are left alone. Uses sudo when not root.
# When it cannot install, it exits 1 and prints the exact command to run.
set -eu

PACKAGES="build-essential pkg-config libgsl-dev libshp-dev libproj-dev proj-data \
libcsv-dev libcmocka-dev libgeos-dev libinih-dev nettle-dev libxlsxwriter-dev"
# `install-deps.sh --bench` adds what `make bench` compares against; `--browser` the
# headless browser (and the font the report names first) `make test-browser` renders
# the HTML report with; `--fuzz` clang and its libFuzzer runtime (`make fuzz`);
# `--valgrind` valgrind (`make check-valgrind`).
if [ "${1:-}" = "--bench" ]; then
    PACKAGES="$PACKAGES time python3-geopandas python3-rtree"
elif [ "${1:-}" = "--browser" ]; then
    PACKAGES="$PACKAGES chromium fonts-dejavu-core"
elif [ "${1:-}" = "--fuzz" ]; then
    PACKAGES="$PACKAGES clang libclang-rt-14-dev"
elif [ "${1:-}" = "--valgrind" ]; then
    PACKAGES="$PACKAGES valgrind"
fi

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "install-deps: cannot install as $(id -un) without sudo; run as root:" >&2
    echo "    apt-get update && apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi

if ! { $SUDO apt-get update -q && \
       DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing; }; then
    echo "install-deps: apt-get failed; run:" >&2
    echo "    sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi
echo "install-deps: done"
