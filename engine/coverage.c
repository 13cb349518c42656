/* diagsante — CLS × contrat-de-ville coverage (see include/diagsante/coverage.h).
 * Reads: the QPV and territory layers (layer.h), the territory files (referential.h).
 * Computes: QPV communes, territory communes and QPV shares through overlap.h, then
 * membership and geometry per QPV, per CV and in all. Writes: output.h. */
#include "diagsante/coverage.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diagsante/codes.h"
#include "diagsante/output.h"
#include "diagsante/overlap.h"
#include "text_dict.h"

enum { SCOPE_SIGNED, SCOPE_ANY, N_SCOPES };
enum { METHOD_MEMBERSHIP, METHOD_GEOMETRY, N_METHODS };
enum { MEASURE_CV_ANY, MEASURE_CV_FULL, MEASURE_QPV, MEASURE_POPULATION, MEASURE_AREA, N_MEASURES };

static const char *const SCOPE_NAMES[N_SCOPES] = {"signed", "signed_or_prefiguration"};
static const char *const SCOPE_LABELS[N_SCOPES] = {"signed CLS", "signed + préfiguration"};
static const char *const METHOD_NAMES[N_METHODS] = {"membership", "geometry"};
static const char *const MEASURE_NAMES[N_MEASURES] = {
    "cv_with_qpv_in_cls", "cv_entirely_in_cls", "qpv_in_cls", "qpv_population_in_cls",
    "qpv_area_in_cls"};
static const char *const MEASURE_LABELS[N_MEASURES] = {
    "CV with at least one QPV in a CLS", "CV entirely in CLS (all its QPV)", "QPV in a CLS",
    "QPV population in a CLS", "QPV area in a CLS (km2)"};

typedef enum cls_status { STATUS_SIGNED, STATUS_PREFIGURATION, STATUS_ENDED, STATUS_NONE } cls_status;
static const char *const STATUS_NAMES[] = {"signé", "préfiguration", "achevé", ""};

static bool status_in_scope(cls_status status, int scope)
{
    return status == STATUS_SIGNED || (scope == SCOPE_ANY && status == STATUS_PREFIGURATION);
}

typedef struct territory {
    char *id, *name, *start, *end;
    cls_status status;
    ds_code_list communes; /* membership communes, sorted */
    ds_code_list qpv;      /* territory files: the QPV the referential gives it, sorted */
} territory;

typedef struct territory_set {
    const char *what;                      /* "CLS" or "CV" */
    const ds_coverage_territories *source;
    territory *items;
    size_t n, cap;
    ds_text_dict ids;                      /* territory id -> index */
    bool membership, geometry;             /* the methods that could be computed */
    bool *member;                          /* n_qpv x n */
    double *share;                         /* n_qpv x n */
} territory_set;

typedef struct commune_part {
    char code[DS_CODE_MAX]; /* current commune */
    double area;            /* m² of the QPV in it */
} commune_part;

typedef struct qpv_item {
    char id[DS_CODE_MAX];
    double area, population; /* NAN when unknown */
    char region[DS_CODE_MAX];
    ds_code_list communes;   /* membership communes */
    char *communes_attribute;/* the attribute's communes, space-separated; NULL: none */
    commune_part *parts;     /* from the commune contours, by current commune */
    size_t n_parts;
    bool in[N_SCOPES];       /* membership */
    double share[N_SCOPES];  /* geometry, NAN when not computed */
    long cv_geometry;        /* CV holding the largest share, or -1 */
    double cv_geometry_share;
} qpv_item;

typedef struct measure {
    double numerator, denominator;
    bool computed;
} measure;

typedef struct cv_figures {
    size_t qpv, in[N_SCOPES], full[N_SCOPES];
    double population, population_in[N_SCOPES], area, area_in[N_SCOPES];
} cv_figures;

typedef struct discrepancy {
    char *fields[6]; /* level, id, scope, membership, geometry, reason */
} discrepancy;

struct ds_coverage {
    ds_referential *ref;
    double min_share;
    qpv_item *qpv;
    size_t n_qpv;
    ds_text_dict qpv_raw;        /* QPV id as written in the layer -> index */
    size_t *order;               /* QPV indexes sorted by code, for the tables */
    territory_set cls, cv;
    const char *qpv_communes_from; /* "commune contours" or "attribute" */
    char (*regions)[DS_CODE_MAX];  /* regions[0] = "" = all */
    char **region_names;
    size_t n_regions;
    measure (*summary)[N_SCOPES][N_METHODS][N_MEASURES]; /* per region */
    cv_figures *cv_figures;      /* n_cv x N_METHODS */
    long *cv_region;             /* n_cv x N_METHODS: region index, or -1 */
    discrepancy *discrepancies;
    size_t n_discrepancies, cap_discrepancies;
    ds_text_dict problem_set;    /* problems, deduplicated */
    size_t population_unused;    /* populations of QPV not in the layer */
    char *summary_text;
};

/* --- small helpers ------------------------------------------------------------------- */

static ds_status nomem(ds_error *err) { return ds_error_set(err, DS_ENOMEM, "out of memory"); }

static bool list_add(ds_code_list *list, const char *item)
{
    char **items = realloc(list->items, (list->count + 1) * sizeof *items);
    if (items == NULL)
        return false;
    list->items = items;
    if ((items[list->count] = strdup(item)) == NULL)
        return false;
    list->count++;
    return true;
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool list_has(const ds_code_list *list, const char *item)
{
    return list->count > 0 &&
           bsearch(&item, list->items, list->count, sizeof *list->items, compare_text) != NULL;
}

static bool problem(ds_coverage *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool problem(ds_coverage *c, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return ds_text_dict_intern(&c->problem_set, text, strlen(text)) != UINT32_MAX;
}

/* The problems of an overlay, "units"/"zones" renamed after the layers. */
static bool keep_overlap_problems(ds_coverage *c, const ds_overlap_result *r, const char *units,
                                  const char *zones)
{
    for (size_t i = 0; i < ds_overlap_problem_count(r); i++) {
        const char *p = ds_overlap_problem_at(r, i);
        bool ok = strncmp(p, "units ", 6) == 0   ? problem(c, "%s %s", units, p + 6)
                  : strncmp(p, "zones ", 6) == 0 ? problem(c, "%s %s", zones, p + 6)
                                                 : problem(c, "%s", p);
        if (!ok)
            return false;
    }
    return true;
}

static ds_status unknown_field(const ds_layer *layer, const char *what, const char *name,
                               ds_error *err)
{
    char fields[512] = "";
    for (size_t i = 0; i < ds_layer_field_count(layer); i++) {
        size_t used = strlen(fields);
        snprintf(fields + used, sizeof fields - used, "%s%s", i ? ", " : "",
                 ds_layer_field_name(layer, i));
    }
    return ds_error_set(err, DS_EUSAGE, "the %s layer has no field '%s' (fields: %s)", what,
                        name ? name : "(none given)", fields);
}

static bool parse_status(const char *text, cls_status *out)
{
    static const struct {
        const char *name;
        cls_status status;
    } NAMES[] = {{"signé", STATUS_SIGNED},       {"signe", STATUS_SIGNED},
                 {"signed", STATUS_SIGNED},      {"préfiguration", STATUS_PREFIGURATION},
                 {"prefiguration", STATUS_PREFIGURATION}, {"achevé", STATUS_ENDED},
                 {"acheve", STATUS_ENDED},       {"ended", STATUS_ENDED}};
    for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
        if (text != NULL && strcasecmp(text, NAMES[i].name) == 0) {
            *out = NAMES[i].status;
            return true;
        }
    /* Upper-case accented forms ("SIGNÉ", "PRÉFIGURATION") compare byte-wise. */
    if (text != NULL && strcmp(text, "SIGNÉ") == 0)
        return *out = STATUS_SIGNED, true;
    if (text != NULL && strcmp(text, "PRÉFIGURATION") == 0)
        return *out = STATUS_PREFIGURATION, true;
    if (text != NULL && strcmp(text, "ACHEVÉ") == 0)
        return *out = STATUS_ENDED, true;
    return false;
}

static void format_share(char *out, size_t size, double share)
{
    snprintf(out, size, "%.1f%%", 100 * share);
}

/* --- QPV ------------------------------------------------------------------------------ */

static ds_status read_qpv(ds_coverage *c, const ds_coverage_input *in, ds_error *err)
{
    const ds_layer *layer = in->qpv;
    long field = in->qpv_id ? ds_layer_field_index(layer, in->qpv_id) : -1;
    if (field < 0)
        return unknown_field(layer, "QPV", in->qpv_id, err);
    size_t n = ds_layer_count(layer);
    c->qpv = calloc(n + 1, sizeof *c->qpv);
    double *areas = malloc((n + 1) * sizeof *areas);
    if (c->qpv == NULL || areas == NULL) {
        free(areas);
        return nomem(err);
    }
    ds_text_dict seen;
    ds_text_dict_init(&seen);
    ds_status st = ds_overlap_feature_areas(layer, areas, err);
    for (size_t f = 0; f < n && st == DS_OK; f++) {
        const char *raw = ds_layer_attribute(layer, f, (size_t)field);
        qpv_item *q = &c->qpv[c->n_qpv];
        if (ds_code_normalize(DS_CODE_QPV2015, raw, q->id, NULL) != DS_OK &&
            ds_code_normalize(DS_CODE_QPV2024, raw, q->id, NULL) != DS_OK) {
            st = ds_error_set(err, DS_EDATA, "QPV layer, shape %zu, field %s: '%s' is not a QPV code",
                              f, ds_layer_field_name(layer, (size_t)field), raw);
            break;
        }
        size_t before = seen.count;
        if (ds_text_dict_intern(&seen, q->id, strlen(q->id)) == UINT32_MAX ||
            ds_text_dict_intern(&c->qpv_raw, raw, strlen(raw)) == UINT32_MAX) {
            st = nomem(err);
            break;
        }
        if (seen.count == before) {
            st = ds_error_set(err, DS_EDATA, "QPV layer, shape %zu, field %s: QPV %s is on two shapes",
                              f, ds_layer_field_name(layer, (size_t)field), q->id);
            break;
        }
        q->area = areas[f];
        q->population = NAN;
        q->cv_geometry = -1;
        for (int s = 0; s < N_SCOPES; s++)
            q->share[s] = NAN;
        c->n_qpv++;
    }
    for (size_t i = 0; i < ds_layer_problem_count(layer) && st == DS_OK; i++) {
        const ds_layer_problem *p = ds_layer_problem_at(layer, i);
        if (!problem(c, "QPV shape %zu (%s): %s", p->shape, p->identifier, p->reason))
            st = nomem(err);
    }
    for (size_t i = 0; i < c->n_qpv && st == DS_OK; i++)
        if (isnan(c->qpv[i].area) && !problem(c, "QPV %s: its shape cannot be used (no area): "
                                                 "left out of the geometric figures", c->qpv[i].id))
            st = nomem(err);
    ds_text_dict_free(&seen);
    free(areas);
    return st;
}

/* The communes a QPV attribute names ("31555", "31555 31149", "31555;31149"). */
static ds_status read_qpv_attribute(ds_coverage *c, const ds_coverage_input *in, ds_error *err)
{
    long field = ds_layer_field_index(in->qpv, in->qpv_commune_field);
    if (field < 0)
        return unknown_field(in->qpv, "QPV", in->qpv_commune_field, err);
    for (size_t f = 0; f < c->n_qpv; f++) {
        qpv_item *q = &c->qpv[f];
        char value[512];
        snprintf(value, sizeof value, "%s", ds_layer_attribute(in->qpv, f, (size_t)field));
        ds_code_list found = {0, NULL};
        for (char *save = NULL, *token = strtok_r(value, " ,;|/", &save); token != NULL;
             token = strtok_r(NULL, " ,;|/", &save)) {
            char current[DS_CODE_MAX];
            if (ds_referential_map_commune(c->ref, token, current) == DS_MAP_UNKNOWN) {
                if (!problem(c, "QPV %s: commune '%s' of field %s is unknown to %s", q->id, token,
                             in->qpv_commune_field, ds_referential_vintage(c->ref)))
                    return nomem(err);
                continue;
            }
            if (!list_add(&found, current)) {
                ds_code_list_free(&found);
                return nomem(err);
            }
        }
        ds_code_list_sort_unique(&found);
        size_t len = 1;
        for (size_t i = 0; i < found.count; i++)
            len += strlen(found.items[i]) + 1;
        if ((q->communes_attribute = malloc(len)) == NULL) {
            ds_code_list_free(&found);
            return nomem(err);
        }
        q->communes_attribute[0] = '\0';
        for (size_t i = 0; i < found.count; i++) {
            if (i)
                strcat(q->communes_attribute, " ");
            strcat(q->communes_attribute, found.items[i]);
        }
        ds_code_list_free(&found);
    }
    return DS_OK;
}

static long qpv_index(const ds_coverage *c, const char *raw_id)
{
    uint32_t id = ds_text_dict_find(&c->qpv_raw, raw_id, strlen(raw_id));
    return id == UINT32_MAX ? -1 : (long)id;
}

static bool add_part(qpv_item *q, const char *commune, double area)
{
    for (size_t i = 0; i < q->n_parts; i++)
        if (strcmp(q->parts[i].code, commune) == 0) {
            q->parts[i].area += area;
            return true;
        }
    commune_part *parts = realloc(q->parts, (q->n_parts + 1) * sizeof *parts);
    if (parts == NULL)
        return false;
    q->parts = parts;
    snprintf(parts[q->n_parts].code, DS_CODE_MAX, "%s", commune);
    parts[q->n_parts++].area = area;
    return true;
}

static int compare_parts(const void *a, const void *b)
{
    const commune_part *x = a, *y = b;
    return x->area > y->area ? -1 : x->area < y->area ? 1 : strcmp(x->code, y->code);
}

/* Overlays the QPV on the commune contours: each QPV's area per current commune. */
static ds_status qpv_parts(ds_coverage *c, const ds_coverage_input *in, ds_error *err)
{
    ds_overlap_options options;
    ds_overlap_options_init(&options);
    options.unit_id = in->qpv_id;
    options.zone_id = in->commune_id;
    options.min_share = c->min_share;
    ds_overlap_result *r;
    ds_status st = ds_overlap_layers(in->qpv, in->communes, &options, &r, err);
    if (st != DS_OK)
        return st;
    if (!keep_overlap_problems(c, r, "QPV", "communes"))
        st = nomem(err);
    for (int pass = 0; pass < 2 && st == DS_OK; pass++) {
        size_t n = pass == 0 ? ds_overlap_row_count(r) : ds_overlap_sliver_count(r);
        for (size_t i = 0; i < n && st == DS_OK; i++) {
            const ds_overlap_row *row = pass == 0 ? ds_overlap_row_at(r, i) : ds_overlap_sliver_at(r, i);
            long q = qpv_index(c, row->unit_id);
            char current[DS_CODE_MAX];
            if (q < 0)
                continue;
            if (ds_referential_map_commune(c->ref, row->zone_id, current) == DS_MAP_UNKNOWN) {
                if (!problem(c, "commune contour '%s' is unknown to %s: %s's %.1f m² in it are "
                                "left out", row->zone_id, ds_referential_vintage(c->ref),
                             c->qpv[q].id, row->inter_area_m2))
                    st = nomem(err);
                continue;
            }
            if (!add_part(&c->qpv[q], current, row->inter_area_m2))
                st = nomem(err);
        }
    }
    for (size_t i = 0; i < ds_overlap_unmatched_count(r) && st == DS_OK; i++) {
        const char *id = ds_overlap_unmatched_at(r, i, NULL);
        if (!problem(c, "QPV %s lies in no commune contour", id))
            st = nomem(err);
    }
    ds_overlap_result_free(r);
    for (size_t i = 0; i < c->n_qpv; i++)
        if (c->qpv[i].n_parts > 1)
            qsort(c->qpv[i].parts, c->qpv[i].n_parts, sizeof *c->qpv[i].parts, compare_parts);
    return st;
}

/* The membership communes of each QPV, then the QPV into the referential. */
static ds_status qpv_communes(ds_coverage *c, const ds_coverage_input *in, ds_error *err)
{
    ds_status st;
    if (in->qpv_commune_field != NULL && (st = read_qpv_attribute(c, in, err)) != DS_OK)
        return st;
    if (in->communes != NULL) {
        if ((st = qpv_parts(c, in, err)) != DS_OK)
            return st;
        c->qpv_communes_from = "commune contours";
    } else if (in->qpv_commune_field != NULL) {
        c->qpv_communes_from = "attribute";
    } else {
        return ds_error_set(err, DS_EUSAGE, "the QPV communes come from commune contours or a "
                                            "QPV attribute: give one");
    }
    size_t n_pairs = 0;
    for (size_t i = 0; i < c->n_qpv; i++) {
        qpv_item *q = &c->qpv[i];
        if (in->communes != NULL) {
            for (size_t k = 0; k < q->n_parts; k++)
                if (q->parts[k].area >= c->min_share * q->area && !list_add(&q->communes, q->parts[k].code))
                    return nomem(err);
        } else {
            char *text = strdup(q->communes_attribute), *save = NULL;
            if (text == NULL)
                return nomem(err);
            for (char *t = strtok_r(text, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save))
                if (!list_add(&q->communes, t)) {
                    free(text);
                    return nomem(err);
                }
            free(text);
        }
        ds_code_list_sort_unique(&q->communes);
        if (q->communes.count == 0 && !problem(c, "QPV %s: no commune found: in no territory by "
                                                  "membership", q->id))
            return nomem(err);
        n_pairs += q->communes.count;
    }
    const char **qpv = malloc((n_pairs + 1) * sizeof *qpv);
    const char **communes = malloc((n_pairs + 1) * sizeof *communes);
    if (qpv == NULL || communes == NULL) {
        free(qpv), free(communes);
        return nomem(err);
    }
    size_t k = 0;
    for (size_t i = 0; i < c->n_qpv; i++)
        for (size_t j = 0; j < c->qpv[i].communes.count; j++)
            qpv[k] = c->qpv[i].id, communes[k++] = c->qpv[i].communes.items[j];
    st = ds_referential_add_qpv(c->ref, n_pairs, qpv, communes, err);
    free(qpv), free(communes);
    for (size_t i = 0; i < c->n_qpv && st == DS_OK; i++) {
        qpv_item *q = &c->qpv[i];
        ds_error why;
        if (q->communes.count > 0 &&
            ds_referential_parent(c->ref, DS_LEVEL_QPV, q->id, DS_LEVEL_REGION, q->region, &why) != DS_OK &&
            !problem(c, "QPV %s: no single région (%s)", q->id, why.message))
            st = nomem(err);
    }
    return st;
}

static ds_status qpv_populations(ds_coverage *c, const ds_coverage_input *in, ds_error *err)
{
    for (size_t i = 0; i < in->n_population; i++) {
        char code[DS_CODE_MAX];
        const char *raw = in->population_qpv[i];
        if (ds_code_normalize(DS_CODE_QPV2015, raw, code, NULL) != DS_OK &&
            ds_code_normalize(DS_CODE_QPV2024, raw, code, NULL) != DS_OK) {
            c->population_unused++;
            continue;
        }
        bool found = false;
        for (size_t q = 0; q < c->n_qpv && !found; q++)
            if (strcmp(c->qpv[q].id, code) == 0) {
                if (!isnan(c->qpv[q].population))
                    return ds_error_set(err, DS_EDATA, "QPV %s has two populations", code);
                c->qpv[q].population = in->population[i];
                found = true;
            }
        c->population_unused += !found;
    }
    size_t missing = 0;
    for (size_t q = 0; q < c->n_qpv; q++)
        missing += isnan(c->qpv[q].population);
    if (in->n_population > 0 && missing > 0 &&
        !problem(c, "%zu QPV have no population: left out of the population figures", missing))
        return nomem(err);
    return DS_OK;
}

/* --- territories ------------------------------------------------------------------------ */

static long territory_add(territory_set *t, const char *id)
{
    size_t before = t->ids.count;
    uint32_t index = ds_text_dict_intern(&t->ids, id, strlen(id));
    if (index == UINT32_MAX)
        return -2;
    if (t->ids.count == before)
        return index;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        territory *items = realloc(t->items, cap * sizeof *items);
        if (items == NULL)
            return -2;
        t->items = items;
        t->cap = cap;
    }
    territory *item = &t->items[t->n++];
    memset(item, 0, sizeof *item);
    item->status = STATUS_NONE;
    return (item->id = strdup(id)) == NULL ? -2 : (long)index;
}

static ds_status territories_from_file(ds_coverage *c, territory_set *t, const char *kind,
                                       ds_error *err)
{
    ds_code_list ids = {0, NULL};
    ds_status st = ds_referential_codes(c->ref, DS_LEVEL_TERRITORY, &ids, err);
    for (size_t i = 0; i < ids.count && st == DS_OK; i++) {
        ds_territory_info info;
        if (!ds_referential_territory(c->ref, ids.items[i], &info) || info.kind == NULL ||
            strcasecmp(info.kind, kind) != 0)
            continue;
        long index = territory_add(t, ids.items[i]);
        if (index < 0) {
            st = nomem(err);
            break;
        }
        territory *item = &t->items[index];
        item->name = strdup(info.name ? info.name : "");
        item->start = strdup(info.start ? info.start : "");
        item->end = strdup(info.end ? info.end : "");
        if (item->name == NULL || item->start == NULL || item->end == NULL) {
            st = nomem(err);
            break;
        }
        if (strcmp(kind, "cls") == 0 && !parse_status(info.status, &item->status)) {
            st = ds_error_set(err, DS_EDATA, "%s: CLS %s has status '%s': expected signé, "
                                             "préfiguration or achevé", t->source->path,
                              item->id, info.status ? info.status : "");
            break;
        }
        if ((st = ds_referential_members(c->ref, DS_LEVEL_TERRITORY, item->id, DS_LEVEL_COMMUNE,
                                         &item->communes, err)) != DS_OK ||
            (st = ds_referential_members(c->ref, DS_LEVEL_TERRITORY, item->id, DS_LEVEL_QPV,
                                         &item->qpv, err)) != DS_OK)
            break;
    }
    ds_code_list_free(&ids);
    if (st == DS_OK && t->n == 0)
        st = ds_error_set(err, DS_EUSAGE, "%s: no territory of kind '%s'", t->source->path, kind);
    return st;
}

/* The territories of a layer: one per distinct id (several shapes may share one). */
static ds_status territories_from_layer(ds_coverage *c, territory_set *t, bool with_status,
                                        ds_error *err)
{
    const ds_coverage_territories *src = t->source;
    const ds_layer *layer = src->layer;
    long id_field = src->id_field ? ds_layer_field_index(layer, src->id_field) : -1;
    long name_field = src->name_field ? ds_layer_field_index(layer, src->name_field) : -1;
    long status_field = src->status_field ? ds_layer_field_index(layer, src->status_field) : -1;
    if (id_field < 0)
        return unknown_field(layer, t->what, src->id_field, err);
    if (src->name_field != NULL && name_field < 0)
        return unknown_field(layer, t->what, src->name_field, err);
    if (src->status_field != NULL && status_field < 0)
        return unknown_field(layer, t->what, src->status_field, err);
    for (size_t f = 0; f < ds_layer_count(layer); f++) {
        const char *id = ds_layer_attribute(layer, f, (size_t)id_field);
        if (id[0] == '\0') {
            if (!problem(c, "%s shape %zu: empty %s: left out", t->what, f, src->id_field))
                return nomem(err);
            continue;
        }
        long index = territory_add(t, id);
        if (index < 0)
            return nomem(err);
        territory *item = &t->items[index];
        cls_status status = STATUS_SIGNED;
        if (with_status && status_field >= 0) {
            const char *text = ds_layer_attribute(layer, f, (size_t)status_field);
            if (!parse_status(text, &status))
                return ds_error_set(err, DS_EDATA, "%s layer, shape %zu, field %s: status '%s': "
                                                   "expected signé, préfiguration or achevé",
                                    t->what, f, src->status_field, text);
        }
        if (item->status != STATUS_NONE && item->status != status)
            return ds_error_set(err, DS_EDATA, "%s layer, shape %zu: %s %s has two statuses",
                                t->what, f, t->what, id);
        item->status = status;
        if (item->name == NULL &&
            ((item->name = strdup(name_field >= 0 ? ds_layer_attribute(layer, f, (size_t)name_field)
                                                     : "")) == NULL ||
             (item->start = strdup("")) == NULL || (item->end = strdup("")) == NULL))
            return nomem(err);
    }
    if (t->n == 0)
        return ds_error_set(err, DS_EUSAGE, "the %s layer has no territory", t->what);
    return DS_OK;
}

/* Layer territories: their communes are the contours lying at least half inside. */
static ds_status layer_territory_communes(ds_coverage *c, territory_set *t,
                                          const ds_coverage_input *in, ds_error *err)
{
    ds_overlap_options options;
    ds_overlap_options_init(&options);
    options.unit_id = in->commune_id;
    options.zone_id = t->source->id_field;
    options.min_share = c->min_share;
    ds_overlap_result *r;
    ds_status st = ds_overlap_layers(in->communes, t->source->layer, &options, &r, err);
    if (st != DS_OK)
        return st;
    if (!keep_overlap_problems(c, r, "communes", t->what))
        st = nomem(err);
    /* Rows are sorted by unit then zone: sum the shares of a (commune, territory) pair. */
    size_t n = ds_overlap_row_count(r);
    for (size_t i = 0; i < n && st == DS_OK;) {
        const ds_overlap_row *row = ds_overlap_row_at(r, i);
        double share = 0;
        size_t j = i;
        for (; j < n && strcmp(ds_overlap_row_at(r, j)->unit_id, row->unit_id) == 0 &&
               strcmp(ds_overlap_row_at(r, j)->zone_id, row->zone_id) == 0;
             j++)
            share += ds_overlap_row_at(r, j)->share_of_unit;
        i = j;
        uint32_t index = ds_text_dict_find(&t->ids, row->zone_id, strlen(row->zone_id));
        char current[DS_CODE_MAX];
        if (share < 0.5 || index == UINT32_MAX)
            continue;
        if (ds_referential_map_commune(c->ref, row->unit_id, current) == DS_MAP_UNKNOWN) {
            if (!problem(c, "commune contour '%s' is unknown to %s: left out of %s %s",
                         row->unit_id, ds_referential_vintage(c->ref), t->what, row->zone_id))
                st = nomem(err);
            continue;
        }
        if (!list_add(&t->items[index].communes, current))
            st = nomem(err);
    }
    ds_overlap_result_free(r);
    for (size_t i = 0; i < t->n; i++)
        ds_code_list_sort_unique(&t->items[i].communes);
    return st;
}

/* The share of the QPV in the territories (by index) flagged in use, through its
 * commune parts: the union of their communes counts once. */
static double share_by_communes(const qpv_item *q, const territory_set *t, const bool *use)
{
    if (isnan(q->area) || q->area <= 0)
        return NAN;
    double inside = 0;
    for (size_t k = 0; k < q->n_parts; k++)
        for (size_t i = 0; i < t->n; i++)
            if (use[i] && list_has(&t->items[i].communes, q->parts[k].code)) {
                inside += q->parts[k].area;
                break;
            }
    return inside / q->area;
}

/* Adds the shares of an overlay of the QPV on territory zones into shares[q * stride +
 * index(zone)], or into shares[q] when stride is 0. */
static void add_overlay_shares(const ds_coverage *c, const territory_set *t,
                               const ds_overlap_result *r, double *shares, size_t stride)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass == 0 ? ds_overlap_row_count(r) : ds_overlap_sliver_count(r);
        for (size_t i = 0; i < n; i++) {
            const ds_overlap_row *row = pass == 0 ? ds_overlap_row_at(r, i) : ds_overlap_sliver_at(r, i);
            long q = qpv_index(c, row->unit_id);
            if (q < 0)
                continue;
            if (stride == 0) {
                shares[q] += row->share_of_unit;
                continue;
            }
            uint32_t z = ds_text_dict_find(&t->ids, row->zone_id, strlen(row->zone_id));
            if (z != UINT32_MAX)
                shares[(size_t)q * stride + z] += row->share_of_unit;
        }
    }
}

/* Overlays the QPV on a territory layer; keep = which shapes (NULL: all); dissolve:
 * the kept shapes as one zone. */
static ds_status overlay_territories(ds_coverage *c, const ds_coverage_input *in,
                                     const territory_set *t, const bool *keep, bool dissolve,
                                     double *shares, size_t stride, ds_error *err)
{
    ds_overlap_options options;
    ds_overlap_options_init(&options);
    options.unit_id = in->qpv_id;
    options.zone_id = t->source->id_field;
    options.min_share = c->min_share;
    options.zone_keep = keep;
    options.dissolve_as = dissolve ? "union" : NULL;
    ds_overlap_result *r;
    ds_status st = ds_overlap_layers(in->qpv, t->source->layer, &options, &r, err);
    if (st != DS_OK)
        return st;
    add_overlay_shares(c, t, r, shares, stride);
    if (!keep_overlap_problems(c, r, "QPV", t->what))
        st = nomem(err);
    ds_overlap_result_free(r);
    return st;
}

/* Membership and geometric shares of every QPV in every territory of the set. */
static ds_status qpv_in_territories(ds_coverage *c, territory_set *t, const ds_coverage_input *in,
                                    ds_error *err)
{
    size_t nq = c->n_qpv, nt = t->n;
    t->member = calloc(nq * nt + 1, sizeof *t->member);
    t->share = calloc(nq * nt + 1, sizeof *t->share);
    if (t->member == NULL || t->share == NULL)
        return nomem(err);
    bool from_layer = t->source->layer != NULL;
    t->membership = !from_layer || in->communes != NULL;
    t->geometry = from_layer || in->communes != NULL;
    for (size_t q = 0; q < nq && t->membership; q++)
        for (size_t i = 0; i < nt; i++) {
            const qpv_item *item = &c->qpv[q];
            bool in_it = false;
            if (!from_layer)
                in_it = list_has(&t->items[i].qpv, item->id);
            else
                for (size_t k = 0; k < item->communes.count && !in_it; k++)
                    in_it = list_has(&t->items[i].communes, item->communes.items[k]);
            t->member[q * nt + i] = in_it;
        }
    if (!t->geometry) {
        for (size_t k = 0; k < nq * nt; k++)
            t->share[k] = NAN;
        return DS_OK;
    }
    if (from_layer) {
        ds_status st = overlay_territories(c, in, t, NULL, false, t->share, nt, err);
        for (size_t q = 0; q < nq; q++)
            if (isnan(c->qpv[q].area))
                for (size_t i = 0; i < nt; i++)
                    t->share[q * nt + i] = NAN;
        return st;
    }
    bool *one = calloc(nt + 1, sizeof *one);
    if (one == NULL)
        return nomem(err);
    for (size_t i = 0; i < nt; i++) {
        one[i] = true;
        for (size_t q = 0; q < nq; q++)
            t->share[q * nt + i] = share_by_communes(&c->qpv[q], t, one);
        one[i] = false;
    }
    free(one);
    return DS_OK;
}

/* Each QPV in each scope of CLS: membership, and the share in the union. */
static ds_status qpv_in_scopes(ds_coverage *c, const ds_coverage_input *in, ds_error *err)
{
    territory_set *t = &c->cls;
    size_t nt = t->n;
    for (int s = 0; s < N_SCOPES; s++) {
        bool *use = calloc(nt + 1, sizeof *use);
        if (use == NULL)
            return nomem(err);
        for (size_t i = 0; i < nt; i++)
            use[i] = status_in_scope(t->items[i].status, s);
        for (size_t q = 0; q < c->n_qpv; q++) {
            c->qpv[q].in[s] = false;
            for (size_t i = 0; i < nt && t->membership; i++)
                c->qpv[q].in[s] |= use[i] && t->member[q * nt + i];
        }
        ds_status st = DS_OK;
        if (t->geometry && t->source->layer == NULL) {
            for (size_t q = 0; q < c->n_qpv; q++)
                c->qpv[q].share[s] = share_by_communes(&c->qpv[q], t, use);
        } else if (t->geometry) {
            const ds_layer *layer = t->source->layer;
            size_t nf = ds_layer_count(layer);
            bool *keep = calloc(nf + 1, sizeof *keep);
            double *shares = calloc(c->n_qpv + 1, sizeof *shares);
            long id_field = ds_layer_field_index(layer, t->source->id_field);
            bool any = false;
            if (keep == NULL || shares == NULL)
                st = nomem(err);
            for (size_t f = 0; f < nf && st == DS_OK; f++) {
                const char *id = ds_layer_attribute(layer, f, (size_t)id_field);
                uint32_t i = ds_text_dict_find(&t->ids, id, strlen(id));
                keep[f] = i != UINT32_MAX && use[i];
                any |= keep[f];
            }
            if (st == DS_OK && any)
                st = overlay_territories(c, in, t, keep, true, shares, 0, err);
            for (size_t q = 0; q < c->n_qpv && st == DS_OK; q++)
                c->qpv[q].share[s] = isnan(c->qpv[q].area) ? NAN : fmin(1, shares[q]);
            free(keep);
            free(shares);
        }
        free(use);
        if (st != DS_OK)
            return st;
    }
    return DS_OK;
}

/* Layer territories holding no commune contour get no QPV by membership: listed when
 * a QPV lies in them, counted otherwise (a national layer against regional contours). */
static ds_status report_territories_without_communes(ds_coverage *c, const territory_set *t,
                                                     ds_error *err)
{
    size_t elsewhere = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->items[i].communes.count > 0)
            continue;
        bool holds_qpv = false;
        for (size_t q = 0; q < c->n_qpv && !holds_qpv; q++)
            holds_qpv = t->share[q * t->n + i] >= c->min_share;
        if (!holds_qpv)
            elsewhere++;
        else if (!problem(c, "%s %s holds QPV but no commune contour at least half inside: "
                             "no QPV by membership", t->what, t->items[i].id))
            return nomem(err);
    }
    if (elsewhere > 0 && !problem(c, "%zu %s of the layer hold neither a QPV nor a commune "
                                     "contour (outside the data's extent)", elsewhere, t->what))
        return nomem(err);
    return DS_OK;
}

static ds_status load_territories(ds_coverage *c, territory_set *t, const char *what,
                                  const char *kind, const ds_coverage_input *in,
                                  const char *loaded_path, ds_error *err)
{
    t->what = what;
    const ds_coverage_territories *src = t->source;
    if ((src->path == NULL) == (src->layer == NULL))
        return ds_error_set(err, DS_EUSAGE, "the %s come from a territory file or a layer: give one",
                            what);
    ds_status st;
    if (src->path != NULL) {
        if ((loaded_path == NULL || strcmp(loaded_path, src->path) != 0) &&
            (st = ds_referential_load_territories(c->ref, src->path, err)) != DS_OK)
            return st;
        st = territories_from_file(c, t, kind, err);
    } else {
        st = territories_from_layer(c, t, strcmp(kind, "cls") == 0, err);
        if (st == DS_OK && in->communes != NULL)
            st = layer_territory_communes(c, t, in, err);
    }
    if (st == DS_OK)
        st = qpv_in_territories(c, t, in, err);
    if (st == DS_OK && src->layer != NULL && in->communes != NULL)
        st = report_territories_without_communes(c, t, err);
    return st;
}

/* --- figures ---------------------------------------------------------------------------- */

/* The weight of QPV q in scope s by a method: 1 or 0 by membership, its share by
 * geometry (NAN: unknown). */
static double qpv_weight(const qpv_item *q, int method, int scope)
{
    return method == METHOD_MEMBERSHIP ? (q->in[scope] ? 1.0 : 0.0) : q->share[scope];
}

static bool qpv_of_cv(const ds_coverage *c, size_t q, size_t v, int method)
{
    return method == METHOD_MEMBERSHIP ? c->cv.membership && c->cv.member[q * c->cv.n + v]
                                       : c->qpv[q].cv_geometry == (long)v;
}

/* Whether the QPV-in-CLS figures of a method could be computed. */
static bool cls_computed(const ds_coverage *c, int method)
{
    return method == METHOD_MEMBERSHIP ? c->cls.membership : c->cls.geometry;
}

/* Whether the CV figures of a method could be computed (they need the CLS too). */
static bool method_computed(const ds_coverage *c, int method)
{
    return method == METHOD_MEMBERSHIP ? c->cls.membership && c->cv.membership
                                       : c->cls.geometry && c->cv.geometry;
}

static long region_index(const ds_coverage *c, const char *region)
{
    for (size_t r = 1; r < c->n_regions; r++)
        if (strcmp(c->regions[r], region) == 0)
            return (long)r;
    return -1;
}

static ds_status collect_regions(ds_coverage *c, ds_error *err)
{
    c->regions = calloc(c->n_qpv + 2, sizeof *c->regions);
    c->region_names = calloc(c->n_qpv + 2, sizeof *c->region_names);
    if (c->regions == NULL || c->region_names == NULL)
        return nomem(err);
    c->n_regions = 1;
    if ((c->region_names[0] = strdup("all")) == NULL)
        return nomem(err);
    for (size_t q = 0; q < c->n_qpv; q++) {
        const char *region = c->qpv[q].region;
        if (region[0] == '\0' || region_index(c, region) >= 0)
            continue;
        snprintf(c->regions[c->n_regions], DS_CODE_MAX, "%s", region);
        const char *name = ds_referential_name(c->ref, DS_LEVEL_REGION, region);
        if ((c->region_names[c->n_regions++] = strdup(name ? name : "")) == NULL)
            return nomem(err);
    }
    if (c->n_regions == 2) { /* one région: "all" says it */
        free(c->region_names[1]);
        c->region_names[1] = NULL;
        c->n_regions = 1;
    }
    return DS_OK;
}

static void compute_cv_figures(ds_coverage *c)
{
    size_t nv = c->cv.n;
    for (size_t v = 0; v < nv; v++)
        for (int m = 0; m < N_METHODS; m++) {
            cv_figures *f = &c->cv_figures[v * N_METHODS + m];
            memset(f, 0, sizeof *f);
            c->cv_region[v * N_METHODS + m] = -1;
            if (!method_computed(c, m))
                continue;
            for (size_t q = 0; q < c->n_qpv; q++) {
                const qpv_item *item = &c->qpv[q];
                if (!qpv_of_cv(c, q, v, m))
                    continue;
                if (f->qpv == 0)
                    c->cv_region[v * N_METHODS + m] = region_index(c, item->region);
                f->qpv++;
                if (!isnan(item->population))
                    f->population += item->population;
                if (!isnan(item->area))
                    f->area += item->area;
                for (int s = 0; s < N_SCOPES; s++) {
                    double w = qpv_weight(item, m, s);
                    if (isnan(w))
                        continue;
                    f->in[s] += w >= c->min_share;
                    f->full[s] += w >= 1 - c->min_share;
                    if (!isnan(item->population))
                        f->population_in[s] += item->population * w;
                    if (!isnan(item->area))
                        f->area_in[s] += item->area * w;
                }
            }
        }
}

static const char *cv_class(const cv_figures *f, int scope)
{
    return f->in[scope] == 0 ? "none" : f->full[scope] == f->qpv ? "full" : "partial";
}

static void compute_summary(ds_coverage *c)
{
    for (size_t r = 0; r < c->n_regions; r++)
        for (int s = 0; s < N_SCOPES; s++)
            for (int m = 0; m < N_METHODS; m++) {
                measure *out = c->summary[r][s][m];
                memset(out, 0, N_MEASURES * sizeof *out);
                if (!cls_computed(c, m))
                    continue;
                for (int k = 0; k < N_MEASURES; k++)
                    out[k].computed = k > MEASURE_CV_FULL || method_computed(c, m);
                for (size_t v = 0; v < c->cv.n && method_computed(c, m); v++) {
                    const cv_figures *f = &c->cv_figures[v * N_METHODS + m];
                    if (f->qpv == 0 || (r > 0 && c->cv_region[v * N_METHODS + m] != (long)r))
                        continue;
                    out[MEASURE_CV_ANY].denominator++;
                    out[MEASURE_CV_FULL].denominator++;
                    out[MEASURE_CV_ANY].numerator += f->in[s] > 0;
                    out[MEASURE_CV_FULL].numerator += f->in[s] > 0 && f->full[s] == f->qpv;
                }
                for (size_t q = 0; q < c->n_qpv; q++) {
                    const qpv_item *item = &c->qpv[q];
                    double w = qpv_weight(item, m, s);
                    if (isnan(w) || (r > 0 && strcmp(item->region, c->regions[r]) != 0))
                        continue;
                    out[MEASURE_QPV].denominator++;
                    out[MEASURE_QPV].numerator += w >= c->min_share;
                    if (!isnan(item->population)) {
                        out[MEASURE_POPULATION].denominator += item->population;
                        out[MEASURE_POPULATION].numerator += item->population * w;
                    }
                    if (!isnan(item->area)) {
                        out[MEASURE_AREA].denominator += item->area;
                        out[MEASURE_AREA].numerator += item->area * w;
                    }
                }
            }
}

/* --- discrepancies -------------------------------------------------------------------- */

static bool add_discrepancy(ds_coverage *c, const char *level, const char *id, const char *scope,
                            const char *membership, const char *geometry, const char *reason)
{
    if (c->n_discrepancies == c->cap_discrepancies) {
        size_t cap = c->cap_discrepancies ? 2 * c->cap_discrepancies : 32;
        discrepancy *d = realloc(c->discrepancies, cap * sizeof *d);
        if (d == NULL)
            return false;
        c->discrepancies = d;
        c->cap_discrepancies = cap;
    }
    discrepancy *d = &c->discrepancies[c->n_discrepancies];
    const char *fields[6] = {level, id, scope, membership, geometry, reason};
    for (int i = 0; i < 6; i++)
        if ((d->fields[i] = strdup(fields[i])) == NULL) {
            for (int k = 0; k < i; k++)
                free(d->fields[k]);
            return false;
        }
    c->n_discrepancies++;
    return true;
}

/* "65440 (96.2%), 65417 (3.8%)" */
static void parts_text(const qpv_item *q, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t k = 0; k < q->n_parts; k++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s (%.1f%%)", k ? ", " : "", q->parts[k].code,
                 100 * q->parts[k].area / q->area);
    }
}

/* The CLS of the scope a QPV belongs to by membership, and its communes split into
 * those in such a CLS and those not. */
static void membership_text(const ds_coverage *c, size_t q, int scope, char *out, size_t size)
{
    const qpv_item *item = &c->qpv[q];
    const territory_set *t = &c->cls;
    char in_cls[256] = "", communes_in[256] = "", communes_out[256] = "";
    for (size_t i = 0; i < t->n; i++)
        if (status_in_scope(t->items[i].status, scope) && t->member[q * t->n + i]) {
            size_t used = strlen(in_cls);
            snprintf(in_cls + used, sizeof in_cls - used, "%s%s", used ? " " : "", t->items[i].id);
        }
    for (size_t k = 0; k < item->communes.count; k++) {
        bool inside = false;
        for (size_t i = 0; i < t->n && !inside; i++)
            inside = status_in_scope(t->items[i].status, scope) &&
                     list_has(&t->items[i].communes, item->communes.items[k]);
        char *list = inside ? communes_in : communes_out;
        size_t used = strlen(list);
        snprintf(list + used, 256 - used, "%s%s", used ? " " : "", item->communes.items[k]);
    }
    snprintf(out, size, "%s%s; communes in it: %s; communes outside: %s",
             in_cls[0] ? "in " : "in no CLS", in_cls, communes_in[0] ? communes_in : "none",
             communes_out[0] ? communes_out : "none");
}

static ds_status find_discrepancies(ds_coverage *c, ds_error *err)
{
    char reason[2048], m_text[1024], g_text[64];
    for (size_t q = 0; q < c->n_qpv; q++) {
        const qpv_item *item = &c->qpv[q];
        /* The QPV's communes: attribute vs contours. */
        if (item->communes_attribute != NULL && item->n_parts > 0) {
            char geometric[512] = "";
            for (size_t k = 0; k < item->communes.count; k++) {
                size_t used = strlen(geometric);
                snprintf(geometric + used, sizeof geometric - used, "%s%s", k ? " " : "",
                         item->communes.items[k]);
            }
            if (strcmp(geometric, item->communes_attribute) != 0) {
                char parts[400];
                parts_text(item, parts, sizeof parts);
                snprintf(reason, sizeof reason, "the QPV attribute names %s; the commune contours "
                                                "give %s", item->communes_attribute[0] ? item->communes_attribute : "none", parts);
                if (!add_discrepancy(c, "qpv_communes", item->id, "", item->communes_attribute,
                                     geometric, reason))
                    return nomem(err);
            }
        }
        /* The QPV's CV. */
        char cv_m[256] = "";
        bool geometric_cv_listed = item->cv_geometry < 0;
        size_t n_m = 0;
        for (size_t v = 0; v < c->cv.n && c->cv.membership; v++)
            if (c->cv.member[q * c->cv.n + v]) {
                size_t used = strlen(cv_m);
                snprintf(cv_m + used, sizeof cv_m - used, "%s%s", used ? " " : "", c->cv.items[v].id);
                geometric_cv_listed |= (long)v == item->cv_geometry;
                n_m++;
            }
        if (c->cv.membership && c->cv.geometry && !isnan(item->area) &&
            (!geometric_cv_listed || n_m != (item->cv_geometry >= 0))) {
            char cv_g[128] = "";
            if (item->cv_geometry >= 0)
                snprintf(cv_g, sizeof cv_g, "%s", c->cv.items[item->cv_geometry].id);
            snprintf(reason, sizeof reason,
                     "by its communes the QPV is in %zu CV (%s); by its polygon in %s",
                     n_m, n_m ? cv_m : "none", cv_g[0] ? cv_g : "no CV");
            if (item->cv_geometry >= 0) {
                size_t used = strlen(reason);
                snprintf(reason + used, sizeof reason - used, " (%.1f%% of its area)",
                         100 * item->cv_geometry_share);
            }
            if (!add_discrepancy(c, "qpv_cv", item->id, "", cv_m, cv_g, reason))
                return nomem(err);
        }
        /* The QPV in each scope. */
        for (int s = 0; s < N_SCOPES && c->cls.membership; s++) {
            double share = item->share[s];
            if (isnan(share))
                continue;
            bool agree = item->in[s] ? share >= 1 - c->min_share : share < c->min_share;
            if (agree)
                continue;
            membership_text(c, q, s, m_text, sizeof m_text);
            char share_text[32];
            format_share(share_text, sizeof share_text, share);
            if (item->in[s] && share < c->min_share)
                snprintf(reason, sizeof reason, "counted in by its communes (%s) but only %s of its "
                                                "area lies in a CLS", m_text, share_text);
            else if (item->in[s])
                snprintf(reason, sizeof reason, "straddles the CLS boundary: %s of its area "
                                                "inside (%s)", share_text, m_text);
            else
                snprintf(reason, sizeof reason, "%s of its area lies in a CLS but none of its "
                                                "communes is a member (%s)", share_text, m_text);
            snprintf(g_text, sizeof g_text, "%.17g", share);
            if (!add_discrepancy(c, "qpv", item->id, SCOPE_NAMES[s], item->in[s] ? "in" : "out",
                                 g_text, reason))
                return nomem(err);
        }
    }
    if (!method_computed(c, METHOD_GEOMETRY) || !method_computed(c, METHOD_MEMBERSHIP))
        return DS_OK;
    for (size_t v = 0; v < c->cv.n; v++)
        for (int s = 0; s < N_SCOPES; s++) {
            const cv_figures *fm = &c->cv_figures[v * N_METHODS + METHOD_MEMBERSHIP];
            const cv_figures *fg = &c->cv_figures[v * N_METHODS + METHOD_GEOMETRY];
            const char *class_m = fm->qpv ? cv_class(fm, s) : "no QPV";
            const char *class_g = fg->qpv ? cv_class(fg, s) : "no QPV";
            if (strcmp(class_m, class_g) == 0)
                continue;
            snprintf(reason, sizeof reason, "membership: %zu of %zu QPV in a CLS; geometry: %zu of "
                     "%zu QPV at least partly, %zu wholly (see the qpv rows)",
                     fm->in[s], fm->qpv, fg->in[s], fg->qpv, fg->full[s]);
            if (!add_discrepancy(c, "cv", c->cv.items[v].id, SCOPE_NAMES[s], class_m, class_g, reason))
                return nomem(err);
        }
    return DS_OK;
}

/* --- the readable summary ----------------------------------------------------------------- */

static void print_fraction(FILE *f, const measure *m, int k)
{
    if (!m->computed) {
        fprintf(f, "  %-22s", "not computed");
        return;
    }
    if (!(m->denominator > 0)) {
        fprintf(f, "  %-22s", k == MEASURE_POPULATION ? "no population given" : "none");
        return;
    }
    char text[64];
    double pct = 100 * m->numerator / m->denominator;
    if (k == MEASURE_AREA)
        snprintf(text, sizeof text, "%.2f/%.2f", m->numerator / 1e6, m->denominator / 1e6);
    else if (k == MEASURE_POPULATION)
        snprintf(text, sizeof text, "%.0f/%.0f", m->numerator, m->denominator);
    else
        snprintf(text, sizeof text, "%.0f/%.0f", m->numerator, m->denominator);
    fprintf(f, "  %-15s %5.1f%%", text, pct);
}

static ds_status build_summary_text(ds_coverage *c, ds_error *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (f == NULL)
        return nomem(err);
    size_t counts[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < c->cls.n; i++)
        counts[c->cls.items[i].status < 3 ? c->cls.items[i].status : 3]++;
    char holding[N_METHODS][32];
    for (int m = 0; m < N_METHODS; m++) {
        size_t n = 0;
        for (size_t v = 0; v < c->cv.n; v++) {
            bool holds = false;
            for (size_t q = 0; q < c->n_qpv && !holds; q++)
                holds = qpv_of_cv(c, q, v, m);
            n += holds;
        }
        bool known = m == METHOD_MEMBERSHIP ? c->cv.membership : c->cv.geometry;
        snprintf(holding[m], sizeof holding[m], known ? "%zu" : "(not computed)", n);
    }
    fprintf(f, "coverage: %zu QPV, %zu CLS (%zu signé, %zu préfiguration, %zu achevé), %zu CV of "
               "which %s hold QPV by membership and %s by geometry\n",
            c->n_qpv, c->cls.n, counts[0], counts[1], counts[2], c->cv.n, holding[0], holding[1]);
    fprintf(f, "QPV communes from the %s; min share %g\n", c->qpv_communes_from, c->min_share);
    for (size_t r = 0; r < c->n_regions; r++) {
        if (r)
            fprintf(f, "\nrégion %s (%s)\n", c->regions[r], c->region_names[r]);
        else
            fputs("\nall QPV\n", f);
        fprintf(f, "%-34s", "");
        for (int s = 0; s < N_SCOPES; s++)
            fprintf(f, "  %-46s", SCOPE_LABELS[s]);
        fprintf(f, "\n%-34s", "");
        for (int s = 0; s < N_SCOPES; s++)
            for (int m = 0; m < N_METHODS; m++)
                fprintf(f, "  %-22s", METHOD_NAMES[m]);
        fputc('\n', f);
        for (int k = 0; k < N_MEASURES; k++) {
            fprintf(f, "%-34s", MEASURE_LABELS[k]);
            for (int s = 0; s < N_SCOPES; s++)
                for (int m = 0; m < N_METHODS; m++)
                    print_fraction(f, &c->summary[r][s][m][k], k);
            fputc('\n', f);
        }
    }
    for (int m = 0; m < N_METHODS; m++)
        if (!method_computed(c, m))
            fprintf(f, "%s%s not computed: %s\n", METHOD_NAMES[m],
                    cls_computed(c, m) ? " of the CV" : "",
                    m == METHOD_GEOMETRY ? "territory files need the commune contours (--communes)"
                                         : "territory layers need the commune contours (--communes)");
    fprintf(f, "\n%zu discrepancies between membership and geometry, %zu problems\n",
            c->n_discrepancies, c->problem_set.count);
    if (fclose(f) != 0) {
        free(text);
        return nomem(err);
    }
    c->summary_text = text;
    return DS_OK;
}

/* --- compute ------------------------------------------------------------------------------- */

void ds_coverage_input_init(ds_coverage_input *input)
{
    memset(input, 0, sizeof *input);
    input->min_share = 0.001;
}

static void free_territories(territory_set *t)
{
    for (size_t i = 0; i < t->n; i++) {
        territory *item = &t->items[i];
        free(item->id), free(item->name), free(item->start), free(item->end);
        ds_code_list_free(&item->communes);
        ds_code_list_free(&item->qpv);
    }
    free(t->items);
    free(t->member);
    free(t->share);
    ds_text_dict_free(&t->ids);
}

void ds_coverage_free(ds_coverage *c)
{
    if (c == NULL)
        return;
    for (size_t q = 0; q < c->n_qpv; q++) {
        ds_code_list_free(&c->qpv[q].communes);
        free(c->qpv[q].communes_attribute);
        free(c->qpv[q].parts);
    }
    free(c->qpv);
    free(c->order);
    ds_text_dict_free(&c->qpv_raw);
    free_territories(&c->cls);
    free_territories(&c->cv);
    free(c->regions);
    if (c->region_names != NULL)
        for (size_t r = 0; r < c->n_regions; r++)
            free(c->region_names[r]);
    free(c->region_names);
    free(c->summary);
    free(c->cv_figures);
    free(c->cv_region);
    for (size_t i = 0; i < c->n_discrepancies; i++)
        for (int k = 0; k < 6; k++)
            free(c->discrepancies[i].fields[k]);
    free(c->discrepancies);
    ds_text_dict_free(&c->problem_set);
    free(c->summary_text);
    free(c);
}

/* The QPV indexes in code order. */
static bool sort_qpv(ds_coverage *c)
{
    typedef struct keyed {
        const char *id;
        size_t index;
    } keyed;
    keyed *keys = malloc((c->n_qpv + 1) * sizeof *keys);
    if (keys == NULL || (c->order = malloc((c->n_qpv + 1) * sizeof *c->order)) == NULL) {
        free(keys);
        return false;
    }
    for (size_t q = 0; q < c->n_qpv; q++)
        keys[q] = (keyed){c->qpv[q].id, q};
    /* keyed starts with the id pointer: compare_text applies. */
    qsort(keys, c->n_qpv, sizeof *keys, compare_text);
    for (size_t q = 0; q < c->n_qpv; q++)
        c->order[q] = keys[q].index;
    free(keys);
    return true;
}

ds_status ds_coverage_compute(const ds_coverage_input *in, ds_coverage **out, ds_error *err)
{
    *out = NULL;
    if (in == NULL || in->referential == NULL || in->qpv == NULL)
        return ds_error_set(err, DS_EUSAGE, "coverage needs a referential and the QPV layer");
    if (in->communes != NULL && in->commune_id == NULL)
        return unknown_field(in->communes, "communes", NULL, err);
    if (!(in->min_share >= 0 && in->min_share < 0.5))
        return ds_error_set(err, DS_EUSAGE, "min_share must be in [0, 0.5), not %g", in->min_share);
    ds_coverage *c = calloc(1, sizeof *c);
    if (c == NULL)
        return nomem(err);
    c->ref = in->referential;
    c->min_share = in->min_share;
    ds_text_dict_init(&c->qpv_raw);
    ds_text_dict_init(&c->problem_set);
    ds_text_dict_init(&c->cls.ids);
    ds_text_dict_init(&c->cv.ids);
    c->cls.source = &in->cls;
    c->cv.source = &in->cv;
    ds_status st = read_qpv(c, in, err);
    if (st == DS_OK && in->communes != NULL && ds_layer_field_index(in->communes, in->commune_id) < 0)
        st = unknown_field(in->communes, "communes", in->commune_id, err);
    if (st == DS_OK)
        st = qpv_communes(c, in, err);
    if (st == DS_OK)
        st = qpv_populations(c, in, err);
    if (st == DS_OK)
        st = load_territories(c, &c->cls, "CLS", "cls", in, NULL, err);
    if (st == DS_OK)
        st = load_territories(c, &c->cv, "CV", "cv", in, in->cls.path, err);
    if (st == DS_OK)
        st = qpv_in_scopes(c, in, err);
    if (st == DS_OK) {
        for (size_t q = 0; q < c->n_qpv && c->cv.geometry; q++) {
            qpv_item *item = &c->qpv[q];
            for (size_t v = 0; v < c->cv.n; v++) {
                double share = c->cv.share[q * c->cv.n + v];
                if (share >= c->min_share && (item->cv_geometry < 0 || share > item->cv_geometry_share)) {
                    item->cv_geometry = (long)v;
                    item->cv_geometry_share = share;
                }
            }
        }
        st = collect_regions(c, err);
    }
    if (st == DS_OK) {
        c->summary = calloc(c->n_regions, sizeof *c->summary);
        c->cv_figures = calloc(c->cv.n * N_METHODS + 1, sizeof *c->cv_figures);
        c->cv_region = calloc(c->cv.n * N_METHODS + 1, sizeof *c->cv_region);
        if (c->summary == NULL || c->cv_figures == NULL || c->cv_region == NULL)
            st = nomem(err);
    }
    if (st == DS_OK && !sort_qpv(c))
        st = nomem(err);
    if (st == DS_OK) {
        compute_cv_figures(c);
        compute_summary(c);
        st = find_discrepancies(c, err);
    }
    if (st == DS_OK)
        st = build_summary_text(c, err);
    if (st != DS_OK) {
        ds_coverage_free(c);
        return st;
    }
    *out = c;
    return DS_OK;
}

/* --- accessors ------------------------------------------------------------------------------ */

const char *ds_coverage_summary_text(const ds_coverage *c) { return c->summary_text; }
size_t ds_coverage_problem_count(const ds_coverage *c) { return c->problem_set.count; }
const char *ds_coverage_problem_at(const ds_coverage *c, size_t i)
{
    return ds_text_dict_get(&c->problem_set, (uint32_t)i);
}
size_t ds_coverage_discrepancy_count(const ds_coverage *c) { return c->n_discrepancies; }

static int name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (name != NULL && strcmp(names[i], name) == 0)
            return i;
    return -1;
}

ds_status ds_coverage_measure(const ds_coverage *c, const char *scope, const char *method,
                              const char *measure_name, double *numerator, double *denominator,
                              ds_error *err)
{
    int s = name_index(SCOPE_NAMES, N_SCOPES, scope);
    int m = name_index(METHOD_NAMES, N_METHODS, method);
    int k = name_index(MEASURE_NAMES, N_MEASURES, measure_name);
    if (s < 0 || m < 0 || k < 0)
        return ds_error_set(err, DS_EUSAGE, "unknown scope, method or measure: %s, %s, %s",
                            scope ? scope : "(null)", method ? method : "(null)",
                            measure_name ? measure_name : "(null)");
    const measure *x = &c->summary[0][s][m][k];
    if (!x->computed)
        return ds_error_set(err, DS_ENOINPUT, "%s was not computed", method);
    *numerator = x->numerator;
    *denominator = x->denominator;
    return DS_OK;
}

/* --- writing --------------------------------------------------------------------------------- */

static void put_field(FILE *f, const char *text, bool first)
{
    if (!first)
        fputc(',', f);
    ds_output_csv_field(f, text ? text : "", ',');
}

static void put_number(FILE *f, double v)
{
    if (isnan(v))
        fputs(",", f);
    else
        fprintf(f, ",%.17g", v);
}

static bool write_qpv(FILE *f, const void *data)
{
    const ds_coverage *c = data;
    fputs("qpv_id,region,area_m2,population,communes,communes_attribute,communes_geometry,"
          "cv_membership,cv_geometry,cv_geometry_share,cls_membership,cls_geometry,"
          "signed_membership,signed_geometry_share,signed_or_prefiguration_membership,"
          "signed_or_prefiguration_geometry_share\n", f);
    const territory_set *cls = &c->cls, *cv = &c->cv;
    for (size_t k = 0; k < c->n_qpv; k++) {
        size_t q = c->order[k];
        const qpv_item *item = &c->qpv[q];
        char text[2048];
        put_field(f, item->id, true);
        put_field(f, item->region, false);
        put_number(f, item->area);
        put_number(f, item->population);
        text[0] = '\0';
        for (size_t k = 0; k < item->communes.count; k++) {
            size_t used = strlen(text);
            snprintf(text + used, sizeof text - used, "%s%s", k ? " " : "", item->communes.items[k]);
        }
        put_field(f, text, false);
        put_field(f, item->communes_attribute, false);
        text[0] = '\0';
        for (size_t k = 0; k < item->n_parts; k++) {
            size_t used = strlen(text);
            snprintf(text + used, sizeof text - used, "%s%s:%.6f", k ? " " : "", item->parts[k].code,
                     item->parts[k].area / item->area);
        }
        put_field(f, text, false);
        text[0] = '\0';
        for (size_t v = 0; v < cv->n && cv->membership; v++)
            if (cv->member[q * cv->n + v]) {
                size_t used = strlen(text);
                snprintf(text + used, sizeof text - used, "%s%s", used ? " " : "", cv->items[v].id);
            }
        put_field(f, text, false);
        put_field(f, item->cv_geometry >= 0 ? cv->items[item->cv_geometry].id : "", false);
        put_number(f, item->cv_geometry >= 0 ? item->cv_geometry_share : NAN);
        text[0] = '\0';
        for (size_t i = 0; i < cls->n && cls->membership; i++)
            if (cls->member[q * cls->n + i]) {
                size_t used = strlen(text);
                snprintf(text + used, sizeof text - used, "%s%s:%s", used ? " " : "",
                         cls->items[i].id, STATUS_NAMES[cls->items[i].status]);
            }
        put_field(f, text, false);
        text[0] = '\0';
        for (size_t i = 0; i < cls->n && cls->geometry; i++) {
            double share = cls->share[q * cls->n + i];
            if (share >= c->min_share) {
                size_t used = strlen(text);
                snprintf(text + used, sizeof text - used, "%s%s:%.6f", used ? " " : "",
                         cls->items[i].id, share);
            }
        }
        put_field(f, text, false);
        for (int s = 0; s < N_SCOPES; s++) {
            if (cls->membership)
                fprintf(f, ",%d", item->in[s] ? 1 : 0);
            else
                fputc(',', f);
            put_number(f, item->share[s]);
        }
        fputc('\n', f);
    }
    return true;
}

static bool write_cv(FILE *f, const void *data)
{
    const ds_coverage *c = data;
    fputs("cv_id,name,method,qpv,population,qpv_area_m2", f);
    for (int s = 0; s < N_SCOPES; s++)
        fprintf(f, ",qpv_in_%s,population_in_%s,qpv_area_share_%s,class_%s", SCOPE_NAMES[s],
                SCOPE_NAMES[s], SCOPE_NAMES[s], SCOPE_NAMES[s]);
    fputs(",qpv_in_prefiguration_only\n", f);
    for (size_t v = 0; v < c->cv.n; v++)
        for (int m = 0; m < N_METHODS; m++) {
            if (!method_computed(c, m))
                continue;
            const cv_figures *x = &c->cv_figures[v * N_METHODS + m];
            if (c->cv_figures[v * N_METHODS].qpv == 0 && c->cv_figures[v * N_METHODS + 1].qpv == 0)
                continue; /* a CV without any QPV of the layer */
            put_field(f, c->cv.items[v].id, true);
            put_field(f, c->cv.items[v].name, false);
            put_field(f, METHOD_NAMES[m], false);
            fprintf(f, ",%zu", x->qpv);
            put_number(f, x->population);
            put_number(f, x->area);
            for (int s = 0; s < N_SCOPES; s++) {
                fprintf(f, ",%zu", x->in[s]);
                put_number(f, x->population_in[s]);
                put_number(f, x->area > 0 ? x->area_in[s] / x->area : NAN);
                put_field(f, x->qpv ? cv_class(x, s) : "", false);
            }
            fprintf(f, ",%zu\n", x->in[SCOPE_ANY] - x->in[SCOPE_SIGNED]);
        }
    return true;
}

/* Appends id to a space-separated list. */
static void append_id(char *list, size_t size, const char *id)
{
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%s", used ? " " : "", id);
}

static bool write_cls(FILE *f, const void *data)
{
    const ds_coverage *c = data;
    fputs("cls_id,name,status,start,end,communes,qpv_membership,qpv_geometry,"
          "qpv_population_membership,qpv_population_geometry,qpv_area_geometry_m2,"
          "cv_membership,cv_geometry\n", f);
    const territory_set *t = &c->cls, *cv = &c->cv;
    bool *cv_m = calloc(2 * cv->n + 1, sizeof *cv_m), *cv_g = cv_m + cv->n;
    size_t qpv_size = DS_CODE_MAX * (c->n_qpv + 1), cv_size = 0;
    for (size_t v = 0; v < cv->n; v++)
        cv_size += strlen(cv->items[v].id) + 1;
    cv_size++;
    char *qpv_m = malloc(qpv_size), *qpv_g = malloc(qpv_size);
    char *cv_m_text = malloc(cv_size), *cv_g_text = malloc(cv_size);
    if (cv_m == NULL || qpv_m == NULL || qpv_g == NULL || cv_m_text == NULL || cv_g_text == NULL) {
        free(cv_m), free(qpv_m), free(qpv_g), free(cv_m_text), free(cv_g_text);
        return false;
    }
    for (size_t i = 0; i < t->n; i++) {
        const territory *item = &t->items[i];
        qpv_m[0] = qpv_g[0] = cv_m_text[0] = cv_g_text[0] = '\0';
        double pop_m = 0, pop_g = 0, area_g = 0;
        memset(cv_m, 0, 2 * cv->n * sizeof *cv_m);
        for (size_t k = 0; k < c->n_qpv; k++) {
            size_t q = c->order[k];
            const qpv_item *x = &c->qpv[q];
            if (t->membership && t->member[q * t->n + i]) {
                append_id(qpv_m, qpv_size, x->id);
                if (!isnan(x->population))
                    pop_m += x->population;
                for (size_t v = 0; v < cv->n && cv->membership; v++)
                    cv_m[v] |= cv->member[q * cv->n + v];
            }
            double share = t->geometry ? t->share[q * t->n + i] : NAN;
            if (share >= c->min_share) {
                append_id(qpv_g, qpv_size, x->id);
                if (!isnan(x->population))
                    pop_g += x->population * share;
                area_g += x->area * share;
                if (x->cv_geometry >= 0)
                    cv_g[x->cv_geometry] = true;
            }
        }
        for (size_t v = 0; v < cv->n; v++) {
            if (cv_m[v])
                append_id(cv_m_text, cv_size, cv->items[v].id);
            if (cv_g[v])
                append_id(cv_g_text, cv_size, cv->items[v].id);
        }
        put_field(f, item->id, true);
        put_field(f, item->name, false);
        put_field(f, STATUS_NAMES[item->status], false);
        put_field(f, item->start, false);
        put_field(f, item->end, false);
        fprintf(f, ",%zu", item->communes.count);
        put_field(f, qpv_m, false);
        put_field(f, t->geometry ? qpv_g : "", false);
        put_number(f, t->membership ? pop_m : NAN);
        put_number(f, t->geometry ? pop_g : NAN);
        put_number(f, t->geometry ? area_g : NAN);
        put_field(f, cv_m_text, false);
        put_field(f, cv_g_text, false);
        fputc('\n', f);
    }
    free(cv_m), free(qpv_m), free(qpv_g), free(cv_m_text), free(cv_g_text);
    return true;
}

static bool write_summary(FILE *f, const void *data)
{
    const ds_coverage *c = data;
    fputs("territory,territory_name,scope,method,measure,numerator,denominator,percent,note\n", f);
    for (size_t r = 0; r < c->n_regions; r++)
        for (int s = 0; s < N_SCOPES; s++)
            for (int m = 0; m < N_METHODS; m++)
                for (int k = 0; k < N_MEASURES; k++) {
                    const measure *x = &c->summary[r][s][m][k];
                    put_field(f, r ? c->regions[r] : "all", true);
                    put_field(f, c->region_names[r], false);
                    put_field(f, SCOPE_NAMES[s], false);
                    put_field(f, METHOD_NAMES[m], false);
                    put_field(f, MEASURE_NAMES[k], false);
                    if (!x->computed) {
                        fputs(",,,,not computed: needs the commune contours\n", f);
                        continue;
                    }
                    put_number(f, x->numerator);
                    put_number(f, x->denominator);
                    put_number(f, x->denominator > 0 ? 100 * x->numerator / x->denominator : NAN);
                    const char *note = "";
                    if (m == METHOD_GEOMETRY && k == MEASURE_POPULATION)
                        note = "areal estimate: population x share of the QPV's area";
                    else if (k == MEASURE_CV_FULL)
                        note = "every QPV of the CV wholly in a CLS";
                    put_field(f, note, false);
                    fputc('\n', f);
                }
    return true;
}

static bool write_discrepancies(FILE *f, const void *data)
{
    const ds_coverage *c = data;
    fputs("level,id,scope,membership,geometry,reason\n", f);
    for (size_t i = 0; i < c->n_discrepancies; i++) {
        for (int k = 0; k < 6; k++)
            put_field(f, c->discrepancies[i].fields[k], k == 0);
        fputc('\n', f);
    }
    return true;
}

static bool write_problems(FILE *f, const void *data)
{
    const ds_coverage *c = data;
    fputs("problem\n", f);
    for (size_t i = 0; i < c->problem_set.count; i++) {
        put_field(f, ds_text_dict_get(&c->problem_set, (uint32_t)i), true);
        fputc('\n', f);
    }
    return true;
}

ds_status ds_coverage_write(const ds_coverage *c, const char *dir, ds_error *err)
{
    static const struct {
        const char *name;
        bool (*write)(FILE *, const void *);
    } FILES[] = {{"qpv.csv", write_qpv},         {"cv.csv", write_cv},
                 {"cls.csv", write_cls},         {"summary.csv", write_summary},
                 {"discrepancies.csv", write_discrepancies}, {"problems.csv", write_problems}};
    ds_output_group *group; /* the six files renamed together, or none */
    ds_status st = ds_output_group_new(&group, err);
    for (size_t i = 0; i < sizeof FILES / sizeof *FILES && st == DS_OK; i++)
        st = ds_output_write_in(group, dir, FILES[i].name, FILES[i].write, c, err);
    if (st == DS_OK)
        return ds_output_group_commit(group, err);
    ds_output_group_abort(group);
    return st;
}
