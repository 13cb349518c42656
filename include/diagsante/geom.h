/* diagsante — polygon geometry and overlay (the GEOS adapter).
 *
 * Shapes are (multi)polygons in a projected, equal-area CRS (crs.h), built from rings
 * given as interleaved x,y arrays (ring 0 of a polygon is its outer ring, the others its
 * holes). An invalid shape (self-intersecting ring, overlapping parts) is repaired with
 * GEOS's MakeValid and the repair reported, never used as is: GEOS gives area 0 for a
 * bow-tie. Areas are in square metres when the coordinates are metres. */
#ifndef DIAGSANTE_GEOM_H
#define DIAGSANTE_GEOM_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"

/* A GEOS context with its error capture; one per thread. Shapes belong to the context
 * that built them. */
typedef struct ds_geom ds_geom;
typedef struct ds_shape ds_shape;

ds_status ds_geom_new(ds_geom **out, ds_error *err);
void ds_geom_free(ds_geom *geom); /* accepts NULL; free the shapes first */

typedef struct ds_ring_view {
    const double *xy; /* n points, interleaved x, y; closed or not (it is closed) */
    size_t n;
} ds_ring_view;

typedef struct ds_polygon_view {
    const ds_ring_view *rings; /* rings[0] outer, then holes */
    size_t n_rings;
} ds_polygon_view;

/* Builds a shape from n polygons. When the result is invalid it is repaired and
 * *repaired (may be NULL) receives GEOS's reason ("Self-intersection[x y]"), else "";
 * repaired must hold 256 bytes. DS_EDATA for rings with fewer than 3 distinct points
 * or non-finite coordinates, DS_EINTERNAL when GEOS fails (its message in err). */
ds_status ds_shape_new(ds_geom *geom, const ds_polygon_view *polygons, size_t n, ds_shape **out,
                       char *repaired, ds_error *err);
void ds_shape_free(ds_geom *geom, ds_shape *shape); /* accepts NULL */
/* The union of n shapes (n >= 1) as a new shape: where they overlap, the area counts
 * once. DS_EUSAGE for n = 0, DS_EINTERNAL when GEOS fails. */
ds_status ds_shape_union(ds_geom *geom, ds_shape *const *shapes, size_t n, ds_shape **out,
                         ds_error *err);

/* Shapes cross threads as bytes: ds_shape_to_bytes writes shape as WKB (doubles kept
 * exactly) into a new buffer (*bytes, *size bytes; free() it, from any thread), and
 * ds_shape_from_bytes builds the same shape (same points in the same order, hence the
 * same area and bounds) in another context. DS_EINTERNAL (GEOS's message), DS_ENOMEM. */
ds_status ds_shape_to_bytes(ds_geom *geom, const ds_shape *shape, unsigned char **bytes,
                            size_t *size, ds_error *err);
ds_status ds_shape_from_bytes(ds_geom *geom, const unsigned char *bytes, size_t size,
                              ds_shape **out, ds_error *err);

/* Area of the shape (square units of its CRS). */
double ds_shape_area(const ds_shape *shape);
/* Bounds xmin, ymin, xmax, ymax. */
void ds_shape_bounds(const ds_shape *shape, double bounds[4]);

/* --- overlay -------------------------------------------------------------------------- */

/* One pair of intersecting unit and zone. */
typedef struct ds_overlap {
    size_t unit, zone;        /* indices in the arrays given */
    double intersection_area; /* area of unit ∩ zone */
} ds_overlap;

/* Every (unit, zone) pair whose intersection has a positive area, sorted by unit then
 * zone, in a new array (*out, free with free()): ds_overlay_zone for each zone over an
 * index of the units. Pairs that touch only along a boundary (area 0) are not listed. */
ds_status ds_overlay(ds_geom *geom, ds_shape *const *units, size_t n_units,
                     ds_shape *const *zones, size_t n_zones, ds_overlap **out, size_t *n_out,
                     ds_error *err);

/* Units indexed (an STR tree of their bounds) to overlay zones on them one at a time, so
 * that a zone can be built, overlaid and freed without keeping every zone. units[i] may
 * be NULL (no unit i); shapes of area 0 are left out. The index copies the array, not the
 * shapes: they stay the caller's and must outlive the index; each is prepared (GEOS) on
 * first use and kept so. */
typedef struct ds_overlay_index ds_overlay_index;

ds_status ds_overlay_index_new(ds_geom *geom, ds_shape *const *units, size_t n_units,
                               ds_overlay_index **out, ds_error *err);
void ds_overlay_index_free(ds_geom *geom, ds_overlay_index *index); /* accepts NULL */

/* *meets: whether some indexed unit meets the rectangle box (xmin, ymin, xmax, ymax,
 * boundary included): a zone inside a box that no unit meets overlaps none, and need
 * not be built. DS_EINTERNAL (GEOS's message), DS_ENOMEM. */
ds_status ds_overlay_index_meets(ds_geom *geom, ds_overlay_index *index, const double box[4],
                                 bool *meets, ds_error *err);

/* Appends to *pairs (n_pairs used, *cap allocated; grown with realloc, free with free())
 * one pair {unit, zone_index, area} for each indexed unit whose intersection with zone
 * has a positive area, in unit order. Candidates come from the index; a zone the unit
 * contains properly counts its whole area, a unit the zone contains properly counts the
 * unit's whole area, and disjoint candidates cost no intersection; other pairs get a
 * GEOS intersection of the zone with the unit cut to the zone's padded bounds (GEOS's
 * rectangle clipping; the whole unit when the cut is not valid), snapped to a 1 mm grid
 * if the exact one fails. On failure the pairs appended so far stay. DS_EINTERNAL (GEOS's
 * message), DS_ENOMEM. */
ds_status ds_overlay_zone(ds_geom *geom, ds_overlay_index *index, ds_shape *zone,
                          size_t zone_index, ds_overlap **pairs, size_t *n_pairs, size_t *cap,
                          ds_error *err);

#endif
