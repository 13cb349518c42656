#!/usr/bin/python3
"""The `diagsante overlap` job done with geopandas, for `make bench`: read two polygon
layers, project them to EPSG:3035, intersect them, compute the areas and shares, write
overlap.csv. Run with Debian's python3 (package python3-geopandas).

Usage: overlap_geopandas.py UNITS.shp UNIT_ID ZONES.shp ZONE_ID OUT.csv [DIAGSANTE.csv]
With DIAGSANTE.csv (diagsante's overlap.csv, or overlap + slivers), prints how far the
two tools' shares of unit differ on the pairs they share: a check by another tool."""
import csv
import sys

import math

import geopandas as gpd
from shapely.geometry import MultiPolygon, Polygon

# As diagsante does: edges longer than this (source units) get evenly spaced points
# before projection, since an edge straight in one CRS bends in another.
MAX_EDGE_DEGREES = 0.01
MAX_EDGE_METRES = 1000.0


def main():
    units_path, unit_id, zones_path, zone_id, out = sys.argv[1:6]
    units = gpd.read_file(units_path)[[unit_id, "geometry"]].rename(columns={unit_id: "unit_id"})
    zones = gpd.read_file(zones_path)[[zone_id, "geometry"]].rename(columns={zone_id: "zone_id"})
    units["geometry"] = densify_layer(units)
    zones["geometry"] = densify_layer(zones)
    units = units.to_crs(3035)
    zones = zones.to_crs(3035)
    units["geometry"] = units.geometry.make_valid()
    zones["geometry"] = zones.geometry.make_valid()
    units["unit_area_m2"] = units.geometry.area
    zones["zone_area_m2"] = zones.geometry.area
    pieces = gpd.overlay(units, zones, how="intersection", keep_geom_type=True)
    pieces["inter_area_m2"] = pieces.geometry.area
    pieces = pieces[pieces.inter_area_m2 > 0]
    pieces["share_of_unit"] = pieces.inter_area_m2 / pieces.unit_area_m2
    pieces["share_of_zone"] = pieces.inter_area_m2 / pieces.zone_area_m2
    table = pieces.drop(columns="geometry").sort_values(["unit_id", "zone_id"])
    table = table.groupby(["unit_id", "zone_id"], as_index=False).agg(
        {"unit_area_m2": "first", "zone_area_m2": "first", "inter_area_m2": "sum",
         "share_of_unit": "sum", "share_of_zone": "sum"})
    table.to_csv(out, index=False, float_format="%.17g")
    if len(sys.argv) > 6:
        compare(table, sys.argv[6:])


def densify_ring(coords, max_edge):
    out = [coords[0]]
    for (x0, y0), (x1, y1) in zip(coords, coords[1:]):
        length = math.hypot(x1 - x0, y1 - y0)
        k = math.ceil(length / max_edge) if length > max_edge else 1
        out.extend((x0 + j / k * (x1 - x0), y0 + j / k * (y1 - y0)) for j in range(1, k))
        out.append((x1, y1))
    return out


def densify_polygon(polygon, max_edge):
    return Polygon(densify_ring(list(polygon.exterior.coords), max_edge),
                   [densify_ring(list(ring.coords), max_edge) for ring in polygon.interiors])


def densify_layer(layer):
    max_edge = MAX_EDGE_DEGREES if layer.crs.is_geographic else MAX_EDGE_METRES

    def one(geometry):
        if geometry is None or geometry.is_empty:
            return geometry
        if geometry.geom_type == "Polygon":
            return densify_polygon(geometry, max_edge)
        return MultiPolygon([densify_polygon(p, max_edge) for p in geometry.geoms])

    return layer.geometry.apply(one)


def compare(table, diagsante_files):
    ours = {}
    for path in diagsante_files:
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                ours[(row["unit_id"], row["zone_id"])] = float(row["share_of_unit"])
    theirs = {(r.unit_id, r.zone_id): r.share_of_unit for r in table.itertuples()}
    common = ours.keys() & theirs.keys()
    worst = max((abs(ours[k] - theirs[k]) for k in common), default=0.0)
    only_ours = [k for k in ours.keys() - theirs.keys() if ours[k] > 1e-6]
    only_theirs = [k for k in theirs.keys() - ours.keys() if theirs[k] > 1e-6]
    print(f"  check: {len(common)} pairs in both, largest difference of share_of_unit "
          f"{worst:.2e}; pairs above 1e-6 of the unit in one tool only: diagsante "
          f"{len(only_ours)}, geopandas {len(only_theirs)}")


if __name__ == "__main__":
    main()
