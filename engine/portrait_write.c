/* diagsante — writing a portrait: CSV tables and JSON (portrait.h). The HTML report is
 * in portrait_html.c. Every file goes through ds_output (temporary file + rename). */
#include "portrait_model.h"

#include <errno.h>
#include <math.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "diagsante/output.h"
#include "portrait_write.h"

/* --- small formatting helpers shared with the HTML writer -------------------------------- */

/* A number in the shortest form that reads back exactly ("%.17g" trimmed), "" for NaN. */
const char *ds_fmt_number(double v, char buf[40])
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return buf;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, 40, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

const char *ds_direction_fr(const ds_versus *v)
{
    if (!v->available)
        return "";
    if (!v->tested)
        return "non testé";
    switch (v->comparison.direction) {
    case DS_DIRECTION_HIGHER: return "supérieur";
    case DS_DIRECTION_LOWER: return "inférieur";
    default: return "similaire";
    }
}

const char *ds_judgement_fr(const ds_versus *v)
{
    if (!v->available || !v->tested)
        return "";
    switch (v->comparison.judgement) {
    case DS_JUDGEMENT_BETTER: return "meilleur";
    case DS_JUDGEMENT_WORSE: return "moins bon";
    case DS_JUDGEMENT_SIMILAR: return "similaire";
    default: return "sans objet";
    }
}

/* "< 5" for a withheld count. */
static void withheld_text(const ds_portrait *p, char buf[40])
{
    snprintf(buf, 40, "< %d", ds_portrait_config(p)->threshold);
}

/* --- CSV tables ---------------------------------------------------------------------------- */

static void csv_text(FILE *f, const char *text)
{
    ds_output_csv_field(f, text != NULL ? text : "", ',');
}

static void csv_number(FILE *f, double v)
{
    char buf[40];
    fputs(ds_fmt_number(v, buf), f);
}

static void csv_count(FILE *f, const ds_portrait *p, const ds_figure *fig)
{
    char buf[40];
    if (fig->withheld && !fig->secondary) {
        withheld_text(p, buf);
        fputs(buf, f);
    } else {
        csv_number(f, fig->numerator);
    }
}

typedef struct csv_job {
    const ds_portrait *p;
    int chapter;          /* 0: every indicator, long form */
    bool with_territory;  /* batch: the territory's level and code in front */
} csv_job;

static void write_figure_line(FILE *f, const ds_portrait *p, const ds_indicator *ind,
                              const char *scope, const ds_figure *fig, bool with_territory)
{
    if (with_territory) {
        fputs(ds_level_name(p->level), f), fputc(',', f);
        csv_text(f, p->code), fputc(',', f);
    }
    csv_text(f, ind->id), fputc(',', f);
    csv_text(f, scope), fputc(',', f);
    csv_text(f, fig->code), fputc(',', f);
    csv_text(f, fig->name), fputc(',', f);
    csv_text(f, ds_figure_origin_code(fig->origin)), fputc(',', f);
    csv_count(f, p, fig), fputc(',', f);
    csv_number(f, fig->denominator), fputc(',', f);
    csv_number(f, fig->value), fputc(',', f);
    csv_number(f, fig->lower), fputc(',', f);
    csv_number(f, fig->upper), fputc(',', f);
    csv_text(f, fig->method), fputc(',', f);
    fputs(fig->withheld ? (fig->secondary ? "secondaire" : "primaire") : "", f), fputc(',', f);
    csv_text(f, fig->flag), fputc('\n', f);
}

static const char LONG_HEADER[] = "indicator,scope,code,name,origin,numerator,denominator,"
                                  "value,lower,upper,method,withheld,flag\n";

/* tables/portrait.csv: one line per indicator and place (territory, references, QPV,
 * outside, members). */
static bool write_long_rows(FILE *f, const csv_job *job)
{
    const ds_portrait *p = job->p;
    for (size_t i = 0; i < ds_portrait_rows(p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(p, i);
        for (int s = 0; s < DS_SCOPE_COUNT; s++) {
            const ds_figure *fig = &row->figure[s];
            if ((s == DS_SCOPE_QPV || s == DS_SCOPE_OUTSIDE_QPV) &&
                fig->origin == DS_ORIGIN_NONE && fig->flag == NULL)
                continue;
            write_figure_line(f, p, row->indicator, ds_scope_code((ds_scope)s), fig,
                              job->with_territory);
        }
        for (size_t k = 0; k < row->n_members; k++)
            write_figure_line(f, p, row->indicator, p->members_are_iris ? "iris" : "commune",
                              &row->members[k], job->with_territory);
    }
    return true;
}

static bool write_long(FILE *f, const void *data)
{
    fputs(LONG_HEADER, f);
    return write_long_rows(f, data);
}

bool ds_portrait_write_table(FILE *f, const ds_portrait *p, bool header)
{
    if (header)
        fprintf(f, "territory_level,territory_code,%s", LONG_HEADER);
    csv_job job = {p, 0, true};
    return write_long_rows(f, &job) && !ferror(f);
}

/* tables/chapitre_N.csv: one line per indicator of chapter N with the comparisons. */
static bool write_chapter(FILE *f, const void *data)
{
    const csv_job *job = data;
    const ds_portrait *p = job->p;
    static const char *const refs[3] = {"departement", "region", "france"};
    fputs("indicator,label,unit,polarity,origin,numerator,denominator,value,lower,upper,"
          "method", f);
    for (int r = 0; r < 3; r++)
        fprintf(f, ",%s_value,%s_ratio,%s_difference,%s_comparison,%s_judgement", refs[r],
                refs[r], refs[r], refs[r], refs[r]);
    fputs(",comparison_method,rank,rank_of,qpv_value,outside_qpv_value,qpv_ratio,"
          "qpv_ratio_lower,qpv_ratio_upper,members_with_value,min,min_code,max,max_code,"
          "extreme_ratio,withheld,flag\n", f);
    for (size_t i = 0; i < ds_portrait_rows(p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(p, i);
        const ds_indicator *ind = row->indicator;
        if (ind->chapter != job->chapter)
            continue;
        const ds_figure *t = &row->figure[DS_SCOPE_TERRITORY];
        csv_text(f, ind->id), fputc(',', f);
        csv_text(f, ind->label), fputc(',', f);
        csv_text(f, ind->unit), fputc(',', f);
        csv_text(f, ds_indicator_polarity_code(ind->polarity)), fputc(',', f);
        csv_text(f, ds_figure_origin_code(t->origin)), fputc(',', f);
        csv_count(f, p, t), fputc(',', f);
        csv_number(f, t->denominator), fputc(',', f);
        csv_number(f, t->value), fputc(',', f);
        csv_number(f, t->lower), fputc(',', f);
        csv_number(f, t->upper), fputc(',', f);
        csv_text(f, t->method);
        for (int r = 0; r < 3; r++) {
            const ds_versus *v = &row->versus[r];
            fputc(',', f), csv_number(f, row->figure[DS_SCOPE_DEPARTEMENT + r].value);
            fputc(',', f), csv_number(f, v->ratio);
            fputc(',', f), csv_number(f, v->difference);
            fputc(',', f), csv_text(f, ds_direction_fr(v));
            fputc(',', f), csv_text(f, ds_judgement_fr(v));
        }
        fputs(",IC du territoire contenant la référence (ci-benchmark)", f);
        fputc(',', f);
        if (row->rank > 0)
            fprintf(f, "%ld,%ld", row->rank, row->rank_of);
        else
            fputc(',', f);
        fputc(',', f), csv_number(f, row->figure[DS_SCOPE_QPV].value);
        fputc(',', f), csv_number(f, row->figure[DS_SCOPE_OUTSIDE_QPV].value);
        fputc(',', f), csv_number(f, row->qpv_ratio.value);
        fputc(',', f), csv_number(f, row->qpv_ratio.lower);
        fputc(',', f), csv_number(f, row->qpv_ratio.upper);
        fprintf(f, ",%zu,", row->members_with_value);
        csv_number(f, row->min), fputc(',', f);
        csv_text(f, row->min_code), fputc(',', f);
        csv_number(f, row->max), fputc(',', f);
        csv_text(f, row->max_code), fputc(',', f);
        csv_number(f, row->extreme_ratio), fputc(',', f);
        fputs(t->withheld ? (t->secondary ? "secondaire" : "primaire") : "", f), fputc(',', f);
        csv_text(f, t->flag), fputc('\n', f);
    }
    return true;
}

/* --- JSON --------------------------------------------------------------------------------- */

void ds_json_string(FILE *f, const char *s)
{
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        switch (*c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*c < 0x20)
                fprintf(f, "\\u%04x", *c);
            else
                fputc(*c, f);
        }
    }
    fputc('"', f);
}

static void json_number(FILE *f, double v)
{
    char buf[40];
    fputs(isfinite(v) ? ds_fmt_number(v, buf) : "null", f);
}

static void json_figure(FILE *f, const ds_portrait *p, const ds_figure *fig)
{
    char buf[40];
    fputs("{\"code\":", f), ds_json_string(f, fig->code);
    fputs(",\"name\":", f), ds_json_string(f, fig->name);
    fputs(",\"origin\":", f), ds_json_string(f, ds_figure_origin_code(fig->origin));
    fputs(",\"numerator\":", f), json_number(f, fig->numerator);
    fputs(",\"denominator\":", f), json_number(f, fig->denominator);
    fputs(",\"value\":", f), json_number(f, fig->value);
    fputs(",\"lower\":", f), json_number(f, fig->lower);
    fputs(",\"upper\":", f), json_number(f, fig->upper);
    fputs(",\"method\":", f), ds_json_string(f, fig->method);
    fprintf(f, ",\"parts\":%zu,\"parts_missing\":%zu", fig->parts, fig->parts_missing);
    fputs(",\"withheld\":", f);
    if (fig->withheld) {
        withheld_text(p, buf);
        fputs(fig->secondary ? "\"secondary\",\"display\":" : "\"primary\",\"display\":", f);
        ds_json_string(f, fig->secondary ? "s" : buf);
    } else {
        fputs("false", f);
    }
    fputs(",\"flag\":", f), ds_json_string(f, fig->flag);
    fputc('}', f);
}

static void json_estimate(FILE *f, const char *name, const ds_estimate *e)
{
    fprintf(f, "\"%s\":{\"value\":", name), json_number(f, e->value);
    fputs(",\"lower\":", f), json_number(f, e->lower);
    fputs(",\"upper\":", f), json_number(f, e->upper);
    fputs(",\"se\":", f), json_number(f, e->se);
    fputc('}', f);
}

static void json_row(FILE *f, const ds_portrait *p, const ds_portrait_row *row)
{
    static const char *const refs[3] = {"departement", "region", "france"};
    const ds_indicator *ind = row->indicator;
    fputs("{\"id\":", f), ds_json_string(f, ind->id);
    fputs(",\"label\":", f), ds_json_string(f, ind->label);
    fprintf(f, ",\"chapter\":%d,\"chapter_name\":", ind->chapter);
    ds_json_string(f, ds_chapter_name(ind->chapter));
    fputs(",\"bases\":[", f);
    bool first = true;
    for (int b = 0; b < DS_BASE_COUNT; b++)
        if (ind->bases & DS_BASE_BIT(b)) {
            fputs(first ? "" : ",", f), ds_json_string(f, ds_base_code((ds_base)b));
            first = false;
        }
    fputs("],\"kind\":", f), ds_json_string(f, ds_indicator_kind_code(ind->kind));
    fputs(",\"unit\":", f), ds_json_string(f, ind->unit);
    fputs(",\"multiplier\":", f), json_number(f, ind->multiplier);
    fputs(",\"polarity\":", f), ds_json_string(f, ds_indicator_polarity_code(ind->polarity));
    fputs(",\"source\":", f), ds_json_string(f, ind->source);
    fputs(",\"figures\":{", f);
    for (int s = 0; s < DS_SCOPE_COUNT; s++) {
        fprintf(f, "%s\"%s\":", s ? "," : "", ds_scope_code((ds_scope)s));
        json_figure(f, p, &row->figure[s]);
    }
    fputs("},\"comparisons\":{", f);
    for (int r = 0; r < 3; r++) {
        const ds_versus *v = &row->versus[r];
        fprintf(f, "%s\"%s\":{\"available\":%s,\"tested\":%s,\"method\":\"ci-benchmark\","
                   "\"ratio\":", r ? "," : "", refs[r], v->available ? "true" : "false",
                v->tested ? "true" : "false");
        json_number(f, v->ratio);
        fputs(",\"difference\":", f), json_number(f, v->difference);
        fputs(",\"direction\":", f);
        ds_json_string(f, v->available && v->tested ? ds_direction_name(v->comparison.direction)
                                                    : NULL);
        fputs(",\"judgement\":", f);
        ds_json_string(f, v->available && v->tested ? ds_judgement_name(v->comparison.judgement)
                                                    : NULL);
        fputc('}', f);
    }
    fputs("},\"rank\":", f);
    if (row->rank > 0)
        fprintf(f, "{\"rank\":%ld,\"of\":%ld,\"among\":\"%s of the région\"}", row->rank,
                row->rank_of, ds_level_name(ds_portrait_level(p)));
    else
        fputs("null", f);
    fputc(',', f), json_estimate(f, "qpv_ratio", &row->qpv_ratio);
    fprintf(f, ",\"members\":{\"level\":\"%s\",\"with_value\":%zu,\"min\":",
            p->members_are_iris ? "iris" : "commune", row->members_with_value);
    json_number(f, row->min);
    fputs(",\"min_code\":", f), ds_json_string(f, row->min_code);
    fputs(",\"max\":", f), json_number(f, row->max);
    fputs(",\"max_code\":", f), ds_json_string(f, row->max_code);
    fputs(",\"extreme_ratio\":", f), json_number(f, row->extreme_ratio);
    fputs(",\"inequality\":", f);
    if (row->has_inequality) {
        const ds_inequality *q = &row->inequality;
        fputc('{', f);
        json_estimate(f, "bgv", &q->bgv), fputc(',', f);
        json_estimate(f, "theil", &q->theil), fputc(',', f);
        json_estimate(f, "mld", &q->mld), fputc(',', f);
        json_estimate(f, "idisp", &q->idisp), fputc(',', f);
        json_estimate(f, "d", &q->d), fputc(',', f);
        json_estimate(f, "r", &q->r);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs(",\"figures\":[", f);
    for (size_t k = 0; k < row->n_members; k++) {
        fputs(k ? "," : "", f);
        json_figure(f, p, &row->members[k]);
    }
    fputs("]}}", f);
}

/* SHA-256 of a file as 64 hex digits; false when it cannot be read. */
bool ds_sha256_file(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sha256_update(&ctx, n, buf);
    bool ok = !ferror(f);
    fclose(f);
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return ok;
}

/* The inputs of a portrait, for provenance: kind, path. */
size_t ds_portrait_inputs(const ds_portrait *p, const char *kinds[], const char *paths[],
                          size_t max)
{
    const ds_config *c = ds_portrait_config(p);
    size_t n = 0;
#define ADD(kind, path)                                                                        \
    do {                                                                                       \
        if ((path) != NULL && n < max)                                                         \
            kinds[n] = (kind), paths[n++] = (path);                                            \
    } while (0)
    ADD("configuration", c->path);
    ADD("dictionnaire", c->dictionary);
    ADD("définitions des territoires", c->definitions);
    ADD("QPV et communes", c->qpv_communes);
    for (size_t i = 0; i < c->n_data; i++)
        ADD(ds_data_level_name(c->data[i].level), c->data[i].path);
#undef ADD
    return n;
}

/* The SHA-256 of input i, computed once per context. */
static const char *input_sha(const ds_portrait *p, size_t i, size_t n, const char *const *paths)
{
    ds_portrait_context *ctx = p->ctx;
    if (ctx->sha256 == NULL) {
        ctx->sha256 = calloc(n + 1, sizeof *ctx->sha256);
        if (ctx->sha256 == NULL)
            return NULL;
        for (size_t k = 0; k < n; k++)
            if (!ds_sha256_file(paths[k], ctx->sha256[k]))
                ctx->sha256[k][0] = '\0';
        ctx->n_hashed = n;
    }
    return i < ctx->n_hashed && ctx->sha256[i][0] ? ctx->sha256[i] : NULL;
}

static bool write_json_object(FILE *f, const ds_portrait *p, bool one_line)
{
    const ds_config *c = ds_portrait_config(p);
    fputs("{\"schema\":\"diagsante-portrait/1\",\"version\":\"" DS_VERSION "\"", f);
    fputs(",\"territory\":{\"code\":", f), ds_json_string(f, p->code);
    fputs(",\"name\":", f), ds_json_string(f, p->name);
    fputs(",\"level\":", f), ds_json_string(f, ds_level_name(p->level));
    fputs(",\"departement\":", f), ds_json_string(f, p->departement[0] ? p->departement : NULL);
    fputs(",\"region\":", f), ds_json_string(f, p->region[0] ? p->region : NULL);
    fputs(",\"population\":", f), json_number(f, p->population);
    fputs(",\"qpv_population\":", f), json_number(f, p->qpv_population);
    fprintf(f, ",\"qpv\":[");
    for (size_t k = 0; k < p->qpv.count; k++)
        fputs(k ? "," : "", f), ds_json_string(f, p->qpv.items[k]);
    fprintf(f, "],\"qpv_straddling\":%zu},", p->qpv_straddling);
    fputs("\"settings\":{\"confidence\":", f), json_number(f, c->confidence);
    fprintf(f, ",\"disclosure_threshold\":%d,\"comparison\":\"ci-benchmark\","
               "\"fictitious\":%s},", c->threshold, c->fictitious ? "true" : "false");
    fputs("\"provenance\":{\"referential\":", f);
    ds_json_string(f, ds_portrait_referential_vintage(p));
    fputs(",\"inputs\":[", f);
    const char *kinds[64], *paths[64];
    size_t n = ds_portrait_inputs(p, kinds, paths, 64);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? "," : "", f);
        fputs("{\"role\":", f), ds_json_string(f, kinds[i]);
        fputs(",\"path\":", f), ds_json_string(f, paths[i]);
        fputs(",\"sha256\":", f), ds_json_string(f, input_sha(p, i, n, paths));
        fputc('}', f);
    }
    fprintf(f, "]},\"withheld\":%zu,\"indicators\":[", ds_portrait_withheld_count(p));
    const char *sep = one_line ? "" : "\n";
    for (size_t i = 0; i < ds_portrait_rows(p); i++) {
        fputs(i ? "," : "", f), fputs(sep, f);
        json_row(f, p, ds_portrait_row_at(p, i));
    }
    fputs(sep, f), fputs("]}\n", f);
    return !ferror(f);
}

static bool write_json(FILE *f, const void *data)
{
    return write_json_object(f, data, false);
}

bool ds_portrait_write_json_line(FILE *f, const ds_portrait *p)
{
    return write_json_object(f, p, true);
}

/* --- all outputs ----------------------------------------------------------------------------- */

static ds_status make_dir(const char *dir, ds_error *err)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return ds_error_set(err, DS_EIO, "%s: cannot create the folder: %s", dir, strerror(errno));
    return DS_OK;
}

ds_status ds_portrait_write(const ds_portrait *p, const char *dir,
                            const ds_portrait_outputs *what, ds_error *err)
{
    ds_output_group *group;
    ds_status st = ds_output_group_new(&group, err);
    if (st == DS_OK)
        st = ds_portrait_write_in(group, p, dir, what, err);
    if (st == DS_OK)
        return ds_output_group_commit(group, err);
    ds_output_group_abort(group);
    return st;
}

ds_status ds_portrait_write_in(ds_output_group *group, const ds_portrait *p, const char *dir,
                               const ds_portrait_outputs *what, ds_error *err)
{
    if (p == NULL || dir == NULL || what == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_portrait_write: NULL argument");
    ds_status st = make_dir(dir, err);
    if (st == DS_OK && what->csv) {
        char tables[4096];
        snprintf(tables, sizeof tables, "%s/tables", dir);
        st = make_dir(tables, err);
        csv_job job = {p, 0, false};
        if (st == DS_OK)
            st = ds_output_write_in(group, tables, "portrait.csv", write_long, &job, err);
        for (int chapter = 1; chapter <= DS_CHAPTER_COUNT && st == DS_OK; chapter++) {
            bool any = false;
            for (size_t i = 0; i < ds_portrait_rows(p) && !any; i++)
                any = ds_portrait_row_at(p, i)->indicator->chapter == chapter;
            if (!any)
                continue;
            char name[32];
            snprintf(name, sizeof name, "chapitre_%d.csv", chapter);
            job.chapter = chapter;
            st = ds_output_write_in(group, tables, name, write_chapter, &job, err);
        }
    }
    if (st == DS_OK && what->json)
        st = ds_output_write_in(group, dir, "portrait.json", write_json, p, err);
    if (st == DS_OK && what->html)
        st = ds_output_write_in(group, dir, "portrait.html", ds_portrait_write_html, p, err);
    return st;
}
