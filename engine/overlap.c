/* diagsante — areal overlap of two polygon layers (see include/diagsante/overlap.h).
 * Reads features from layers (shapes.c), projects them per place (crs.c), builds GEOS
 * shapes and overlays them (geom.c), and writes the tables (output.c). */
#include "diagsante/overlap.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/crs.h"
#include "diagsante/geom.h"
#include "diagsante/output.h"
#include "text_dict.h"

#define DEFINITION_MAX 160
#define BOX_MARGIN_DEG 0.1 /* edges straight in one CRS bend in another: pad the boxes */

/* Overseas départements and the centre of their local equal-area projection. */
static const struct {
    double lon, lat;
} OVERSEAS[] = {
    {-61.55, 16.25}, /* 971 Guadeloupe */
    {-61.02, 14.64}, /* 972 Martinique */
    {-53.10, 3.90},  /* 973 Guyane */
    {55.53, -21.13}, /* 974 La Réunion */
    {45.15, -12.82}, /* 976 Mayotte */
};

typedef struct unmatched_unit {
    const char *id; /* one of ids */
    double area_m2;
} unmatched_unit;

struct ds_overlap_result {
    ds_overlap_row *rows, *slivers;
    size_t n_rows, n_slivers;
    unmatched_unit *unmatched; /* sorted by id */
    size_t n_unmatched;
    char **problems;
    size_t n_problems, problems_cap;
    char **ids; /* every id string the rows point to */
    size_t n_ids;
    bool weighted; /* ds_overlap_set_weights was called */
};

/* One layer being projected and built. */
typedef struct side {
    const ds_layer *layer;
    const char *name; /* "units" or "zones" */
    long id_field;
    ds_crs *lonlat;   /* the layer's CRS, to find where each feature lies */
    ds_crs **by_group;/* the layer's CRS with each group's equal-area target, or NULL */
    size_t n_by_group;
    ds_shape **shapes;/* per feature, NULL when empty, unusable or out of reach */
    size_t *group;    /* per feature */
    double *box;      /* per feature: lon/lat bounds west, south, east, north (padded) */
    bool *located;    /* per feature: box and group are known */
    double max_edge;  /* longest edge projected as is, in source units */
} side;

typedef struct groups {
    char (*definitions)[DEFINITION_MAX];
    size_t n, cap;
} groups;

void ds_overlap_options_init(ds_overlap_options *options)
{
    memset(options, 0, sizeof *options);
    options->min_share = 0.001;
}

/* --- results ----------------------------------------------------------------------- */

static bool add_problem(ds_overlap_result *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool add_problem(ds_overlap_result *r, const char *fmt, ...)
{
    if (r->n_problems == r->problems_cap) {
        size_t cap = r->problems_cap ? r->problems_cap * 2 : 16;
        char **p = realloc(r->problems, cap * sizeof *p);
        if (p == NULL)
            return false;
        r->problems = p;
        r->problems_cap = cap;
    }
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = strlen(text) + 1;
    char *copy = malloc(len);
    if (copy == NULL)
        return false;
    memcpy(copy, text, len);
    r->problems[r->n_problems++] = copy;
    return true;
}

void ds_overlap_result_free(ds_overlap_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_problems; i++)
        free(r->problems[i]);
    free(r->problems);
    free(r->rows);
    free(r->slivers);
    free(r->unmatched); /* the strings are in ids */
    for (size_t i = 0; i < r->n_ids; i++)
        free(r->ids[i]);
    free(r->ids);
    free(r);
}

size_t ds_overlap_row_count(const ds_overlap_result *r) { return r->n_rows; }
const ds_overlap_row *ds_overlap_row_at(const ds_overlap_result *r, size_t i) { return &r->rows[i]; }
size_t ds_overlap_sliver_count(const ds_overlap_result *r) { return r->n_slivers; }
const ds_overlap_row *ds_overlap_sliver_at(const ds_overlap_result *r, size_t i) { return &r->slivers[i]; }
size_t ds_overlap_unmatched_count(const ds_overlap_result *r) { return r->n_unmatched; }
size_t ds_overlap_problem_count(const ds_overlap_result *r) { return r->n_problems; }
const char *ds_overlap_problem_at(const ds_overlap_result *r, size_t i) { return r->problems[i]; }

const char *ds_overlap_unmatched_at(const ds_overlap_result *r, size_t i, double *area_m2)
{
    if (area_m2 != NULL)
        *area_m2 = r->unmatched[i].area_m2;
    return r->unmatched[i].id;
}

/* --- where a feature lies -------------------------------------------------------------- */

/* Writes v with two decimals without the locale ("-61.55"). */
static void format_centi(char *out, size_t size, double v)
{
    long centi = lround(v * 100);
    snprintf(out, size, "%s%ld.%02ld", centi < 0 ? "-" : "", labs(centi) / 100, labs(centi) % 100);
}

/* The equal-area CRS for a feature centred at lon, lat. */
static void definition_for(double lon, double lat, char out[DEFINITION_MAX])
{
    if (lon >= -6 && lon <= 10 && lat >= 41 && lat <= 52) {
        snprintf(out, DEFINITION_MAX, "EPSG:3035"); /* metropolitan France and Corsica */
        return;
    }
    double best = 36; /* 6 degrees, squared */
    double c_lon = round(lon * 10) / 10, c_lat = round(lat * 10) / 10;
    for (size_t i = 0; i < sizeof OVERSEAS / sizeof *OVERSEAS; i++) {
        double d = (lon - OVERSEAS[i].lon) * (lon - OVERSEAS[i].lon) +
                   (lat - OVERSEAS[i].lat) * (lat - OVERSEAS[i].lat);
        if (d < best) {
            best = d;
            c_lon = OVERSEAS[i].lon;
            c_lat = OVERSEAS[i].lat;
        }
    }
    char lat_text[32], lon_text[32];
    format_centi(lat_text, sizeof lat_text, c_lat);
    format_centi(lon_text, sizeof lon_text, c_lon);
    snprintf(out, DEFINITION_MAX,
             "+proj=laea +lat_0=%s +lon_0=%s +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs "
             "+type=crs",
             lat_text, lon_text);
}

static long group_index(groups *g, const char *definition)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->definitions[i], definition) == 0)
            return (long)i;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        char(*d)[DEFINITION_MAX] = realloc(g->definitions, cap * sizeof *d);
        if (d == NULL)
            return -1;
        g->definitions = d;
        g->cap = cap;
    }
    snprintf(g->definitions[g->n], DEFINITION_MAX, "%s", definition);
    return (long)g->n++;
}

/* The layer's CRS projecting to group g, opened on first use. */
static ds_status crs_for_group(side *s, const groups *g, size_t group, ds_crs **out,
                               ds_error *err)
{
    if (group >= s->n_by_group) {
        size_t n = g->n;
        ds_crs **grown = realloc(s->by_group, n * sizeof *grown);
        if (grown == NULL)
            return ds_error_set(err, DS_ENOMEM, "out of memory");
        for (size_t i = s->n_by_group; i < n; i++)
            grown[i] = NULL;
        s->by_group = grown;
        s->n_by_group = n;
    }
    if (s->by_group[group] == NULL) {
        ds_status st = ds_crs_open(ds_layer_crs(s->layer), &s->by_group[group], err);
        if (st == DS_OK)
            st = ds_crs_set_equal_area(s->by_group[group], g->definitions[group], err);
        if (st != DS_OK)
            return st;
    }
    *out = s->by_group[group];
    return DS_OK;
}

/* --- building the shapes ----------------------------------------------------------------- */

static const char *feature_id(const side *s, size_t f)
{
    return ds_layer_attribute(s->layer, f, (size_t)s->id_field);
}

/* Finds where feature f lies: its lon/lat bounds (padded) and its group. A feature
 * that is empty or cannot be located is reported and stays unlocated. Only allocation
 * failures fail. */
static ds_status locate_feature(side *s, groups *g, size_t f, ds_overlap_result *r,
                                ds_error *err)
{
    const ds_layer *layer = s->layer;
    if (ds_layer_feature_empty(layer, f))
        return add_problem(r, "%s shape %zu (%s): empty, left out", s->name, f, feature_id(s, f))
                   ? DS_OK
                   : ds_error_set(err, DS_ENOMEM, "out of memory");
    double box[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t p = 0; p < ds_layer_polygon_count(layer, f); p++)
        for (size_t k = 0; k < ds_layer_ring_count(layer, f, p); k++) {
            size_t n;
            const double *xy = ds_layer_ring(layer, f, p, k, &n);
            for (size_t i = 0; i < n; i++) {
                box[0] = fmin(box[0], xy[2 * i]);
                box[1] = fmin(box[1], xy[2 * i + 1]);
                box[2] = fmax(box[2], xy[2 * i]);
                box[3] = fmax(box[3], xy[2 * i + 1]);
            }
        }
    /* The four corners and the centre, to lon/lat. */
    double pts[10] = {box[0], box[1], box[2], box[1], box[2], box[3], box[0], box[3],
                      (box[0] + box[2]) / 2, (box[1] + box[3]) / 2};
    ds_error local;
    if (ds_crs_to_lonlat(s->lonlat, pts, 5, &local) != DS_OK)
        return add_problem(r, "%s shape %zu (%s): left out: %s", s->name, f, feature_id(s, f),
                           local.message)
                   ? DS_OK
                   : ds_error_set(err, DS_ENOMEM, "out of memory");
    double *b = s->box + 4 * f;
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
    for (int i = 0; i < 4; i++) {
        b[0] = fmin(b[0], pts[2 * i] - BOX_MARGIN_DEG);
        b[1] = fmin(b[1], pts[2 * i + 1] - BOX_MARGIN_DEG);
        b[2] = fmax(b[2], pts[2 * i] + BOX_MARGIN_DEG);
        b[3] = fmax(b[3], pts[2 * i + 1] + BOX_MARGIN_DEG);
    }
    char definition[DEFINITION_MAX];
    definition_for(pts[8], pts[9], definition);
    long group = group_index(g, definition);
    if (group < 0)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    s->group[f] = (size_t)group;
    s->located[f] = true;
    return DS_OK;
}

/* True when zone z's box meets the box of some unit of the same group. */
static bool zone_in_reach(const side *zones, size_t z, const side *units)
{
    const double *b = zones->box + 4 * z;
    for (size_t u = 0; u < ds_layer_count(units->layer); u++) {
        if (!units->located[u] || units->group[u] != zones->group[z])
            continue;
        const double *a = units->box + 4 * u;
        if (a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3])
            return true;
    }
    return false;
}

/* Edges longer than this (in source units) get intermediate points before projection:
 * an edge straight in the source CRS bends in the equal-area one. */
#define MAX_EDGE_DEGREES 0.01 /* about 1 km */
#define MAX_EDGE_METRES 1000.0

/* Points between a and b so that no piece is longer than max_edge. */
static size_t pieces(const double *a, const double *b, double max_edge)
{
    double dx = b[0] - a[0], dy = b[1] - a[1];
    if (dx * dx + dy * dy <= max_edge * max_edge) /* most edges: no square root */
        return 1;
    return (size_t)ceil(sqrt(dx * dx + dy * dy) / max_edge);
}

static size_t densified_count(const double *xy, size_t n, double max_edge)
{
    size_t count = n > 0 ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        count += pieces(xy + 2 * (i - 1), xy + 2 * i, max_edge);
    return count;
}

/* Copies the ring into out with the intermediate points (evenly spaced along each long
 * edge, straight in the source CRS); returns the number of points written. */
static size_t densify(const double *xy, size_t n, double max_edge, double *out)
{
    if (n == 0)
        return 0;
    size_t at = 0;
    out[at++] = xy[0];
    out[at++] = xy[1];
    for (size_t i = 1; i < n; i++) {
        const double *a = xy + 2 * (i - 1), *b = xy + 2 * i;
        size_t k = pieces(a, b, max_edge);
        for (size_t j = 1; j < k; j++) {
            double t = (double)j / (double)k;
            out[at++] = a[0] + t * (b[0] - a[0]);
            out[at++] = a[1] + t * (b[1] - a[1]);
        }
        out[at++] = b[0];
        out[at++] = b[1];
    }
    return at / 2;
}

/* Projects located feature f to its group's equal-area CRS and builds its shape
 * (s->shapes[f], NULL when it cannot be used: reported). Only allocation failures and
 * internal errors fail. */
static ds_status build_feature(side *s, groups *g, ds_geom *geom, size_t f,
                               ds_overlap_result *r, ds_error *err)
{
    const ds_layer *layer = s->layer;
    s->shapes[f] = NULL;
    size_t n_polygons = ds_layer_polygon_count(layer, f), n_rings = 0, n_points = 0;
    for (size_t p = 0; p < n_polygons; p++)
        for (size_t k = 0; k < ds_layer_ring_count(layer, f, p); k++) {
            size_t n;
            ds_layer_ring(layer, f, p, k, &n);
            n_rings++;
            n_points += densified_count(ds_layer_ring(layer, f, p, k, &n), n, s->max_edge);
        }
    ds_error local;
    ds_crs *crs = NULL;
    ds_status st = crs_for_group(s, g, s->group[f], &crs, err);
    if (st != DS_OK)
        return st;

    double *xy = malloc((2 * n_points + 1) * sizeof *xy);
    ds_ring_view *rings = malloc((n_rings + 1) * sizeof *rings);
    ds_polygon_view *polygons = malloc((n_polygons + 1) * sizeof *polygons);
    if (xy == NULL || rings == NULL || polygons == NULL) {
        free(xy), free(rings), free(polygons);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    size_t at = 0, ring = 0;
    bool usable = true;
    for (size_t p = 0; p < n_polygons && usable; p++) {
        polygons[p] = (ds_polygon_view){rings + ring, ds_layer_ring_count(layer, f, p)};
        for (size_t k = 0; k < polygons[p].n_rings; k++) {
            size_t n;
            const double *source = ds_layer_ring(layer, f, p, k, &n);
            n = densify(source, n, s->max_edge, xy + 2 * at);
            if (ds_crs_to_equal_area(crs, xy + 2 * at, n, &local) != DS_OK) {
                usable = false;
                break;
            }
            rings[ring++] = (ds_ring_view){xy + 2 * at, n};
            at += n;
        }
    }
    char repaired[256] = "";
    if (usable && ds_shape_new(geom, polygons, n_polygons, &s->shapes[f], repaired, &local) != DS_OK)
        usable = false;
    free(xy), free(rings), free(polygons);
    bool ok = true;
    if (!usable)
        ok = add_problem(r, "%s shape %zu (%s): left out: %s", s->name, f, feature_id(s, f),
                         local.message);
    else if (repaired[0] != '\0')
        ok = add_problem(r, "%s shape %zu (%s): invalid polygon repaired (%s)", s->name, f,
                         feature_id(s, f), repaired);
    return ok ? DS_OK : ds_error_set(err, DS_ENOMEM, "out of memory");
}

static ds_status open_side(side *s, const ds_layer *layer, const char *name, const char *id,
                           ds_error *err)
{
    memset(s, 0, sizeof *s);
    s->layer = layer;
    s->name = name;
    if (id == NULL || (s->id_field = ds_layer_field_index(layer, id)) < 0) {
        char fields[512] = "";
        for (size_t i = 0; i < ds_layer_field_count(layer); i++) {
            size_t used = strlen(fields);
            snprintf(fields + used, sizeof fields - used, "%s%s", i ? ", " : "",
                     ds_layer_field_name(layer, i));
        }
        return ds_error_set(err, DS_EUSAGE, "the %s have no field '%s' (fields: %s)", name,
                            id ? id : "(none given)", fields);
    }
    size_t n = ds_layer_count(layer);
    s->shapes = calloc(n + 1, sizeof *s->shapes);
    s->group = calloc(n + 1, sizeof *s->group);
    s->box = calloc(4 * n + 4, sizeof *s->box);
    s->located = calloc(n + 1, sizeof *s->located);
    if (s->shapes == NULL || s->group == NULL || s->box == NULL || s->located == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status st = ds_crs_open(ds_layer_crs(layer), &s->lonlat, err);
    if (st == DS_OK)
        s->max_edge = ds_crs_is_geographic(s->lonlat) ? MAX_EDGE_DEGREES : MAX_EDGE_METRES;
    return st;
}

static void close_side(side *s, ds_geom *geom)
{
    if (s->shapes != NULL)
        for (size_t f = 0; f < ds_layer_count(s->layer); f++)
            ds_shape_free(geom, s->shapes[f]);
    free(s->shapes);
    free(s->group);
    free(s->box);
    free(s->located);
    for (size_t i = 0; i < s->n_by_group; i++)
        ds_crs_free(s->by_group[i]);
    free(s->by_group);
    ds_crs_free(s->lonlat);
}

/* The layer's own problems (dropped rings, NULL shapes), with the layer's name. */
static bool copy_layer_problems(ds_overlap_result *r, const side *s, const bool *keep)
{
    for (size_t i = 0; i < ds_layer_problem_count(s->layer); i++) {
        const ds_layer_problem *p = ds_layer_problem_at(s->layer, i);
        if (keep != NULL && !keep[p->shape])
            continue;
        if (!add_problem(r, "%s shape %zu (%s): %s", s->name, p->shape,
                         p->identifier ? p->identifier : "", p->reason))
            return false;
    }
    return true;
}

/* --- overlay ------------------------------------------------------------------------------ */

/* Replaces the built zones of each group by their union, kept in the slot of the
 * group's first zone. */
static ds_status dissolve_zones(side *zones, const groups *g, ds_geom *geom, ds_error *err)
{
    size_t n = ds_layer_count(zones->layer);
    ds_shape **members = malloc((n + 1) * sizeof *members);
    if (members == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status st = DS_OK;
    for (size_t group = 0; group < g->n && st == DS_OK; group++) {
        size_t count = 0, first = 0;
        for (size_t f = 0; f < n; f++)
            if (zones->shapes[f] != NULL && zones->group[f] == group) {
                if (count == 0)
                    first = f;
                members[count++] = zones->shapes[f];
            }
        if (count < 2)
            continue;
        ds_shape *merged;
        if ((st = ds_shape_union(geom, members, count, &merged, err)) != DS_OK)
            break;
        for (size_t f = 0; f < n; f++)
            if (zones->shapes[f] != NULL && zones->group[f] == group) {
                ds_shape_free(geom, zones->shapes[f]);
                zones->shapes[f] = NULL;
            }
        zones->shapes[first] = merged;
    }
    free(members);
    return st;
}

static int compare_rows(const void *a, const void *b)
{
    const ds_overlap_row *x = a, *y = b;
    int c = strcmp(x->unit_id, y->unit_id);
    return c != 0 ? c : strcmp(x->zone_id, y->zone_id);
}

static int compare_unmatched(const void *a, const void *b)
{
    return strcmp(((const unmatched_unit *)a)->id, ((const unmatched_unit *)b)->id);
}

static char *keep_id(ds_overlap_result *r, const char *id)
{
    size_t len = strlen(id) + 1;
    char *copy = malloc(len);
    if (copy == NULL)
        return NULL;
    memcpy(copy, id, len);
    r->ids[r->n_ids++] = copy;
    return copy;
}

/* Overlays the units and zones of each group; fills the result's rows. */
static ds_status overlay_groups(ds_geom *geom, const groups *g, side *units, side *zones,
                                const ds_overlap_options *options, ds_overlap_result *r,
                                ds_error *err)
{
    size_t n_units = ds_layer_count(units->layer), n_zones = ds_layer_count(zones->layer);
    ds_shape **u = malloc((n_units + 1) * sizeof *u), **z = malloc((n_zones + 1) * sizeof *z);
    size_t *u_index = malloc((n_units + 1) * sizeof *u_index);
    size_t *z_index = malloc((n_zones + 1) * sizeof *z_index);
    bool *matched = calloc(n_units + 1, sizeof *matched);
    r->ids = malloc((n_units + n_zones + 1) * sizeof *r->ids);
    char **unit_ids = calloc(n_units + 1, sizeof *unit_ids);
    char **zone_ids = calloc(n_zones + 1, sizeof *zone_ids);
    ds_status st = DS_OK;
    size_t cap_rows = 0, cap_slivers = 0;
    if (!u || !z || !u_index || !z_index || !matched || !r->ids || !unit_ids || !zone_ids) {
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t group = 0; group < g->n && st == DS_OK; group++) {
        size_t nu = 0, nz = 0;
        for (size_t i = 0; i < n_units; i++)
            if (units->shapes[i] != NULL && units->group[i] == group)
                u[nu] = units->shapes[i], u_index[nu++] = i;
        for (size_t i = 0; i < n_zones; i++)
            if (zones->shapes[i] != NULL && zones->group[i] == group)
                z[nz] = zones->shapes[i], z_index[nz++] = i;
        if (nu == 0 || nz == 0)
            continue;
        ds_overlap *pairs;
        size_t n_pairs;
        st = ds_overlay(geom, u, nu, z, nz, &pairs, &n_pairs, err);
        for (size_t k = 0; k < n_pairs && st == DS_OK; k++) {
            size_t ui = u_index[pairs[k].unit], zi = z_index[pairs[k].zone];
            if (unit_ids[ui] == NULL && (unit_ids[ui] = keep_id(r, feature_id(units, ui))) == NULL)
                st = ds_error_set(err, DS_ENOMEM, "out of memory");
            if (st == DS_OK && zone_ids[zi] == NULL &&
                (zone_ids[zi] = keep_id(r, options->dissolve_as != NULL
                                               ? options->dissolve_as
                                               : feature_id(zones, zi))) == NULL)
                st = ds_error_set(err, DS_ENOMEM, "out of memory");
            if (st != DS_OK)
                break;
            double unit_area = ds_shape_area(units->shapes[ui]);
            double zone_area = ds_shape_area(zones->shapes[zi]);
            ds_overlap_row row = {unit_ids[ui], zone_ids[zi], unit_area, zone_area,
                                  pairs[k].intersection_area,
                                  pairs[k].intersection_area / unit_area,
                                  pairs[k].intersection_area / zone_area, NAN};
            bool sliver = row.share_of_unit < options->min_share;
            ds_overlap_row **list = sliver ? &r->slivers : &r->rows;
            size_t *n = sliver ? &r->n_slivers : &r->n_rows;
            size_t *cap = sliver ? &cap_slivers : &cap_rows;
            if (*n == *cap) {
                size_t grown = *cap ? *cap * 2 : 64;
                ds_overlap_row *p = realloc(*list, grown * sizeof *p);
                if (p == NULL) {
                    st = ds_error_set(err, DS_ENOMEM, "out of memory");
                    break;
                }
                *list = p;
                *cap = grown;
            }
            (*list)[(*n)++] = row;
            if (!sliver)
                matched[ui] = true;
        }
        free(pairs);
    }
    if (st != DS_OK)
        goto done;
    if (r->n_rows > 1)
        qsort(r->rows, r->n_rows, sizeof *r->rows, compare_rows);
    if (r->n_slivers > 1)
        qsort(r->slivers, r->n_slivers, sizeof *r->slivers, compare_rows);
    /* Units with a shape and no pair above the threshold. */
    r->unmatched = malloc((n_units + 1) * sizeof *r->unmatched);
    if (r->unmatched == NULL) {
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_units && st == DS_OK; i++) {
        if (units->shapes[i] == NULL || matched[i])
            continue;
        if (unit_ids[i] == NULL && (unit_ids[i] = keep_id(r, feature_id(units, i))) == NULL) {
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
            break;
        }
        r->unmatched[r->n_unmatched++] =
            (unmatched_unit){unit_ids[i], ds_shape_area(units->shapes[i])};
    }
    if (r->n_unmatched > 1)
        qsort(r->unmatched, r->n_unmatched, sizeof *r->unmatched, compare_unmatched);
done:
    free(u), free(z), free(u_index), free(z_index), free(matched), free(unit_ids), free(zone_ids);
    return st;
}

ds_status ds_overlap_layers(const ds_layer *unit_layer, const ds_layer *zone_layer,
                            const ds_overlap_options *options, ds_overlap_result **out,
                            ds_error *err)
{
    *out = NULL;
    ds_overlap_options defaults;
    if (options == NULL) {
        ds_overlap_options_init(&defaults);
        options = &defaults;
    }
    ds_overlap_result *r = calloc(1, sizeof *r);
    if (r == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_geom *geom = NULL;
    groups g = {NULL, 0, 0};
    side units, zones;
    memset(&units, 0, sizeof units);
    memset(&zones, 0, sizeof zones);
    ds_status st = open_side(&units, unit_layer, "units", options->unit_id, err);
    if (st == DS_OK)
        st = open_side(&zones, zone_layer, "zones", options->zone_id, err);
    if (st == DS_OK)
        st = ds_geom_new(&geom, err);
    if (st == DS_OK && (!copy_layer_problems(r, &units, NULL) ||
                        !copy_layer_problems(r, &zones, options->zone_keep)))
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t f = 0; st == DS_OK && f < ds_layer_count(unit_layer); f++)
        st = locate_feature(&units, &g, f, r, err);
    for (size_t f = 0; st == DS_OK && f < ds_layer_count(zone_layer); f++)
        if (options->zone_keep == NULL || options->zone_keep[f])
            st = locate_feature(&zones, &g, f, r, err);
    for (size_t f = 0; st == DS_OK && f < ds_layer_count(unit_layer); f++)
        if (units.located[f])
            st = build_feature(&units, &g, geom, f, r, err);
    /* Zones no unit can reach are never projected nor built: same result, less work. */
    for (size_t f = 0; st == DS_OK && f < ds_layer_count(zone_layer); f++)
        if (zones.located[f] && (options->zone_keep == NULL || options->zone_keep[f]) &&
            zone_in_reach(&zones, f, &units))
            st = build_feature(&zones, &g, geom, f, r, err);
    if (st == DS_OK && options->dissolve_as != NULL)
        st = dissolve_zones(&zones, &g, geom, err);
    if (st == DS_OK)
        st = overlay_groups(geom, &g, &units, &zones, options, r, err);
    close_side(&units, geom);
    close_side(&zones, geom);
    ds_geom_free(geom);
    free(g.definitions);
    if (st != DS_OK) {
        ds_overlap_result_free(r);
        return st;
    }
    *out = r;
    return DS_OK;
}

ds_status ds_overlap_feature_areas(const ds_layer *layer, double *areas, ds_error *err)
{
    size_t n = ds_layer_count(layer);
    for (size_t f = 0; f < n; f++)
        areas[f] = NAN;
    if (ds_layer_field_count(layer) == 0)
        return ds_error_set(err, DS_EUSAGE, "a layer without attribute fields");
    ds_overlap_result *r = calloc(1, sizeof *r); /* collects the problems, then dropped */
    if (r == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_geom *geom = NULL;
    groups g = {NULL, 0, 0};
    side s;
    ds_status st = open_side(&s, layer, "units", ds_layer_field_name(layer, 0), err);
    if (st == DS_OK)
        st = ds_geom_new(&geom, err);
    for (size_t f = 0; st == DS_OK && f < n; f++)
        st = locate_feature(&s, &g, f, r, err);
    for (size_t f = 0; st == DS_OK && f < n; f++)
        if (s.located[f] && (st = build_feature(&s, &g, geom, f, r, err)) == DS_OK &&
            s.shapes[f] != NULL)
            areas[f] = ds_shape_area(s.shapes[f]);
    close_side(&s, geom);
    ds_geom_free(geom);
    free(g.definitions);
    ds_overlap_result_free(r);
    return st;
}

/* --- weights ------------------------------------------------------------------------------ */

static void weigh_rows(ds_overlap_row *rows, size_t n_rows, const ds_text_dict *ids,
                       const double *weights, bool *used)
{
    for (size_t i = 0; i < n_rows; i++) {
        uint32_t id = ds_text_dict_find(ids, rows[i].unit_id, strlen(rows[i].unit_id));
        rows[i].unit_weight = id == UINT32_MAX ? NAN : weights[id];
        if (id != UINT32_MAX)
            used[id] = true;
    }
}

ds_status ds_overlap_set_weights(ds_overlap_result *r, size_t n, const char *const *unit_ids,
                                 const double *weights, size_t *unused, ds_error *err)
{
    ds_text_dict ids;
    ds_text_dict_init(&ids);
    double *by_id = malloc((n + 1) * sizeof *by_id);
    bool *used = calloc(n + 1, sizeof *used);
    ds_status st = DS_OK;
    if (by_id == NULL || used == NULL) {
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        size_t before = ids.count;
        uint32_t id = ds_text_dict_intern(&ids, unit_ids[i], strlen(unit_ids[i]));
        if (id == UINT32_MAX) {
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
            goto done;
        }
        if (ids.count == before) { /* seen before */
            st = ds_error_set(err, DS_EDATA, "unit '%s' has two weights", unit_ids[i]);
            goto done;
        }
        by_id[id] = weights[i];
    }
    weigh_rows(r->rows, r->n_rows, &ids, by_id, used);
    weigh_rows(r->slivers, r->n_slivers, &ids, by_id, used);
    r->weighted = true;
    if (unused != NULL) {
        *unused = 0;
        for (uint32_t id = 0; id < ids.count; id++)
            *unused += !used[id];
    }
done:
    ds_text_dict_free(&ids);
    free(by_id);
    free(used);
    return st;
}

/* --- writing ------------------------------------------------------------------------------ */

static void write_rows(FILE *f, const ds_overlap_row *rows, size_t n, bool weighted)
{
    fputs("unit_id,zone_id,unit_area_m2,zone_area_m2,inter_area_m2,share_of_unit,share_of_zone", f);
    fputs(weighted ? ",pop_in_zone,pop_method\n" : "\n", f);
    for (size_t i = 0; i < n; i++) {
        ds_output_csv_field(f, rows[i].unit_id, ',');
        fputc(',', f);
        ds_output_csv_field(f, rows[i].zone_id, ',');
        fprintf(f, ",%.17g,%.17g,%.17g,%.17g,%.17g", rows[i].unit_area_m2, rows[i].zone_area_m2,
                rows[i].inter_area_m2, rows[i].share_of_unit, rows[i].share_of_zone);
        if (weighted && isnan(rows[i].unit_weight))
            fputs(",,no_weight", f);
        else if (weighted)
            fprintf(f, ",%.17g,areal_estimate", rows[i].unit_weight * rows[i].share_of_unit);
        fputc('\n', f);
    }
}

static bool write_overlap(FILE *f, const void *data)
{
    const ds_overlap_result *r = data;
    write_rows(f, r->rows, r->n_rows, r->weighted);
    return true;
}

static bool write_slivers(FILE *f, const void *data)
{
    const ds_overlap_result *r = data;
    write_rows(f, r->slivers, r->n_slivers, r->weighted);
    return true;
}

static bool write_unmatched(FILE *f, const void *data)
{
    const ds_overlap_result *r = data;
    fputs("unit_id,unit_area_m2\n", f);
    for (size_t i = 0; i < r->n_unmatched; i++) {
        ds_output_csv_field(f, r->unmatched[i].id, ',');
        fprintf(f, ",%.17g\n", r->unmatched[i].area_m2);
    }
    return true;
}

static bool write_problems(FILE *f, const void *data)
{
    const ds_overlap_result *r = data;
    fputs("problem\n", f);
    for (size_t i = 0; i < r->n_problems; i++) {
        ds_output_csv_field(f, r->problems[i], ',');
        fputc('\n', f);
    }
    return true;
}

ds_status ds_overlap_write(const ds_overlap_result *r, const char *dir, ds_error *err)
{
    ds_status st = ds_output_write(dir, "overlap.csv", write_overlap, r, err);
    if (st == DS_OK)
        st = ds_output_write(dir, "slivers.csv", write_slivers, r, err);
    if (st == DS_OK)
        st = ds_output_write(dir, "units_unmatched.csv", write_unmatched, r, err);
    if (st == DS_OK)
        st = ds_output_write(dir, "problems.csv", write_problems, r, err);
    return st;
}
