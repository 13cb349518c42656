#!/usr/bin/env python3
"""Independent check of a portrait's Excel and GeoJSON outputs (diagsante portrait --excel).

Reads the files back with the standard library only (zipfile + xml.etree for the XLSX,
csv, json), never with diagsante's code:
  - every tables/excel/NAME.csv against tables/NAME.csv cell by cell: UTF-8 BOM, ';',
    CRLF, the same cells, a decimal comma in place of the point of the numbers;
  - portrait.xlsx: one sheet "Chapitre N" per tables/chapitre_N.csv, "Ensemble" (the long
    table) and "Sources et méthodes"; every cell against the CSV (numbers stored as
    numbers in the numeric columns, text otherwise, withheld cells as the CSV's text);
    the "Ensemble" values against portrait.json; header row bold and frozen, column
    widths set;
  - disclosure: no count from 1 to THRESHOLD - 1 of a count-based indicator in the XLSX,
    the Excel CSVs or the GeoJSON; a withheld GeoJSON figure has no number;
  - portrait.geojson when present (RFC 7946): a FeatureCollection, closed rings of at least
    4 positions, exterior rings counter-clockwise and holes clockwise, member values equal
    to portrait.json's; with --communes SHP FIELD (and --qpv SHP FIELD): every coordinate
    inside the lon/lat bounds of the territory's shapes (geopandas, to_crs EPSG:4326), and
    each feature's geodesic area (pyproj.Geod, GRS80) equal to the shapefile's area in
    EPSG:3035 (geopandas) within 1e-4; with --qpv-csv FILE: each QPV's population and
    unemployment rate against that file (P21_POP; 100 P21_CHOM1564 / P21_ACT1564).
Usage: portrait_outputs_check.py OUTDIR THRESHOLD [--communes SHP FIELD] [--qpv SHP FIELD]
       [--qpv-csv FILE] [--require-geojson]
Prints one line per failed check and exits 1 if any failed."""
import csv
import io
import json
import math
import os
import re
import sys
import xml.etree.ElementTree as ET
import zipfile

args = sys.argv[1:]
out, threshold = args[0], int(args[1])
opts = {}
i = 2
while i < len(args):
    if args[i] in ("--communes", "--qpv"):
        opts[args[i]] = (args[i + 1], args[i + 2]); i += 3
    elif args[i] == "--qpv-csv":
        opts[args[i]] = args[i + 1]; i += 2
    else:
        opts[args[i]] = True; i += 1
failures = []
checked = {"excel_csv_cells": 0, "xlsx_cells": 0, "xlsx_json_values": 0, "geojson_features": 0,
           "geojson_areas": 0}
COUNTED = ("count", "proportion", "rate", "isr")
NUMERIC = re.compile(r"^(numerator|denominator|value|lower|upper|min|max|rank|rank_of|members_with_value"
                     r"|.*_value|.*_ratio|.*_difference|qpv_ratio_lower|qpv_ratio_upper)$")

portrait = json.load(open(os.path.join(out, "portrait.json"), encoding="utf-8"))
kind_of = {r["id"]: r["kind"] for r in portrait["indicators"]}


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def read_csv(path):
    return list(csv.reader(open(path, encoding="utf-8", newline="")))


tables = sorted(f for f in os.listdir(os.path.join(out, "tables")) if f.endswith(".csv"))
utf8 = {name: read_csv(os.path.join(out, "tables", name)) for name in tables}

# --- the Excel CSVs -----------------------------------------------------------------------------
for name in tables:
    path = os.path.join(out, "tables", "excel", name)
    if not os.path.exists(path):
        failures.append(f"excel/{name}: missing"); continue
    raw = open(path, "rb").read()
    if not raw.startswith(b"\xef\xbb\xbf"):
        failures.append(f"excel/{name}: no UTF-8 BOM")
    text = raw[3:].decode("utf-8")
    if text.replace("\r\n", "").count("\n") != sum(c.count("\n") for r in utf8[name] for c in r):
        failures.append(f"excel/{name}: a line does not end with CRLF")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    ref = utf8[name]
    if len(rows) != len(ref):
        failures.append(f"excel/{name}: {len(rows)} rows, {len(ref)} in the UTF-8 table"); continue
    header = ref[0]
    for r, (a, b) in enumerate(zip(ref, rows)):
        if len(a) != len(b):
            failures.append(f"excel/{name}:{r + 1}: {len(b)} cells, {len(a)} in the UTF-8 table"); continue
        for c, (x, y) in enumerate(zip(a, b)):
            checked["excel_csv_cells"] += 1
            numeric = r > 0 and NUMERIC.match(header[c])
            if numeric and re.fullmatch(r"-?[0-9.]+(e[-+][0-9]+)?", x):
                if y != x.replace(".", ","):
                    failures.append(f"excel/{name}:{r + 1}:{header[c]}: '{y}' for '{x}'")
            elif x != y:
                failures.append(f"excel/{name}:{r + 1}:{header[c]}: '{y}' differs from '{x}'")
            if numeric and "." in y:
                failures.append(f"excel/{name}:{r + 1}:{header[c]}: decimal point in '{y}'")
        ind = a[header.index("indicator")] if r > 0 else None
        if r > 0 and kind_of.get(ind) in COUNTED:
            v = b[header.index("numerator")]
            if v and not v.startswith("<") and 0 < float(v.replace(",", ".")) < threshold:
                failures.append(f"excel/{name}: {ind} count {v} published")

# --- the workbook ----------------------------------------------------------------------------
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
      "p": "http://schemas.openxmlformats.org/package/2006/relationships"}


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1, int(ref[len(letters):]) - 1


xlsx = os.path.join(out, "portrait.xlsx")
sheets = {}
if not os.path.exists(xlsx):
    failures.append("portrait.xlsx: missing")
else:
    z = zipfile.ZipFile(xlsx)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")))
    rels = {r.get("Id"): r.get("Target") for r in ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))}
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fonts = styles.find("m:fonts", NS).findall("m:font", NS)
    xfs = styles.find("m:cellXfs", NS).findall("m:xf", NS)
    numfmts = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iter(f"{{{NS['m']}}}numFmt")}

    def bold(style):
        font = fonts[int(xfs[style].get("fontId", 0))]
        return font.find("m:b", NS) is not None

    for s in ET.fromstring(z.read("xl/workbook.xml")).find("m:sheets", NS):
        target = rels[s.get(f"{{{NS['r']}}}id")]
        root = ET.fromstring(z.read("xl/" + target.lstrip("/").replace("xl/", "")))
        cells = {}
        for c in root.iter(f"{{{NS['m']}}}c"):
            col, row = col_index(c.get("r"))
            v = c.find("m:v", NS)
            t = c.get("t")
            if t == "s":
                cells[(row, col)] = ("s", shared[int(v.text)], int(c.get("s", 0)))
            elif t in ("str", "inlineStr"):
                cells[(row, col)] = ("s", "".join(x.text or "" for x in c.iter(f"{{{NS['m']}}}t")), int(c.get("s", 0)))
            elif v is not None:
                cells[(row, col)] = ("n", float(v.text), int(c.get("s", 0)))
        pane = root.find(".//m:pane", NS)
        frozen = pane is not None and pane.get("state") == "frozen" and pane.get("ySplit") == "1"
        widths = root.find("m:cols", NS) is not None
        sheets[s.get("name")] = (cells, frozen, widths)
    expected = [f"Chapitre {int(m.group(1))}" for m in
                sorted((re.match(r"chapitre_(\d+)\.csv", t) for t in tables if t.startswith("chapitre")),
                       key=lambda m: int(m.group(1)))] + ["Ensemble", "Sources et méthodes"]
    if list(sheets) != expected:
        failures.append(f"portrait.xlsx: sheets {list(sheets)}, expected {expected}")
    for sheet, name in [(f"Chapitre {t[9:-4]}", t) for t in tables if t.startswith("chapitre")] + \
                       [("Ensemble", "portrait.csv")]:
        if sheet not in sheets:
            continue
        cells, frozen, widths = sheets[sheet]
        if not frozen:
            failures.append(f"{sheet}: header row not frozen")
        if not widths:
            failures.append(f"{sheet}: no column widths")
        ref = utf8[name]
        header = ref[0]
        for r, line in enumerate(ref):
            for c, x in enumerate(line):
                got = cells.get((r, c))
                checked["xlsx_cells"] += 1
                if r == 0:
                    if got is None or got[1] != x or not bold(got[2]):
                        failures.append(f"{sheet}: header {x} missing or not bold")
                elif x == "":
                    if got is not None:
                        failures.append(f"{sheet}!{r + 1}:{header[c]}: {got[1]!r} for an empty cell")
                elif NUMERIC.match(header[c]) and re.fullmatch(r"-?[0-9.]+(e[-+][0-9]+)?", x):
                    # libxlsxwriter writes numbers with 16 significant digits ("%.16G").
                    if got is None or got[0] != "n" or not close(got[1], float(x), 1e-15):
                        failures.append(f"{sheet}!{r + 1}:{header[c]}: {got} for the number {x}")
                elif got is None or got[0] != "s" or got[1] != x:
                    failures.append(f"{sheet}!{r + 1}:{header[c]}: {got} for the text {x!r}")
            if r > 0 and kind_of.get(line[0]) in COUNTED:
                got = cells.get((r, header.index("numerator")))
                if got is not None and got[0] == "n" and 0 < got[1] < threshold:
                    failures.append(f"{sheet}: {line[0]} count {got[1]} published")
        # A number format on the value cells of the chapter tables (not General).
        if sheet.startswith("Chapitre"):
            c = header.index("value")
            for r in range(1, len(ref)):
                got = cells.get((r, c))
                if got is not None and got[0] == "n" and int(xfs[got[2]].get("numFmtId", 0)) == 0:
                    failures.append(f"{sheet}!{r + 1}: value without a number format")
    # The long sheet against portrait.json, figure by figure.
    if "Ensemble" in sheets:
        cells = sheets["Ensemble"][0]
        header = utf8["portrait.csv"][0]
        col = {h: k for k, h in enumerate(header)}
        figures = {}
        for row in portrait["indicators"]:
            for scope, f in row["figures"].items():
                figures[(row["id"], scope, f["code"] or "")] = f
            for f in row["members"]["figures"]:
                figures[(row["id"], row["members"]["level"], f["code"])] = f
        r = 1
        while (r, 0) in cells:
            key = tuple(cells[(r, col[k])][1] if (r, col[k]) in cells else "" for k in ("indicator", "scope", "code"))
            f = figures.get(key)
            if f is None:
                failures.append(f"Ensemble!{r + 1}: {key} not in portrait.json")
            else:
                for k, j in (("value", "value"), ("lower", "lower"), ("upper", "upper"),
                             ("numerator", "numerator"), ("denominator", "denominator")):
                    got = cells.get((r, col[k]))
                    want = f[j]
                    checked["xlsx_json_values"] += 1
                    if want is None:
                        if got is not None and got[0] == "n":
                            failures.append(f"Ensemble!{r + 1}:{k}: {got[1]} where the JSON has null")
                        if k == "numerator" and f["withheld"] == "primary" and (got is None or got[1] != f["display"]):
                            failures.append(f"Ensemble!{r + 1}: withheld count shown as {got}")
                    elif got is None or got[0] != "n" or not close(got[1], want, 1e-15):
                        failures.append(f"Ensemble!{r + 1}:{k}: {got} for {want}")
            r += 1
        if r - 1 != len(utf8["portrait.csv"]) - 1:
            failures.append(f"Ensemble: {r - 1} rows, {len(utf8['portrait.csv']) - 1} in the CSV")
    if "Sources et méthodes" in sheets:
        texts = [v[1] for v in sheets["Sources et méthodes"][0].values() if v[0] == "s"]
        for inp in portrait["provenance"]["inputs"]:
            if inp["sha256"] and inp["sha256"] not in texts:
                failures.append(f"Sources et méthodes: no SHA-256 of {inp['path']}")
        if portrait["settings"]["fictitious"] and not any("FICTIVES" in t for t in texts):
            failures.append("Sources et méthodes: données fictives not said")

# --- the GeoJSON ---------------------------------------------------------------------------------
gpath = os.path.join(out, "portrait.geojson")
if not os.path.exists(gpath):
    if "--require-geojson" in opts:
        failures.append("portrait.geojson: missing")
else:
    g = json.load(open(gpath, encoding="utf-8"))
    if g.get("type") != "FeatureCollection" or "crs" in g:
        failures.append("portrait.geojson: not an RFC 7946 FeatureCollection")
    if g["territory"]["code"] != portrait["territory"]["code"]:
        failures.append("portrait.geojson: territory code")
    if portrait["settings"]["fictitious"] and g.get("notice") != "données fictives":
        failures.append("portrait.geojson: no 'données fictives' notice")
    members = {}
    for row in portrait["indicators"]:
        for f in row["members"]["figures"]:
            members[(row["id"], f["code"])] = f

    def signed_area(ring):
        return sum(ring[k][0] * ring[k + 1][1] - ring[k + 1][0] * ring[k][1] for k in range(len(ring) - 1)) / 2

    def polygons(geom):
        if geom is None:
            return []
        return [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]

    for feat in g["features"]:
        checked["geojson_features"] += 1
        p = feat["properties"]
        if feat["type"] != "Feature" or p["kind"] not in ("commune", "iris", "qpv"):
            failures.append(f"geojson {feat.get('id')}: bad feature")
        for poly in polygons(feat["geometry"]):
            for k, ring in enumerate(poly):
                if len(ring) < 4 or ring[0] != ring[-1]:
                    failures.append(f"geojson {p['code']}: ring not closed or too short")
                a = signed_area(ring)
                if (k == 0) != (a > 0):
                    failures.append(f"geojson {p['code']}: ring {k} wrongly oriented (area {a})")
                for x, y in ring:
                    if round(x, 6) != x or round(y, 6) != y or not (-180 <= x <= 180 and -90 <= y <= 90):
                        failures.append(f"geojson {p['code']}: coordinate {x},{y}"); break
        for ind, kind in kind_of.items():
            w = p[f"{ind}_withheld"]
            nums = [p[f"{ind}_{k}"] for k in ("value", "lower", "upper", "count")]
            if w and (any(v is not None for v in nums) or p[f"{ind}_flag"] not in (f"< {threshold}", "s")):
                failures.append(f"geojson {p['code']}: {ind} withheld but shows {nums} / {p[f'{ind}_flag']}")
            c = p[f"{ind}_count"]
            if kind in COUNTED and c is not None and 0 < c < threshold:
                failures.append(f"geojson {p['code']}: {ind} count {c} published")
            if p["kind"] != "qpv":
                m = members.get((ind, p["code"]))
                if m is None:
                    failures.append(f"geojson {p['code']}: not a member in portrait.json"); continue
                if (m["withheld"] or False) != (w or False):
                    failures.append(f"geojson {p['code']}: {ind} withheld {w}, JSON {m['withheld']}")
                for k, j in (("value", "value"), ("lower", "lower"), ("upper", "upper"), ("count", "numerator")):
                    if p[f"{ind}_{k}"] != m[j]:
                        failures.append(f"geojson {p['code']}: {ind}_{k} {p[f'{ind}_{k}']}, JSON {m[j]}")
        # Between the QPV: never exactly one withheld (the QPV total would reveal it).
    qpv = [f["properties"] for f in g["features"] if f["properties"]["kind"] == "qpv"]
    for ind, kind in kind_of.items():
        if kind in COUNTED and len(qpv) > 1 and sum(1 for p in qpv if p[f"{ind}_withheld"]) == 1 \
                and len(qpv) == len(portrait["territory"]["qpv"]):
            failures.append(f"geojson: a single withheld QPV for {ind}")
    if "--qpv-csv" in opts:
        data = {r["code_qp"]: r for r in csv.DictReader(open(opts["--qpv-csv"], encoding="utf-8"), delimiter=";")}
        for p in qpv:
            d = data[p["code"]]
            pop = float(d["P21_POP"])
            if p["pop_municipale_count"] != pop:
                failures.append(f"geojson {p['code']}: population {p['pop_municipale_count']}, file {pop}")
            x, n = float(d["P21_CHOM1564"]), float(d["P21_ACT1564"])
            v = p["taux_chomage_15_64_value"]
            if x >= threshold and (v is None or not close(v, 100 * x / n, 1e-12)):
                failures.append(f"geojson {p['code']}: chômage {v}, file {100 * x / n}")
    if "--communes" in opts:
        import geopandas
        import pyproj
        import shapely.geometry
        geod = pyproj.Geod(ellps="GRS80")
        layers = [("--communes", ("commune", "iris")), ("--qpv", ("qpv",))]
        for opt, kinds in layers:
            if opt not in opts:
                continue
            shp, field = opts[opt]
            df = geopandas.read_file(shp)
            feats = [f for f in g["features"] if f["properties"]["kind"] in kinds and f["geometry"]]
            codes = {f["properties"]["code"] for f in feats}
            mine = df[df[field].astype(str).isin(codes)]
            if len(mine) == 0:
                failures.append(f"{shp}: none of the GeoJSON's codes"); continue
            west, south, east, north = mine.to_crs(4326).total_bounds
            areas = mine.to_crs(3035).dissolve(by=field).area
            counts = mine[field].astype(str).value_counts()
            for f in feats:
                code = f["properties"]["code"]
                for poly in polygons(f["geometry"]):
                    for ring in poly:
                        for x, y in ring:
                            if not (west - 1e-6 <= x <= east + 1e-6 and south - 1e-6 <= y <= north + 1e-6):
                                failures.append(f"geojson {code}: {x},{y} outside the bounds of the shapes"); break
                # Only codes drawn by exactly the shapes of that code (no merged commune).
                if code in areas.index and counts.get(code, 0) >= 1:
                    shape = shapely.geometry.shape(f["geometry"])
                    geodesic = abs(geod.geometry_area_perimeter(shape)[0])
                    if abs(geodesic - areas[code]) > 1e-4 * areas[code]:
                        failures.append(f"geojson {code}: area {geodesic:.1f} m², shapefile {areas[code]:.1f} m²")
                    checked["geojson_areas"] += 1

for f in failures[:50]:
    print(f)
print(f"portrait_outputs_check: {len(failures)} failure(s); checked " +
      ", ".join(f"{v} {k}" for k, v in checked.items()))
sys.exit(1 if failures else 0)
