/* diagsante — the geometry of a portrait's maps (portrait_map.h). */
#include "portrait_map.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/codes.h"
#include "diagsante/crs.h"
#include "diagsante/layer.h"
#include "diagsante/referential.h"
#include "portrait_model.h"
#include "text_dict.h"

#define PAD 3.0      /* margin of the view box */
#define MIN_STEP 0.6 /* vertices closer than this to the last one kept are dropped */

struct ds_portrait_map {
    double height;
    size_t n_members, drawn;
    char **member_path; /* n_members, NULL when no shape */
    size_t n_qpv;
    char **qpv_code, **qpv_path;
};

/* One ring of a shape, copied, owned by a member (owner < n_members) or a QPV
 * (owner - n_members). */
typedef struct ring {
    size_t owner, n;
    double *xy;
} ring;

typedef struct rings {
    ring *items;
    size_t n, cap;
} rings;

typedef struct text_buf {
    char *s;
    size_t len, cap;
} text_buf;

static bool buf_printf(text_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends formatted text; false when memory runs out. */
static bool buf_printf(text_buf *b, const char *fmt, ...)
{
    for (;;) {
        size_t room = b->cap - b->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s != NULL ? b->s + b->len : NULL, b->s != NULL ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return false;
        if (b->s != NULL && (size_t)n < room) {
            b->len += (size_t)n;
            return true;
        }
        size_t cap = b->cap ? 2 * b->cap : 256;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (s == NULL)
            return false;
        b->s = s, b->cap = cap;
    }
}

static void rings_free(rings *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].xy);
    free(r->items);
    *r = (rings){0};
}

/* Copies every ring of feature f for owner, widening bounds (source coordinates). */
static bool add_feature(rings *r, const ds_layer *layer, size_t f, size_t owner, double b[4])
{
    for (size_t poly = 0; poly < ds_layer_polygon_count(layer, f); poly++)
        for (size_t k = 0; k < ds_layer_ring_count(layer, f, poly); k++) {
            size_t n;
            const double *xy = ds_layer_ring(layer, f, poly, k, &n);
            if (n < 4)
                continue;
            if (r->n == r->cap) {
                size_t cap = r->cap ? 2 * r->cap : 64;
                ring *grown = realloc(r->items, cap * sizeof *grown);
                if (grown == NULL)
                    return false;
                r->items = grown, r->cap = cap;
            }
            double *copy = malloc(2 * n * sizeof *copy);
            if (copy == NULL)
                return false;
            memcpy(copy, xy, 2 * n * sizeof *copy);
            r->items[r->n++] = (ring){owner, n, copy};
            for (size_t i = 0; i < n; i++) {
                b[0] = fmin(b[0], xy[2 * i]), b[1] = fmin(b[1], xy[2 * i + 1]);
                b[2] = fmax(b[2], xy[2 * i]), b[3] = fmax(b[3], xy[2 * i + 1]);
            }
        }
    return true;
}

static ds_status no_field(const ds_layer *layer, const char *path, const char *field,
                          ds_error *err)
{
    char fields[512] = "";
    for (size_t i = 0; i < ds_layer_field_count(layer); i++) {
        size_t used = strlen(fields);
        snprintf(fields + used, sizeof fields - used, "%s%s", i ? ", " : "",
                 ds_layer_field_name(layer, i));
    }
    return ds_error_set(err, DS_EUSAGE, "%s: no field '%s' (fields: %s)", path,
                        field != NULL ? field : "(none given)", fields);
}

/* Projects the rings from first on to an equal-area CRS: target, or when target is
 * empty a Lambert azimuthal equal-area centred on the bounds b (source coordinates),
 * written into target for the next layer. Centred on the data, north is up and areas
 * are true (EPSG:3035, centred at 10° E, would turn a map of the Pyrénées by 5°). */
static ds_status project(const ds_layer *layer, rings *r, size_t first, const double b[4],
                         char target[160], ds_crs **crs, ds_error *err)
{
    ds_status st = ds_crs_open(ds_layer_crs(layer), crs, err);
    if (st != DS_OK && err != NULL) {
        char message[DS_ERROR_MESSAGE_MAX];
        snprintf(message, sizeof message, "%s", err->message);
        ds_error_set(err, st, "%s: %s", ds_layer_crs_source(layer), message);
    }
    if (st == DS_OK && target[0] == '\0') {
        double centre[2] = {(b[0] + b[2]) / 2, (b[1] + b[3]) / 2};
        st = ds_crs_to_lonlat(*crs, centre, 1, err);
        if (st == DS_OK)
            snprintf(target, 160, "+proj=laea +lat_0=%.6f +lon_0=%.6f +ellps=GRS80 +units=m "
                                  "+no_defs +type=crs", centre[1], centre[0]);
    }
    if (st == DS_OK)
        st = ds_crs_set_equal_area(*crs, target, err);
    for (size_t i = first; i < r->n && st == DS_OK; i++)
        st = ds_crs_to_equal_area(*crs, r->items[i].xy, r->items[i].n, err);
    return st;
}

/* The member shapes: rings owned by member index. */
static ds_status read_members(const ds_portrait *p, const char *path, const char *id_field,
                              rings *r, double b[4], ds_layer **layer, ds_error *err)
{
    const ds_referential *ref = p->ctx->ref;
    size_t n = p->members.count;
    ds_text_dict index;
    ds_text_dict_init(&index);
    size_t *member_of = malloc((n + 1) * sizeof *member_of);
    if (member_of == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status st = DS_OK;
    for (size_t k = 0; k < n && st == DS_OK; k++) {
        const char *code = p->members.items[k];
        size_t before = index.count;
        uint32_t id = ds_text_dict_intern(&index, code, strlen(code));
        if (id == UINT32_MAX)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
        else if (index.count > before)
            member_of[id] = k;
    }
    ds_layer_options options;
    ds_layer_options_init(&options);
    if (st == DS_OK)
        st = ds_layer_read_shapefile(path, &options, layer, err);
    long field = st == DS_OK ? ds_layer_field_index(*layer, id_field) : -1;
    if (st == DS_OK && field < 0)
        st = no_field(*layer, path, id_field, err);
    ds_code_kind kind = p->members_are_iris ? DS_CODE_IRIS : DS_CODE_COMMUNE;
    for (size_t f = 0; st == DS_OK && f < ds_layer_count(*layer); f++) {
        char code[DS_CODE_MAX], current[DS_CODE_MAX];
        if (ds_layer_feature_empty(*layer, f) ||
            ds_code_normalize(kind, ds_layer_attribute(*layer, f, (size_t)field), code, NULL) !=
                DS_OK)
            continue;
        const char *key = code;
        if (!p->members_are_iris) {
            if (ds_referential_map_commune(ref, code, current) == DS_MAP_UNKNOWN)
                continue;
            key = current;
        }
        uint32_t id = ds_text_dict_find(&index, key, strlen(key));
        if (id != UINT32_MAX && !add_feature(r, *layer, f, member_of[id], b))
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    if (st == DS_OK && r->n == 0)
        st = ds_error_set(err, DS_EDATA, "%s: no shape of the %zu %s of the territory (field %s)",
                          path, n, p->members_are_iris ? "IRIS" : "communes", id_field);
    ds_text_dict_free(&index);
    free(member_of);
    return st;
}

/* The QPV shapes of the portrait: rings owned by n_members + their index in the map. */
static ds_status read_qpv(const ds_portrait *p, ds_portrait_map *m, rings *r, double b[4],
                          ds_layer **layer, ds_error *err)
{
    const ds_config *c = ds_portrait_config(p);
    ds_layer_options options;
    ds_layer_options_init(&options);
    ds_status st = ds_layer_read_shapefile(c->qpv_shp, &options, layer, err);
    long field = st == DS_OK ? ds_layer_field_index(*layer, c->qpv_id) : -1;
    if (st == DS_OK && field < 0)
        st = no_field(*layer, c->qpv_shp, c->qpv_id, err);
    if (st == DS_OK) {
        m->qpv_code = calloc(p->qpv.count + 1, sizeof *m->qpv_code);
        m->qpv_path = calloc(p->qpv.count + 1, sizeof *m->qpv_path);
        if (m->qpv_code == NULL || m->qpv_path == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    for (size_t f = 0; st == DS_OK && f < ds_layer_count(*layer); f++) {
        const char *raw = ds_layer_attribute(*layer, f, (size_t)field);
        char code[DS_CODE_MAX];
        if (ds_layer_feature_empty(*layer, f) ||
            (ds_code_normalize(DS_CODE_QPV2015, raw, code, NULL) != DS_OK &&
             ds_code_normalize(DS_CODE_QPV2024, raw, code, NULL) != DS_OK))
            continue;
        bool ours = false;
        for (size_t q = 0; q < p->qpv.count && !ours; q++)
            ours = strcmp(p->qpv.items[q], code) == 0;
        if (!ours)
            continue;
        size_t i = 0;
        while (i < m->n_qpv && strcmp(m->qpv_code[i], code) != 0)
            i++;
        if (i == m->n_qpv) {
            if (m->n_qpv == p->qpv.count) /* a QPV listed twice by the referential: ignore */
                continue;
            if ((m->qpv_code[i] = strdup(code)) == NULL) {
                st = ds_error_set(err, DS_ENOMEM, "out of memory");
                break;
            }
            m->n_qpv++;
        }
        if (!add_feature(r, *layer, f, m->n_members + i, b))
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    return st;
}

/* Writes ring r scaled into the view box, simplified; nothing for a ring that shrinks
 * below 3 vertices. */
static bool append_ring(text_buf *t, const ring *r, double x0, double y1, double s)
{
    size_t kept = 0, mark = t->len;
    double lx = 0, ly = 0;
    for (size_t i = 0; i + 1 < r->n; i++) { /* the last point repeats the first */
        double x = PAD + (r->xy[2 * i] - x0) * s, y = PAD + (y1 - r->xy[2 * i + 1]) * s;
        if (kept > 0 && hypot(x - lx, y - ly) < MIN_STEP)
            continue;
        if (!buf_printf(t, "%s%.1f %.1f", kept == 0 ? "M" : "L", x, y))
            return false;
        lx = x, ly = y, kept++;
    }
    if (kept < 3) {
        t->len = mark;
        if (t->s != NULL)
            t->s[mark] = '\0';
        return true;
    }
    return buf_printf(t, "Z");
}

ds_status ds_portrait_map_open(const ds_portrait *p, ds_portrait_map **out, ds_error *err)
{
    *out = NULL;
    const ds_config *c = ds_portrait_config(p);
    const char *path = p->members_are_iris ? c->iris_shp : c->communes_shp;
    const char *id_field = p->members_are_iris ? c->iris_id : c->commune_id;
    if (p->members.count == 0 || path == NULL)
        return DS_OK;
    ds_portrait_map *m = calloc(1, sizeof *m);
    if (m == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    m->n_members = p->members.count;
    rings r = {0};
    ds_layer *members = NULL, *qpv = NULL;
    ds_crs *crs = NULL, *qcrs = NULL;
    double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    char target[160] = "";
    ds_status st = read_members(p, path, id_field, &r, b, &members, err);
    size_t first_qpv = r.n;
    if (st == DS_OK)
        st = project(members, &r, 0, b, target, &crs, err);
    if (st == DS_OK && c->qpv_shp != NULL && p->qpv.count > 0 &&
        ds_portrait_level(p) != DS_LEVEL_QPV) {
        double qb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
        st = read_qpv(p, m, &r, qb, &qpv, err);
        if (st == DS_OK && r.n > first_qpv)
            st = project(qpv, &r, first_qpv, qb, target, &qcrs, err);
    }
    /* Scale the projected rings into the view box. */
    double pb[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < r.n && st == DS_OK; i++)
        for (size_t k = 0; k < r.items[i].n; k++) {
            const double *xy = r.items[i].xy + 2 * k;
            pb[0] = fmin(pb[0], xy[0]), pb[1] = fmin(pb[1], xy[1]);
            pb[2] = fmax(pb[2], xy[0]), pb[3] = fmax(pb[3], xy[1]);
        }
    double inner = DS_MAP_WIDTH - 2 * PAD, dx = pb[2] - pb[0], dy = pb[3] - pb[1];
    double s = dx > 0 && dy > 0 ? fmin(inner / dx, inner / dy) : 1;
    m->height = ceil(dy * s + 2 * PAD);
    size_t owners = m->n_members + m->n_qpv;
    text_buf *texts = st == DS_OK ? calloc(owners + 1, sizeof *texts) : NULL;
    if (st == DS_OK && texts == NULL)
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t i = 0; i < r.n && st == DS_OK; i++)
        if (!append_ring(&texts[r.items[i].owner], &r.items[i], pb[0], pb[3], s))
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    if (st == DS_OK) {
        m->member_path = calloc(m->n_members + 1, sizeof *m->member_path);
        if (m->member_path == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    for (size_t o = 0; texts != NULL && o < owners; o++) {
        char *text = texts[o].len > 0 ? texts[o].s : (free(texts[o].s), NULL);
        if (st != DS_OK)
            free(text);
        else if (o < m->n_members)
            m->member_path[o] = text, m->drawn += text != NULL;
        else
            m->qpv_path[o - m->n_members] = text;
    }
    free(texts);
    rings_free(&r);
    ds_crs_free(crs);
    ds_crs_free(qcrs);
    ds_layer_free(members);
    ds_layer_free(qpv);
    if (st != DS_OK) {
        ds_portrait_map_free(m);
        return st;
    }
    *out = m;
    return DS_OK;
}

void ds_portrait_map_free(ds_portrait_map *m)
{
    if (m == NULL)
        return;
    for (size_t k = 0; m->member_path != NULL && k < m->n_members; k++)
        free(m->member_path[k]);
    free(m->member_path);
    for (size_t i = 0; i < m->n_qpv; i++) {
        free(m->qpv_code[i]);
        if (m->qpv_path != NULL)
            free(m->qpv_path[i]);
    }
    free(m->qpv_code);
    free(m->qpv_path);
    free(m);
}

double ds_portrait_map_height(const ds_portrait_map *m) { return m->height; }

const char *ds_portrait_map_member_path(const ds_portrait_map *m, size_t k)
{
    return k < m->n_members ? m->member_path[k] : NULL;
}

size_t ds_portrait_map_members_drawn(const ds_portrait_map *m) { return m->drawn; }
size_t ds_portrait_map_qpv_count(const ds_portrait_map *m) { return m->n_qpv; }
const char *ds_portrait_map_qpv_code(const ds_portrait_map *m, size_t i) { return m->qpv_code[i]; }
const char *ds_portrait_map_qpv_path(const ds_portrait_map *m, size_t i) { return m->qpv_path[i]; }
