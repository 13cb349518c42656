/* diagsante — polygon geometry and overlay through the GEOS reentrant C API
 * (see include/diagsante/geom.h and ../shared/docs/toolchain-notes.md for its traps). */
#include "diagsante/geom.h"

#include <geos_c.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ds_geom {
    GEOSContextHandle_t handle;
    char message[512]; /* GEOS's last error message */
};

struct ds_shape {
    GEOSGeometry *geometry;
    const GEOSPreparedGeometry *prepared; /* built on first use as an overlay zone */
    double area;
    double bounds[4];
};

static void on_geos_error(const char *message, void *user)
{
    ds_geom *geom = user;
    snprintf(geom->message, sizeof geom->message, "%s", message);
}

static void on_geos_notice(const char *message, void *user)
{
    (void)message, (void)user; /* notices are not errors */
}

ds_status ds_geom_new(ds_geom **out, ds_error *err)
{
    *out = NULL;
    ds_geom *geom = calloc(1, sizeof *geom);
    if (geom == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    geom->handle = GEOS_init_r();
    if (geom->handle == NULL) {
        free(geom);
        return ds_error_set(err, DS_EINTERNAL, "GEOS could not start");
    }
    GEOSContext_setErrorMessageHandler_r(geom->handle, on_geos_error, geom);
    GEOSContext_setNoticeMessageHandler_r(geom->handle, on_geos_notice, geom);
    *out = geom;
    return DS_OK;
}

void ds_geom_free(ds_geom *geom)
{
    if (geom == NULL)
        return;
    finishGEOS_r(geom->handle);
    free(geom);
}

static ds_status geos_failed(ds_geom *geom, ds_error *err, const char *what)
{
    return ds_error_set(err, DS_EINTERNAL, "GEOS failed to %s: %s", what,
                        geom->message[0] ? geom->message : "no message");
}

/* A closed linear ring from n points (closed here when the last differs from the
 * first), or NULL with err set. */
static GEOSGeometry *make_ring(ds_geom *geom, const ds_ring_view *ring, ds_error *err)
{
    size_t n = ring->n;
    if (n == 0 || ring->xy == NULL) {
        ds_error_set(err, DS_EDATA, "a ring has no points");
        return NULL;
    }
    for (size_t i = 0; i < 2 * n; i++)
        if (!isfinite(ring->xy[i])) {
            ds_error_set(err, DS_EDATA, "point %zu of a ring is not finite", i / 2);
            return NULL;
        }
    bool closed = ring->xy[0] == ring->xy[2 * n - 2] && ring->xy[1] == ring->xy[2 * n - 1];
    size_t total = closed ? n : n + 1;
    if (total < 4) {
        ds_error_set(err, DS_EDATA, "a ring has %zu distinct points, a polygon needs 3",
                     closed ? n - 1 : n);
        return NULL;
    }
    GEOSCoordSequence *seq = GEOSCoordSeq_create_r(geom->handle, (unsigned)total, 2);
    if (seq == NULL) {
        geos_failed(geom, err, "allocate a ring");
        return NULL;
    }
    for (size_t i = 0; i < total; i++) {
        size_t k = i < n ? i : 0;
        if (!GEOSCoordSeq_setXY_r(geom->handle, seq, (unsigned)i, ring->xy[2 * k],
                                  ring->xy[2 * k + 1])) {
            GEOSCoordSeq_destroy_r(geom->handle, seq);
            geos_failed(geom, err, "set a ring point");
            return NULL;
        }
    }
    GEOSGeometry *g = GEOSGeom_createLinearRing_r(geom->handle, seq); /* takes seq */
    if (g == NULL)
        geos_failed(geom, err, "build a ring");
    return g;
}

static GEOSGeometry *make_polygon(ds_geom *geom, const ds_polygon_view *p, ds_error *err)
{
    if (p->n_rings == 0) {
        ds_error_set(err, DS_EDATA, "a polygon has no ring");
        return NULL;
    }
    GEOSGeometry *shell = make_ring(geom, &p->rings[0], err);
    if (shell == NULL)
        return NULL;
    size_t n_holes = p->n_rings - 1;
    GEOSGeometry **holes = calloc(n_holes ? n_holes : 1, sizeof *holes);
    if (holes == NULL) {
        GEOSGeom_destroy_r(geom->handle, shell);
        ds_error_set(err, DS_ENOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n_holes; i++) {
        holes[i] = make_ring(geom, &p->rings[i + 1], err);
        if (holes[i] == NULL) {
            for (size_t k = 0; k < i; k++)
                GEOSGeom_destroy_r(geom->handle, holes[k]);
            GEOSGeom_destroy_r(geom->handle, shell);
            free(holes);
            return NULL;
        }
    }
    /* Takes the shell and each hole; the array stays ours. */
    GEOSGeometry *polygon = GEOSGeom_createPolygon_r(geom->handle, shell, holes, (unsigned)n_holes);
    free(holes);
    if (polygon == NULL)
        geos_failed(geom, err, "build a polygon");
    return polygon;
}

/* The polygonal part of a geometry that MakeValid returned (it may add lines or points
 * for collapsed parts), as a new MultiPolygon, or NULL. */
static GEOSGeometry *polygonal_part(ds_geom *geom, const GEOSGeometry *g)
{
    int type = GEOSGeomTypeId_r(geom->handle, g);
    if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
        return GEOSGeom_clone_r(geom->handle, g);
    int n = GEOSGetNumGeometries_r(geom->handle, g);
    if (n < 0)
        return NULL;
    GEOSGeometry **parts = calloc((size_t)n + 1, sizeof *parts);
    if (parts == NULL)
        return NULL;
    unsigned kept = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *part = GEOSGetGeometryN_r(geom->handle, g, i);
        int part_type = part ? GEOSGeomTypeId_r(geom->handle, part) : -1;
        if (part_type == GEOS_POLYGON) {
            parts[kept++] = GEOSGeom_clone_r(geom->handle, part);
        } else if (part_type == GEOS_MULTIPOLYGON) {
            int m = GEOSGetNumGeometries_r(geom->handle, part);
            GEOSGeometry **more = realloc(parts, ((size_t)n + (size_t)m + 1) * sizeof *parts);
            if (more == NULL)
                break;
            parts = more;
            for (int k = 0; k < m; k++)
                parts[kept++] = GEOSGeom_clone_r(geom->handle, GEOSGetGeometryN_r(geom->handle, part, k));
        }
    }
    for (unsigned i = 0; i < kept; i++)
        if (parts[i] == NULL) { /* a failed clone: give up cleanly */
            for (unsigned k = 0; k < kept; k++)
                if (parts[k] != NULL)
                    GEOSGeom_destroy_r(geom->handle, parts[k]);
            free(parts);
            return NULL;
        }
    GEOSGeometry *multi = GEOSGeom_createCollection_r(geom->handle, GEOS_MULTIPOLYGON, parts, kept);
    free(parts);
    return multi;
}

static void destroy_shape(ds_geom *geom, ds_shape *shape);

/* Wraps g (taken) in a new shape with its area and bounds. */
static ds_status shape_from(ds_geom *geom, GEOSGeometry *g, ds_shape **out, ds_error *err)
{
    ds_shape *shape = calloc(1, sizeof *shape);
    if (shape == NULL) {
        GEOSGeom_destroy_r(geom->handle, g);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    shape->geometry = g;
    if (!GEOSArea_r(geom->handle, g, &shape->area) ||
        !GEOSGeom_getXMin_r(geom->handle, g, &shape->bounds[0]) ||
        !GEOSGeom_getYMin_r(geom->handle, g, &shape->bounds[1]) ||
        !GEOSGeom_getXMax_r(geom->handle, g, &shape->bounds[2]) ||
        !GEOSGeom_getYMax_r(geom->handle, g, &shape->bounds[3])) {
        destroy_shape(geom, shape);
        return geos_failed(geom, err, "measure a shape");
    }
    *out = shape;
    return DS_OK;
}

ds_status ds_shape_union(ds_geom *geom, ds_shape *const *shapes, size_t n, ds_shape **out,
                         ds_error *err)
{
    *out = NULL;
    geom->message[0] = '\0';
    if (n == 0)
        return ds_error_set(err, DS_EUSAGE, "a union of no shape");
    GEOSGeometry **parts = calloc(n, sizeof *parts);
    if (parts == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        if ((parts[i] = GEOSGeom_clone_r(geom->handle, shapes[i]->geometry)) == NULL) {
            for (size_t k = 0; k < i; k++)
                GEOSGeom_destroy_r(geom->handle, parts[k]);
            free(parts);
            return geos_failed(geom, err, "copy a shape");
        }
    GEOSGeometry *collection =
        GEOSGeom_createCollection_r(geom->handle, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
    if (collection == NULL) {
        for (size_t k = 0; k < n; k++)
            GEOSGeom_destroy_r(geom->handle, parts[k]);
        free(parts);
        return geos_failed(geom, err, "gather shapes");
    }
    free(parts); /* the collection took the parts */
    GEOSGeometry *merged = GEOSUnaryUnion_r(geom->handle, collection);
    GEOSGeom_destroy_r(geom->handle, collection);
    if (merged == NULL)
        return geos_failed(geom, err, "merge shapes");
    GEOSGeometry *polygons = polygonal_part(geom, merged);
    GEOSGeom_destroy_r(geom->handle, merged);
    if (polygons == NULL)
        return geos_failed(geom, err, "keep the polygons of a union");
    return shape_from(geom, polygons, out, err);
}

ds_status ds_shape_new(ds_geom *geom, const ds_polygon_view *polygons, size_t n, ds_shape **out,
                       char *repaired, ds_error *err)
{
    *out = NULL;
    if (repaired != NULL)
        repaired[0] = '\0';
    geom->message[0] = '\0';
    if (n == 0)
        return ds_error_set(err, DS_EDATA, "a shape has no polygon");
    GEOSGeometry **parts = calloc(n, sizeof *parts);
    if (parts == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        parts[i] = make_polygon(geom, &polygons[i], err);
        if (parts[i] == NULL) {
            for (size_t k = 0; k < i; k++)
                GEOSGeom_destroy_r(geom->handle, parts[k]);
            free(parts);
            return err != NULL ? err->status : DS_EDATA;
        }
    }
    GEOSGeometry *g = n == 1 ? parts[0]
                             : GEOSGeom_createCollection_r(geom->handle, GEOS_MULTIPOLYGON, parts,
                                                           (unsigned)n);
    free(parts);
    if (g == NULL)
        return geos_failed(geom, err, "build a multipolygon");
    char valid = GEOSisValid_r(geom->handle, g);
    if (valid != 1) {
        char *reason = GEOSisValidReason_r(geom->handle, g);
        if (repaired != NULL)
            snprintf(repaired, 256, "%s", reason != NULL ? reason : "invalid geometry");
        if (reason != NULL)
            GEOSFree_r(geom->handle, reason);
        GEOSGeometry *fixed = GEOSMakeValid_r(geom->handle, g);
        GEOSGeom_destroy_r(geom->handle, g);
        if (fixed == NULL)
            return geos_failed(geom, err, "repair an invalid polygon");
        g = polygonal_part(geom, fixed);
        GEOSGeom_destroy_r(geom->handle, fixed);
        if (g == NULL)
            return geos_failed(geom, err, "keep the polygons of a repaired shape");
    }
    return shape_from(geom, g, out, err);
}

ds_status ds_shape_to_bytes(ds_geom *geom, const ds_shape *shape, unsigned char **bytes,
                            size_t *size, ds_error *err)
{
    *bytes = NULL;
    *size = 0;
    geom->message[0] = '\0';
    GEOSWKBWriter *writer = GEOSWKBWriter_create_r(geom->handle);
    if (writer == NULL)
        return geos_failed(geom, err, "create a WKB writer");
    size_t n = 0;
    unsigned char *wkb = GEOSWKBWriter_write_r(geom->handle, writer, shape->geometry, &n);
    GEOSWKBWriter_destroy_r(geom->handle, writer);
    if (wkb == NULL)
        return geos_failed(geom, err, "write a shape as WKB");
    *bytes = malloc(n + 1); /* ours, freed with free() in any thread */
    if (*bytes != NULL)
        memcpy(*bytes, wkb, n);
    GEOSFree_r(geom->handle, wkb);
    if (*bytes == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    *size = n;
    return DS_OK;
}

ds_status ds_shape_from_bytes(ds_geom *geom, const unsigned char *bytes, size_t size,
                              ds_shape **out, ds_error *err)
{
    *out = NULL;
    geom->message[0] = '\0';
    GEOSWKBReader *reader = GEOSWKBReader_create_r(geom->handle);
    if (reader == NULL)
        return geos_failed(geom, err, "create a WKB reader");
    GEOSGeometry *g = GEOSWKBReader_read_r(geom->handle, reader, bytes, size);
    GEOSWKBReader_destroy_r(geom->handle, reader);
    if (g == NULL)
        return geos_failed(geom, err, "read a shape from WKB");
    return shape_from(geom, g, out, err);
}

void ds_shape_free(ds_geom *geom, ds_shape *shape) { destroy_shape(geom, shape); }

static void destroy_shape(ds_geom *geom, ds_shape *shape)
{
    if (shape == NULL)
        return;
    if (shape->prepared != NULL)
        GEOSPreparedGeom_destroy_r(geom->handle, shape->prepared);
    GEOSGeom_destroy_r(geom->handle, shape->geometry);
    free(shape);
}

double ds_shape_area(const ds_shape *shape) { return shape->area; }

void ds_shape_bounds(const ds_shape *shape, double bounds[4])
{
    memcpy(bounds, shape->bounds, sizeof shape->bounds);
}

/* --- overlay -------------------------------------------------------------------------- */

typedef struct candidates {
    size_t *items;
    size_t n, cap;
    bool nomem;
} candidates;

/* STR tree callback: the item is the shape's index + 1 (never a pointer to a variable). */
static void collect_candidate(void *item, void *user)
{
    candidates *c = user;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        size_t *items = realloc(c->items, cap * sizeof *items);
        if (items == NULL) {
            c->nomem = true;
            return;
        }
        c->items = items;
        c->cap = cap;
    }
    c->items[c->n++] = (size_t)(uintptr_t)item - 1;
}

static int compare_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static bool push_overlap(ds_overlap **out, size_t *n, size_t *cap, ds_overlap overlap)
{
    if (*n == *cap) {
        size_t grown = *cap ? *cap * 2 : 64;
        ds_overlap *p = realloc(*out, grown * sizeof *p);
        if (p == NULL)
            return false;
        *out = p;
        *cap = grown;
    }
    (*out)[(*n)++] = overlap;
    return true;
}

/* The unit cut to the zone's bounds, padded by 1 % of their larger side on each side
 * (GEOS's rectangle clipping: linear, without noding), or NULL when the rectangle holds
 * the whole unit, or when the cut is not a valid (multi)polygon (GEOS does not promise
 * one), is empty, or fails. The zone lies inside the rectangle, so the unit meets the
 * zone exactly where its cut does. */
static GEOSGeometry *unit_near_zone(GEOSContextHandle_t h, const ds_shape *unit,
                                    const ds_shape *zone)
{
    const double *b = zone->bounds, *u = unit->bounds;
    double pad = 0.01 * fmax(b[2] - b[0], b[3] - b[1]);
    double x0 = b[0] - pad, y0 = b[1] - pad, x1 = b[2] + pad, y1 = b[3] + pad;
    if (x0 <= u[0] && y0 <= u[1] && x1 >= u[2] && y1 >= u[3])
        return NULL; /* the whole unit is near: nothing to cut */
    GEOSGeometry *cut = GEOSClipByRect_r(h, unit->geometry, x0, y0, x1, y1);
    int type = cut != NULL ? GEOSGeomTypeId_r(h, cut) : -1;
    if (cut != NULL && ((type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON) ||
                        GEOSisEmpty_r(h, cut) != 0 || GEOSisValid_r(h, cut) != 1)) {
        GEOSGeom_destroy_r(h, cut);
        cut = NULL;
    }
    return cut;
}

/* The area of unit ∩ zone through a GEOS intersection of the zone with the unit's part
 * near it (unit_near_zone: the overlay then nodes and locates only the unit's edges
 * close to the zone, a fifth less time over the national job); with the whole unit when
 * the cut cannot be used or its overlay fails; snapped to a 1 mm grid if that fails too. */
static ds_status intersect(ds_geom *geom, ds_shape *unit, ds_shape *zone, double *area,
                           ds_error *err)
{
    GEOSContextHandle_t h = geom->handle;
    GEOSGeometry *near = unit_near_zone(h, unit, zone);
    GEOSGeometry *common = near != NULL ? GEOSIntersection_r(h, zone->geometry, near) : NULL;
    if (near != NULL)
        GEOSGeom_destroy_r(h, near);
    if (common == NULL)
        common = GEOSIntersection_r(h, zone->geometry, unit->geometry);
    if (common == NULL)
        common = GEOSIntersectionPrec_r(h, zone->geometry, unit->geometry, 1e-3);
    if (common == NULL)
        return geos_failed(geom, err, "intersect two shapes");
    int ok = GEOSArea_r(h, common, area);
    GEOSGeom_destroy_r(h, common);
    return ok ? DS_OK : geos_failed(geom, err, "measure an intersection");
}

/* The area of unit ∩ zone: without an intersection when one contains the other
 * properly, else through GEOS (intersect). */
static ds_status intersection_area(ds_geom *geom, const GEOSPreparedGeometry *unit_prepared,
                                   ds_shape *unit, ds_shape *zone, double *area, ds_error *err)
{
    GEOSContextHandle_t h = geom->handle;
    char contains = GEOSPreparedContainsProperly_r(h, unit_prepared, zone->geometry);
    if (contains == 1) {
        *area = zone->area;
        return DS_OK;
    }
    char intersects = GEOSPreparedIntersects_r(h, unit_prepared, zone->geometry);
    if (contains == 2 || intersects == 2)
        return geos_failed(geom, err, "test two shapes");
    if (!intersects) {
        *area = 0;
        return DS_OK;
    }
    /* A zone can hold the unit only when its bounds hold the unit's. */
    const double *zb = zone->bounds, *ub = unit->bounds;
    if (zb[0] > ub[0] || zb[1] > ub[1] || zb[2] < ub[2] || zb[3] < ub[3])
        return intersect(geom, unit, zone, area, err);
    if (zone->prepared == NULL && (zone->prepared = GEOSPrepare_r(h, zone->geometry)) == NULL)
        return geos_failed(geom, err, "prepare a zone");
    char inside = GEOSPreparedContainsProperly_r(h, zone->prepared, unit->geometry);
    if (inside == 2)
        return geos_failed(geom, err, "test two shapes");
    if (inside == 1) {
        *area = unit->area;
        return DS_OK;
    }
    return intersect(geom, unit, zone, area, err);
}

struct ds_overlay_index {
    GEOSSTRtree *tree;                    /* NULL when no unit has an area */
    ds_shape **units;                     /* a copy of the caller's array */
    size_t n_units;
    const GEOSPreparedGeometry **prepared; /* per unit, on first use */
    candidates found;                     /* the last query's units, reused */
};

ds_status ds_overlay_index_new(ds_geom *geom, ds_shape *const *units, size_t n_units,
                               ds_overlay_index **out, ds_error *err)
{
    *out = NULL;
    geom->message[0] = '\0';
    ds_overlay_index *index = calloc(1, sizeof *index);
    if (index == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    index->n_units = n_units;
    index->units = malloc((n_units + 1) * sizeof *index->units);
    index->prepared = calloc(n_units + 1, sizeof *index->prepared);
    if (index->units == NULL || index->prepared == NULL) {
        ds_overlay_index_free(geom, index);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    if (n_units > 0)
        memcpy(index->units, units, n_units * sizeof *units);
    for (size_t u = 0; u < n_units; u++) {
        if (units[u] == NULL || units[u]->area <= 0)
            continue;
        /* Every unit goes in before the first query: the tree is frozen by it. */
        if (index->tree == NULL && (index->tree = GEOSSTRtree_create_r(geom->handle, 10)) == NULL) {
            ds_overlay_index_free(geom, index);
            return geos_failed(geom, err, "create an index");
        }
        GEOSSTRtree_insert_r(geom->handle, index->tree, units[u]->geometry,
                             (void *)(uintptr_t)(u + 1));
    }
    *out = index;
    return DS_OK;
}

void ds_overlay_index_free(ds_geom *geom, ds_overlay_index *index)
{
    if (index == NULL)
        return;
    for (size_t u = 0; index->prepared != NULL && u < index->n_units; u++)
        if (index->prepared[u] != NULL)
            GEOSPreparedGeom_destroy_r(geom->handle, index->prepared[u]);
    if (index->tree != NULL)
        GEOSSTRtree_destroy_r(geom->handle, index->tree);
    free(index->prepared);
    free(index->units);
    free(index->found.items);
    free(index);
}

/* The indexed units whose bounds meet those of g, in index->found; false when out of
 * memory. */
static bool query_units(ds_geom *geom, ds_overlay_index *index, const GEOSGeometry *g)
{
    candidates *found = &index->found;
    found->n = 0;
    GEOSSTRtree_query_r(geom->handle, index->tree, g, collect_candidate, found);
    bool ok = !found->nomem;
    found->nomem = false;
    return ok;
}

/* Unit u of the index, prepared (GEOS) on first use; false when GEOS fails. */
static bool prepare_unit(ds_geom *geom, ds_overlay_index *index, size_t u)
{
    if (index->prepared[u] == NULL)
        index->prepared[u] = GEOSPrepare_r(geom->handle, index->units[u]->geometry);
    return index->prepared[u] != NULL;
}

ds_status ds_overlay_index_meets(ds_geom *geom, ds_overlay_index *index, const double box[4],
                                 bool *meets, ds_error *err)
{
    GEOSContextHandle_t h = geom->handle;
    geom->message[0] = '\0';
    *meets = false;
    if (index->tree == NULL)
        return DS_OK;
    GEOSGeometry *rectangle = GEOSGeom_createRectangle_r(h, box[0], box[1], box[2], box[3]);
    if (rectangle == NULL)
        return geos_failed(geom, err, "build a rectangle");
    const candidates *found = &index->found;
    ds_status status = query_units(geom, index, rectangle)
                           ? DS_OK
                           : ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t k = 0; k < found->n && status == DS_OK && !*meets; k++) {
        size_t u = found->items[k];
        char answer = prepare_unit(geom, index, u)
                          ? GEOSPreparedIntersects_r(h, index->prepared[u], rectangle)
                          : 2;
        if (answer == 2)
            status = geos_failed(geom, err, "test a unit against a rectangle");
        *meets = answer == 1;
    }
    GEOSGeom_destroy_r(h, rectangle);
    return status;
}

ds_status ds_overlay_zone(ds_geom *geom, ds_overlay_index *index, ds_shape *zone,
                          size_t zone_index, ds_overlap **pairs, size_t *n_pairs, size_t *cap,
                          ds_error *err)
{
    geom->message[0] = '\0';
    if (index->tree == NULL || zone->area <= 0)
        return DS_OK;
    candidates *found = &index->found;
    if (!query_units(geom, index, zone->geometry))
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    if (found->n > 1)
        qsort(found->items, found->n, sizeof *found->items, compare_size);
    for (size_t k = 0; k < found->n; k++) {
        size_t u = found->items[k];
        if (!prepare_unit(geom, index, u))
            return geos_failed(geom, err, "prepare a unit");
        double area = 0;
        ds_status status = intersection_area(geom, index->prepared[u], index->units[u], zone,
                                             &area, err);
        if (status != DS_OK)
            return status;
        if (area > 0 && !push_overlap(pairs, n_pairs, cap, (ds_overlap){u, zone_index, area}))
            return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    return DS_OK;
}

static int compare_pairs(const void *a, const void *b)
{
    const ds_overlap *x = a, *y = b;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    return x->zone < y->zone ? -1 : x->zone > y->zone;
}

ds_status ds_overlay(ds_geom *geom, ds_shape *const *units, size_t n_units,
                     ds_shape *const *zones, size_t n_zones, ds_overlap **out, size_t *n_out,
                     ds_error *err)
{
    *out = NULL;
    *n_out = 0;
    ds_overlay_index *index;
    ds_status status = ds_overlay_index_new(geom, units, n_units, &index, err);
    size_t cap = 0;
    for (size_t z = 0; z < n_zones && status == DS_OK; z++)
        status = ds_overlay_zone(geom, index, zones[z], z, out, n_out, &cap, err);
    ds_overlay_index_free(geom, index);
    if (status != DS_OK) {
        free(*out);
        *out = NULL;
        *n_out = 0;
        return status;
    }
    if (*n_out > 1)
        qsort(*out, *n_out, sizeof **out, compare_pairs);
    return DS_OK;
}
