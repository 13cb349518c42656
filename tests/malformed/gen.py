#!/usr/bin/env python3
"""Generates the binary and path-dependent inputs of the malformed-input corpus into
DIR (run at test time by tests/malformed/run.sh; nothing of it is committed):

    gen.py DIR REPO     shapefiles (DIR/shp/*), diagnostic.ini variants (DIR/ini/*)
    gen.py --bigline FILE SIZE_MB [quoted]
                        a CSV whose line 3 is SIZE_MB MiB long, written in chunks (the
                        1 GiB case); with 'quoted', a quoted row follows it

Every shapefile is the good one of shpgood.py with one thing broken; the comment of
each says what, and run.sh's manifest (cases) the message expected."""
import math
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shpgood  # noqa: E402

SHX_FIRST = 100  # offset of the first .shx entry


def patch(data, offset, fmt, *values):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, *values)
    return bytes(b)


def shapefiles(out):
    os.makedirs(out, exist_ok=True)
    g = shpgood.good()
    rec0 = 100                     # first .shp record: header 8 bytes, then content
    content0 = rec0 + 8            # shape type, bbox (32), nParts, nPoints, parts, points
    nparts0, npoints0 = content0 + 36, content0 + 40
    parts0 = content0 + 44
    points0 = parts0 + 4 * 2       # ZA has 2 parts
    dbf_header_len = struct.unpack_from("<H", g["dbf"], 8)[0]
    cases = {
        "good": dict(g),
        "no_shx": dict(g, shx=None),
        "no_dbf": dict(g, dbf=None),
        "no_prj": dict(g, prj=None),
        # second .shx entry points past the end of the .shp
        "shx_offset_past_end": dict(g, shx=patch(g["shx"], SHX_FIRST + 8, ">i", 10**6)),
        # first record claims a content length of 2^30 words
        "record_length_huge": dict(g, shp=patch(g["shp"], rec0 + 4, ">i", 1 << 30),
                                   shx=patch(g["shx"], SHX_FIRST + 4, ">i", 1 << 30)),
        "part_count_huge": dict(g, shp=patch(g["shp"], nparts0, "<i", 1 << 28)),
        "point_count_huge": dict(g, shp=patch(g["shp"], npoints0, "<i", 1 << 28)),
        "part_start_negative": dict(g, shp=patch(g["shp"], parts0 + 4, "<i", -3)),
        "coordinate_nan": dict(g, shp=patch(g["shp"], points0 + 16, "<d", math.nan)),
        "coordinate_inf": dict(g, shp=patch(g["shp"], points0 + 8, "<d", math.inf)),
        # the file header says POINT (1), the records are polygons
        "layer_type_point": dict(g, shp=patch(g["shp"], 32, "<i", 1),
                                 shx=patch(g["shx"], 32, "<i", 1)),
        # the first record says POINT in a polygon layer
        "record_type_point": dict(g, shp=patch(g["shp"], content0, "<i", 1)),
        # .dbf header: 1000 records (the file holds 2)
        "dbf_count_lies_more": dict(g, dbf=patch(g["dbf"], 4, "<I", 1000)),
        # .dbf header: 1 record (the .shx indexes 2 shapes)
        "dbf_count_lies_less": dict(g, dbf=patch(g["dbf"], 4, "<I", 1)),
        # .dbf record length 4000 (fields need 31 bytes)
        "dbf_record_length_lies": dict(g, dbf=patch(g["dbf"], 10, "<H", 4000)),
        # .dbf record length 5: shorter than its fields
        "dbf_record_length_short": dict(g, dbf=patch(g["dbf"], 10, "<H", 5)),
        # .dbf cut in the middle of the second record
        "dbf_truncated": dict(g, dbf=g["dbf"][:dbf_header_len + 31 + 10]),
        # .dbf cut inside its header
        "dbf_header_truncated": dict(g, dbf=g["dbf"][:40]),
        # .shp cut in the middle of the second record
        "shp_truncated": dict(g, shp=g["shp"][:len(g["shp"]) - 40]),
        "shp_empty": dict(g, shp=b""),
        "prj_garbage": dict(g, prj=b'PROJCS["nothing",GEOGCS[oops'),
        # the first ring has 3 points (a polygon needs 4)
        "ring_too_short": dict(g, **_short_ring()),
    }
    for name, parts in cases.items():
        shpgood.write(os.path.join(out, name), parts)


def _short_ring():
    records = [("ZA", "Zone A", [[(0, 0), (0, 1), (0, 0)]])] + shpgood.RECORDS[1:]
    p = shpgood.good(records)
    return {k: p[k] for k in ("shp", "shx", "dbf")}


def inis(out, repo):
    """diagnostic.ini variants of the demo, with absolute paths into the repository."""
    os.makedirs(out, exist_ok=True)
    demo = os.path.join(repo, "datasets/demo/portrait")
    with open(os.path.join(demo, "diagnostic.ini"), encoding="utf-8") as f:
        base = f.read()
    for name in ("communes.csv", "qpv.csv", "epci.csv", "departements.csv", "region.csv",
                 "france.csv", "qpv_communes.csv"):
        base = base.replace("= " + name, "= " + os.path.join(demo, name))
    base = base.replace("= ../", "= " + demo + "/../")
    with open(os.path.join(demo, "communes.csv"), encoding="utf-8") as f:
        communes = f.read().splitlines()
    # a commune on two rows with different values (65001: 299 -> 300 inhabitants)
    with open(os.path.join(out, "communes_dup.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(communes + [communes[1].replace(";299;", ";300;", 1)]) + "\n")
    # a stray word in a numeric column, line 5
    bad = list(communes)
    fields = bad[4].split(";")
    fields[2] = "trois"
    bad[4] = ";".join(fields)
    with open(os.path.join(out, "communes_stray.csv"), "w", encoding="utf-8") as f:
        f.write("\n".join(bad) + "\n")

    def variant(name, text):
        with open(os.path.join(out, name + ".ini"), "w", encoding="utf-8") as f:
            f.write(text)

    def sub(old, new, count=1):
        assert old in base, old
        return base.replace(old, new, count)

    variant("good", base)
    variant("unknown_key", sub("[disclosure]\n", "[disclosure]\nseuil = 5\n"))
    variant("unknown_section", base + "\n[sortie]\nhtml = yes\n")
    variant("missing_data_file", sub("commune = " + demo + "/communes.csv",
                                     "commune = " + out + "/absent.csv"))
    variant("missing_dictionary", sub("indicateurs.csv", "absent_dictionary.csv"))
    variant("missing_referential", sub("/../../referentiel", "/../../no_referential"))
    variant("territory_unknown", sub("code = 200069300", "code = 200099999"))
    variant("territory_malformed", sub("code = 200069300", "code = 2C004"))
    variant("territory_level_mismatch", sub("code = 200069300",
                                            "code = 200069300\nlevel = commune"))
    variant("no_territory", sub("code = 200069300\n", ""))
    variant("bad_boolean", sub("france = yes", "france = peut-être"))
    variant("bad_threshold", sub("threshold = 5", "threshold = cinq"))
    variant("bad_confidence", base + "confidence = 1.5\n" if False else
            sub("[references]\n", "[references]\nconfidence = 1.5\n"))
    variant("repeated_key", sub("threshold = 5", "threshold = 5\nthreshold = 11"))
    variant("duplicate_keys", sub(demo + "/communes.csv", out + "/communes_dup.csv"))
    variant("stray_word", sub(demo + "/communes.csv", out + "/communes_stray.csv"))
    variant("not_ini", "this is not an ini file\n")


def bigline(path, size_mb, quoted):
    chunk = b"a" * (1 << 20)
    with open(path, "wb") as f:
        f.write(b"code;nom;pop\n31555;Toulouse;12\n09001;")
        for _ in range(size_mb):
            f.write(chunk)
        f.write(b";5\n")
        if quoted:
            f.write(b'32013;"Auch; Gers";3\n')
        f.write(b"34172;Montpellier;7\n")


def main(argv):
    if len(argv) >= 3 and argv[0] == "--bigline":
        bigline(argv[1], int(argv[2]), len(argv) > 3 and argv[3] == "quoted")
        return 0
    if len(argv) == 2:
        shapefiles(os.path.join(argv[0], "shp"))
        inis(os.path.join(argv[0], "ini"), os.path.abspath(argv[1]))
        return 0
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
