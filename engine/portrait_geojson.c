/* diagsante — portrait.geojson (portrait_write.h): the member communes (or IRIS) and
 * the QPV of a portrait with their figures, for QGIS.
 *
 * RFC 7946: a FeatureCollection in WGS84 longitude, latitude (no "crs" member),
 * coordinates rounded to 6 decimals (about 0.1 m), exterior rings counter-clockwise
 * and holes clockwise (the right-hand rule of section 3.1.6), each checked on the
 * rounded coordinates; a ring whose rounded area is zero is dropped (with its holes
 * when it is an exterior ring).
 *
 * Shapes are read as the HTML maps read them (portrait_map.h): the members from the
 * [geometry] layer of their level (communes, matched on today's commune through
 * ds_referential_map_commune, so that the shapes of merged communes make one feature;
 * or iris), the QPV from the qpv layer; projected to longitude, latitude with crs.h.
 * A member without any shape keeps its feature with a null geometry (its figures are
 * still there); a QPV without a shape is left out.
 *
 * Figures: a member's are the portrait's (ds_portrait_row.members); a QPV's are the
 * portrait of that QPV (ds_portrait_compute at level qpv, from the same context), with
 * the disclosure rules of the JSON: a withheld figure shows no number (value, lower,
 * upper and count null) and its display in the flag ("< 5", or "s" when withheld to
 * protect another figure). Secondary suppression between the QPV as between the
 * members: when exactly one QPV of the territory is withheld, the one with the next
 * smallest count is withheld too (the QPV total of portrait.json minus the others would
 * reveal it). */
#include "portrait_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/codes.h"
#include "diagsante/crs.h"
#include "diagsante/layer.h"
#include "diagsante/output.h"
#include "diagsante/referential.h"
#include "portrait_write.h"
#include "text_dict.h"

/* One ring in longitude, latitude, owned by a feature (member index, then n_members +
 * QPV index); exterior rings start a polygon. seq keeps the file's order. */
typedef struct gring {
    size_t owner, seq;
    bool exterior;
    size_t n;
    double *xy;
} gring;

typedef struct gj {
    const ds_portrait *p;
    size_t n_members, n_qpv;
    const char *const *qpv;  /* the QPV codes */
    ds_portrait **qpv_portrait; /* n_qpv, NULL when p is itself the QPV */
    ds_figure *qpv_figure;   /* n_qpv × rows, disclosure applied */
    gring *rings;
    size_t n_rings, cap_rings;
} gj;

static void gj_free(gj *g)
{
    for (size_t i = 0; i < g->n_rings; i++)
        free(g->rings[i].xy);
    free(g->rings);
    for (size_t q = 0; g->qpv_portrait != NULL && q < g->n_qpv; q++)
        ds_portrait_free(g->qpv_portrait[q]);
    free(g->qpv_portrait);
    free(g->qpv_figure);
}

/* Copies every ring of feature f for owner (source coordinates). */
static bool add_feature(gj *g, const ds_layer *layer, size_t f, size_t owner)
{
    for (size_t poly = 0; poly < ds_layer_polygon_count(layer, f); poly++)
        for (size_t k = 0; k < ds_layer_ring_count(layer, f, poly); k++) {
            size_t n;
            const double *xy = ds_layer_ring(layer, f, poly, k, &n);
            if (n < 4)
                continue;
            if (g->n_rings == g->cap_rings) {
                size_t cap = g->cap_rings ? 2 * g->cap_rings : 64;
                gring *grown = realloc(g->rings, cap * sizeof *grown);
                if (grown == NULL)
                    return false;
                g->rings = grown, g->cap_rings = cap;
            }
            double *copy = malloc(2 * n * sizeof *copy);
            if (copy == NULL)
                return false;
            memcpy(copy, xy, 2 * n * sizeof *copy);
            g->rings[g->n_rings] = (gring){owner, g->n_rings, k == 0, n, copy};
            g->n_rings++;
        }
    return true;
}

/* Reads layer path, keeps the shapes whose id (field) names an owner: the text dict
 * index maps a normalised code to its owner through owner_of. Rings from first on are
 * then projected to longitude, latitude. */
static ds_status read_layer(gj *g, const char *path, const char *field_name, int kind,
                            const ds_text_dict *index, const size_t *owner_of, ds_error *err)
{
    const ds_referential *ref = g->p->ctx->ref;
    ds_layer_options options;
    ds_layer_options_init(&options);
    ds_layer *layer = NULL;
    ds_crs *crs = NULL;
    size_t first = g->n_rings;
    ds_status st = ds_layer_read_shapefile(path, &options, &layer, err);
    long field = st == DS_OK ? ds_layer_field_index(layer, field_name) : -1;
    if (st == DS_OK && field < 0)
        st = ds_error_set(err, DS_EUSAGE, "%s: no field '%s'", path,
                          field_name != NULL ? field_name : "(none given)");
    for (size_t f = 0; st == DS_OK && f < ds_layer_count(layer); f++) {
        if (ds_layer_feature_empty(layer, f))
            continue;
        const char *raw = ds_layer_attribute(layer, f, (size_t)field);
        char code[DS_CODE_MAX], current[DS_CODE_MAX];
        const char *key = code;
        if (kind == 0) { /* commune */
            if (ds_code_normalize(DS_CODE_COMMUNE, raw, code, NULL) != DS_OK ||
                ds_referential_map_commune(ref, code, current) == DS_MAP_UNKNOWN)
                continue;
            key = current;
        } else if (kind == 1) { /* iris */
            if (ds_code_normalize(DS_CODE_IRIS, raw, code, NULL) != DS_OK)
                continue;
        } else if (ds_code_normalize(DS_CODE_QPV2015, raw, code, NULL) != DS_OK &&
                   ds_code_normalize(DS_CODE_QPV2024, raw, code, NULL) != DS_OK) {
            continue;
        }
        uint32_t id = ds_text_dict_find(index, key, strlen(key));
        if (id != UINT32_MAX && !add_feature(g, layer, f, owner_of[id]))
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    if (st == DS_OK && g->n_rings > first)
        st = ds_crs_open(ds_layer_crs(layer), &crs, err);
    for (size_t i = first; st == DS_OK && i < g->n_rings; i++)
        st = ds_crs_to_lonlat(crs, g->rings[i].xy, g->rings[i].n, err);
    if (st != DS_OK && st != DS_ENOMEM && strstr(err->message, path) == NULL) {
        char reason[sizeof err->message];
        snprintf(reason, sizeof reason, "%s", err->message);
        ds_error_set(err, st, "%s: %s", path, reason);
    }
    ds_crs_free(crs);
    ds_layer_free(layer);
    return st;
}

/* Rounds a ring to 6 decimals and orients it (exterior counter-clockwise); false when
 * its rounded area is zero. */
static bool round_and_orient(gring *r)
{
    for (size_t i = 0; i < 2 * r->n; i++)
        r->xy[i] = round(r->xy[i] * 1e6) / 1e6;
    double area = ds_ring_area(r->xy, r->n);
    if (area == 0 || !isfinite(area))
        return false;
    if ((area > 0) != r->exterior)
        for (size_t i = 0, j = r->n - 1; i < j; i++, j--) {
            double x = r->xy[2 * i], y = r->xy[2 * i + 1];
            r->xy[2 * i] = r->xy[2 * j], r->xy[2 * i + 1] = r->xy[2 * j + 1];
            r->xy[2 * j] = x, r->xy[2 * j + 1] = y;
        }
    return true;
}

static int by_owner(const void *a, const void *b)
{
    const gring *x = a, *y = b;
    if (x->owner != y->owner)
        return x->owner < y->owner ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* --- figures of the QPV ------------------------------------------------------------------ */

static bool counted_kind(ds_indicator_kind kind)
{
    return kind == DS_KIND_COUNT || kind == DS_KIND_PROPORTION || kind == DS_KIND_RATE ||
           kind == DS_KIND_ISR;
}

static ds_status qpv_figures(gj *g, ds_error *err)
{
    const ds_portrait *p = g->p;
    size_t rows = ds_portrait_rows(p);
    g->qpv_figure = calloc(g->n_qpv * rows + 1, sizeof *g->qpv_figure);
    g->qpv_portrait = calloc(g->n_qpv + 1, sizeof *g->qpv_portrait);
    if (g->qpv_figure == NULL || g->qpv_portrait == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t q = 0; q < g->n_qpv; q++) {
        const ds_portrait *of = p;
        if (ds_portrait_level(p) != DS_LEVEL_QPV) {
            ds_status st = ds_portrait_compute(p->ctx, g->qpv[q], DS_LEVEL_QPV,
                                               &g->qpv_portrait[q], err);
            if (st != DS_OK)
                return st;
            of = g->qpv_portrait[q];
        }
        for (size_t i = 0; i < rows && i < ds_portrait_rows(of); i++)
            g->qpv_figure[q * rows + i] = ds_portrait_row_at(of, i)->figure[DS_SCOPE_TERRITORY];
    }
    /* Secondary suppression between the QPV (see the top of this file). */
    for (size_t i = 0; i < rows && g->n_qpv > 1; i++) {
        if (!counted_kind(ds_portrait_row_at(p, i)->indicator->kind))
            continue;
        size_t withheld = 0, smallest = SIZE_MAX;
        for (size_t q = 0; q < g->n_qpv; q++) {
            const ds_figure *f = &g->qpv_figure[q * rows + i];
            if (f->withheld)
                withheld++;
            else if (f->origin != DS_ORIGIN_NONE && isfinite(f->numerator) &&
                     (smallest == SIZE_MAX ||
                      f->numerator < g->qpv_figure[smallest * rows + i].numerator))
                smallest = q;
        }
        if (withheld == 1 && smallest != SIZE_MAX) {
            ds_figure *f = &g->qpv_figure[smallest * rows + i];
            f->withheld = f->secondary = true;
            f->numerator = f->value = f->lower = f->upper = NAN;
        }
    }
    return DS_OK;
}

/* --- writing ----------------------------------------------------------------------------- */

static void number(FILE *f, double v)
{
    char buf[40];
    fputs(isfinite(v) ? ds_fmt_number(v, buf) : "null", f);
}

static void key(FILE *f, const char *id, const char *what)
{
    char name[256];
    snprintf(name, sizeof name, "%s_%s", id, what);
    fputc(',', f);
    ds_json_string(f, name);
    fputc(':', f);
}

static void figure_properties(FILE *f, const ds_portrait *p, const ds_indicator *ind,
                              const ds_figure *fig)
{
    bool w = fig->withheld;
    key(f, ind->id, "value"), number(f, w ? NAN : fig->value);
    key(f, ind->id, "lower"), number(f, w ? NAN : fig->lower);
    key(f, ind->id, "upper"), number(f, w ? NAN : fig->upper);
    key(f, ind->id, "count"), number(f, w ? NAN : fig->numerator);
    key(f, ind->id, "withheld");
    fputs(!w ? "false" : fig->secondary ? "\"secondary\"" : "\"primary\"", f);
    key(f, ind->id, "flag");
    if (w) {
        char buf[40];
        snprintf(buf, sizeof buf, "< %d", ds_portrait_config(p)->threshold);
        ds_json_string(f, fig->secondary ? "s" : buf);
    } else {
        ds_json_string(f, fig->flag);
    }
}

static void write_ring(FILE *f, const gring *r)
{
    fputc('[', f);
    for (size_t i = 0; i < r->n; i++)
        fprintf(f, "%s[%.6f,%.6f]", i ? "," : "", r->xy[2 * i], r->xy[2 * i + 1]);
    fputc(']', f);
}

/* The geometry of the rings [from, to) of one owner: null, Polygon or MultiPolygon. */
static void write_geometry(FILE *f, const gring *r, size_t from, size_t to)
{
    size_t polygons = 0;
    for (size_t i = from; i < to; i++)
        polygons += r[i].exterior;
    if (polygons == 0) {
        fputs("null", f);
        return;
    }
    fprintf(f, "{\"type\":\"%s\",\"coordinates\":", polygons > 1 ? "MultiPolygon" : "Polygon");
    if (polygons > 1)
        fputc('[', f);
    for (size_t i = from; i < to; i++) {
        if (r[i].exterior)
            fputs(i > from ? "],[" : "[", f);
        else
            fputc(',', f);
        write_ring(f, &r[i]);
    }
    fputc(']', f);
    if (polygons > 1)
        fputc(']', f);
    fputc('}', f);
}

static bool write_collection(FILE *f, const void *data)
{
    const gj *g = data;
    const ds_portrait *p = g->p;
    const ds_config *c = ds_portrait_config(p);
    size_t rows = ds_portrait_rows(p);
    fputs("{\"type\":\"FeatureCollection\",\"schema\":\"diagsante-portrait-geojson/1\","
          "\"version\":\"" DS_VERSION "\",\"territory\":{\"code\":", f);
    ds_json_string(f, ds_portrait_code(p));
    fputs(",\"name\":", f), ds_json_string(f, ds_portrait_name(p));
    fputs(",\"level\":", f), ds_json_string(f, ds_level_name(ds_portrait_level(p)));
    fprintf(f, "},\"fictitious\":%s,\"notice\":", c->fictitious ? "true" : "false");
    ds_json_string(f, c->fictitious ? "données fictives" : NULL);
    fprintf(f, ",\"disclosure_threshold\":%d,\"indicators\":[", c->threshold);
    for (size_t i = 0; i < rows; i++) {
        const ds_indicator *ind = ds_portrait_row_at(p, i)->indicator;
        fputs(i ? "," : "", f);
        fputs("{\"id\":", f), ds_json_string(f, ind->id);
        fputs(",\"label\":", f), ds_json_string(f, ind->label);
        fputs(",\"unit\":", f), ds_json_string(f, ind->unit);
        fputs(",\"kind\":", f), ds_json_string(f, ds_indicator_kind_code(ind->kind));
        fputc('}', f);
    }
    fputs("],\"features\":[", f);
    size_t owners = g->n_members + g->n_qpv, at = 0;
    bool first = true;
    for (size_t o = 0; o < owners; o++) {
        size_t from = at;
        while (at < g->n_rings && g->rings[at].owner == o)
            at++;
        bool member = o < g->n_members;
        if (!member && at == from)
            continue; /* a QPV without a shape */
        const char *code = member ? p->members.items[o] : g->qpv[o - g->n_members];
        const char *name = NULL;
        if (member && !p->members_are_iris)
            name = ds_referential_name(p->ctx->ref, DS_LEVEL_COMMUNE, code);
        else if (!member && g->qpv_portrait != NULL && g->qpv_portrait[o - g->n_members])
            name = ds_portrait_name(g->qpv_portrait[o - g->n_members]);
        else if (!member)
            name = ds_portrait_name(p);
        fputs(first ? "\n" : ",\n", f);
        first = false;
        fputs("{\"type\":\"Feature\",\"id\":", f), ds_json_string(f, code);
        fputs(",\"properties\":{\"code\":", f), ds_json_string(f, code);
        fputs(",\"name\":", f), ds_json_string(f, name != NULL && *name ? name : NULL);
        fputs(",\"kind\":", f);
        ds_json_string(f, !member ? "qpv" : p->members_are_iris ? "iris" : "commune");
        for (size_t i = 0; i < rows; i++) {
            const ds_portrait_row *row = ds_portrait_row_at(p, i);
            const ds_figure *fig = member ? &row->members[o]
                                          : &g->qpv_figure[(o - g->n_members) * rows + i];
            figure_properties(f, p, row->indicator, fig);
        }
        fputs("},\"geometry\":", f);
        write_geometry(f, g->rings, from, at);
        fputc('}', f);
    }
    fputs("\n]}\n", f);
    return true; /* a write error is reported by the commit */
}

ds_status ds_portrait_write_geojson(ds_output_group *group, const ds_portrait *p, const char *dir,
                                    ds_error *err)
{
    const ds_config *c = ds_portrait_config(p);
    const char *member_path = p->members_are_iris ? c->iris_shp : c->communes_shp;
    const char *member_id = p->members_are_iris ? c->iris_id : c->commune_id;
    gj g = {.p = p};
    bool members = p->members.count > 0 && member_path != NULL;
    const char *self[1] = {ds_portrait_code(p)};
    if (ds_portrait_level(p) == DS_LEVEL_QPV)
        g.qpv = self, g.n_qpv = 1;
    else
        g.qpv = (const char *const *)p->qpv.items, g.n_qpv = p->qpv.count;
    bool qpvs = c->qpv_shp != NULL && g.n_qpv > 0;
    if (!members && !qpvs)
        return DS_OK; /* no geometry for this portrait */
    g.n_members = members ? p->members.count : 0;
    ds_status st = DS_OK;
    /* Index of the owners' codes. */
    ds_text_dict index;
    ds_text_dict_init(&index);
    size_t n_codes = g.n_members + g.n_qpv;
    size_t *owner_of = malloc((n_codes + 1) * sizeof *owner_of);
    if (owner_of == NULL)
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t o = 0; o < n_codes && st == DS_OK; o++) {
        const char *code = o < g.n_members ? p->members.items[o] : g.qpv[o - g.n_members];
        size_t before = index.count;
        uint32_t id = ds_text_dict_intern(&index, code, strlen(code));
        if (id == UINT32_MAX)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
        else if (index.count > before)
            owner_of[id] = o;
    }
    if (st == DS_OK && members)
        st = read_layer(&g, member_path, member_id, p->members_are_iris ? 1 : 0, &index,
                        owner_of, err);
    if (st == DS_OK && qpvs)
        st = read_layer(&g, c->qpv_shp, c->qpv_id, 2, &index, owner_of, err);
    if (st == DS_OK && qpvs)
        st = qpv_figures(&g, err);
    ds_text_dict_free(&index);
    free(owner_of);
    if (st == DS_OK) {
        /* Round, orient, drop flat rings (and the holes of a dropped exterior). */
        size_t kept = 0;
        bool keep_holes = false;
        for (size_t i = 0; i < g.n_rings; i++) {
            gring *r = &g.rings[i];
            bool keep = round_and_orient(r) && (r->exterior || keep_holes);
            if (r->exterior)
                keep_holes = keep;
            if (keep)
                g.rings[kept++] = *r;
            else
                free(r->xy);
        }
        g.n_rings = kept;
        qsort(g.rings, g.n_rings, sizeof *g.rings, by_owner);
        st = ds_output_write_in(group, dir, "portrait.geojson", write_collection, &g, err);
    }
    gj_free(&g);
    return st;
}
