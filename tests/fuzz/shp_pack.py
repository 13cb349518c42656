#!/usr/bin/env python3
"""Shapefile helpers for the fuzz seeds and the malformed-input corpus.

    shp_pack.py pack BASE OUT [FIRST N]   packs BASE.{shp,shx,dbf,prj,cpg} (records
                                          FIRST..FIRST+N-1 when given) into one input of
                                          the shapefile fuzz target (option byte 0)
    shp_pack.py cut BASE OUTBASE FIRST N  writes those records as a shapefile

A cut keeps the header of the .shp (with the file length and the bounds of the kept
records), rewrites the .shx offsets and the .dbf record count."""
import os
import struct
import sys

SEPARATOR = b"\n--diagsante-part--\n"


def read(path):
    with open(path, "rb") as f:
        return f.read()


def cut(base, first, n):
    """Returns the bytes of (shp, shx, dbf) holding records first..first+n-1."""
    shp, shx, dbf = read(base + ".shp"), read(base + ".shx"), read(base + ".dbf")
    count = (len(shx) - 100) // 8
    n = min(n, count - first)
    records = []
    for i in range(first, first + n):
        offset, length = struct.unpack(">ii", shx[100 + 8 * i:108 + 8 * i])
        records.append(shp[offset * 2:offset * 2 + 8 + length * 2])
    xmin = ymin = float("inf")
    xmax = ymax = float("-inf")
    for r in records:
        if len(r) >= 44 and struct.unpack("<i", r[8:12])[0] != 0:
            x0, y0, x1, y1 = struct.unpack("<4d", r[12:44])
            xmin, ymin, xmax, ymax = min(xmin, x0), min(ymin, y0), max(xmax, x1), max(ymax, y1)
    body, index, pos = b"", b"", 100
    for i, r in enumerate(records):
        r = struct.pack(">i", i + 1) + r[4:]
        index += struct.pack(">ii", pos // 2, (len(r) - 8) // 2)
        body += r
        pos += len(r)
    bounds = struct.pack("<4d", xmin, ymin, xmax, ymax) if records else shp[36:68]

    def header(total):
        return shp[:24] + struct.pack(">i", total // 2) + shp[28:36] + bounds + shp[68:100]

    new_shp = header(100 + len(body)) + body
    new_shx = header(100 + len(index)) + index
    header_len, record_len = struct.unpack("<HH", dbf[8:12])
    rows = dbf[header_len + first * record_len:header_len + (first + n) * record_len]
    new_dbf = dbf[:4] + struct.pack("<I", n) + dbf[8:header_len] + rows + b"\x1a"
    return new_shp, new_shx, new_dbf


def pack(parts, option=0):
    return bytes([option]) + SEPARATOR.join(parts)


def sidecars(base):
    out = []
    for ext in ("prj", "cpg"):
        path = base + "." + ext
        out.append(read(path) if os.path.exists(path) else b"")
    return out


def main(argv):
    if len(argv) >= 3 and argv[0] == "pack":
        base, out = argv[1], argv[2]
        if len(argv) == 5:
            shp, shx, dbf = cut(base, int(argv[3]), int(argv[4]))
        else:
            shp, shx, dbf = read(base + ".shp"), read(base + ".shx"), read(base + ".dbf")
        with open(out, "wb") as f:
            f.write(pack([shp, shx, dbf] + sidecars(base)))
        return 0
    if len(argv) == 5 and argv[0] == "cut":
        shp, shx, dbf = cut(argv[1], int(argv[3]), int(argv[4]))
        for ext, data in (("shp", shp), ("shx", shx), ("dbf", dbf)):
            with open(argv[2] + "." + ext, "wb") as f:
                f.write(data)
        return 0
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
