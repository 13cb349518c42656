/* diagsante — writing a portrait: CSV tables and JSON (portrait.h). The HTML report is
 * in portrait_html.c. Every file goes through ds_output (temporary file + rename). */
#include "portrait_model.h"

#include <errno.h>
#include <math.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "diagsante/output.h"
#include "numfmt.h"
#include "portrait_write.h"

/* --- small formatting helpers shared with the HTML writer -------------------------------- */

/* A number in the shortest of "%.15g", "%.16g", "%.17g" that reads back exactly, "" for
 * NaN (numfmt.c, without printf for the common cases). */
const char *ds_fmt_number(double v, char buf[40])
{
    ds_fmt_double(v, buf);
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
    int chapter;          /* the chapter tables: its number */
} csv_job;

/* "< 5" for a withheld count, else the numerator. */
static void tb_count(ds_textbuf *b, const ds_portrait *p, const ds_figure *fig)
{
    if (fig->withheld && !fig->secondary) {
        char buf[40];
        withheld_text(p, buf);
        ds_textbuf_puts(b, buf);
    } else {
        ds_textbuf_number(b, fig->numerator);
    }
}

static void write_figure_line(ds_textbuf *b, const ds_portrait *p, const ds_indicator *ind,
                              const char *scope, const ds_figure *fig, bool with_territory)
{
    if (with_territory) {
        ds_textbuf_puts(b, ds_level_name(p->level)), ds_textbuf_putc(b, ',');
        ds_textbuf_csv_field(b, p->code), ds_textbuf_putc(b, ',');
    }
    ds_textbuf_csv_field(b, ind->id), ds_textbuf_putc(b, ',');
    ds_textbuf_csv_field(b, scope), ds_textbuf_putc(b, ',');
    ds_textbuf_csv_field(b, fig->code), ds_textbuf_putc(b, ',');
    ds_textbuf_csv_field(b, fig->name), ds_textbuf_putc(b, ',');
    ds_textbuf_csv_field(b, ds_figure_origin_code(fig->origin)), ds_textbuf_putc(b, ',');
    tb_count(b, p, fig), ds_textbuf_putc(b, ',');
    ds_textbuf_number(b, fig->denominator), ds_textbuf_putc(b, ',');
    ds_textbuf_number(b, fig->value), ds_textbuf_putc(b, ',');
    ds_textbuf_number(b, fig->lower), ds_textbuf_putc(b, ',');
    ds_textbuf_number(b, fig->upper), ds_textbuf_putc(b, ',');
    ds_textbuf_csv_field(b, fig->method), ds_textbuf_putc(b, ',');
    ds_textbuf_puts(b, fig->withheld ? (fig->secondary ? "secondaire" : "primaire") : "");
    ds_textbuf_putc(b, ',');
    ds_textbuf_csv_field(b, fig->flag), ds_textbuf_putc(b, '\n');
}

static const char LONG_HEADER[] = "indicator,scope,code,name,origin,numerator,denominator,"
                                  "value,lower,upper,method,withheld,flag\n";

/* tables/portrait.csv: one line per indicator and place (territory, references, QPV,
 * outside, members). */
static void write_long_rows(ds_textbuf *b, const ds_portrait *p, bool with_territory)
{
    for (size_t i = 0; i < ds_portrait_rows(p); i++) {
        const ds_portrait_row *row = ds_portrait_row_at(p, i);
        for (int s = 0; s < DS_SCOPE_COUNT; s++) {
            const ds_figure *fig = &row->figure[s];
            if ((s == DS_SCOPE_QPV || s == DS_SCOPE_OUTSIDE_QPV) &&
                fig->origin == DS_ORIGIN_NONE && fig->flag == NULL)
                continue;
            write_figure_line(b, p, row->indicator, ds_scope_code((ds_scope)s), fig,
                              with_territory);
        }
        for (size_t k = 0; k < row->n_members; k++)
            write_figure_line(b, p, row->indicator, p->members_are_iris ? "iris" : "commune",
                              &row->members[k], with_territory);
    }
}

static bool write_long(FILE *f, const void *data)
{
    ds_textbuf b = {0};
    ds_textbuf_puts(&b, LONG_HEADER);
    write_long_rows(&b, ((const csv_job *)data)->p, false);
    bool ok = ds_textbuf_write(&b, f);
    ds_textbuf_free(&b);
    return ok;
}

void ds_portrait_format_table(ds_textbuf *b, const ds_portrait *p, bool header)
{
    if (header) {
        ds_textbuf_puts(b, "territory_level,territory_code,");
        ds_textbuf_puts(b, LONG_HEADER);
    }
    write_long_rows(b, p, true);
}

bool ds_portrait_write_long_csv(FILE *f, const ds_portrait *p)
{
    csv_job job = {p, 0};
    return write_long(f, &job) && !ferror(f);
}

bool ds_portrait_write_table(FILE *f, const ds_portrait *p, bool header)
{
    ds_textbuf b = {0};
    ds_portrait_format_table(&b, p, header);
    bool ok = ds_textbuf_write(&b, f) && !ferror(f);
    ds_textbuf_free(&b);
    return ok;
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

bool ds_portrait_write_chapter_csv(FILE *f, const ds_portrait *p, int chapter)
{
    csv_job job = {p, chapter};
    return write_chapter(f, &job) && !ferror(f);
}

bool ds_portrait_has_chapter(const ds_portrait *p, int chapter)
{
    for (size_t i = 0; i < ds_portrait_rows(p); i++)
        if (ds_portrait_row_at(p, i)->indicator->chapter == chapter)
            return true;
    return false;
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

static void json_figure(ds_textbuf *b, const ds_portrait *p, const ds_figure *fig)
{
    ds_textbuf_puts(b, "{\"code\":"), ds_textbuf_json_string(b, fig->code);
    ds_textbuf_puts(b, ",\"name\":"), ds_textbuf_json_string(b, fig->name);
    ds_textbuf_puts(b, ",\"origin\":");
    ds_textbuf_json_string(b, ds_figure_origin_code(fig->origin));
    ds_textbuf_puts(b, ",\"numerator\":"), ds_textbuf_json_number(b, fig->numerator);
    ds_textbuf_puts(b, ",\"denominator\":"), ds_textbuf_json_number(b, fig->denominator);
    ds_textbuf_puts(b, ",\"value\":"), ds_textbuf_json_number(b, fig->value);
    ds_textbuf_puts(b, ",\"lower\":"), ds_textbuf_json_number(b, fig->lower);
    ds_textbuf_puts(b, ",\"upper\":"), ds_textbuf_json_number(b, fig->upper);
    ds_textbuf_puts(b, ",\"method\":"), ds_textbuf_json_string(b, fig->method);
    ds_textbuf_puts(b, ",\"parts\":"), ds_textbuf_size(b, fig->parts);
    ds_textbuf_puts(b, ",\"parts_missing\":"), ds_textbuf_size(b, fig->parts_missing);
    ds_textbuf_puts(b, ",\"withheld\":");
    if (fig->withheld) {
        char buf[40];
        withheld_text(p, buf);
        ds_textbuf_puts(b, fig->secondary ? "\"secondary\",\"display\":"
                                          : "\"primary\",\"display\":");
        ds_textbuf_json_string(b, fig->secondary ? "s" : buf);
    } else {
        ds_textbuf_puts(b, "false");
    }
    ds_textbuf_puts(b, ",\"flag\":"), ds_textbuf_json_string(b, fig->flag);
    ds_textbuf_putc(b, '}');
}

static void json_estimate(ds_textbuf *b, const char *name, const ds_estimate *e)
{
    ds_textbuf_putc(b, '"'), ds_textbuf_puts(b, name), ds_textbuf_puts(b, "\":{\"value\":");
    ds_textbuf_json_number(b, e->value);
    ds_textbuf_puts(b, ",\"lower\":"), ds_textbuf_json_number(b, e->lower);
    ds_textbuf_puts(b, ",\"upper\":"), ds_textbuf_json_number(b, e->upper);
    ds_textbuf_puts(b, ",\"se\":"), ds_textbuf_json_number(b, e->se);
    ds_textbuf_putc(b, '}');
}

static void json_row(ds_textbuf *b, const ds_portrait *p, const ds_portrait_row *row)
{
    static const char *const refs[3] = {"departement", "region", "france"};
    const ds_indicator *ind = row->indicator;
    ds_textbuf_puts(b, "{\"id\":"), ds_textbuf_json_string(b, ind->id);
    ds_textbuf_puts(b, ",\"label\":"), ds_textbuf_json_string(b, ind->label);
    ds_textbuf_puts(b, ",\"chapter\":"), ds_textbuf_long(b, ind->chapter);
    ds_textbuf_puts(b, ",\"chapter_name\":");
    ds_textbuf_json_string(b, ds_chapter_name(ind->chapter));
    ds_textbuf_puts(b, ",\"bases\":[");
    bool first = true;
    for (int k = 0; k < DS_BASE_COUNT; k++)
        if (ind->bases & DS_BASE_BIT(k)) {
            if (!first)
                ds_textbuf_putc(b, ',');
            ds_textbuf_json_string(b, ds_base_code((ds_base)k));
            first = false;
        }
    ds_textbuf_puts(b, "],\"kind\":"), ds_textbuf_json_string(b, ds_indicator_kind_code(ind->kind));
    ds_textbuf_puts(b, ",\"unit\":"), ds_textbuf_json_string(b, ind->unit);
    ds_textbuf_puts(b, ",\"multiplier\":"), ds_textbuf_json_number(b, ind->multiplier);
    ds_textbuf_puts(b, ",\"polarity\":");
    ds_textbuf_json_string(b, ds_indicator_polarity_code(ind->polarity));
    ds_textbuf_puts(b, ",\"source\":"), ds_textbuf_json_string(b, ind->source);
    ds_textbuf_puts(b, ",\"figures\":{");
    for (int s = 0; s < DS_SCOPE_COUNT; s++) {
        ds_textbuf_puts(b, s ? ",\"" : "\""), ds_textbuf_puts(b, ds_scope_code((ds_scope)s));
        ds_textbuf_puts(b, "\":");
        json_figure(b, p, &row->figure[s]);
    }
    ds_textbuf_puts(b, "},\"comparisons\":{");
    for (int r = 0; r < 3; r++) {
        const ds_versus *v = &row->versus[r];
        ds_textbuf_puts(b, r ? ",\"" : "\""), ds_textbuf_puts(b, refs[r]);
        ds_textbuf_puts(b, "\":{\"available\":"), ds_textbuf_puts(b, v->available ? "true" : "false");
        ds_textbuf_puts(b, ",\"tested\":"), ds_textbuf_puts(b, v->tested ? "true" : "false");
        ds_textbuf_puts(b, ",\"method\":\"ci-benchmark\",\"ratio\":");
        ds_textbuf_json_number(b, v->ratio);
        ds_textbuf_puts(b, ",\"difference\":"), ds_textbuf_json_number(b, v->difference);
        ds_textbuf_puts(b, ",\"direction\":");
        ds_textbuf_json_string(b, v->available && v->tested
                                      ? ds_direction_name(v->comparison.direction) : NULL);
        ds_textbuf_puts(b, ",\"judgement\":");
        ds_textbuf_json_string(b, v->available && v->tested
                                      ? ds_judgement_name(v->comparison.judgement) : NULL);
        ds_textbuf_putc(b, '}');
    }
    ds_textbuf_puts(b, "},\"rank\":");
    if (row->rank > 0) {
        ds_textbuf_puts(b, "{\"rank\":"), ds_textbuf_long(b, row->rank);
        ds_textbuf_puts(b, ",\"of\":"), ds_textbuf_long(b, row->rank_of);
        ds_textbuf_puts(b, ",\"among\":\""), ds_textbuf_puts(b, ds_level_name(ds_portrait_level(p)));
        ds_textbuf_puts(b, " of the région\"}");
    } else {
        ds_textbuf_puts(b, "null");
    }
    ds_textbuf_putc(b, ','), json_estimate(b, "qpv_ratio", &row->qpv_ratio);
    ds_textbuf_puts(b, ",\"members\":{\"level\":\"");
    ds_textbuf_puts(b, p->members_are_iris ? "iris" : "commune");
    ds_textbuf_puts(b, "\",\"with_value\":"), ds_textbuf_size(b, row->members_with_value);
    ds_textbuf_puts(b, ",\"min\":"), ds_textbuf_json_number(b, row->min);
    ds_textbuf_puts(b, ",\"min_code\":"), ds_textbuf_json_string(b, row->min_code);
    ds_textbuf_puts(b, ",\"max\":"), ds_textbuf_json_number(b, row->max);
    ds_textbuf_puts(b, ",\"max_code\":"), ds_textbuf_json_string(b, row->max_code);
    ds_textbuf_puts(b, ",\"extreme_ratio\":"), ds_textbuf_json_number(b, row->extreme_ratio);
    ds_textbuf_puts(b, ",\"inequality\":");
    if (row->has_inequality) {
        const ds_inequality *q = &row->inequality;
        ds_textbuf_putc(b, '{');
        json_estimate(b, "bgv", &q->bgv), ds_textbuf_putc(b, ',');
        json_estimate(b, "theil", &q->theil), ds_textbuf_putc(b, ',');
        json_estimate(b, "mld", &q->mld), ds_textbuf_putc(b, ',');
        json_estimate(b, "idisp", &q->idisp), ds_textbuf_putc(b, ',');
        json_estimate(b, "d", &q->d), ds_textbuf_putc(b, ',');
        json_estimate(b, "r", &q->r);
        ds_textbuf_putc(b, '}');
    } else {
        ds_textbuf_puts(b, "null");
    }
    ds_textbuf_puts(b, ",\"figures\":[");
    for (size_t k = 0; k < row->n_members; k++) {
        if (k)
            ds_textbuf_putc(b, ',');
        json_figure(b, p, &row->members[k]);
    }
    ds_textbuf_puts(b, "]}}");
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
    static const char *const geometry_kinds[3][2] = {
        {"contours des communes", "attributs des communes"},
        {"contours des QPV", "attributs des QPV"},
        {"contours des IRIS", "attributs des IRIS"}};
    for (int g = 0; g < 3; g++)
        for (int k = 0; k < 2; k++)
            if (p->ctx->geometry_files[g][k][0] != '\0')
                ADD(geometry_kinds[g][k], p->ctx->geometry_files[g][k]);
#undef ADD
    return n;
}

/* The SHA-256 of input i, computed once per context (under its lock: batch workers
 * share it). */
static const char *input_sha(const ds_portrait *p, size_t i, size_t n, const char *const *paths)
{
    ds_portrait_context *ctx = p->ctx;
    pthread_mutex_lock(&ctx->lock);
    if (ctx->sha256 == NULL && (ctx->sha256 = calloc(n + 1, sizeof *ctx->sha256)) != NULL) {
        for (size_t k = 0; k < n; k++)
            if (!ds_sha256_file(paths[k], ctx->sha256[k]))
                ctx->sha256[k][0] = '\0';
        ctx->n_hashed = n;
    }
    const char *sha = ctx->sha256 != NULL && i < ctx->n_hashed && ctx->sha256[i][0]
                          ? ctx->sha256[i] : NULL;
    pthread_mutex_unlock(&ctx->lock);
    return sha;
}

/* ,"ages":{...} when the configuration has [ages]: the groups, and per side (territory,
 * reference) the place, its total and its cells (count and percent, null when withheld). */
static void json_age_side(ds_textbuf *b, const ds_age_pyramid *a, const ds_age_side *side)
{
    ds_textbuf_puts(b, "{\"code\":"), ds_textbuf_json_string(b, side->code);
    ds_textbuf_puts(b, ",\"name\":"), ds_textbuf_json_string(b, side->name);
    ds_textbuf_puts(b, side->available ? ",\"available\":true,\"flag\":"
                                       : ",\"available\":false,\"flag\":");
    ds_textbuf_json_string(b, side->flag);
    ds_textbuf_puts(b, ",\"total\":"), ds_textbuf_json_number(b, side->available ? side->total : NAN);
    ds_textbuf_puts(b, ",\"cells\":[");
    for (size_t k = 0; side->available && k < a->groups * (size_t)a->sexes; k++) {
        const ds_age_cell *c = &side->cells[k];
        ds_textbuf_puts(b, k ? ",{\"group\":" : "{\"group\":");
        ds_textbuf_size(b, k / (size_t)a->sexes);
        ds_textbuf_puts(b, ",\"sex\":\"");
        ds_textbuf_puts(b, a->sexes == 1 ? "ensemble" : k % 2 == 0 ? "hommes" : "femmes");
        ds_textbuf_puts(b, "\",\"count\":");
        ds_textbuf_json_number(b, c->count);
        ds_textbuf_puts(b, ",\"percent\":"), ds_textbuf_json_number(b, c->percent);
        ds_textbuf_puts(b, ",\"withheld\":");
        ds_textbuf_puts(b, !c->withheld ? "false}" : c->secondary ? "\"secondary\"}" : "\"primary\"}");
    }
    ds_textbuf_puts(b, "]}");
}

static void json_ages(ds_textbuf *b, const ds_portrait *p)
{
    const ds_age_pyramid *a = ds_portrait_ages(p);
    if (a == NULL)
        return;
    ds_textbuf_puts(b, ",\"ages\":{\"groups\":[");
    for (size_t g = 0; g < a->groups; g++) {
        ds_textbuf_puts(b, g ? "," : "");
        ds_textbuf_puts(b, "{\"label\":"), ds_textbuf_json_string(b, a->group[g].label);
        ds_textbuf_puts(b, ",\"columns\":["), ds_textbuf_json_string(b, a->group[g].column[0]);
        if (a->sexes == 2)
            ds_textbuf_putc(b, ','), ds_textbuf_json_string(b, a->group[g].column[1]);
        ds_textbuf_puts(b, "]}");
    }
    ds_textbuf_puts(b, "],\"sexes\":"), ds_textbuf_long(b, a->sexes);
    ds_textbuf_puts(b, ",\"territory\":");
    json_age_side(b, a, &a->territory);
    ds_textbuf_puts(b, ",\"reference\":");
    if (a->has_reference)
        json_age_side(b, a, &a->reference);
    else
        ds_textbuf_puts(b, "null");
    ds_textbuf_putc(b, '}');
}

static void write_json_object(ds_textbuf *b, const ds_portrait *p, bool one_line)
{
    const ds_config *c = ds_portrait_config(p);
    ds_textbuf_puts(b, "{\"schema\":\"diagsante-portrait/1\",\"version\":\"" DS_VERSION "\"");
    ds_textbuf_puts(b, ",\"territory\":{\"code\":"), ds_textbuf_json_string(b, p->code);
    ds_textbuf_puts(b, ",\"name\":"), ds_textbuf_json_string(b, p->name);
    ds_textbuf_puts(b, ",\"level\":"), ds_textbuf_json_string(b, ds_level_name(p->level));
    ds_textbuf_puts(b, ",\"departement\":");
    ds_textbuf_json_string(b, p->departement[0] ? p->departement : NULL);
    ds_textbuf_puts(b, ",\"region\":"), ds_textbuf_json_string(b, p->region[0] ? p->region : NULL);
    ds_textbuf_puts(b, ",\"population\":"), ds_textbuf_json_number(b, p->population);
    ds_textbuf_puts(b, ",\"qpv_population\":"), ds_textbuf_json_number(b, p->qpv_population);
    ds_textbuf_puts(b, ",\"qpv\":[");
    for (size_t k = 0; k < p->qpv.count; k++) {
        if (k)
            ds_textbuf_putc(b, ',');
        ds_textbuf_json_string(b, p->qpv.items[k]);
    }
    ds_textbuf_puts(b, "],\"qpv_straddling\":"), ds_textbuf_size(b, p->qpv_straddling);
    ds_textbuf_puts(b, "},\"settings\":{\"confidence\":"), ds_textbuf_json_number(b, c->confidence);
    ds_textbuf_puts(b, ",\"disclosure_threshold\":"), ds_textbuf_long(b, c->threshold);
    ds_textbuf_puts(b, ",\"comparison\":\"ci-benchmark\",\"fictitious\":");
    ds_textbuf_puts(b, c->fictitious ? "true" : "false");
    ds_textbuf_puts(b, "},\"provenance\":{\"referential\":");
    ds_textbuf_json_string(b, ds_portrait_referential_vintage(p));
    ds_textbuf_puts(b, ",\"inputs\":[");
    const char *kinds[80], *paths[80];
    size_t n = ds_portrait_inputs(p, kinds, paths, 80);
    for (size_t i = 0; i < n; i++) {
        ds_textbuf_puts(b, i ? ",{\"role\":" : "{\"role\":"), ds_textbuf_json_string(b, kinds[i]);
        ds_textbuf_puts(b, ",\"path\":"), ds_textbuf_json_string(b, paths[i]);
        ds_textbuf_puts(b, ",\"sha256\":"), ds_textbuf_json_string(b, input_sha(p, i, n, paths));
        ds_textbuf_putc(b, '}');
    }
    ds_textbuf_puts(b, "]},\"withheld\":"), ds_textbuf_size(b, ds_portrait_withheld_count(p));
    ds_textbuf_puts(b, ",\"indicators\":[");
    const char *sep = one_line ? "" : "\n";
    for (size_t i = 0; i < ds_portrait_rows(p); i++) {
        ds_textbuf_puts(b, i ? "," : ""), ds_textbuf_puts(b, sep);
        json_row(b, p, ds_portrait_row_at(p, i));
    }
    ds_textbuf_puts(b, sep), ds_textbuf_puts(b, "]");
    json_ages(b, p);
    ds_textbuf_puts(b, "}\n");
}

static bool write_json(FILE *f, const void *data)
{
    ds_textbuf b = {0};
    write_json_object(&b, data, false);
    bool ok = ds_textbuf_write(&b, f) && !ferror(f);
    ds_textbuf_free(&b);
    return ok;
}

void ds_portrait_format_json_line(ds_textbuf *b, const ds_portrait *p)
{
    write_json_object(b, p, true);
}

bool ds_portrait_write_json_line(FILE *f, const ds_portrait *p)
{
    ds_textbuf b = {0};
    write_json_object(&b, p, true);
    bool ok = ds_textbuf_write(&b, f) && !ferror(f);
    ds_textbuf_free(&b);
    return ok;
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
        csv_job job = {p, 0};
        if (st == DS_OK)
            st = ds_output_write_in(group, tables, "portrait.csv", write_long, &job, err);
        for (int chapter = 1; chapter <= DS_CHAPTER_COUNT && st == DS_OK; chapter++) {
            if (!ds_portrait_has_chapter(p, chapter))
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
    if (st == DS_OK && what->excel)
        st = ds_portrait_write_excel(group, p, dir, err);
    if (st == DS_OK && what->geojson)
        st = ds_portrait_write_geojson(group, p, dir, err);
    return st;
}
