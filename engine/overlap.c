/* diagsante — areal overlap of two polygon layers (see include/diagsante/overlap.h).
 * Reads features from layers (shapes.c), projects them per place (crs.c), builds GEOS
 * shapes and overlays them (geom.c), and writes the tables (output.c).
 *
 * How the work is done:
 *  1. every unit is located (its place, hence its group: the equal-area CRS of that
 *     place), in the calling thread; the transforms of the units to each group's CRS
 *     are opened, one per worker at a time, and copied to every worker (crs_stage);
 *  2. first stage, shared out in turns among the workers (the calling thread and
 *     options->threads - 1 more): each unit is projected and built, kept by its worker
 *     and passed on to the others as bytes (WKB), and given a reach box: the bounds of
 *     the region it covers, in the zones' source CRS, padded;
 *  3. second stage: each worker rebuilds the others' units in its own GEOS context, then
 *     takes zones in turns. A zone whose own bounds (in its source coordinates: no PROJ
 *     needed) miss every reach box cannot overlap any unit: it is skipped, neither
 *     located, projected, validated nor reported (an empty zone is still reported). The
 *     others are located, kept when a unit of the same group can reach them and when
 *     their bounds, taken to the group's CRS, meet a unit's shape (zone_near_units),
 *     projected, built, overlaid on the units of their group (ds_overlay_zone) and
 *     freed. A worker has its own GEOS context, PROJ contexts (copies) and unit shapes:
 *     nothing of GEOS or PROJ is shared between threads (GEOS 3.11 itself shares its
 *     default geometry factory between contexts and counts its users without atomics:
 *     harmless, that count only matters to factories that delete themselves, which it
 *     never does);
 *  4. the pairs and problems of all workers are merged in the order one thread would
 *     have met them, so that the result does not depend on the number of threads.
 * With dissolve_as, the zones are kept and merged per group instead (one worker). */
#include "diagsante/overlap.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagsante/crs.h"
#include "diagsante/geom.h"
#include "diagsante/output.h"
#include "numfmt.h"
#include "text_dict.h"

#define DEFINITION_MAX 160
#define ITEMS_PER_TURN 8        /* units or zones a worker takes at a time */
#define REACH_MARGIN_DEG 0.001  /* about 100 m, around a unit's lon/lat bounds */
#define REACH_MARGIN_SHARE 0.01 /* of a reach box's width and height, on each side */
#define ZONE_BOX_PADDING 0.01   /* of a zone's projected bounds' larger side, each side */

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
    size_t unit;    /* feature number: the order of units with the same id */
} unmatched_unit;

struct ds_overlap_result {
    ds_overlap_row *rows, *slivers;
    size_t n_rows, n_slivers;
    unmatched_unit *unmatched; /* sorted by id */
    size_t n_unmatched;
    char **problems;
    size_t n_problems;
    char **ids; /* every id string the rows point to */
    size_t n_ids;
    bool weighted; /* ds_overlap_set_weights was called */
};

/* Problems are listed by phase, then by shape number: the order in which a single
 * thread doing one phase after the other meets them. */
enum phase { UNIT_LAYER, ZONE_LAYER, UNIT_LOCATE, ZONE_LOCATE, UNIT_BUILD, ZONE_BUILD };

typedef struct problem {
    int phase;
    size_t shape;
    size_t seq; /* arrival order, for several problems of one shape */
    char *text;
} problem;

typedef struct problem_list {
    problem *items;
    size_t n, cap;
} problem_list;

/* One layer, as every thread reads it. */
typedef struct side {
    const ds_layer *layer;
    const char *name;              /* "units" or "zones" */
    long id_field;
    double max_edge;               /* longest edge projected as is, in source units */
    int locate_phase, build_phase; /* of its problems */
} side;

/* One thread's PROJ objects for one layer (a ds_crs serves one thread at a time). */
typedef struct projector {
    ds_crs *lonlat;    /* the layer's CRS, to find where each feature lies */
    ds_crs **by_group; /* the layer's CRS with each group's equal-area target, or NULL */
    size_t n_by_group;
} projector;

typedef struct groups {
    char (*definitions)[DEFINITION_MAX];
    size_t n, cap;
} groups;

void ds_overlap_options_init(ds_overlap_options *options)
{
    memset(options, 0, sizeof *options);
    options->min_share = 0.001;
    options->threads = 1;
}

/* --- results ----------------------------------------------------------------------- */

static bool add_problem(problem_list *list, int phase, size_t shape, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Appends a problem to list (a NULL list drops it); false when out of memory. */
static bool add_problem(problem_list *list, int phase, size_t shape, const char *fmt, ...)
{
    if (list == NULL)
        return true;
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 16;
        problem *p = realloc(list->items, cap * sizeof *p);
        if (p == NULL)
            return false;
        list->items = p;
        list->cap = cap;
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
    list->items[list->n] = (problem){phase, shape, list->n, copy};
    list->n++;
    return true;
}

static void free_problems(problem_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i].text);
    free(list->items);
    memset(list, 0, sizeof *list);
}

static int compare_problems(const void *a, const void *b)
{
    const problem *x = a, *y = b;
    if (x->phase != y->phase)
        return x->phase < y->phase ? -1 : 1;
    if (x->shape != y->shape)
        return x->shape < y->shape ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Moves the problems of the n lists into r, in phase then shape order. A shape's
 * problems of one phase all come from one list. */
static bool collect_problems(ds_overlap_result *r, problem_list *const *lists, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lists[i]->n;
    problem *all = malloc((total + 1) * sizeof *all);
    r->problems = malloc((total + 1) * sizeof *r->problems);
    if (all == NULL || r->problems == NULL) {
        free(all);
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (lists[i]->n > 0)
            memcpy(all + k, lists[i]->items, lists[i]->n * sizeof *all);
        k += lists[i]->n;
        free(lists[i]->items); /* the texts now belong to r */
        memset(lists[i], 0, sizeof *lists[i]);
    }
    qsort(all, total, sizeof *all, compare_problems);
    for (size_t i = 0; i < total; i++)
        r->problems[i] = all[i].text;
    r->n_problems = total;
    free(all);
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

/* The group of definition, or -1 when no group has it. */
static long find_group(const groups *g, const char *definition)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->definitions[i], definition) == 0)
            return (long)i;
    return -1;
}

/* The group of definition, added when new; -1 when out of memory. */
static long group_index(groups *g, const char *definition)
{
    long found = find_group(g, definition);
    if (found >= 0)
        return found;
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

/* The layer's CRS projecting to group g: a copy of p->lonlat with the group's target,
 * made on first use. */
/* Room in p for the transforms of n groups; false when out of memory. */
static bool reserve_groups(projector *p, size_t n)
{
    if (n <= p->n_by_group)
        return true;
    ds_crs **grown = realloc(p->by_group, n * sizeof *grown);
    if (grown == NULL)
        return false;
    for (size_t i = p->n_by_group; i < n; i++)
        grown[i] = NULL;
    p->by_group = grown;
    p->n_by_group = n;
    return true;
}

static ds_status crs_for_group(projector *p, const groups *g, size_t group, ds_crs **out,
                               ds_error *err)
{
    if (!reserve_groups(p, g->n))
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    if (p->by_group[group] == NULL) {
        ds_status st = ds_crs_clone(p->lonlat, &p->by_group[group], err);
        if (st == DS_OK)
            st = ds_crs_set_equal_area(p->by_group[group], g->definitions[group], err);
        if (st != DS_OK)
            return st;
    }
    *out = p->by_group[group];
    return DS_OK;
}

/* Copies of from's PROJ objects into to, for another thread. */
static ds_status clone_projector(const projector *from, projector *to, ds_error *err)
{
    memset(to, 0, sizeof *to);
    ds_status st = ds_crs_clone(from->lonlat, &to->lonlat, err);
    if (st == DS_OK && from->n_by_group > 0 &&
        (to->by_group = calloc(from->n_by_group, sizeof *to->by_group)) == NULL)
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    if (to->by_group != NULL)
        to->n_by_group = from->n_by_group;
    for (size_t i = 0; i < from->n_by_group && st == DS_OK; i++)
        if (from->by_group[i] != NULL)
            st = ds_crs_clone(from->by_group[i], &to->by_group[i], err);
    return st;
}

static void free_projector(projector *p)
{
    for (size_t i = 0; i < p->n_by_group; i++)
        ds_crs_free(p->by_group[i]);
    free(p->by_group);
    ds_crs_free(p->lonlat);
    memset(p, 0, sizeof *p);
}

/* --- building the shapes ----------------------------------------------------------------- */

static const char *feature_id(const side *s, size_t f)
{
    return ds_layer_attribute(s->layer, f, (size_t)s->id_field);
}

/* Bounds xmin, ymin, xmax, ymax of feature f's points, in source coordinates. */
static void feature_bounds(const ds_layer *layer, size_t f, double box[4])
{
    box[0] = box[1] = INFINITY;
    box[2] = box[3] = -INFINITY;
    for (size_t p = 0; p < ds_layer_polygon_count(layer, f); p++)
        for (size_t k = 0; k < ds_layer_ring_count(layer, f, p); k++) {
            size_t n;
            const double *xy = ds_layer_ring(layer, f, p, k, &n);
            for (size_t i = 0; i < n; i++) { /* finite (layer.h): no fmin, a call */
                double x = xy[2 * i], y = xy[2 * i + 1];
                box[0] = x < box[0] ? x : box[0];
                box[1] = y < box[1] ? y : box[1];
                box[2] = x > box[2] ? x : box[2];
                box[3] = y > box[3] ? y : box[3];
            }
        }
}

/* Finds where feature f lies: definition receives the equal-area CRS for the centre of
 * its bounds and *located is set. A feature that is empty or cannot be located is
 * reported and stays unlocated. Only allocation failures fail. */
static ds_status locate_feature(const side *s, ds_crs *lonlat, size_t f,
                                char definition[DEFINITION_MAX], bool *located,
                                problem_list *problems, ds_error *err)
{
    *located = false;
    if (ds_layer_feature_empty(s->layer, f))
        return add_problem(problems, s->locate_phase, f, "%s shape %zu (%s): empty, left out",
                           s->name, f, feature_id(s, f))
                   ? DS_OK
                   : ds_error_set(err, DS_ENOMEM, "out of memory");
    double box[4];
    feature_bounds(s->layer, f, box);
    /* The four corners and the centre, to lon/lat. */
    double pts[10] = {box[0], box[1], box[2], box[1], box[2], box[3], box[0], box[3],
                      (box[0] + box[2]) / 2, (box[1] + box[3]) / 2};
    ds_error local;
    if (ds_crs_to_lonlat(lonlat, pts, 5, &local) != DS_OK)
        return add_problem(problems, s->locate_phase, f, "%s shape %zu (%s): left out: %s",
                           s->name, f, feature_id(s, f), local.message)
                   ? DS_OK
                   : ds_error_set(err, DS_ENOMEM, "out of memory");
    definition_for(pts[8], pts[9], definition);
    *located = true;
    return DS_OK;
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

/* Feature f's rings, densified: their points in one new array (*xy, ring after ring in
 * polygon order, *n_points in all) and a view of each ring into it (*rings, *n_rings);
 * free both with free(). False when out of memory. */
static bool densify_feature(const side *s, size_t f, double **xy, size_t *n_points,
                            ds_ring_view **rings, size_t *n_rings)
{
    const ds_layer *layer = s->layer;
    size_t points = 0, count = 0;
    for (size_t p = 0; p < ds_layer_polygon_count(layer, f); p++)
        for (size_t k = 0; k < ds_layer_ring_count(layer, f, p); k++) {
            size_t n;
            const double *ring = ds_layer_ring(layer, f, p, k, &n);
            count++;
            points += densified_count(ring, n, s->max_edge);
        }
    *xy = malloc((2 * points + 1) * sizeof **xy);
    *rings = malloc((count + 1) * sizeof **rings);
    if (*xy == NULL || *rings == NULL) {
        free(*xy), free(*rings);
        *xy = NULL, *rings = NULL;
        return false;
    }
    size_t at = 0, r = 0;
    for (size_t p = 0; p < ds_layer_polygon_count(layer, f); p++)
        for (size_t k = 0; k < ds_layer_ring_count(layer, f, p); k++) {
            size_t n;
            const double *ring = ds_layer_ring(layer, f, p, k, &n);
            n = densify(ring, n, s->max_edge, *xy + 2 * at);
            (*rings)[r++] = (ds_ring_view){*xy + 2 * at, n};
            at += n;
        }
    *n_points = points;
    *n_rings = count;
    return true;
}

/* Projects feature f to the equal-area CRS of its group and builds its shape (*out,
 * NULL when it cannot be used: reported). Only allocation failures and internal errors
 * fail. */
static ds_status build_feature(const side *s, projector *p, const groups *g, size_t group,
                               ds_geom *geom, size_t f, ds_shape **out, problem_list *problems,
                               ds_error *err)
{
    *out = NULL;
    ds_crs *crs = NULL;
    ds_status st = crs_for_group(p, g, group, &crs, err);
    if (st != DS_OK)
        return st;
    size_t n_polygons = ds_layer_polygon_count(s->layer, f), n_points, n_rings;
    double *xy;
    ds_ring_view *rings;
    ds_polygon_view *polygons = malloc((n_polygons + 1) * sizeof *polygons);
    if (polygons == NULL || !densify_feature(s, f, &xy, &n_points, &rings, &n_rings)) {
        free(polygons);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    ds_error local;
    bool usable = true;
    double *at = xy;
    for (size_t r = 0; r < n_rings && usable; r++) {
        usable = ds_crs_to_equal_area(crs, at, rings[r].n, &local) == DS_OK;
        at += 2 * rings[r].n;
    }
    for (size_t k = 0, r = 0; k < n_polygons; k++) {
        polygons[k] = (ds_polygon_view){rings + r, ds_layer_ring_count(s->layer, f, k)};
        r += polygons[k].n_rings;
    }
    char repaired[256] = "";
    if (usable && ds_shape_new(geom, polygons, n_polygons, out, repaired, &local) != DS_OK)
        usable = false;
    free(xy), free(rings), free(polygons);
    bool ok = true;
    if (!usable)
        ok = add_problem(problems, s->build_phase, f, "%s shape %zu (%s): left out: %s", s->name,
                         f, feature_id(s, f), local.message);
    else if (repaired[0] != '\0')
        ok = add_problem(problems, s->build_phase, f,
                         "%s shape %zu (%s): invalid polygon repaired (%s)", s->name, f,
                         feature_id(s, f), repaired);
    return ok ? DS_OK : ds_error_set(err, DS_ENOMEM, "out of memory");
}

/* The reach box of unit f: bounds, in the zones' source CRS, of the region the unit
 * covers, padded so that a zone whose source bounds miss them cannot overlap the unit.
 * The unit's points (densified) go to lon/lat, their bounds get REACH_MARGIN_DEG, go to
 * the zones' CRS (ds_crs_bounds_from_lonlat: sampled edges) and get REACH_MARGIN_SHARE on
 * each side: far more than edges bend between CRSs (under a metre for edges of 1 km).
 * Unbounded when it cannot be computed (every zone is then in reach). DS_ENOMEM only. */
static ds_status reach_box(const side *units, ds_crs *unit_lonlat, size_t f, ds_crs *zone_lonlat,
                           double out[4], ds_error *err)
{
    out[0] = out[1] = -INFINITY;
    out[2] = out[3] = INFINITY;
    double *xy;
    ds_ring_view *rings;
    size_t n_points, n_rings;
    if (!densify_feature(units, f, &xy, &n_points, &rings, &n_rings))
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    double lonlat[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, box[4];
    bool known = ds_crs_to_lonlat(unit_lonlat, xy, n_points, NULL) == DS_OK;
    for (size_t i = 0; known && i < n_points; i++) {
        lonlat[0] = fmin(lonlat[0], xy[2 * i] - REACH_MARGIN_DEG);
        lonlat[1] = fmin(lonlat[1], xy[2 * i + 1] - REACH_MARGIN_DEG);
        lonlat[2] = fmax(lonlat[2], xy[2 * i] + REACH_MARGIN_DEG);
        lonlat[3] = fmax(lonlat[3], xy[2 * i + 1] + REACH_MARGIN_DEG);
    }
    free(xy), free(rings);
    /* Across the antimeridian, or a failed conversion: no bounds. */
    if (!known || n_points == 0 || lonlat[0] < -180 || lonlat[2] > 180 ||
        ds_crs_bounds_from_lonlat(zone_lonlat, (double[4]){lonlat[0], fmax(lonlat[1], -90),
                                                           lonlat[2], fmin(lonlat[3], 90)},
                                  box, NULL) != DS_OK ||
        box[0] > box[2])
        return DS_OK;
    double dx = REACH_MARGIN_SHARE * (box[2] - box[0]), dy = REACH_MARGIN_SHARE * (box[3] - box[1]);
    out[0] = box[0] - dx;
    out[1] = box[1] - dy;
    out[2] = box[2] + dx;
    out[3] = box[3] + dy;
    return DS_OK;
}

/* Opens side s and its PROJ objects p: copies of model's when model is not NULL (a
 * layer in the same CRS), else opened from the layer's CRS. */
static ds_status open_side(side *s, const ds_layer *layer, const char *name, const char *id,
                           int locate_phase, const projector *model, projector *p,
                           ds_error *err)
{
    memset(s, 0, sizeof *s);
    s->layer = layer;
    s->name = name;
    s->locate_phase = locate_phase;
    s->build_phase = locate_phase == UNIT_LOCATE ? UNIT_BUILD : ZONE_BUILD;
    if (id == NULL || (s->id_field = ds_layer_field_index(layer, id)) < 0) {
        char fields[512] = "";
        for (size_t i = 0; i < ds_layer_field_count(layer); i++) {
            size_t used = strlen(fields);
            snprintf(fields + used, sizeof fields - used, "%s%s", i ? ", " : "",
                     ds_layer_field_name(layer, i));
        }
        return ds_error_set(err, DS_EUSAGE, "%s: the %s have no field '%s' (fields: %s)",
                            ds_layer_path(layer), name, id ? id : "(none given)", fields);
    }
    ds_status st = model != NULL ? clone_projector(model, p, err)
                                 : ds_crs_open(ds_layer_crs(layer), &p->lonlat, err);
    if (st != DS_OK && model == NULL && err != NULL) {
        char message[DS_ERROR_MESSAGE_MAX];
        snprintf(message, sizeof message, "%s", err->message);
        ds_error_set(err, st, "%s (the CRS of the %s): %s", ds_layer_crs_source(layer), name,
                     message);
    }
    if (st == DS_OK)
        s->max_edge = ds_crs_is_geographic(p->lonlat) ? MAX_EDGE_DEGREES : MAX_EDGE_METRES;
    return st;
}

/* The layer's own problems (dropped rings, NULL shapes), with the layer's name. */
static bool copy_layer_problems(problem_list *problems, const side *s, int phase,
                                const bool *keep)
{
    for (size_t i = 0; i < ds_layer_problem_count(s->layer); i++) {
        const ds_layer_problem *p = ds_layer_problem_at(s->layer, i);
        if (keep != NULL && !keep[p->shape])
            continue;
        if (!add_problem(problems, phase, p->shape, "%s shape %zu (%s): %s", s->name, p->shape,
                         p->identifier ? p->identifier : "", p->reason))
            return false;
    }
    return true;
}

/* --- overlay ------------------------------------------------------------------------------ */

/* What the workers share. Read-only while they run, except: the fields under lock; the
 * per-unit slots (unit_shaped, unit_area, unit_bytes, unit_size, reach), each written in
 * the first stage by the worker that built the unit and read in the second; and the
 * per-zone slots (zone_area, zone_group), each written by the worker that built the
 * zone. */
typedef struct job {
    const side *units, *zones;
    const groups *g;
    const bool *zone_keep;
    bool dissolve;             /* keep the built zones for a union instead of overlaying */
    bool same_crs;             /* units and zones share their CRS and its transforms */
    const bool *unit_located;  /* per unit */
    const size_t *unit_group;  /* per unit */
    bool *unit_shaped;         /* per unit: built into a shape */
    double *unit_area;         /* per unit: area of its shape */
    bool share_units;          /* several workers: built units are passed on as bytes */
    unsigned char **unit_bytes; /* per unit: its shape (ds_shape_to_bytes) when shared */
    size_t *unit_size;
    double *reach;             /* per unit: reach box (reach_box), empty without a shape */
    double *zone_area;         /* per zone: area of its shape */
    size_t *zone_group;        /* per zone: its group */
    pthread_mutex_t lock;
    size_t next;               /* under lock: the first unit or zone not handed out yet */
    bool failed;               /* under lock: a worker failed, the others stop */
} job;

/* One thread's share: a GEOS context, PROJ objects and unit shapes of its own. A worker is
 * used by one thread at a time (not always the same one: each stage starts threads). */
typedef struct worker {
    job *job;
    ds_geom *geom;
    projector unit_proj, zone_proj; /* zone_proj is unused when the CRS is the same */
    ds_shape **units;          /* per unit, in geom (NULL: none) */
    ds_overlay_index **index;  /* per group: its units */
    ds_overlap *pairs;         /* {unit, zone, intersection area} */
    size_t n_pairs, cap_pairs;
    ds_shape **kept;           /* per zone, when dissolving */
    problem_list problems;
    ds_status status;
    ds_error err;
} worker;

/* The worker's PROJ objects for the zones. */
static projector *zone_projector(worker *w)
{
    return w->job->same_crs ? &w->unit_proj : &w->zone_proj;
}

/* True when box b (in the zones' source CRS) meets the reach box of a unit of the given
 * group, or of any group when group < 0. */
static bool in_reach(const job *j, const double b[4], long group)
{
    size_t n = ds_layer_count(j->units->layer);
    for (size_t u = 0; u < n; u++) {
        const double *a = j->reach + 4 * u;
        if ((group < 0 || j->unit_group[u] == (size_t)group) && a[0] <= b[2] && b[0] <= a[2] &&
            a[1] <= b[3] && b[1] <= a[3])
            return true;
    }
    return false;
}

/* First stage, unit u (located by the caller): projected and built, kept by the worker,
 * passed on as bytes to the others, with its area and reach box. Only allocation failures
 * and internal errors fail. */
static ds_status do_unit(worker *w, size_t u)
{
    job *j = w->job;
    if (!j->unit_located[u])
        return DS_OK;
    ds_shape *shape;
    ds_status st = build_feature(j->units, &w->unit_proj, j->g, j->unit_group[u], w->geom, u,
                                 &shape, &w->problems, &w->err);
    if (st != DS_OK || shape == NULL)
        return st;
    w->units[u] = shape;
    j->unit_shaped[u] = true;
    j->unit_area[u] = ds_shape_area(shape);
    if (j->share_units)
        st = ds_shape_to_bytes(w->geom, shape, &j->unit_bytes[u], &j->unit_size[u], &w->err);
    if (st == DS_OK)
        st = reach_box(j->units, w->unit_proj.lonlat, u, zone_projector(w)->lonlat,
                       j->reach + 4 * u, &w->err);
    return st;
}

/* Second stage, before the zones: the units the other workers built, rebuilt from their
 * bytes in this worker's context, and an index of the units of each group. */
static ds_status take_units(worker *w)
{
    const job *j = w->job;
    size_t n = ds_layer_count(j->units->layer);
    w->index = calloc(j->g->n + 1, sizeof *w->index);
    ds_shape **members = calloc(n + 1, sizeof *members);
    ds_status st = DS_OK;
    if (w->index == NULL || members == NULL)
        st = ds_error_set(&w->err, DS_ENOMEM, "out of memory");
    for (size_t u = 0; u < n && st == DS_OK; u++)
        if (j->unit_shaped[u] && w->units[u] == NULL)
            st = ds_shape_from_bytes(w->geom, j->unit_bytes[u], j->unit_size[u], &w->units[u],
                                     &w->err);
    for (size_t group = 0; group < j->g->n && st == DS_OK; group++) {
        for (size_t u = 0; u < n; u++)
            members[u] = j->unit_group[u] == group ? w->units[u] : NULL;
        st = ds_overlay_index_new(w->geom, members, n, &w->index[group], &w->err);
    }
    free(members);
    return st;
}

/* Whether a zone whose source bounds are box can meet a unit of its group: the corners
 * and middles of the bounds' sides, taken to the group's equal-area CRS, bounded and
 * padded by ZONE_BOX_PADDING of the larger side (far more than a side bends between two
 * of these points), then tested against the units' shapes (ds_overlay_index_meets). A
 * zone that meets none is neither built nor validated: 3,767 of the 18,046 zones that
 * reach boxes let through in the national job. True when the points cannot be converted:
 * the zone is then built (and its problem reported) as before. Only internal errors and
 * allocation failures fail. */
static ds_status zone_near_units(worker *w, projector *p, size_t group, const double box[4],
                                 bool *near)
{
    *near = true;
    ds_crs *crs;
    ds_status st = crs_for_group(p, w->job->g, group, &crs, &w->err);
    double mx = (box[0] + box[2]) / 2, my = (box[1] + box[3]) / 2;
    double xy[16] = {box[0], box[1], mx,     box[1], box[2], box[1], box[2], my,
                     box[2], box[3], mx,     box[3], box[0], box[3], box[0], my};
    if (st != DS_OK || ds_crs_to_equal_area(crs, xy, 8, NULL) != DS_OK)
        return st;
    double b[4] = {xy[0], xy[1], xy[0], xy[1]};
    for (size_t i = 1; i < 8; i++) {
        b[0] = fmin(b[0], xy[2 * i]);
        b[1] = fmin(b[1], xy[2 * i + 1]);
        b[2] = fmax(b[2], xy[2 * i]);
        b[3] = fmax(b[3], xy[2 * i + 1]);
    }
    double pad = ZONE_BOX_PADDING * fmax(b[2] - b[0], b[3] - b[1]);
    if (!(pad > 0)) /* a point or a line: no rectangle around it */
        return DS_OK;
    double padded[4] = {b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad};
    return ds_overlay_index_meets(w->geom, w->index[group], padded, near, &w->err);
}

/* Second stage, zone f: in reach, located, built, then overlaid on the units of its group
 * (or kept when dissolving). Only allocation failures and internal errors fail. */
static ds_status do_zone(worker *w, size_t f)
{
    const job *j = w->job;
    const ds_layer *layer = j->zones->layer;
    if (j->zone_keep != NULL && !j->zone_keep[f])
        return DS_OK;
    double box[4] = {0, 0, 0, 0};
    bool empty = ds_layer_feature_empty(layer, f);
    if (!empty) {
        feature_bounds(layer, f, box);
        if (!in_reach(j, box, -1))
            return DS_OK;
    }
    char definition[DEFINITION_MAX];
    bool located;
    projector *p = zone_projector(w);
    ds_status st = locate_feature(j->zones, p->lonlat, f, definition, &located, &w->problems,
                                  &w->err);
    long group = located ? find_group(j->g, definition) : -1;
    if (st != DS_OK || group < 0 || !in_reach(j, box, group))
        return st;
    if (!j->dissolve && !empty) {
        bool near;
        st = zone_near_units(w, p, (size_t)group, box, &near);
        if (st != DS_OK || !near)
            return st;
    }
    ds_shape *zone;
    st = build_feature(j->zones, p, j->g, (size_t)group, w->geom, f, &zone, &w->problems,
                       &w->err);
    if (st != DS_OK || zone == NULL)
        return st;
    j->zone_area[f] = ds_shape_area(zone);
    j->zone_group[f] = (size_t)group;
    if (j->dissolve) {
        w->kept[f] = zone;
        return DS_OK;
    }
    st = ds_overlay_zone(w->geom, w->index[group], zone, f, &w->pairs, &w->n_pairs,
                         &w->cap_pairs, &w->err);
    ds_shape_free(w->geom, zone);
    return st;
}

/* Hands out the next items [*begin, *end) of n, at most per_turn; false when none are
 * left or a worker failed. */
static bool next_items(job *j, size_t n, size_t per_turn, size_t *begin, size_t *end)
{
    pthread_mutex_lock(&j->lock);
    bool more = !j->failed && j->next < n;
    if (more) {
        *begin = j->next;
        *end = n - *begin < per_turn ? n : *begin + per_turn;
        j->next = *end;
    }
    pthread_mutex_unlock(&j->lock);
    return more;
}

/* Marks the job failed when w failed, so that the other workers stop. */
static void *stop_on_failure(worker *w)
{
    if (w->status != DS_OK) {
        pthread_mutex_lock(&w->job->lock);
        w->job->failed = true;
        pthread_mutex_unlock(&w->job->lock);
    }
    return NULL;
}

/* Stage 0: the transforms of the units to each group's CRS, one group per turn. Opening
 * one searches PROJ's database (up to 50 ms for WGS84 to EPSG:3035): each is opened
 * by one worker, then copied to the others (share_unit_crs). */
static void *crs_stage(void *arg)
{
    worker *w = arg;
    size_t begin, end;
    ds_crs *crs;
    while (w->status == DS_OK && next_items(w->job, w->job->g->n, 1, &begin, &end))
        w->status = crs_for_group(&w->unit_proj, w->job->g, begin, &crs, &w->err);
    return stop_on_failure(w);
}

/* After stage 0, in the calling thread: every worker gets a copy of the transforms the
 * others opened. */
static ds_status share_unit_crs(worker *w, size_t n_workers, size_t n_groups, ds_error *err)
{
    for (size_t group = 0; group < n_groups; group++) {
        const ds_crs *model = NULL;
        for (size_t i = 0; i < n_workers && model == NULL; i++)
            if (group < w[i].unit_proj.n_by_group)
                model = w[i].unit_proj.by_group[group];
        for (size_t i = 0; i < n_workers && model != NULL; i++) {
            projector *p = &w[i].unit_proj;
            if (!reserve_groups(p, n_groups))
                return ds_error_set(err, DS_ENOMEM, "out of memory");
            ds_status st = p->by_group[group] != NULL
                               ? DS_OK
                               : ds_crs_clone(model, &p->by_group[group], err);
            if (st != DS_OK)
                return st;
        }
    }
    return DS_OK;
}

/* First stage: units, in turns, until none are left. */
static void *unit_stage(void *arg)
{
    worker *w = arg;
    size_t begin, end, n = ds_layer_count(w->job->units->layer);
    while (w->status == DS_OK && next_items(w->job, n, ITEMS_PER_TURN, &begin, &end))
        for (size_t u = begin; u < end && w->status == DS_OK; u++)
            w->status = do_unit(w, u);
    return stop_on_failure(w);
}

/* Second stage: the units taken in, then zones in turns until none are left. */
static void *zone_stage(void *arg)
{
    worker *w = arg;
    size_t begin, end, n = ds_layer_count(w->job->zones->layer);
    w->status = take_units(w);
    while (w->status == DS_OK && next_items(w->job, n, ITEMS_PER_TURN, &begin, &end))
        for (size_t f = begin; f < end && w->status == DS_OK; f++)
            w->status = do_zone(w, f);
    return stop_on_failure(w);
}

/* Runs stage on the n workers, w[0] in the calling thread, until it is done; a worker
 * whose thread cannot start leaves its share to the others. The first failure, in worker
 * order, goes to err. */
static ds_status run_stage(job *j, worker *w, size_t n, void *(*stage)(void *), ds_error *err)
{
    pthread_t threads[DS_OVERLAP_MAX_THREADS];
    bool started[DS_OVERLAP_MAX_THREADS] = {false};
    j->next = 0;
    for (size_t i = 1; i < n; i++)
        started[i] = pthread_create(&threads[i], NULL, stage, &w[i]) == 0;
    stage(&w[0]);
    for (size_t i = 1; i < n; i++)
        if (started[i])
            pthread_join(threads[i], NULL);
    for (size_t i = 0; i < n; i++)
        if (w[i].status != DS_OK)
            return ds_error_set(err, w[i].status, "%s", w[i].err.message);
    return DS_OK;
}

/* Sets up worker w of job j: a GEOS context, copies of the PROJ objects of the units (and
 * of the zones, in another CRS). */
static ds_status init_worker(worker *w, job *j, const projector *units,
                             const projector *zones, ds_error *err)
{
    memset(w, 0, sizeof *w);
    w->job = j;
    ds_status st = ds_geom_new(&w->geom, err);
    if (st == DS_OK)
        st = clone_projector(units, &w->unit_proj, err);
    if (st == DS_OK && !j->same_crs)
        st = clone_projector(zones, &w->zone_proj, err);
    size_t n_units = ds_layer_count(j->units->layer), n_zones = ds_layer_count(j->zones->layer);
    if (st == DS_OK && (w->units = calloc(n_units + 1, sizeof *w->units)) == NULL)
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    if (st == DS_OK && j->dissolve && (w->kept = calloc(n_zones + 1, sizeof *w->kept)) == NULL)
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    return st;
}

static void free_worker(worker *w)
{
    if (w->job == NULL)
        return;
    size_t n_units = ds_layer_count(w->job->units->layer);
    size_t n_zones = ds_layer_count(w->job->zones->layer);
    for (size_t group = 0; w->index != NULL && group < w->job->g->n; group++)
        ds_overlay_index_free(w->geom, w->index[group]);
    free(w->index);
    for (size_t f = 0; w->kept != NULL && f < n_zones; f++)
        ds_shape_free(w->geom, w->kept[f]);
    free(w->kept);
    for (size_t u = 0; w->units != NULL && u < n_units; u++)
        ds_shape_free(w->geom, w->units[u]);
    free(w->units);
    free_projector(&w->unit_proj);
    free_projector(&w->zone_proj);
    free(w->pairs);
    free_problems(&w->problems);
    ds_geom_free(w->geom);
    memset(w, 0, sizeof *w);
}

/* The number of workers for options->threads (0: one per online CPU), at most
 * DS_OVERLAP_MAX_THREADS; one when dissolving (the union needs every zone in one GEOS
 * context). */
static size_t worker_count(const ds_overlap_options *options)
{
    if (options->dissolve_as != NULL)
        return 1;
    long n = options->threads;
    if (n == 0)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > DS_OVERLAP_MAX_THREADS ? DS_OVERLAP_MAX_THREADS : (size_t)n;
}

/* Dissolving (one worker): replaces the kept zones of each group by their union, kept
 * at the group's first zone, and overlays it on the group's units. */
static ds_status dissolve_zones(worker *w, ds_error *err)
{
    const job *j = w->job;
    size_t n = ds_layer_count(j->zones->layer);
    ds_shape **members = malloc((n + 1) * sizeof *members);
    if (members == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status st = DS_OK;
    for (size_t group = 0; group < j->g->n && st == DS_OK; group++) {
        size_t count = 0, first = 0;
        for (size_t f = 0; f < n; f++)
            if (w->kept[f] != NULL && j->zone_group[f] == group) {
                if (count == 0)
                    first = f;
                members[count++] = w->kept[f];
            }
        if (count == 0)
            continue;
        ds_shape *merged = members[0];
        if (count > 1) {
            if ((st = ds_shape_union(w->geom, members, count, &merged, err)) != DS_OK)
                break;
            j->zone_area[first] = ds_shape_area(merged);
        }
        st = ds_overlay_zone(w->geom, w->index[group], merged, first, &w->pairs, &w->n_pairs,
                             &w->cap_pairs, err);
        if (count > 1)
            ds_shape_free(w->geom, merged);
    }
    free(members);
    return st;
}

/* --- results ------------------------------------------------------------------------------ */

/* A pair and what orders it: the ids, then (for equal ids) group, unit and zone, the
 * order of a single thread going group by group. */
typedef struct ranked_pair {
    const char *unit_id, *zone_id;
    size_t group, unit, zone;
    double area;
} ranked_pair;

static int compare_pairs(const void *a, const void *b)
{
    const ranked_pair *x = a, *y = b;
    int c = strcmp(x->unit_id, y->unit_id);
    if (c == 0)
        c = strcmp(x->zone_id, y->zone_id);
    if (c != 0)
        return c;
    if (x->group != y->group)
        return x->group < y->group ? -1 : 1;
    if (x->unit != y->unit)
        return x->unit < y->unit ? -1 : 1;
    return x->zone < y->zone ? -1 : x->zone > y->zone;
}

static int compare_unmatched(const void *a, const void *b)
{
    const unmatched_unit *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c != 0 ? c : x->unit < y->unit ? -1 : x->unit > y->unit;
}

/* A copy of id among r's ids (*cache: the copy made for this feature, if any). */
static const char *keep_id(ds_overlap_result *r, char **cache, const char *id)
{
    if (*cache != NULL)
        return *cache;
    size_t len = strlen(id) + 1;
    char *copy = malloc(len);
    if (copy == NULL)
        return NULL;
    memcpy(copy, id, len);
    r->ids[r->n_ids++] = copy;
    return *cache = copy;
}

/* Fills r's rows, slivers and unmatched units from the workers' pairs. */
static ds_status make_rows(ds_overlap_result *r, const job *j, const worker *w, size_t n_workers,
                           const ds_overlap_options *options, ds_error *err)
{
    size_t n_units = ds_layer_count(j->units->layer), n_zones = ds_layer_count(j->zones->layer);
    size_t total = 0;
    for (size_t i = 0; i < n_workers; i++)
        total += w[i].n_pairs;
    ranked_pair *pairs = malloc((total + 1) * sizeof *pairs);
    bool *matched = calloc(n_units + 1, sizeof *matched);
    char **unit_ids = calloc(n_units + 1, sizeof *unit_ids);
    char **zone_ids = calloc(n_zones + 1, sizeof *zone_ids);
    r->ids = malloc((n_units + n_zones + 1) * sizeof *r->ids);
    r->rows = malloc((total + 1) * sizeof *r->rows);
    r->slivers = malloc((total + 1) * sizeof *r->slivers);
    r->unmatched = malloc((n_units + 1) * sizeof *r->unmatched);
    ds_status st = DS_OK;
    if (!pairs || !matched || !unit_ids || !zone_ids || !r->ids || !r->rows || !r->slivers ||
        !r->unmatched) {
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
        goto done;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_workers; i++)
        for (size_t p = 0; p < w[i].n_pairs; p++) {
            const ds_overlap *o = &w[i].pairs[p];
            const char *zone_id = options->dissolve_as != NULL ? options->dissolve_as
                                                                : feature_id(j->zones, o->zone);
            pairs[k] = (ranked_pair){keep_id(r, &unit_ids[o->unit], feature_id(j->units, o->unit)),
                                     keep_id(r, &zone_ids[o->zone], zone_id),
                                     j->unit_group[o->unit], o->unit, o->zone,
                                     o->intersection_area};
            if (pairs[k].unit_id == NULL || pairs[k].zone_id == NULL) {
                st = ds_error_set(err, DS_ENOMEM, "out of memory");
                goto done;
            }
            k++;
        }
    qsort(pairs, total, sizeof *pairs, compare_pairs);
    for (k = 0; k < total; k++) {
        const ranked_pair *p = &pairs[k];
        double unit_area = j->unit_area[p->unit], zone_area = j->zone_area[p->zone];
        ds_overlap_row row = {p->unit_id, p->zone_id, unit_area, zone_area, p->area,
                              p->area / unit_area, p->area / zone_area, NAN};
        if (row.share_of_unit < options->min_share) {
            r->slivers[r->n_slivers++] = row;
        } else {
            r->rows[r->n_rows++] = row;
            matched[p->unit] = true;
        }
    }
    /* Units with a shape and no pair above the threshold. */
    for (size_t u = 0; u < n_units; u++) {
        if (!j->unit_shaped[u] || matched[u])
            continue;
        const char *id = keep_id(r, &unit_ids[u], feature_id(j->units, u));
        if (id == NULL) {
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
            goto done;
        }
        r->unmatched[r->n_unmatched++] = (unmatched_unit){id, j->unit_area[u], u};
    }
    if (r->n_unmatched > 1)
        qsort(r->unmatched, r->n_unmatched, sizeof *r->unmatched, compare_unmatched);
done:
    free(pairs), free(matched), free(unit_ids), free(zone_ids);
    return st;
}

/* Locates, projects and builds unit f (*out NULL when it cannot be used: reported). */
static ds_status build_unit(const side *units, projector *p, groups *g, ds_geom *geom, size_t f,
                            ds_shape **out, size_t *group, problem_list *problems, ds_error *err)
{
    *out = NULL;
    char definition[DEFINITION_MAX];
    bool located;
    ds_status st = locate_feature(units, p->lonlat, f, definition, &located, problems, err);
    if (st != DS_OK || !located)
        return st;
    long index = group_index(g, definition);
    if (index < 0)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    *group = (size_t)index;
    return build_feature(units, p, g, *group, geom, f, out, problems, err);
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
    size_t n_units = ds_layer_count(unit_layer), n_zones = ds_layer_count(zone_layer);
    size_t n_workers = worker_count(options), n_ready = 0;
    ds_overlap_result *r = calloc(1, sizeof *r);
    bool *unit_located = calloc(n_units + 1, sizeof *unit_located);
    size_t *unit_group = calloc(n_units + 1, sizeof *unit_group);
    bool *unit_shaped = calloc(n_units + 1, sizeof *unit_shaped);
    unsigned char **unit_bytes = calloc(n_units + 1, sizeof *unit_bytes);
    size_t *unit_size = calloc(n_units + 1, sizeof *unit_size);
    double *unit_area = calloc(n_units + 1, sizeof *unit_area);
    double *reach = malloc((4 * n_units + 4) * sizeof *reach);
    double *zone_area = calloc(n_zones + 1, sizeof *zone_area);
    size_t *zone_group = calloc(n_zones + 1, sizeof *zone_group);
    side units, zones;
    projector unit_proj = {NULL, NULL, 0}, zone_proj = {NULL, NULL, 0};
    groups g = {NULL, 0, 0};
    problem_list problems = {NULL, 0, 0};
    worker workers[DS_OVERLAP_MAX_THREADS];
    job j;
    bool locked = false;
    memset(workers, 0, sizeof workers);
    memset(&j, 0, sizeof j);
    ds_status st = DS_OK;
    if (!r || !unit_located || !unit_group || !unit_shaped || !unit_bytes || !unit_size ||
        !unit_area || !reach ||
        !zone_area || !zone_group)
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    /* Layers in the same CRS (the same .prj text) share its PROJ objects: the zones then
     * use the units' transforms to each group's CRS too. */
    bool same_crs = strcmp(ds_layer_crs(unit_layer), ds_layer_crs(zone_layer)) == 0;
    if (st == DS_OK)
        st = open_side(&units, unit_layer, "units", options->unit_id, UNIT_LOCATE, NULL,
                       &unit_proj, err);
    if (st == DS_OK)
        st = open_side(&zones, zone_layer, "zones", options->zone_id, ZONE_LOCATE,
                       same_crs ? &unit_proj : NULL, &zone_proj, err);
    if (st == DS_OK && (!copy_layer_problems(&problems, &units, UNIT_LAYER, NULL) ||
                        !copy_layer_problems(&problems, &zones, ZONE_LAYER, options->zone_keep)))
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    /* Where each unit lies: the groups. */
    for (size_t u = 0; st == DS_OK && u < n_units; u++) {
        char definition[DEFINITION_MAX];
        st = locate_feature(&units, unit_proj.lonlat, u, definition, &unit_located[u],
                            &problems, err);
        long group = st == DS_OK && unit_located[u] ? group_index(&g, definition) : 0;
        if (group < 0)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
        unit_group[u] = (size_t)group;
    }
    for (size_t u = 0; reach != NULL && u < n_units; u++) {
        reach[4 * u] = reach[4 * u + 1] = INFINITY; /* no shape: a box that nothing meets */
        reach[4 * u + 2] = reach[4 * u + 3] = -INFINITY;
    }
    /* The workers: units, then zones. */
    j = (job){.units = &units, .zones = &zones, .g = &g, .zone_keep = options->zone_keep,
              .dissolve = options->dissolve_as != NULL, .same_crs = same_crs,
              .unit_located = unit_located, .unit_group = unit_group,
              .unit_shaped = unit_shaped, .unit_area = unit_area, .share_units = n_workers > 1,
              .unit_bytes = unit_bytes, .unit_size = unit_size, .reach = reach,
              .zone_area = zone_area, .zone_group = zone_group};
    if (st == DS_OK && !(locked = pthread_mutex_init(&j.lock, NULL) == 0))
        st = ds_error_set(err, DS_EINTERNAL, "cannot create a lock");
    for (; st == DS_OK && n_ready < n_workers; n_ready++)
        st = init_worker(&workers[n_ready], &j, &unit_proj, &zone_proj, err);
    if (st == DS_OK)
        st = run_stage(&j, workers, n_workers, crs_stage, err);
    if (st == DS_OK)
        st = share_unit_crs(workers, n_workers, g.n, err);
    if (st == DS_OK)
        st = run_stage(&j, workers, n_workers, unit_stage, err);
    if (st == DS_OK)
        st = run_stage(&j, workers, n_workers, zone_stage, err);
    if (st == DS_OK && j.dissolve)
        st = dissolve_zones(&workers[0], err);
    /* The tables. */
    if (st == DS_OK)
        st = make_rows(r, &j, workers, n_workers, options, err);
    problem_list *lists[DS_OVERLAP_MAX_THREADS + 1] = {&problems};
    for (size_t i = 0; i < n_workers; i++)
        lists[i + 1] = &workers[i].problems;
    if (st == DS_OK && !collect_problems(r, lists, n_workers + 1))
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n_ready; i++) /* a failed init is half done: freed too */
        free_worker(&workers[i]);
    if (locked)
        pthread_mutex_destroy(&j.lock);
    for (size_t u = 0; unit_bytes != NULL && u < n_units; u++)
        free(unit_bytes[u]);
    free_projector(&unit_proj);
    free_projector(&zone_proj);
    free_problems(&problems);
    free(g.definitions);
    free(unit_located), free(unit_group), free(unit_shaped), free(unit_bytes), free(unit_size);
    free(unit_area);
    free(reach), free(zone_area), free(zone_group);
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
    ds_geom *geom = NULL;
    groups g = {NULL, 0, 0};
    side s;
    projector p = {NULL, NULL, 0};
    ds_status st = open_side(&s, layer, "units", ds_layer_field_name(layer, 0), UNIT_LOCATE,
                             NULL, &p, err);
    if (st == DS_OK)
        st = ds_geom_new(&geom, err);
    for (size_t f = 0; st == DS_OK && f < n; f++) {
        ds_shape *shape;
        size_t group;
        st = build_unit(&s, &p, &g, geom, f, &shape, &group, NULL, err); /* problems dropped */
        if (st == DS_OK && shape != NULL)
            areas[f] = ds_shape_area(shape);
        ds_shape_free(geom, shape);
    }
    ds_geom_free(geom);
    free_projector(&p);
    free(g.definitions);
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

/* ",v" with the shortest of 15, 16 or 17 significant digits that reads back as v
 * (ds_fmt_double: the rule of every table; a tenth of printf's time). */
static void put_number(FILE *f, double v)
{
    char text[DS_FMT_DOUBLE_MAX + 1] = ",";
    ds_fmt_double(v, text + 1);
    fputs(text, f);
}

static void write_rows(FILE *f, const ds_overlap_row *rows, size_t n, bool weighted)
{
    fputs("unit_id,zone_id,unit_area_m2,zone_area_m2,inter_area_m2,share_of_unit,share_of_zone", f);
    fputs(weighted ? ",pop_in_zone,pop_method\n" : "\n", f);
    for (size_t i = 0; i < n; i++) {
        ds_output_csv_field(f, rows[i].unit_id, ',');
        fputc(',', f);
        ds_output_csv_field(f, rows[i].zone_id, ',');
        put_number(f, rows[i].unit_area_m2);
        put_number(f, rows[i].zone_area_m2);
        put_number(f, rows[i].inter_area_m2);
        put_number(f, rows[i].share_of_unit);
        put_number(f, rows[i].share_of_zone);
        if (weighted && isnan(rows[i].unit_weight))
            fputs(",,no_weight", f);
        else if (weighted) {
            put_number(f, rows[i].unit_weight * rows[i].share_of_unit);
            fputs(",areal_estimate", f);
        }
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
        put_number(f, r->unmatched[i].area_m2);
        fputc('\n', f);
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
    ds_output_group *group; /* the four files renamed together, or none */
    ds_status st = ds_output_group_new(&group, err);
    if (st == DS_OK)
        st = ds_output_write_in(group, dir, "overlap.csv", write_overlap, r, err);
    if (st == DS_OK)
        st = ds_output_write_in(group, dir, "slivers.csv", write_slivers, r, err);
    if (st == DS_OK)
        st = ds_output_write_in(group, dir, "units_unmatched.csv", write_unmatched, r, err);
    if (st == DS_OK)
        st = ds_output_write_in(group, dir, "problems.csv", write_problems, r, err);
    if (st == DS_OK)
        return ds_output_group_commit(group, err);
    ds_output_group_abort(group);
    return st;
}
