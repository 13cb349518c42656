#!/usr/bin/python3
"""Independent reference check for `diagsante coverage` (QPV / contrats de ville / CLS).

This script recomputes, with geopandas/shapely/pyproj and without reading the C
engine, the figures of `diagsante coverage` on the Occitanie data, so that the two
implementations can be compared.  Run it with /usr/bin/python3:

    /usr/bin/python3 tests/tools/coverage_check.py OUTDIR

Definitions implemented (min_share = 0.001; every area is measured in EPSG:3035):

* Geometries: every layer is repaired with make_valid (only the polygonal parts are
  kept), then reprojected to EPSG:3035.
* Current commune of a 2018 code: a `commune-actuelle` row of communes.csv -> itself;
  an `arrondissement-municipal` -> its parent (`commune` column); otherwise
  commune_history.csv old_code -> current_code.  Codes that cannot be mapped are
  reported (and dropped).
* CLS communes: member_kind `commune` -> that (current) commune; `epci` -> every
  commune-actuelle whose `epci` is that SIREN.  A CLS is the union of its rows.
  Scope "signed" = CLS with status `signé`; scope "signed_or_prefiguration" = status
  `signé` or `préfiguration`.
* QPV communes (geometric): overlay QPV x 2018 communes, sum intersection areas per
  CURRENT commune; a commune is a QPV commune when that sum / QPV area >= min_share.
* QPV in CLS by membership: one of its (geometric) communes is a commune of the CLS;
  in a scope by membership: in at least one CLS of the scope.
* QPV share in a scope by geometry: sum of the areas QPV n (2018 commune) over ALL the
  2018 communes whose current code belongs to the union of the communes of the
  scope's CLS (pairs below min_share included), / QPV area.  Also per single CLS.
* CV communes (membership): a 2018 commune belongs to a CV when
  area(commune n CV) / area(commune) >= 0.5 (CV reprojected WGS84 -> 3035); mapped
  to current codes.  QPV in CV by membership: one of the QPV communes is a commune
  of the CV (a QPV may get several CV).
* QPV's CV by geometry: the CV maximising area(QPV n CV)/area(QPV), when that share
  is >= min_share (else none).
* A CV is counted under a method when it has at least one QPV under that method.
* Per CV, method, scope: n_qpv; n_in = QPV of the CV in scope (membership: in scope;
  geometry: share >= min_share); class = none if n_in = 0, full if every QPV of the CV
  is fully in (membership: in scope; geometry: share >= 1 - min_share), else partial;
  population_in = membership: sum pop of QPV in scope, geometry: sum pop x share;
  qpv_area_share = membership: sum area in scope / sum area, geometry:
  sum area x share / sum area.
* Summary per method and scope, over all QPV and the CV counted under the method:
  cv_with_qpv_in_cls = #CV class != none / #CV; cv_entirely_in_cls = #CV class full /
  #CV; qpv_in_cls = #QPV in (membership: in scope; geometry: share >= min_share) /
  #QPV; qpv_population_in_cls = sum pop in (membership: whole pop if in; geometry:
  pop x share) / sum pop (QPV having a population only); qpv_area_in_cls = sum area
  in (membership: whole area if in; geometry: area x share) / sum area.

Outputs (in OUTDIR): summary.csv, qpv.csv, cv.csv, and qpv_cls.csv (per QPV and
CLS: membership flag and geometric share, non-trivial pairs only).
"""

import csv
import os
import sys
import time
import unicodedata
from collections import defaultdict

import geopandas as gpd
import pandas as pd
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon

MIN_SHARE = 0.001
CV_COMMUNE_SHARE = 0.5
CRS_AREA = 3035

QPV_SHP = "/work/shared/data/qpv2015_occitanie/qp_occitanie_2015_lb93.shp"
QPV_CSV = "/work/shared/data/qpv2015_occitanie/qp.csv"
COMMUNES_SHP = "/work/shared/data/communes_2018/communes_occitanie_2018_lb93.shp"
CV_SHP = "/work/shared/data/contrats_ville/cv_2015_wgs84.shp"

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CLS_CSV = os.path.join(REPO, "datasets", "demo", "cls_occitanie_demo.csv")
REF_COMMUNES = os.path.join(REPO, "datasets", "referentiel", "communes.csv")
REF_HISTORY = os.path.join(REPO, "datasets", "referentiel", "commune_history.csv")

SCOPES = {
    "signed": {"signé"},
    "signed_or_prefiguration": {"signé", "préfiguration"},
}
SCOPE_SUFFIX = {"signed": "signed", "signed_or_prefiguration": "any"}
METHODS = ("membership", "geometry")


def nfc(s):
    return unicodedata.normalize("NFC", s.strip())


def fmt(x):
    """Full-precision text of a number (ints as ints, floats with %.17g)."""
    if isinstance(x, bool):
        return "1" if x else "0"
    if isinstance(x, int):
        return str(x)
    return "%.17g" % x


# ---------------------------------------------------------------------------
# Step 1: layers
# ---------------------------------------------------------------------------

def polygonal_part(geom):
    """Keep only the polygonal parts of a (repaired) geometry."""
    if geom is None or geom.is_empty:
        return None
    if isinstance(geom, (Polygon, MultiPolygon)):
        return geom
    if isinstance(geom, GeometryCollection):
        polys = []
        for g in geom.geoms:
            p = polygonal_part(g)
            if p is None:
                continue
            polys.extend(p.geoms if isinstance(p, MultiPolygon) else [p])
        return MultiPolygon(polys) if polys else None
    return None  # lines, points


def load_layer(path, id_field, name):
    """Read a layer, make_valid, keep polygons, reproject to EPSG:3035."""
    gdf = gpd.read_file(path)
    n_invalid = int((~gdf.is_valid).sum())
    gdf["geometry"] = gdf.geometry.make_valid().apply(polygonal_part)
    gdf = gdf.set_geometry("geometry")
    gdf = gdf[gdf.geometry.notna()].to_crs(CRS_AREA)
    n_invalid_after = int((~gdf.is_valid).sum())
    if n_invalid_after:  # reprojection may (rarely) create invalidity
        gdf["geometry"] = gdf.geometry.make_valid().apply(polygonal_part)
        gdf = gdf.set_geometry("geometry")
    assert gdf[id_field].is_unique, f"{name}: duplicate {id_field}"
    gdf[id_field] = gdf[id_field].astype(str)
    print(f"{name}: {len(gdf)} features, {n_invalid} invalid repaired, "
          f"{n_invalid_after} invalid after reprojection")
    return gdf.reset_index(drop=True)


def intersection_areas(left, left_id, right, right_id):
    """All pairs (left_id, right_id, area of the intersection > 0)."""
    pairs = gpd.sjoin(left[[left_id, "geometry"]], right[[right_id, "geometry"]],
                      how="inner", predicate="intersects")
    lg = left.geometry.loc[pairs.index].values
    rg = right.set_index(right_id).geometry.loc[pairs[right_id]].values
    areas = [a.intersection(b).area for a, b in zip(lg, rg)]
    out = pd.DataFrame({left_id: pairs[left_id].values,
                        right_id: pairs[right_id].values, "area": areas})
    return out[out.area > 0].reset_index(drop=True)


# ---------------------------------------------------------------------------
# Step 2: referential, current communes, CLS
# ---------------------------------------------------------------------------

class Referential:
    def __init__(self):
        c = pd.read_csv(REF_COMMUNES, dtype=str, keep_default_na=False)
        h = pd.read_csv(REF_HISTORY, dtype=str, keep_default_na=False)
        self.type = dict(zip(c.code, c.type))
        self.parent = dict(zip(c.code, c.commune))
        self.history = dict(zip(h.old_code, h.current_code))
        actual = c[c.type == "commune-actuelle"]
        self.epci_communes = defaultdict(set)
        for code, epci in zip(actual.code, actual.epci):
            if epci:
                self.epci_communes[epci].add(code)
        self.unmapped = set()

    def current(self, code):
        t = self.type.get(code)
        if t == "commune-actuelle":
            return code
        if t == "arrondissement-municipal":
            return self.parent[code]
        if code in self.history:
            return self.history[code]
        self.unmapped.add(code)
        return None


def load_cls(ref):
    """{cls_id: (status, set of current communes)}."""
    cls = {}
    with open(CLS_CSV, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            tid = row["territory_id"].strip()
            status = nfc(row["status"])
            kind = row["member_kind"].strip()
            code = row["member_code"].strip()
            if tid in cls:
                assert cls[tid][0] == status, f"{tid}: inconsistent status"
            else:
                cls[tid] = (status, set())
            if kind == "commune":
                cur = ref.current(code)
                members = {cur} if cur else set()
            elif kind == "epci":
                members = ref.epci_communes.get(code, set())
                if not members:
                    print(f"WARNING: EPCI {code} of {tid} has no commune")
            else:
                raise ValueError(f"{tid}: member_kind {kind!r}")
            cls[tid][1].update(members)
    return cls


def scope_communes(cls):
    """{scope: (list of CLS ids, union of their communes)}."""
    out = {}
    for scope, statuses in SCOPES.items():
        ids = sorted(t for t, (st, _) in cls.items() if st in statuses)
        union = set().union(*(cls[t][1] for t in ids)) if ids else set()
        out[scope] = (ids, union)
    return out


# ---------------------------------------------------------------------------
# Step 3: QPV x communes
# ---------------------------------------------------------------------------

def qpv_commune_shares(qpv, communes, ref):
    """Pairs QPV x 2018 commune with area, 2018 share and current code."""
    pairs = intersection_areas(qpv, "code_qp", communes, "code")
    area = dict(zip(qpv.code_qp, qpv.geometry.area))
    pairs["share"] = pairs.area / pairs.code_qp.map(area)
    pairs["current"] = [ref.current(c) for c in pairs.code]
    return pairs


def qpv_geometric_communes(pairs):
    """{qpv: {current commune: share}} for communes with share >= min_share."""
    per_cur = pairs.dropna(subset=["current"]).groupby(
        ["code_qp", "current"]).share.sum()
    out = defaultdict(dict)
    for (q, c), s in per_cur.items():
        if s >= MIN_SHARE:
            out[q][c] = s
    return out, per_cur


def share_in(pairs_by_qpv, qid, communes_set):
    """Geometric share of a QPV inside a set of current communes (all pairs)."""
    return float(sum(s for cur, s in pairs_by_qpv.get(qid, [])
                     if cur is not None and cur in communes_set))


# ---------------------------------------------------------------------------
# Step 4: contrats de ville
# ---------------------------------------------------------------------------

def cv_membership_communes(communes, cvs, ref):
    """{cv id: set of current communes} (area(commune n CV)/area(commune) >= 0.5)."""
    pairs = intersection_areas(communes, "code", cvs, "id")
    carea = dict(zip(communes.code, communes.geometry.area))
    pairs["share"] = pairs.area / pairs.code.map(carea)
    out = defaultdict(set)
    for code, cv, s in zip(pairs.code, pairs.id, pairs.share):
        if s >= CV_COMMUNE_SHARE:
            cur = ref.current(code)
            if cur:
                out[cv].add(cur)
    return out


def qpv_cv_geometry(qpv, cvs):
    """{qpv: (cv id or None, best share)}."""
    pairs = intersection_areas(qpv, "code_qp", cvs, "id")
    area = dict(zip(qpv.code_qp, qpv.geometry.area))
    pairs["share"] = pairs.area / pairs.code_qp.map(area)
    out = {}
    for q in qpv.code_qp:
        sub = pairs[pairs.code_qp == q]
        if len(sub) == 0:
            out[q] = (None, 0.0)
            continue
        best = sub.sort_values(["share", "id"], ascending=[False, True]).iloc[0]
        out[q] = (best.id if best.share >= MIN_SHARE else None, float(best.share))
    return out, pairs


# ---------------------------------------------------------------------------
# Step 5: aggregation
# ---------------------------------------------------------------------------

def per_cv(method, qids, qinfo, scope):
    """n_qpv, population, n_in, class, population_in, qpv_area_share."""
    pop = sum(qinfo[q]["pop"] or 0 for q in qids)
    area = sum(qinfo[q]["area"] for q in qids)
    n_in = n_full = 0
    pop_in = area_in = 0.0
    for q in qids:
        info = qinfo[q]
        if method == "membership":
            inside = info["in"][scope]
            n_in += inside
            n_full += inside
            if inside:
                pop_in += info["pop"] or 0
                area_in += info["area"]
        else:
            s = info["share"][scope]
            n_in += s >= MIN_SHARE
            n_full += s >= 1 - MIN_SHARE
            pop_in += (info["pop"] or 0) * s
            area_in += info["area"] * s
    cls_ = "none" if n_in == 0 else ("full" if n_full == len(qids) else "partial")
    if method == "membership":
        pop_in = int(pop_in)
    return {"qpv": len(qids), "population": pop, "class": cls_, "n_in": n_in,
            "pop_in": pop_in, "area_share": area_in / area}


def summary_rows(method, scope, qinfo, cv_stats):
    rows = []
    ncv = len(cv_stats)
    rows.append(("cv_with_qpv_in_cls",
                 sum(st["class"] != "none" for st in cv_stats.values()), ncv))
    rows.append(("cv_entirely_in_cls",
                 sum(st["class"] == "full" for st in cv_stats.values()), ncv))
    n_in = pop_in = pop_tot = area_in = area_tot = 0
    pop_in = area_in = 0.0
    for info in qinfo.values():
        if method == "membership":
            w = 1.0 if info["in"][scope] else 0.0
            n_in += info["in"][scope]
        else:
            w = info["share"][scope]
            n_in += w >= MIN_SHARE
        if info["pop"] is not None:
            pop_in += info["pop"] * w
            pop_tot += info["pop"]
        area_in += info["area"] * w
        area_tot += info["area"]
    rows.append(("qpv_in_cls", int(n_in), len(qinfo)))
    rows.append(("qpv_population_in_cls", float(pop_in), float(pop_tot)))
    rows.append(("qpv_area_in_cls", float(area_in), float(area_tot)))
    return [(scope, method, m, n, d, 100.0 * n / d if d else float("nan"))
            for m, n, d in rows]


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def main(outdir):
    t0 = time.time()
    os.makedirs(outdir, exist_ok=True)
    ref = Referential()

    # layers
    qpv = load_layer(QPV_SHP, "code_qp", "QPV")
    communes = load_layer(COMMUNES_SHP, "code", "communes 2018")
    cvs = load_layer(CV_SHP, "id", "CV")
    qpv["area"] = qpv.geometry.area

    pops = pd.read_csv(QPV_CSV, encoding="utf-8-sig", dtype={"code_qp": str})
    pop = {q: (None if pd.isna(p) else int(p)) for q, p in zip(pops.code_qp, pops.pop_mun)}

    # CLS
    cls = load_cls(ref)
    scopes = scope_communes(cls)
    for scope, (ids, union) in scopes.items():
        print(f"scope {scope}: {len(ids)} CLS, {len(union)} communes")

    # QPV x communes
    pairs = qpv_commune_shares(qpv, communes, ref)
    geo_communes, per_cur = qpv_geometric_communes(pairs)
    pairs_by_qpv = defaultdict(list)
    for q, cur, s in zip(pairs.code_qp, pairs.current, pairs.share):
        pairs_by_qpv[q].append((cur, s))

    # CV
    cv_communes = cv_membership_communes(communes, cvs, ref)
    cv_geo, cv_pairs = qpv_cv_geometry(qpv, cvs)

    # per QPV
    qinfo = {}
    qpv_cls_rows = []
    for q, attr, area in zip(qpv.code_qp, qpv.code_commu, qpv.area):
        comms = set(geo_communes.get(q, {}))
        attr_codes = [c for c in attr.replace(",", " ").split() if c]
        attr_cur = {ref.current(c) for c in attr_codes} - {None}
        cls_in = sorted(t for t, (_, cc) in cls.items() if comms & cc)
        for t, (_, cc) in sorted(cls.items()):
            s = share_in(pairs_by_qpv, q, cc)
            if s > 0 or t in cls_in:
                qpv_cls_rows.append((q, t, int(t in cls_in), s))
        info = {
            "area": float(area),
            "pop": pop.get(q),
            "communes": sorted(comms),
            "communes_attribute": sorted(attr_cur),
            "cv_membership": sorted(cv for cv, cc in cv_communes.items() if comms & cc),
            "cv_geometry": cv_geo[q][0],
            "cls": cls_in,
            "in": {}, "share": {},
        }
        for scope, (ids, union) in scopes.items():
            info["in"][scope] = any(t in ids for t in cls_in)
            info["share"][scope] = share_in(pairs_by_qpv, q, union)
        qinfo[q] = info

    # per CV
    cv_qpv = {m: defaultdict(list) for m in METHODS}
    for q, info in qinfo.items():
        for cv in info["cv_membership"]:
            cv_qpv["membership"][cv].append(q)
        if info["cv_geometry"]:
            cv_qpv["geometry"][info["cv_geometry"]].append(q)
    cv_stats = {m: {s: {cv: per_cv(m, qs, qinfo, s) for cv, qs in cv_qpv[m].items()}
                    for s in SCOPES} for m in METHODS}

    summary = []
    for scope in SCOPES:
        for m in METHODS:
            summary.extend(summary_rows(m, scope, qinfo, cv_stats[m][scope]))

    write_outputs(outdir, summary, qinfo, cv_qpv, cv_stats, qpv_cls_rows)
    elapsed = time.time() - t0

    report(summary, qinfo, cv_qpv, pairs, per_cur, pops, ref, cv_pairs, cls)
    print(f"\nrun time: {elapsed:.2f} s (computation + writing)")


def write_outputs(outdir, summary, qinfo, cv_qpv, cv_stats, qpv_cls_rows):
    with open(os.path.join(outdir, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["scope", "method", "measure", "numerator", "denominator", "percent"])
        for scope, m, meas, n, d, p in summary:
            w.writerow([scope, m, meas, fmt(n), fmt(d), repr(p)])

    with open(os.path.join(outdir, "qpv.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["qpv_id", "area_m2", "population", "communes", "communes_attribute",
                    "cv_membership", "cv_geometry", "cls", "in_signed_membership",
                    "share_signed_geometry", "in_any_membership", "share_any_geometry"])
        for q in sorted(qinfo):
            i = qinfo[q]
            w.writerow([q, repr(i["area"]), "" if i["pop"] is None else i["pop"],
                        " ".join(i["communes"]), " ".join(i["communes_attribute"]),
                        " ".join(i["cv_membership"]), i["cv_geometry"] or "",
                        " ".join(i["cls"]),
                        int(i["in"]["signed"]), repr(i["share"]["signed"]),
                        int(i["in"]["signed_or_prefiguration"]),
                        repr(i["share"]["signed_or_prefiguration"])])

    with open(os.path.join(outdir, "cv.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        head = ["cv_id", "method", "qpv", "population"]
        for s in SCOPES:
            sx = SCOPE_SUFFIX[s]
            head += [f"class_{sx}", f"qpv_in_{sx}", f"population_in_{sx}",
                     f"qpv_area_share_{sx}"]
        w.writerow(head)
        for m in METHODS:
            for cv in sorted(cv_qpv[m]):
                first = cv_stats[m]["signed"][cv]
                row = [cv, m, first["qpv"], first["population"]]
                for s in SCOPES:
                    st = cv_stats[m][s][cv]
                    row += [st["class"], st["n_in"],
                            st["pop_in"] if m == "membership" else repr(st["pop_in"]),
                            repr(st["area_share"])]
                w.writerow(row)

    with open(os.path.join(outdir, "qpv_cls.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["qpv_id", "cls_id", "in_membership", "share_geometry"])
        for q, t, inn, s in qpv_cls_rows:
            w.writerow([q, t, inn, repr(s)])


def report(summary, qinfo, cv_qpv, pairs, per_cur, pops, ref, cv_pairs, cls):
    print("\n== summary ==")
    print("scope,method,measure,numerator,denominator,percent")
    for scope, m, meas, n, d, p in summary:
        print(f"{scope},{m},{meas},{fmt(n)},{fmt(d)},{p!r}")

    print("\n== distinct CV ==")
    for m in METHODS:
        print(f"{m}: {len(cv_qpv[m])} CV: {' '.join(sorted(cv_qpv[m]))}")
    no_cv = sorted(q for q, i in qinfo.items() if not i["cv_geometry"])
    print(f"QPV without CV (geometry): {no_cv}")
    no_cvm = sorted(q for q, i in qinfo.items() if not i["cv_membership"])
    print(f"QPV without CV (membership): {no_cvm}")
    multi = {q: i["cv_membership"] for q, i in qinfo.items() if len(i["cv_membership"]) > 1}
    print(f"QPV with several CV (membership): {multi}")
    diffcv = {q: (i["cv_membership"], i["cv_geometry"]) for q, i in qinfo.items()
              if i["cv_membership"] != ([i["cv_geometry"]] if i["cv_geometry"] else [])}
    print(f"QPV whose membership CV list differs from the geometric CV: {diffcv}")

    print("\n== attribute vs geometric communes ==")
    for q in sorted(qinfo):
        i = qinfo[q]
        if i["communes"] != i["communes_attribute"]:
            print(f"{q}: attribute {i['communes_attribute']} geometric {i['communes']}")

    print("\n== membership / geometry disagreements ==")
    for scope in SCOPES:
        bad = []
        for q in sorted(qinfo):
            inn, s = qinfo[q]["in"][scope], qinfo[q]["share"][scope]
            if (inn and s < 1 - MIN_SHARE) or (not inn and s >= MIN_SHARE):
                bad.append(f"{q} (in={int(inn)}, share={s!r})")
        print(f"{scope}: {len(bad)}")
        for b in bad:
            print("  " + b)

    print("\n== QP065003 ==")
    q = "QP065003"
    i = qinfo[q]
    print(f"area_m2={i['area']!r} population={i['pop']}")
    for _, r in pairs[pairs.code_qp == q].sort_values("share", ascending=False).iterrows():
        print(f"  2018 commune {r.code} -> {r.current}: area {r.area!r} share {r.share!r}")
    for (qq, cur), s in per_cur.items():
        if qq == q:
            print(f"  current {cur}: share {s!r} ({100 * s:.4f} %)")
    print(f"  communes={i['communes']} attribute={i['communes_attribute']} "
          f"cv_membership={i['cv_membership']} cv_geometry={i['cv_geometry']} cls={i['cls']}")
    for _, r in cv_pairs[cv_pairs.code_qp == q].iterrows():
        print(f"  CV {r.id}: share {r.share!r}")
    for scope in SCOPES:
        print(f"  {scope}: in={int(i['in'][scope])} share={i['share'][scope]!r}")

    print("\n== sanity checks ==")
    tot = pairs.groupby("code_qp").share.sum()
    worst = max(abs(tot.get(q, 0.0) - 1.0) for q in qinfo)
    print(f"max |sum of commune shares - 1| over QPV: {worst:.3e} "
          f"({'OK' if worst <= 1e-9 else 'FAIL'} at 1e-9)")
    for q in qinfo:
        if abs(tot.get(q, 0.0) - 1.0) > 1e-9:
            print(f"  {q}: {tot.get(q, 0.0)!r}")
    pop_sum = int(pops[pops.code_qp.isin(list(qinfo))].pop_mun.sum())
    print(f"QPV: {len(qinfo)}; with population: "
          f"{sum(i['pop'] is not None for i in qinfo.values())}; "
          f"sum pop_mun of qp.csv over them: {pop_sum}; "
          f"qp.csv rows not in layer: {sorted(set(pops.code_qp) - set(qinfo))}")
    cv_sh = cv_pairs.groupby("code_qp").share.sum()
    print(f"max sum of CV shares per QPV: {cv_sh.max()!r} (overlapping CV if > 1)")
    for t, (st, cc) in sorted(cls.items()):
        print(f"CLS {t} [{st}]: {len(cc)} communes")
    print(f"unmapped codes: {sorted(ref.unmapped) if ref.unmapped else 'none'}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: coverage_check.py OUTDIR")
    main(sys.argv[1])
