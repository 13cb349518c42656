"""A small, good polygon shapefile written from scratch (no dependency), the base the
malformed shapefiles of gen.py and the fuzz seeds are cut from.

Two records in Lambert-93 (metres) near Toulouse: ZA, a 1 km square with a 200 m square
hole, and ZB, a 500 m square east of it; .dbf fields code C(10) and nom C(20), UTF-8."""
import struct

PRJ = (b'PROJCS["RGF_1993_Lambert_93",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",'
       b'SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
       b'UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],'
       b'PARAMETER["False_Easting",700000.0],PARAMETER["False_Northing",6600000.0],'
       b'PARAMETER["Central_Meridian",3.0],PARAMETER["Standard_Parallel_1",49.0],'
       b'PARAMETER["Standard_Parallel_2",44.0],PARAMETER["Latitude_Of_Origin",46.5],'
       b'UNIT["Meter",1.0]]')

X0, Y0 = 574000.0, 6279000.0
# rings clockwise (outer) / counter-clockwise (hole), closed
RECORDS = [
    ("ZA", "Zone A", [
        [(X0, Y0), (X0, Y0 + 1000), (X0 + 1000, Y0 + 1000), (X0 + 1000, Y0), (X0, Y0)],
        [(X0 + 400, Y0 + 400), (X0 + 600, Y0 + 400), (X0 + 600, Y0 + 600),
         (X0 + 400, Y0 + 600), (X0 + 400, Y0 + 400)]]),
    ("ZB", "Zone B", [
        [(X0 + 1500, Y0), (X0 + 1500, Y0 + 500), (X0 + 2000, Y0 + 500), (X0 + 2000, Y0),
         (X0 + 1500, Y0)]]),
]
FIELDS = [("code", 10), ("nom", 20)]


def polygon_record(number, rings, shape_type=5):
    """A .shp record (header + content) of a polygon."""
    points = [p for ring in rings for p in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    starts, k = [], 0
    for ring in rings:
        starts.append(k)
        k += len(ring)
    content = struct.pack("<i4d2i", shape_type, min(xs), min(ys), max(xs), max(ys),
                          len(rings), len(points))
    content += struct.pack("<%di" % len(starts), *starts)
    for x, y in points:
        content += struct.pack("<2d", x, y)
    return struct.pack(">2i", number, len(content) // 2) + content


def shp_header(total_bytes, bounds, shape_type=5):
    return (struct.pack(">7i", 9994, 0, 0, 0, 0, 0, total_bytes // 2) +
            struct.pack("<2i", 1000, shape_type) + struct.pack("<4d", *bounds) +
            struct.pack("<4d", 0, 0, 0, 0))


def dbf_bytes(rows, fields=FIELDS):
    record_len = 1 + sum(w for _, w in fields)
    header_len = 32 + 32 * len(fields) + 1
    out = struct.pack("<B3BIHH20x", 3, 126, 1, 1, len(rows), header_len, record_len)
    for name, width in fields:
        out += struct.pack("<11sc4xBB14x", name.encode(), b"C", width, 0)
    out += b"\r"
    for row in rows:
        out += b" " + b"".join(v.encode("utf-8")[:w].ljust(w) for v, (_, w) in zip(row, fields))
    return out + b"\x1a"


def good(records=RECORDS):
    """Returns dict ext -> bytes for shp, shx, dbf, prj, cpg."""
    body, index, pos = b"", b"", 100
    for i, (_, _, rings) in enumerate(records):
        r = polygon_record(i + 1, rings)
        index += struct.pack(">2i", pos // 2, (len(r) - 8) // 2)
        body += r
        pos += len(r)
    pts = [p for _, _, rings in records for ring in rings for p in ring]
    bounds = (min(p[0] for p in pts), min(p[1] for p in pts),
              max(p[0] for p in pts), max(p[1] for p in pts))
    return {
        "shp": shp_header(100 + len(body), bounds) + body,
        "shx": shp_header(100 + len(index), bounds) + index,
        "dbf": dbf_bytes([(c, n) for c, n, _ in records]),
        "prj": PRJ,
        "cpg": b"UTF-8",
    }


def write(base, parts):
    for ext, data in parts.items():
        if data is not None:
            with open(base + "." + ext, "wb") as f:
                f.write(data)
