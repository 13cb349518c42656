/* diagsante — the portrait de santé: figures, comparisons, QPV versus the rest,
 * inequality between members and disclosure (portrait.h). Writing is in
 * portrait_write.c. */
#include "portrait_model.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/csv_table.h"
#include "diagsante/stats.h"

static const char *const SCOPE_CODES[DS_SCOPE_COUNT] = {
    "territoire", "departement", "region", "france", "qpv", "hors_qpv"};
static const char *const ORIGIN_CODES[] = {"absent", "publie", "somme", "difference"};

const char *ds_scope_code(ds_scope scope)
{
    return (unsigned)scope < DS_SCOPE_COUNT ? SCOPE_CODES[scope] : NULL;
}

const char *ds_figure_origin_code(ds_figure_origin origin)
{
    return (unsigned)origin <= DS_ORIGIN_DIFFERENCE ? ORIGIN_CODES[origin] : NULL;
}

/* --- strings owned by a portrait or a context ---------------------------------------- */

/* Keeps a copy of text in the pool; NULL when memory runs out. */
const char *ds_pool_keep(ds_pool *pool, const char *text)
{
    if (text == NULL)
        return NULL;
    if (pool->n == pool->cap) {
        size_t cap = pool->cap ? 2 * pool->cap : 64;
        char **p = realloc(pool->items, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        pool->items = p, pool->cap = cap;
    }
    char *copy = strdup(text);
    if (copy != NULL)
        pool->items[pool->n++] = copy;
    return copy;
}

const char *ds_pool_printf(ds_pool *pool, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ds_pool_keep(pool, buf);
}

void ds_pool_free(ds_pool *pool)
{
    for (size_t i = 0; i < pool->n; i++)
        free(pool->items[i]);
    free(pool->items);
    *pool = (ds_pool){0};
}

/* --- the context: data files indexed by code -------------------------------------------- */

static ds_data_level data_level_of(ds_level level)
{
    switch (level) {
    case DS_LEVEL_COMMUNE: return DS_DATA_COMMUNE;
    case DS_LEVEL_EPCI: return DS_DATA_EPCI;
    case DS_LEVEL_DEPARTEMENT: return DS_DATA_DEPARTEMENT;
    case DS_LEVEL_REGION: return DS_DATA_REGION;
    case DS_LEVEL_QPV: return DS_DATA_QPV;
    default: return DS_DATA_LEVEL_COUNT; /* custom territories have no data files */
    }
}

/* The code kinds a file of that level holds (two for QPV: both generations). */
static void kinds_of(ds_data_level level, ds_code_kind kinds[2])
{
    static const ds_code_kind table[DS_DATA_LEVEL_COUNT][2] = {
        [DS_DATA_COMMUNE] = {DS_CODE_COMMUNE, DS_CODE_NONE},
        [DS_DATA_IRIS] = {DS_CODE_IRIS, DS_CODE_NONE},
        [DS_DATA_QPV] = {DS_CODE_QPV2015, DS_CODE_QPV2024},
        [DS_DATA_EPCI] = {DS_CODE_EPCI, DS_CODE_NONE},
        [DS_DATA_DEPARTEMENT] = {DS_CODE_DEPARTEMENT, DS_CODE_NONE},
        [DS_DATA_REGION] = {DS_CODE_REGION, DS_CODE_NONE},
        [DS_DATA_FRANCE] = {DS_CODE_NONE, DS_CODE_NONE}};
    kinds[0] = table[level][0], kinds[1] = table[level][1];
}

/* The code of a row as a code of the file's level, false when the cell is none. */
static bool row_code(const data_source *s, size_t row, char out[DS_CODE_MAX])
{
    char buf[DS_CELL_TEXT_MAX];
    const char *text = ds_table_cell_text(s->table, row, (size_t)s->code_column, buf);
    ds_code_kind kinds[2];
    kinds_of(s->level, kinds);
    for (int k = 0; k < 2 && text != NULL; k++)
        if (kinds[k] != DS_CODE_NONE && ds_code_normalize(kinds[k], text, out, NULL) == DS_OK)
            return true;
    return false;
}

/* The code column: the one ds_table_load found when it is of the file's level, else the
 * first column whose every cell is a code of that level (a file of one or two rows is
 * too short for the detection). -1 when there is none. */
static long code_column(data_source *s)
{
    const ds_load_report *report = ds_table_report(s->table);
    size_t rows = ds_table_rows(s->table);
    for (long col = -1; col < (long)ds_table_columns(s->table); col++) {
        s->code_column = col < 0 ? report->territory_column : col;
        if (s->code_column < 0)
            continue;
        size_t good = 0;
        char code[DS_CODE_MAX];
        for (size_t r = 0; r < rows; r++)
            good += row_code(s, r, code);
        if (good > 0 && good * 10 >= rows * 9) /* a total row ("Ensemble") may be there */
            return s->code_column;
    }
    return s->code_column = -1;
}

/* Adds to a missing-file message where the configuration names the file:
 * "...: No such file or directory (diagnostic.ini: [data] commune, line 15)". */
static ds_status named_in(const ds_config *config, ds_error *err, ds_status st,
                          const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static ds_status named_in(const ds_config *config, ds_error *err, ds_status st,
                          const char *fmt, ...)
{
    if (err == NULL || config->path == NULL)
        return st;
    char key[256], message[DS_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(key, sizeof key, fmt, ap);
    va_end(ap);
    snprintf(message, sizeof message, "%s", err->message);
    return ds_error_set(err, st, "%s (%s: %s)", message, config->path, key);
}

/* Loads one data file and indexes its rows by code (communes by current commune). */
static ds_status open_source(ds_portrait_context *ctx, const ds_data_file *file,
                             data_source *s, ds_error *err)
{
    ds_csv_options options;
    ds_csv_options_init(&options);
    s->level = file->level;
    s->path = file->path;
    ds_text_dict_init(&s->codes);
    ds_status st = ds_table_load(file->path, &options, &s->table, err);
    if (st == DS_ENOINPUT)
        return named_in(ctx->config, err, st, "[data] %s", ds_data_level_name(file->level));
    if (st != DS_OK)
        return st;
    size_t rows = ds_table_rows(s->table);
    if (file->level == DS_DATA_FRANCE) {
        if (rows != 1)
            return ds_error_set(err, DS_EDATA, "%s: a france file has one data row, not %zu",
                                s->path, rows);
        s->code_column = -1;
        return DS_OK;
    }
    if (code_column(s) < 0)
        return ds_error_set(err, DS_EDATA, "%s: no column holds %s codes (the file is given as "
                            "[data] %s)", s->path, ds_data_level_name(file->level),
                            ds_data_level_name(file->level));
    s->row_of = malloc((rows + 1) * sizeof *s->row_of);
    if (s->row_of == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t r = 0; r < rows; r++) {
        char key[DS_CODE_MAX];
        if (!row_code(s, r, key)) {
            s->rows_without_code++;
            continue;
        }
        char current[DS_CODE_MAX];
        if (file->level == DS_DATA_COMMUNE &&
            ds_referential_map_commune(ctx->ref, key, current) != DS_MAP_CURRENT) {
            s->rows_unknown++; /* former communes: put them on today's with `remap` */
            continue;
        }
        size_t before = s->codes.count;
        uint32_t id = ds_text_dict_intern(&s->codes, key, strlen(key));
        if (id == UINT32_MAX)
            return ds_error_set(err, DS_ENOMEM, "out of memory");
        if (s->codes.count == before)
            return ds_error_set(err, DS_EDATA, "%s:%zu: territory %s is on two rows (first on "
                                "line %zu)", s->path, ds_table_row_line(s->table, r), key,
                                ds_table_row_line(s->table, s->row_of[id]));
        s->row_of[id] = r;
    }
    return DS_OK;
}

/* Finds, for indicator i, role and data level, the first file of that level holding the
 * column: the configuration's column.ID.ROLE.LEVEL, else column.ID.ROLE, else the
 * dictionary's name. */
void ds_portrait_locate(ds_portrait_context *ctx, size_t i)
{
    const ds_config *c = ctx->config;
    const ds_indicator *ind = ctx->ind[i];
    for (int level = 0; level < DS_DATA_LEVEL_COUNT; level++) {
        const char *names[3] = {ind->numerator_column, ind->denominator_column,
                                ind->value_column};
        for (int pass = 0; pass < 2; pass++) /* every level first, then this level's */
            for (size_t o = 0; o < c->n_overrides; o++)
                if (strcmp(c->overrides[o].indicator, ind->id) == 0 &&
                    (pass == 0 ? c->overrides[o].level == DS_DATA_LEVEL_COUNT
                               : (int)c->overrides[o].level == level))
                    names[c->overrides[o].role] = c->overrides[o].column;
        for (int role = 0; role < 3; role++) {
            column_ref *ref = &ctx->cols[i].at[level][role];
            ref->source = -1;
            ref->column = -1;
            for (size_t s = 0; s < ctx->n_sources && names[role] != NULL; s++) {
                if ((int)ctx->sources[s].level != level)
                    continue;
                long col = ds_table_column_index(ctx->sources[s].table, names[role]);
                if (col >= 0 &&
                    ds_table_column_type(ctx->sources[s].table, (size_t)col) ==
                        DS_COLUMN_NUMBER) {
                    ref->source = (int)s, ref->column = col;
                    break;
                }
            }
        }
    }
}

static ds_status locate_columns(ds_portrait_context *ctx, ds_error *err)
{
    const ds_config *c = ctx->config;
    for (size_t o = 0; o < c->n_overrides; o++)
        if (ds_dictionary_find(ctx->dict, c->overrides[o].indicator) == NULL)
            return ds_error_set(err, DS_EDATA, "%s: column.%s: no indicator '%s' in %s",
                                c->path, c->overrides[o].indicator, c->overrides[o].indicator,
                                c->dictionary);
    ctx->cols = calloc(ctx->n_ind + 1, sizeof *ctx->cols);
    if (ctx->cols == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t i = 0; i < ctx->n_ind; i++)
        ds_portrait_locate(ctx, i);
    return DS_OK;
}

/* Groups the IRIS rows of each IRIS file by current commune. */
static ds_status index_iris(ds_portrait_context *ctx, ds_error *err)
{
    ds_text_dict_init(&ctx->iris_communes);
    ds_text_dict_init(&ctx->reference_keys);
    for (size_t s = 0; s < ctx->n_sources; s++) {
        data_source *src = &ctx->sources[s];
        if (src->level != DS_DATA_IRIS)
            continue;
        for (uint32_t id = 0; id < src->codes.count; id++) {
            const char *iris = ds_text_dict_get(&src->codes, id);
            char commune[DS_CODE_MAX], current[DS_CODE_MAX];
            snprintf(commune, sizeof commune, "%.5s", iris);
            if (ds_referential_map_commune(ctx->ref, commune, current) == DS_MAP_UNKNOWN) {
                src->rows_unknown++;
                continue;
            }
            uint32_t c = ds_text_dict_intern(&ctx->iris_communes, current, strlen(current));
            if (c == UINT32_MAX)
                return ds_error_set(err, DS_ENOMEM, "out of memory");
            if (ctx->n_iris == ctx->cap_iris) {
                size_t cap = ctx->cap_iris ? 2 * ctx->cap_iris : 1024;
                iris_row *p = realloc(ctx->iris, cap * sizeof *p);
                if (p == NULL)
                    return ds_error_set(err, DS_ENOMEM, "out of memory");
                ctx->iris = p, ctx->cap_iris = cap;
            }
            ctx->iris[ctx->n_iris++] = (iris_row){c, (uint32_t)s, src->row_of[id], iris};
        }
    }
    return DS_OK;
}

static int compare_iris(const void *a, const void *b)
{
    const iris_row *x = a, *y = b;
    if (x->commune != y->commune)
        return x->commune < y->commune ? -1 : 1;
    return strcmp(x->code, y->code);
}

static bool selected(const ds_config *c, const char *id)
{
    if (c->n_select == 0)
        return true;
    for (size_t i = 0; i < c->n_select; i++)
        if (strcmp(c->select[i], id) == 0)
            return true;
    return false;
}

/* Keeps the indicators selected that some file can give (all of them when select
 * names them: then a missing column is said in the figure's flag). */
static ds_status choose_indicators(ds_portrait_context *ctx, ds_error *err)
{
    const ds_config *c = ctx->config;
    for (size_t i = 0; i < c->n_select; i++)
        if (ds_dictionary_find(ctx->dict, c->select[i]) == NULL)
            return ds_error_set(err, DS_EDATA, "%s: [indicators] select: no indicator '%s' in %s",
                                c->path, c->select[i], c->dictionary);
    size_t n = ds_dictionary_count(ctx->dict);
    ctx->ind = malloc((n + 1) * sizeof *ctx->ind);
    if (ctx->ind == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const ds_indicator *ind = ds_dictionary_indicator(ctx->dict, i);
        if (selected(c, ind->id))
            ctx->ind[ctx->n_ind++] = ind;
    }
    return DS_OK;
}

/* After the columns are located: drops (when nothing was selected by name) the
 * indicators no file gives. */
static void drop_indicators_without_data(ds_portrait_context *ctx)
{
    if (ctx->config->n_select > 0)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < ctx->n_ind; i++) {
        bool any = false;
        for (int level = 0; level < DS_DATA_LEVEL_COUNT; level++)
            any = any || ctx->cols[i].at[level][DS_ROLE_NUMERATOR].source >= 0 ||
                  ctx->cols[i].at[level][DS_ROLE_VALUE].source >= 0;
        if (any) {
            ctx->ind[kept] = ctx->ind[i];
            ctx->cols[kept++] = ctx->cols[i];
        }
    }
    ctx->n_ind = kept;
}

/* The current metropolitan communes (régions 11 and above), for France sums. */
static ds_status list_metropolitan(ds_portrait_context *ctx, ds_error *err)
{
    ds_code_list all = {0};
    ds_status st = ds_referential_codes(ctx->ref, DS_LEVEL_COMMUNE, &all, err);
    if (st != DS_OK)
        return st;
    for (size_t i = 0; i < all.count && st == DS_OK; i++) {
        char region[DS_CODE_MAX];
        if (ds_referential_parent(ctx->ref, DS_LEVEL_COMMUNE, all.items[i], DS_LEVEL_REGION,
                                  region, NULL) != DS_OK || strcmp(region, "11") < 0) {
            free(all.items[i]);
            continue;
        }
        all.items[ctx->metropolitan.count++] = all.items[i];
    }
    ctx->metropolitan.items = all.items;
    return st;
}

/* The .shp and .dbf of each [geometry] layer, for the provenance: a shapefile is given
 * as its .shp or its name without extension, and its .dbf holds the ids. */
static void geometry_files(ds_portrait_context *ctx)
{
    const ds_config *c = ctx->config;
    const char *given[3] = {c->communes_shp, c->qpv_shp, c->iris_shp};
    for (int g = 0; g < 3; g++) {
        if (given[g] == NULL)
            continue;
        size_t len = strlen(given[g]);
        bool ext = len > 4 && (strcmp(given[g] + len - 4, ".shp") == 0 ||
                               strcmp(given[g] + len - 4, ".SHP") == 0);
        int base = (int)(ext ? len - 4 : len);
        snprintf(ctx->geometry_files[g][0], sizeof ctx->geometry_files[g][0], "%.*s%s", base,
                 given[g], ext ? given[g] + base : ".shp");
        snprintf(ctx->geometry_files[g][1], sizeof ctx->geometry_files[g][1], "%.*s%s", base,
                 given[g], ext && given[g][len - 1] == 'P' ? ".DBF" : ".dbf");
    }
}

ds_status ds_portrait_context_open(const ds_config *config, ds_portrait_context **out,
                                   ds_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (config == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_portrait_context_open: NULL argument");
    ds_portrait_context *ctx = calloc(1, sizeof *ctx);
    if (ctx == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    if (pthread_mutex_init(&ctx->lock, NULL) != 0) {
        free(ctx);
        return ds_error_set(err, DS_ENOMEM, "cannot create a mutex");
    }
    ctx->config = config;
    /* a missing file also names the key of the configuration that gives it */
    geometry_files(ctx);
    ds_status st = ds_referential_open(config->referential_dir, &ctx->ref, err);
    if (st == DS_ENOINPUT)
        st = named_in(config, err, st, "[referential] dir");
    if (st == DS_OK && config->qpv_communes != NULL) {
        st = ds_referential_load_qpv(ctx->ref, config->qpv_communes, config->qpv_column,
                                     config->commune_column, err);
        if (st == DS_ENOINPUT)
            st = named_in(config, err, st, "[referential] qpv_communes");
    }
    if (st == DS_OK && config->definitions != NULL) {
        st = ds_referential_load_territories(ctx->ref, config->definitions, err);
        if (st == DS_ENOINPUT)
            st = named_in(config, err, st, "[territory] definitions");
    }
    if (st == DS_OK) {
        st = ds_dictionary_load(config->dictionary, &ctx->dict, err);
        if (st == DS_ENOINPUT)
            st = named_in(config, err, st, "[indicators] dictionary");
    }
    if (st == DS_OK) {
        ctx->sources = calloc(config->n_data + 1, sizeof *ctx->sources);
        if (ctx->sources == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; st == DS_OK && i < config->n_data; i++) {
        ctx->n_sources++;
        st = open_source(ctx, &config->data[i], &ctx->sources[i], err);
    }
    if (st == DS_OK)
        st = choose_indicators(ctx, err);
    if (st == DS_OK)
        st = locate_columns(ctx, err);
    if (st == DS_OK)
        drop_indicators_without_data(ctx);
    if (st == DS_OK)
        st = ds_portrait_ages_prepare(ctx, err);
    if (st == DS_OK)
        st = index_iris(ctx, err);
    if (st == DS_OK && ctx->n_iris > 1)
        qsort(ctx->iris, ctx->n_iris, sizeof *ctx->iris, compare_iris);
    if (st == DS_OK)
        st = list_metropolitan(ctx, err);
    if (st != DS_OK) {
        ds_portrait_context_free(ctx);
        return st;
    }
    *out = ctx;
    return DS_OK;
}

static void free_secondary_cache(ds_portrait_context *ctx, secondary_cache *sc);

void ds_portrait_context_free(ds_portrait_context *ctx)
{
    if (ctx == NULL)
        return;
    for (size_t s = 0; s < ctx->n_sources; s++) {
        ds_table_free(ctx->sources[s].table);
        ds_text_dict_free(&ctx->sources[s].codes);
        free(ctx->sources[s].row_of);
    }
    free(ctx->sources);
    for (size_t i = 0; i < ctx->n_ranks; i++) {
        free(ctx->ranks[i]->values);
        free(ctx->ranks[i]);
    }
    free(ctx->ranks);
    for (size_t i = 0; i < ctx->n_secondaries; i++)
        free_secondary_cache(ctx, ctx->secondaries[i]);
    free(ctx->secondaries);
    free(ctx->cols);
    free(ctx->ind);
    ds_portrait_ages_context_free(ctx);
    free(ctx->iris);
    free(ctx->sha256);
    for (size_t k = 0; k < ctx->reference_keys.count; k++)
        free(ctx->reference_figures[k]);
    free(ctx->reference_figures);
    ds_text_dict_free(&ctx->reference_keys);
    ds_pool_free(&ctx->pool);
    ds_text_dict_free(&ctx->iris_communes);
    ds_code_list_free(&ctx->metropolitan);
    ds_dictionary_free(ctx->dict);
    ds_referential_free(ctx->ref);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx);
}

const ds_referential *ds_portrait_context_referential(const ds_portrait_context *ctx)
{
    return ctx->ref;
}

/* --- reading the figures of one unit ---------------------------------------------------- */

/* The three numbers of indicator i on one data row. */
typedef struct raw {
    bool row;              /* a row was found */
    int state[3];          /* per role: 0 no column, 1 value, 2 missing or secret */
    double v[3];           /* numerator, denominator, value */
} raw;

static uint32_t find_row(const data_source *s, const char *code, size_t *row)
{
    if (s->level == DS_DATA_FRANCE) {
        *row = 0;
        return 0;
    }
    uint32_t id = ds_text_dict_find(&s->codes, code, strlen(code));
    if (id != UINT32_MAX)
        *row = s->row_of[id];
    return id;
}

/* Reads indicator i of the unit code at data level `level`. */
static raw read_unit(const ds_portrait_context *ctx, size_t i, ds_data_level level,
                     const char *code)
{
    raw r = {0};
    for (int role = 0; role < 3; role++) {
        const column_ref *ref = &ctx->cols[i].at[level][role];
        if (ref->source < 0)
            continue;
        const data_source *s = &ctx->sources[ref->source];
        size_t row;
        if (find_row(s, code, &row) == UINT32_MAX)
            continue;
        r.row = true;
        double v;
        if (ds_table_number(s->table, row, (size_t)ref->column, &v) == DS_CELL_VALUE)
            r.state[role] = 1, r.v[role] = v;
        else
            r.state[role] = 2;
    }
    return r;
}

/* Whether an indicator is read as numerator (and denominator) rather than a value. */
static bool counted(const ds_indicator *ind)
{
    return ind->numerator_column != NULL || ind->kind == DS_KIND_COUNT;
}

static bool needs_denominator(const ds_indicator *ind)
{
    return ind->kind != DS_KIND_COUNT;
}

/* Sum of one commune: its own row, or its IRIS. *state 1 value, 2 missing. */
static int commune_counts(const ds_portrait_context *ctx, size_t i, const char *commune,
                          double *num, double *den)
{
    const ds_indicator *ind = ctx->ind[i];
    raw r = read_unit(ctx, i, DS_DATA_COMMUNE, commune);
    if (r.state[0] != 0) {
        bool ok = r.state[0] == 1 && (!needs_denominator(ind) || r.state[1] == 1);
        if (ok)
            *num = r.v[0], *den = needs_denominator(ind) ? r.v[1] : NAN;
        return ok ? 1 : 2;
    }
    uint32_t c = ds_text_dict_find(&ctx->iris_communes, commune, strlen(commune));
    if (c == UINT32_MAX || ctx->cols[i].at[DS_DATA_IRIS][0].source < 0)
        return 0;
    /* The IRIS of the commune are contiguous in ctx->iris (sorted by commune). */
    size_t lo = 0, hi = ctx->n_iris;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ctx->iris[mid].commune < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    double n = 0, d = 0;
    int state = 0;
    for (size_t k = lo; k < ctx->n_iris && ctx->iris[k].commune == c; k++) {
        raw ir = read_unit(ctx, i, DS_DATA_IRIS, ctx->iris[k].code);
        if (ir.state[0] != 1 || (needs_denominator(ind) && ir.state[1] != 1))
            return 2;
        n += ir.v[0];
        d += needs_denominator(ind) ? ir.v[1] : 0;
        state = 1;
    }
    if (state == 1)
        *num = n, *den = needs_denominator(ind) ? d : NAN;
    return state;
}

/* Fills value and interval from numerator and denominator, by kind. */
static void finish_counts(const ds_portrait_context *ctx, const ds_indicator *ind,
                          ds_figure *f, ds_pool *pool)
{
    double x = f->numerator, n = f->denominator, m = ind->multiplier;
    double level = ctx->config->confidence;
    ds_ci ci = {NAN, NAN, NAN};
    const char *method = NULL;
    ds_status st = DS_OK;
    ds_error e;
    switch (ind->kind) {
    case DS_KIND_COUNT:
        f->value = x;
        return;
    case DS_KIND_PROPORTION:
        st = ds_stats_proportion(x, n, level, &ci, &method, &e);
        if (st == DS_OK)
            ci.value *= m, ci.lower *= m, ci.upper *= m;
        break;
    case DS_KIND_RATE:
    case DS_KIND_ISR:
        st = ds_stats_rate(x, n, m, level, &ci, &method, &e);
        break;
    default: /* index, mean, dsr, median given as sums: a ratio without interval */
        if (n > 0 && isfinite(x))
            f->value = x / n * m;
        else
            f->flag = ds_pool_printf(pool, "dénominateur nul ou absent");
        return;
    }
    if (st != DS_OK) {
        f->origin = DS_ORIGIN_NONE;
        f->flag = ds_pool_printf(pool, "calcul impossible : %s", e.message);
        return;
    }
    f->value = ci.value, f->lower = ci.lower, f->upper = ci.upper;
    f->method = method;
}

static ds_figure empty_figure(void)
{
    return (ds_figure){.origin = DS_ORIGIN_NONE, .numerator = NAN, .denominator = NAN,
                       .value = NAN, .lower = NAN, .upper = NAN};
}

/* The figure of a list of communes summed (origin SUM). */
static void sum_communes(const ds_portrait_context *ctx, size_t i, const ds_code_list *communes,
                         ds_figure *f, ds_pool *pool)
{
    const ds_indicator *ind = ctx->ind[i];
    if (!ind->aggregable) {
        f->flag = "non agrégeable (médiane, taux standardisé ou indice publié) : pas de valeur "
                  "publiée pour ce territoire";
        return;
    }
    double num = 0, den = 0;
    size_t missing = 0, with = 0;
    for (size_t k = 0; k < communes->count; k++) {
        double a = NAN, b = NAN;
        int state = commune_counts(ctx, i, communes->items[k], &a, &b);
        if (state == 1) {
            num += a, den += needs_denominator(ind) ? b : 0;
            with++;
        } else {
            missing++;
        }
    }
    f->parts = with, f->parts_missing = missing;
    if (missing > 0 || with == 0) {
        f->flag = ds_pool_printf(pool, "%zu commune%s sur %zu sans donnée : total non calculé",
                                 missing, missing > 1 ? "s" : "", communes->count);
        return;
    }
    f->origin = DS_ORIGIN_SUM;
    f->numerator = num;
    f->denominator = needs_denominator(ind) ? den : NAN;
    finish_counts(ctx, ind, f, pool);
}

/* The figure of the unit code at data level (published), NONE when absent. */
static void published(const ds_portrait_context *ctx, size_t i, ds_data_level level,
                      const char *code, ds_figure *f, ds_pool *pool)
{
    const ds_indicator *ind = ctx->ind[i];
    raw r = read_unit(ctx, i, level, code);
    if (!r.row)
        return;
    if (counted(ind) && r.state[0] == 1 && (!needs_denominator(ind) || r.state[1] == 1)) {
        f->origin = DS_ORIGIN_PUBLISHED;
        f->numerator = r.v[0];
        f->denominator = needs_denominator(ind) ? r.v[1] : NAN;
        finish_counts(ctx, ind, f, pool);
        return;
    }
    if (r.state[2] == 1) {
        f->origin = DS_ORIGIN_PUBLISHED;
        f->value = r.v[2];
        return;
    }
    if (r.state[0] == 2 || r.state[2] == 2)
        f->flag = "valeur manquante ou soumise au secret dans le fichier publié";
}

/* The figure of a territory at any level: published, else summed over its communes. */
static ds_status territory_figure(ds_portrait_context *ctx, size_t i, ds_level level,
                                  const char *code, ds_figure *f, ds_pool *pool, ds_error *err)
{
    *f = empty_figure();
    ds_data_level dl = data_level_of(level);
    if (dl != DS_DATA_LEVEL_COUNT)
        published(ctx, i, dl, code, f, pool);
    if (f->origin != DS_ORIGIN_NONE || level == DS_LEVEL_QPV)
        return DS_OK;
    const char *published_flag = f->flag;
    ds_code_list communes = {0};
    ds_status st;
    if (level == DS_LEVEL_COMMUNE) {
        communes.count = 1;
        communes.items = (char **)&code;
        sum_communes(ctx, i, &communes, f, pool);
        if (f->origin == DS_ORIGIN_NONE && published_flag != NULL)
            f->flag = published_flag;
        return DS_OK;
    }
    st = ds_referential_members(ctx->ref, level, code, DS_LEVEL_COMMUNE, &communes, err);
    if (st != DS_OK)
        return st;
    sum_communes(ctx, i, &communes, f, pool);
    ds_code_list_free(&communes);
    return DS_OK;
}

static ds_status france_figure(ds_portrait_context *ctx, size_t i, ds_figure *f, ds_pool *pool)
{
    *f = empty_figure();
    published(ctx, i, DS_DATA_FRANCE, "", f, pool);
    if (f->origin == DS_ORIGIN_NONE) {
        sum_communes(ctx, i, &ctx->metropolitan, f, pool);
        if (f->origin == DS_ORIGIN_NONE)
            f->flag = "pas de valeur pour la France métropolitaine (ni publiée, ni toutes les "
                      "communes)";
    }
    f->code = "FRANCE";
    f->name = "France métropolitaine";
    return DS_OK;
}

ds_status ds_portrait_place_figure(ds_portrait_context *ctx, size_t i, ds_level level,
                                   const char *code, ds_figure *f, ds_pool *pool, ds_error *err)
{
    if (level == DS_LEVEL_COUNT)
        return france_figure(ctx, i, f, pool);
    return territory_figure(ctx, i, level, code, f, pool, err);
}

/* --- disclosure ------------------------------------------------------------------------ */

static bool is_count_kind(ds_indicator_kind kind)
{
    return kind == DS_KIND_COUNT || kind == DS_KIND_PROPORTION || kind == DS_KIND_RATE ||
           kind == DS_KIND_ISR;
}

/* Withholds a figure built on a count from 1 to threshold - 1. */
static void apply_threshold(const ds_indicator *ind, int threshold, ds_figure *f)
{
    if (f->origin == DS_ORIGIN_NONE || !is_count_kind(ind->kind) || !isfinite(f->numerator))
        return;
    if (f->numerator > 0 && f->numerator < threshold)
        f->withheld = true;
}

static void withhold_secondary(ds_figure *f)
{
    if (f->origin != DS_ORIGIN_NONE && !f->withheld)
        f->withheld = true, f->secondary = true;
}

/* Secondary suppression rule for the withheld members of a total (also applied by
 * tests/tools/disclosure_audit.py): the total less the published members gives the sum of
 * the withheld ones, which must reveal none of them. With a single withheld member it is
 * its count; under the threshold it is a small count itself; equal to the number of
 * withheld members (each at least 1) it says they are all 1. */
static bool withheld_sum_reveals(size_t withheld, double sum, int threshold)
{
    return withheld > 0 && (withheld == 1 || sum < threshold || sum == (double)withheld);
}

/* The member to withhold next while withheld_sum_reveals(withheld, sum) fires: among the
 * candidates (candidate[k]), the smallest non-zero count[k] (first in order on a tie); a
 * zero only when it helps (it makes a single withheld member two, and members summing
 * to their number no longer all 1). SIZE_MAX when there is none. */
static size_t next_to_withhold(const double *count, const bool *candidate, size_t n,
                               size_t withheld, double sum)
{
    bool zero_helps = withheld == 1 || sum == (double)withheld;
    size_t smallest = SIZE_MAX;
    for (int zero_ok = 0; zero_ok <= zero_helps && smallest == SIZE_MAX; zero_ok++)
        for (size_t k = 0; k < n; k++)
            if (candidate[k] && (count[k] > 0 || zero_ok) &&
                (smallest == SIZE_MAX || count[k] < count[smallest]))
                smallest = k;
    return smallest;
}

/* A commune of the région pattern, for the indicator at hand. */
typedef struct pattern_commune {
    double count; /* its numerator, NAN without data */
    enum { PUBLISHED, SMALL, SECONDARY, NO_DATA, NOTHING_TO_WITHHOLD } state;
} pattern_commune;

/* An aggregate of communes whose total the pattern protects. */
typedef struct aggregate {
    ds_level level;
    char code[DS_CODE_MAX];
    size_t *members; /* positions in the frame's communes */
    size_t n;
} aggregate;

/* What the patterns of a région are computed over, the same for every indicator: the
 * région, its départements and its EPCI, and every commune of them. */
typedef struct region_frame {
    ds_text_dict communes;
    bool *in_region; /* per commune */
    aggregate *aggs;
    size_t n_aggs, largest;
} region_frame;

static void free_frame(region_frame *fr)
{
    for (size_t g = 0; g < fr->n_aggs; g++)
        free(fr->aggs[g].members);
    free(fr->aggs);
    free(fr->in_region);
    ds_text_dict_free(&fr->communes);
}

/* Lists the aggregates of région region and their communes into fr (zeroed by the
 * caller; freed with free_frame also on failure). */
static ds_status build_frame(const ds_portrait_context *ctx, const char *region, region_frame *fr,
                             ds_error *err)
{
    ds_text_dict_init(&fr->communes);
    size_t cap_communes = 0, cap_aggs = 0;
    static const ds_level levels[3] = {DS_LEVEL_REGION, DS_LEVEL_DEPARTEMENT, DS_LEVEL_EPCI};
    ds_status st = DS_OK;
    for (int l = 0; l < 3 && st == DS_OK; l++) {
        ds_code_list units = {0};
        if (levels[l] == DS_LEVEL_REGION) {
            units.count = 1;
            units.items = (char **)&region;
        } else if ((st = ds_referential_members(ctx->ref, DS_LEVEL_REGION, region, levels[l],
                                                &units, err)) != DS_OK) {
            break;
        }
        for (size_t u = 0; u < units.count && st == DS_OK; u++) {
            ds_code_list communes = {0};
            if ((st = ds_referential_members(ctx->ref, levels[l], units.items[u],
                                             DS_LEVEL_COMMUNE, &communes, err)) != DS_OK)
                break;
            if (fr->n_aggs == cap_aggs) {
                size_t cap = cap_aggs * 2 + 32;
                aggregate *grown = realloc(fr->aggs, cap * sizeof *grown);
                if (grown == NULL)
                    st = ds_error_set(err, DS_ENOMEM, "out of memory");
                else
                    fr->aggs = grown, cap_aggs = cap;
            }
            aggregate *a = st == DS_OK ? &fr->aggs[fr->n_aggs] : NULL;
            if (a != NULL) {
                *a = (aggregate){levels[l], "", malloc((communes.count + 1) * sizeof *a->members), 0};
                snprintf(a->code, sizeof a->code, "%s", units.items[u]);
                fr->n_aggs++;
                if (a->members == NULL)
                    st = ds_error_set(err, DS_ENOMEM, "out of memory");
            }
            for (size_t k = 0; k < communes.count && st == DS_OK; k++) {
                const char *c = communes.items[k];
                uint32_t id = ds_text_dict_find(&fr->communes, c, strlen(c));
                if (id == UINT32_MAX) {
                    id = ds_text_dict_intern(&fr->communes, c, strlen(c));
                    if (id != UINT32_MAX && id >= cap_communes) {
                        size_t cap = cap_communes * 2 + 256;
                        bool *grown = realloc(fr->in_region, cap * sizeof *grown);
                        if (grown == NULL)
                            id = UINT32_MAX;
                        else
                            fr->in_region = grown, cap_communes = cap;
                    }
                    if (id == UINT32_MAX) {
                        st = ds_error_set(err, DS_ENOMEM, "out of memory");
                        break;
                    }
                    char r[DS_CODE_MAX];
                    ds_error ignored;
                    fr->in_region[id] = ds_referential_parent(ctx->ref, DS_LEVEL_COMMUNE, c,
                                                              DS_LEVEL_REGION, r, &ignored) == DS_OK &&
                                        strcmp(r, region) == 0;
                }
                a->members[a->n++] = id;
            }
            if (a != NULL && a->n > fr->largest)
                fr->largest = a->n;
            ds_code_list_free(&communes);
        }
        if (levels[l] != DS_LEVEL_REGION)
            ds_code_list_free(&units);
    }
    return st;
}

/* The total of aggregate a for indicator i as territory_figure gives it (the published
 * row, else the sum of its communes when all have data), from the communes' counts;
 * NAN when there is none. */
static double aggregate_total(const ds_portrait_context *ctx, size_t i, const aggregate *a,
                              const pattern_commune *communes, ds_pool *pool)
{
    ds_figure f = empty_figure();
    published(ctx, i, data_level_of(a->level), a->code, &f, pool);
    if (f.origin != DS_ORIGIN_NONE)
        return f.numerator;
    if (!ctx->ind[i]->aggregable)
        return NAN;
    double sum = 0;
    for (size_t k = 0; k < a->n; k++)
        sum += communes[a->members[k]].count; /* NAN when one has no data */
    return sum;
}

/* Fills withheld (empty on entry) with the commune-level pattern of indicator i over
 * frame fr of région region: every aggregate whose total is published gets the rule
 * withheld_sum_reveals applied over its member communes, the next smallest count of a
 * commune of the région (next_to_withhold) withheld in turn, aggregate after aggregate
 * until the rule fires nowhere (withholding a commune for one aggregate can fire
 * another's). count and candidate are scratch arrays of fr->largest entries. */
static ds_status build_pattern(ds_portrait_context *ctx, size_t i, const region_frame *fr,
                               pattern_commune *communes, double *count, bool *candidate,
                               ds_text_dict *withheld_out, ds_pool *pool, ds_error *err)
{
    int threshold = ctx->config->threshold;
    if (!is_count_kind(ctx->ind[i]->kind))
        return DS_OK;
    for (size_t m = 0; m < fr->communes.count; m++) {
        /* its count (what the totals add up) and whether a figure exists to be withheld
         * (not so for 0 / 0) */
        ds_figure f;
        ds_status st = territory_figure(ctx, i, DS_LEVEL_COMMUNE,
                                        ds_text_dict_get(&fr->communes, (uint32_t)m), &f, pool, err);
        if (st != DS_OK)
            return st;
        communes[m].count = f.numerator;
        communes[m].state = !isfinite(f.numerator)                       ? NO_DATA
                            : f.numerator > 0 && f.numerator < threshold ? SMALL
                            : f.origin == DS_ORIGIN_NONE                 ? NOTHING_TO_WITHHOLD
                                                                         : PUBLISHED;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t g = 0; g < fr->n_aggs; g++) {
            const aggregate *a = &fr->aggs[g];
            double total = aggregate_total(ctx, i, a, communes, pool);
            if (!isfinite(total) || total < threshold)
                continue; /* no total published: nothing to protect against */
            size_t withheld = 0;
            double sum = 0;
            bool no_data = false;
            for (size_t k = 0; k < a->n; k++) {
                const pattern_commune *pc = &communes[a->members[k]];
                no_data |= pc->state == NO_DATA;
                if (pc->state == SMALL || pc->state == SECONDARY)
                    withheld++, sum += pc->count;
                count[k] = pc->count;
                candidate[k] = pc->state == PUBLISHED && fr->in_region[a->members[k]];
            }
            if (no_data) /* the total less the published members leaves unknowns too */
                continue;
            while (withheld_sum_reveals(withheld, sum, threshold)) {
                size_t k = next_to_withhold(count, candidate, a->n, withheld, sum);
                if (k == SIZE_MAX)
                    break;
                communes[a->members[k]].state = SECONDARY;
                candidate[k] = false;
                withheld++;
                sum += count[k];
                changed = true;
            }
        }
    }
    for (size_t m = 0; m < fr->communes.count; m++)
        if (communes[m].state == SECONDARY &&
            ds_text_dict_intern(withheld_out, ds_text_dict_get(&fr->communes, (uint32_t)m),
                                ds_text_dict_length(&fr->communes, (uint32_t)m)) == UINT32_MAX)
            return ds_error_set(err, DS_ENOMEM, "out of memory");
    return DS_OK;
}

static void free_secondary_cache(ds_portrait_context *ctx, secondary_cache *sc)
{
    if (sc == NULL)
        return;
    for (size_t i = 0; sc->communes != NULL && i < ctx->n_ind; i++)
        ds_text_dict_free(&sc->communes[i]);
    free(sc->communes);
    free(sc);
}

/* The patterns of every indicator in région region (see secondary_cache), over one frame.
 * Called under the context's lock. NULL on failure (err set). */
static secondary_cache *build_secondary_patterns(ds_portrait_context *ctx, const char *region,
                                                 ds_error *err)
{
    secondary_cache *sc = calloc(1, sizeof *sc);
    if (sc == NULL || (sc->communes = calloc(ctx->n_ind + 1, sizeof *sc->communes)) == NULL) {
        free(sc);
        ds_error_set(err, DS_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(sc->region, sizeof sc->region, "%s", region);
    for (size_t i = 0; i < ctx->n_ind; i++)
        ds_text_dict_init(&sc->communes[i]);
    region_frame fr = {0};
    ds_pool pool = {0};
    ds_status st = build_frame(ctx, region, &fr, err);
    pattern_commune *communes = NULL;
    double *count = NULL;
    bool *candidate = NULL;
    if (st == DS_OK &&
        ((communes = malloc((fr.communes.count + 1) * sizeof *communes)) == NULL ||
         (count = malloc((fr.largest + 1) * sizeof *count)) == NULL ||
         (candidate = malloc((fr.largest + 1) * sizeof *candidate)) == NULL))
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t i = 0; i < ctx->n_ind && st == DS_OK; i++)
        st = build_pattern(ctx, i, &fr, communes, count, candidate, &sc->communes[i], &pool, err);
    free(communes), free(count), free(candidate);
    free_frame(&fr);
    ds_pool_free(&pool);
    if (st != DS_OK) {
        free_secondary_cache(ctx, sc);
        return NULL;
    }
    return sc;
}

/* True when commune code is withheld for indicator i to protect another figure of its
 * région (the patterns built on first use and kept in the context). Called under the
 * context's lock. */
static ds_status commune_secondary_locked(ds_portrait_context *ctx, size_t i, const char *code,
                                          bool *out, ds_error *err)
{
    *out = false;
    char region[DS_CODE_MAX];
    ds_error ignored;
    if (ds_referential_parent(ctx->ref, DS_LEVEL_COMMUNE, code, DS_LEVEL_REGION, region,
                              &ignored) != DS_OK)
        return DS_OK;
    secondary_cache *sc = NULL;
    for (size_t k = 0; k < ctx->n_secondaries && sc == NULL; k++)
        if (strcmp(ctx->secondaries[k]->region, region) == 0)
            sc = ctx->secondaries[k];
    if (sc == NULL) {
        if (ctx->n_secondaries == ctx->cap_secondaries) {
            size_t cap = ctx->cap_secondaries * 2 + 4;
            secondary_cache **grown = realloc(ctx->secondaries, cap * sizeof *grown);
            if (grown == NULL)
                return ds_error_set(err, DS_ENOMEM, "out of memory");
            ctx->secondaries = grown, ctx->cap_secondaries = cap;
        }
        if ((sc = build_secondary_patterns(ctx, region, err)) == NULL)
            return err->status;
        ctx->secondaries[ctx->n_secondaries++] = sc;
    }
    *out = ds_text_dict_find(&sc->communes[i], code, strlen(code)) != UINT32_MAX;
    return DS_OK;
}

/* Withholds commune figure f (its own, or as a member) when the région pattern does. */
static ds_status apply_commune_pattern(ds_portrait_context *ctx, size_t i, const char *code,
                                       ds_figure *f, bool locked, ds_error *err)
{
    if (f->withheld || f->origin == DS_ORIGIN_NONE || !is_count_kind(ctx->ind[i]->kind))
        return DS_OK;
    bool secondary;
    if (!locked)
        pthread_mutex_lock(&ctx->lock);
    ds_status st = commune_secondary_locked(ctx, i, code, &secondary, err);
    if (!locked)
        pthread_mutex_unlock(&ctx->lock);
    if (st == DS_OK && secondary)
        withhold_secondary(f);
    return st;
}

/* Clears what a withheld figure must not show. */
static void blank_withheld(ds_figure *f)
{
    if (!f->withheld)
        return;
    f->numerator = NAN;
    f->value = f->lower = f->upper = NAN;
}

/* --- comparisons, ranks, members, QPV ----------------------------------------------------- */

static void compare(const ds_indicator *ind, const ds_figure *t, const ds_figure *ref,
                    ds_versus *v)
{
    *v = (ds_versus){.ratio = NAN, .difference = NAN};
    v->comparison.statistic = v->comparison.p_value = NAN;
    if (t->withheld || ref->withheld || !isfinite(t->value) || !isfinite(ref->value))
        return;
    v->available = true;
    v->difference = t->value - ref->value;
    v->ratio = ref->value != 0 ? t->value / ref->value : NAN;
    ds_error e;
    if (!isfinite(t->lower) || !isfinite(t->upper) ||
        ds_compare_ci_benchmark(t->lower, t->upper, ref->value, ind->polarity, &v->comparison,
                                &e) != DS_OK) {
        v->comparison.method = DS_COMPARE_CI_BENCHMARK;
        v->comparison.direction = DS_DIRECTION_SIMILAR;
        v->comparison.judgement = DS_JUDGEMENT_NOT_APPLICABLE;
        v->available = isfinite(v->difference);
        v->comparison.statistic = NAN; /* no interval: no test (direction not tested) */
        v->comparison.p_value = NAN;
        v->tested = false;
        return;
    }
    v->tested = true;
}

static int compare_doubles_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

/* The values of indicator i for every territory of `level` in région `region`, sorted
 * from the highest (cached in the context, under its lock; the cache entry stays valid
 * and unchanged until the context is freed). */
static const rank_cache *rank_values_locked(ds_portrait_context *ctx, size_t i, ds_level level,
                                            const char *region, ds_pool *pool, ds_error *err)
{
    for (size_t k = 0; k < ctx->n_ranks; k++)
        if (ctx->ranks[k]->indicator == i && ctx->ranks[k]->level == level &&
            strcmp(ctx->ranks[k]->region, region) == 0)
            return ctx->ranks[k];
    ds_code_list units = {0};
    if (ds_referential_members(ctx->ref, DS_LEVEL_REGION, region, level, &units, err) != DS_OK)
        return NULL;
    if (ctx->n_ranks == ctx->cap_ranks) {
        size_t cap = ctx->cap_ranks * 2 + 16;
        rank_cache **grown = realloc(ctx->ranks, cap * sizeof *grown);
        if (grown == NULL) {
            ds_code_list_free(&units);
            ds_error_set(err, DS_ENOMEM, "out of memory");
            return NULL;
        }
        ctx->ranks = grown, ctx->cap_ranks = cap;
    }
    rank_cache *rc = malloc(sizeof *rc);
    double *values = malloc((units.count + 1) * sizeof *values);
    if (rc == NULL || values == NULL) {
        free(rc);
        free(values);
        ds_code_list_free(&units);
        ds_error_set(err, DS_ENOMEM, "out of memory");
        return NULL;
    }
    size_t n = 0;
    ds_status st = DS_OK;
    for (size_t u = 0; u < units.count && st == DS_OK; u++) {
        ds_figure f;
        st = territory_figure(ctx, i, level, units.items[u], &f, pool, err);
        apply_threshold(ctx->ind[i], ctx->config->threshold, &f);
        if (st == DS_OK && level == DS_LEVEL_COMMUNE)
            st = apply_commune_pattern(ctx, i, units.items[u], &f, true, err);
        if (st == DS_OK && !f.withheld && isfinite(f.value))
            values[n++] = f.value;
    }
    ds_code_list_free(&units);
    if (st != DS_OK) {
        free(rc);
        free(values);
        return NULL;
    }
    qsort(values, n, sizeof *values, compare_doubles_desc);
    *rc = (rank_cache){i, level, "", n, values};
    snprintf(rc->region, sizeof rc->region, "%s", region);
    ctx->ranks[ctx->n_ranks++] = rc;
    return rc;
}

static const rank_cache *rank_values(ds_portrait_context *ctx, size_t i, ds_level level,
                                     const char *region, ds_pool *pool, ds_error *err)
{
    pthread_mutex_lock(&ctx->lock);
    const rank_cache *rc = rank_values_locked(ctx, i, level, region, pool, err);
    pthread_mutex_unlock(&ctx->lock);
    return rc;
}

static ds_status rank_row(ds_portrait *p, size_t i, ds_portrait_row *row, ds_error *err)
{
    ds_figure *t = &row->figure[DS_SCOPE_TERRITORY];
    if (p->level == DS_LEVEL_TERRITORY || p->level == DS_LEVEL_REGION || p->region[0] == '\0' ||
        t->withheld || !isfinite(t->value))
        return DS_OK;
    const rank_cache *rc = rank_values(p->ctx, i, p->level, p->region, &p->pool, err);
    if (rc == NULL)
        return err->status;
    long rank = 1;
    while ((size_t)rank <= rc->n && rc->values[rank - 1] > t->value)
        rank++;
    row->rank = rank;
    row->rank_of = (long)rc->n;
    return DS_OK;
}

/* The figures of the member communes (or the IRIS of a commune), with secondary
 * suppression, the extremes and the inequality measures. */
static ds_status member_rows(ds_portrait *p, size_t i, ds_portrait_row *row, ds_error *err)
{
    ds_portrait_context *ctx = p->ctx;
    const ds_indicator *ind = ctx->ind[i];
    row->min = row->max = row->extreme_ratio = NAN;
    size_t n = p->members.count;
    if (n == 0)
        return DS_OK;
    row->members = calloc(n, sizeof *row->members);
    if (row->members == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    row->n_members = n;
    for (size_t k = 0; k < n; k++) {
        ds_figure *f = &row->members[k];
        const char *code = p->members.items[k];
        ds_status st;
        if (p->members_are_iris) {
            *f = empty_figure();
            published(ctx, i, DS_DATA_IRIS, code, f, &p->pool);
            st = DS_OK;
        } else {
            st = territory_figure(ctx, i, DS_LEVEL_COMMUNE, code, f, &p->pool, err);
            f->name = ds_referential_name(ctx->ref, DS_LEVEL_COMMUNE, code);
        }
        if (st != DS_OK)
            return st;
        f->code = code;
        apply_threshold(ind, ctx->config->threshold, f);
        if (!p->members_are_iris &&
            (st = apply_commune_pattern(ctx, i, code, f, false, err)) != DS_OK)
            return st;
        /* a withheld total: its members would add up to it */
        if (row->figure[DS_SCOPE_TERRITORY].withheld)
            withhold_secondary(f);
    }
    /* Secondary suppression (withheld_sum_reveals) among the members: the commune pattern
     * of the région already satisfies it for an EPCI, a département or a région; here for
     * any other total (a CLS, the IRIS of a commune). */
    double *count = malloc((n + 1) * sizeof *count);
    bool *candidate = malloc((n + 1) * sizeof *candidate);
    if (count == NULL || candidate == NULL) {
        free(count), free(candidate);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    size_t withheld = 0;
    double sum = 0;
    for (size_t k = 0; k < n; k++) {
        const ds_figure *f = &row->members[k];
        if (f->withheld)
            withheld++, sum += isfinite(f->numerator) ? f->numerator : 0;
        count[k] = f->numerator;
        candidate[k] = !f->withheld && f->origin != DS_ORIGIN_NONE && isfinite(f->numerator);
    }
    while (withheld_sum_reveals(withheld, sum, ctx->config->threshold)) {
        size_t k = next_to_withhold(count, candidate, n, withheld, sum);
        if (k == SIZE_MAX)
            break;
        withhold_secondary(&row->members[k]);
        candidate[k] = false;
        withheld++;
        sum += count[k];
    }
    free(count), free(candidate);
    for (size_t k = 0; k < n; k++)
        blank_withheld(&row->members[k]);
    /* Extremes and inequality between the members with a value. */
    double *value = malloc(n * sizeof *value), *lower = malloc(n * sizeof *lower);
    double *upper = malloc(n * sizeof *upper), *pop = malloc(n * sizeof *pop);
    double *se = calloc(n, sizeof *se);
    if (value == NULL || lower == NULL || upper == NULL || pop == NULL || se == NULL) {
        free(value), free(lower), free(upper), free(pop), free(se);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    size_t m = 0;
    bool intervals = true;
    for (size_t k = 0; k < n; k++) {
        const ds_figure *f = &row->members[k];
        if (f->withheld || !isfinite(f->value))
            continue;
        if (m == 0 || f->value < row->min)
            row->min = f->value, row->min_code = f->code;
        if (m == 0 || f->value > row->max)
            row->max = f->value, row->max_code = f->code;
        value[m] = f->value, lower[m] = f->lower, upper[m] = f->upper;
        pop[m] = f->denominator;
        intervals = intervals && isfinite(f->lower) && isfinite(f->upper);
        m++;
    }
    row->members_with_value = m;
    if (m < 2) {
        row->min = row->max = NAN;
        row->min_code = row->max_code = NULL;
    } else if (row->min > 0) {
        row->extreme_ratio = row->max / row->min;
    }
    bool weights = m >= 2 && ind->kind != DS_KIND_COUNT;
    for (size_t k = 0; k < m && weights; k++)
        weights = isfinite(pop[k]) && pop[k] >= 0;
    if (weights) {
        ds_groups g = {m, value, intervals ? NULL : se, intervals ? lower : NULL,
                       intervals ? upper : NULL, pop, NULL};
        ds_inequality_options o = ds_inequality_options_default();
        o.level = ctx->config->confidence;
        o.polarity = ind->polarity;
        ds_error e;
        row->has_inequality = ds_inequality_compute(&g, &o, &row->inequality, &e) == DS_OK;
    }
    free(value), free(lower), free(upper), free(pop), free(se);
    return DS_OK;
}

/* The QPV of the territory, together, and the rest. */
static void qpv_rows(ds_portrait *p, size_t i, ds_portrait_row *row)
{
    ds_portrait_context *ctx = p->ctx;
    const ds_indicator *ind = ctx->ind[i];
    ds_figure *q = &row->figure[DS_SCOPE_QPV], *o = &row->figure[DS_SCOPE_OUTSIDE_QPV];
    const ds_figure *t = &row->figure[DS_SCOPE_TERRITORY];
    *q = empty_figure(), *o = empty_figure();
    row->qpv_ratio = (ds_estimate){NAN, NAN, NAN, NAN};
    q->code = "QPV", o->code = "HORS_QPV";
    q->name = "Quartiers prioritaires", o->name = "Hors quartiers prioritaires";
    if (p->qpv.count == 0 || p->level == DS_LEVEL_QPV)
        return;
    if (p->qpv_straddling > 0) {
        q->flag = o->flag = ds_pool_printf(&p->pool, "%zu QPV à cheval sur la limite du "
                                           "territoire : comparaison non calculée",
                                           p->qpv_straddling);
        return;
    }
    if (!ind->aggregable || !counted(ind)) {
        q->flag = o->flag = "non agrégeable : pas de comparaison QPV / hors QPV";
        return;
    }
    double num = 0, den = 0;
    size_t missing = 0;
    bool small_part = false;
    for (size_t k = 0; k < p->qpv.count; k++) {
        raw r = read_unit(ctx, i, DS_DATA_QPV, p->qpv.items[k]);
        if (r.state[0] != 1 || (needs_denominator(ind) && r.state[1] != 1)) {
            missing++;
            continue;
        }
        num += r.v[0], den += needs_denominator(ind) ? r.v[1] : 0;
        /* a QPV's own portrait withholds a small count: the QPV part less the others
         * would give it */
        small_part |= is_count_kind(ind->kind) && r.v[0] > 0 && r.v[0] < ctx->config->threshold;
    }
    q->parts = p->qpv.count - missing, q->parts_missing = missing;
    if (missing > 0) {
        q->flag = o->flag = ds_pool_printf(&p->pool, "%zu QPV sur %zu sans donnée", missing,
                                           p->qpv.count);
        return;
    }
    q->origin = DS_ORIGIN_SUM;
    q->numerator = num;
    q->denominator = needs_denominator(ind) ? den : NAN;
    finish_counts(ctx, ind, q, &p->pool);
    if (small_part && p->qpv.count > 1 && num >= ctx->config->threshold)
        withhold_secondary(q); /* under the threshold, the sum is withheld as such */
    if (t->origin == DS_ORIGIN_NONE || !isfinite(t->numerator)) {
        o->flag = "pas de valeur pour le territoire";
        return;
    }
    o->origin = DS_ORIGIN_DIFFERENCE;
    o->numerator = t->numerator - num;
    o->denominator = needs_denominator(ind) ? t->denominator - den : NAN;
    if (o->numerator < 0 || (needs_denominator(ind) && o->denominator <= 0)) {
        *o = empty_figure();
        o->code = "HORS_QPV", o->name = "Hors quartiers prioritaires";
        o->flag = "les QPV dépassent le total du territoire (sources différentes)";
        return;
    }
    finish_counts(ctx, ind, o, &p->pool);
}

/* QPV / outside ratio with its interval (delta method on the log, ds_inequality R). */
static void qpv_ratio(const ds_portrait *p, const ds_indicator *ind, ds_portrait_row *row)
{
    const ds_figure *q = &row->figure[DS_SCOPE_QPV], *o = &row->figure[DS_SCOPE_OUTSIDE_QPV];
    if (q->withheld || o->withheld || !isfinite(q->value) || !isfinite(o->value) ||
        !isfinite(q->lower) || !isfinite(o->lower) || ind->kind == DS_KIND_COUNT)
        return;
    double value[2] = {q->value, o->value}, lower[2] = {q->lower, o->lower};
    double upper[2] = {q->upper, o->upper}, pop[2] = {q->denominator, o->denominator};
    ds_groups g = {2, value, NULL, lower, upper, pop, NULL};
    ds_inequality_options opts = ds_inequality_options_default();
    opts.level = p->ctx->config->confidence;
    opts.group_a = 0, opts.group_b = 1;
    ds_inequality out;
    ds_error e;
    if (ds_inequality_compute(&g, &opts, &out, &e) == DS_OK)
        row->qpv_ratio = out.r;
}

/* --- the portrait ---------------------------------------------------------------------- */

/* Finds the level of code when not given: a custom territory id, else the forms of the
 * codes that exist in the referential; ambiguous codes (76: a département and a région)
 * need the level. */
static ds_status resolve(const ds_portrait_context *ctx, const char *text, ds_level *level,
                         char code[DS_CODE_MAX], ds_error *err)
{
    static const struct { ds_code_kind kind; ds_level level; } kinds[] = {
        {DS_CODE_COMMUNE, DS_LEVEL_COMMUNE}, {DS_CODE_EPCI, DS_LEVEL_EPCI},
        {DS_CODE_DEPARTEMENT, DS_LEVEL_DEPARTEMENT}, {DS_CODE_REGION, DS_LEVEL_REGION},
        {DS_CODE_QPV2015, DS_LEVEL_QPV}, {DS_CODE_QPV2024, DS_LEVEL_QPV}};
    int found = 0;
    ds_level first = DS_LEVEL_COUNT;
    if (*level == DS_LEVEL_COUNT || *level == DS_LEVEL_TERRITORY) {
        if (ds_referential_name(ctx->ref, DS_LEVEL_TERRITORY, text) != NULL) {
            snprintf(code, DS_CODE_MAX, "%s", text);
            if (strlen(text) >= DS_CODE_MAX)
                return ds_error_set(err, DS_EDATA, "territory id '%s' is too long", text);
            found++, first = DS_LEVEL_TERRITORY;
        }
    }
    unsigned candidates = ds_code_candidates(text);
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        char c[DS_CODE_MAX];
        if ((*level != DS_LEVEL_COUNT && *level != kinds[k].level) ||
            !(candidates & DS_CODE_BIT(kinds[k].kind)) ||
            ds_code_normalize(kinds[k].kind, text, c, NULL) != DS_OK ||
            ds_referential_name(ctx->ref, kinds[k].level, c) == NULL)
            continue;
        if (found == 0 || first != kinds[k].level) {
            if (found == 0)
                snprintf(code, DS_CODE_MAX, "%s", c), first = kinds[k].level;
            found++;
        }
    }
    /* the configuration's territory: say where it was written */
    char where[1024] = "";
    if (ctx->config->territory != NULL && strcmp(text, ctx->config->territory) == 0 &&
        ctx->config->path != NULL)
        snprintf(where, sizeof where, "%s: [territory] code: ", ctx->config->path);
    if (found == 0)
        return ds_error_set(err, DS_EDATA, "%sterritory '%s'%s%s is not in the referential (%s)%s",
                            where, text, *level != DS_LEVEL_COUNT ? " of level " : "",
                            *level != DS_LEVEL_COUNT ? ds_level_name(*level) : "",
                            ds_referential_vintage(ctx->ref),
                            ctx->config->definitions == NULL && *level == DS_LEVEL_COUNT
                                ? " nor a custom territory (no [territory] definitions)"
                                : "");
    if (found > 1)
        return ds_error_set(err, DS_EDATA, "%sterritory '%s' is ambiguous (e.g. a département "
                            "and a région): give its level", where, text);
    *level = first;
    return DS_OK;
}

/* The QPV of the territory and how many straddle its limit. */
static ds_status find_qpv(ds_portrait *p, const ds_code_list *communes, ds_error *err)
{
    if (p->level == DS_LEVEL_QPV || p->level == DS_LEVEL_DEPARTEMENT ||
        p->level == DS_LEVEL_REGION)
        return DS_OK;
    ds_status st = ds_referential_members(p->ctx->ref, p->level, p->code, DS_LEVEL_QPV, &p->qpv,
                                          err);
    for (size_t k = 0; k < p->qpv.count && st == DS_OK; k++) {
        ds_code_list in = {0};
        st = ds_referential_members(p->ctx->ref, DS_LEVEL_QPV, p->qpv.items[k],
                                    DS_LEVEL_COMMUNE, &in, err);
        for (size_t c = 0; c < in.count && st == DS_OK; c++) {
            bool inside = false;
            for (size_t d = 0; d < communes->count && !inside; d++)
                inside = strcmp(in.items[c], communes->items[d]) == 0;
            if (!inside) {
                p->qpv_straddling++;
                break;
            }
        }
        ds_code_list_free(&in);
    }
    return st;
}

/* The member communes, or the IRIS of a single commune (from the IRIS files). */
static ds_status find_members(ds_portrait *p, const ds_code_list *communes, ds_error *err)
{
    ds_portrait_context *ctx = p->ctx;
    if (p->level == DS_LEVEL_QPV)
        return DS_OK;
    if (communes->count >= 2) {
        for (size_t k = 0; k < communes->count; k++)
            if (ds_pool_keep(&p->pool, communes->items[k]) == NULL)
                return ds_error_set(err, DS_ENOMEM, "out of memory");
        p->members.items = malloc(communes->count * sizeof *p->members.items);
        if (p->members.items == NULL)
            return ds_error_set(err, DS_ENOMEM, "out of memory");
        for (size_t k = 0; k < communes->count; k++)
            p->members.items[k] = p->pool.items[p->pool.n - communes->count + k];
        p->members.count = communes->count;
        return DS_OK;
    }
    if (communes->count != 1)
        return DS_OK;
    uint32_t c = ds_text_dict_find(&ctx->iris_communes, communes->items[0],
                                   strlen(communes->items[0]));
    if (c == UINT32_MAX)
        return DS_OK;
    size_t n = 0;
    for (size_t k = 0; k < ctx->n_iris; k++)
        n += ctx->iris[k].commune == c;
    p->members.items = malloc((n + 1) * sizeof *p->members.items);
    if (p->members.items == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t k = 0; k < ctx->n_iris; k++)
        if (ctx->iris[k].commune == c &&
            (p->members.count == 0 ||
             strcmp(p->members.items[p->members.count - 1], ctx->iris[k].code) != 0))
            p->members.items[p->members.count++] = (char *)ctx->iris[k].code;
    p->members_are_iris = true;
    return DS_OK;
}

static ds_status reference_codes(ds_portrait *p)
{
    ds_error e;
    if (p->level == DS_LEVEL_DEPARTEMENT)
        snprintf(p->departement, sizeof p->departement, "%s", p->code);
    else if (p->level != DS_LEVEL_REGION &&
             ds_referential_parent(p->ctx->ref, p->level, p->code, DS_LEVEL_DEPARTEMENT,
                                   p->departement, &e) != DS_OK)
        p->departement[0] = '\0';
    if (p->level == DS_LEVEL_REGION)
        snprintf(p->region, sizeof p->region, "%s", p->code);
    else if (ds_referential_parent(p->ctx->ref, p->level, p->code, DS_LEVEL_REGION, p->region,
                                   &e) != DS_OK)
        p->region[0] = '\0';
    return DS_OK;
}

/* The figures of a reference (département, région: level and code; France: level
 * DS_LEVEL_COUNT) for every indicator, computed on first use and kept in the context:
 * a batch of communes asks for the same few references thousands of times. */
static const ds_figure *reference_figures_locked(ds_portrait_context *ctx, ds_level level,
                                                 const char *code, ds_error *err)
{
    char key[64];
    snprintf(key, sizeof key, "%d:%s", (int)level, code);
    uint32_t id = ds_text_dict_find(&ctx->reference_keys, key, strlen(key));
    if (id != UINT32_MAX)
        return ctx->reference_figures[id];
    ds_figure *figs = calloc(ctx->n_ind + 1, sizeof *figs);
    if (figs == NULL) {
        ds_error_set(err, DS_ENOMEM, "out of memory");
        return NULL;
    }
    ds_status st = DS_OK;
    for (size_t i = 0; i < ctx->n_ind && st == DS_OK; i++) {
        ds_figure *f = &figs[i];
        if (level == DS_LEVEL_COUNT) {
            france_figure(ctx, i, f, &ctx->pool);
        } else {
            st = territory_figure(ctx, i, level, code, f, &ctx->pool, err);
            f->code = ds_pool_keep(&ctx->pool, code);
            f->name = ds_referential_name(ctx->ref, level, code);
        }
    }
    if (st == DS_OK && ctx->reference_keys.count == ctx->cap_reference) {
        size_t cap = ctx->cap_reference * 2 + 8;
        ds_figure **grown = realloc(ctx->reference_figures, cap * sizeof *grown);
        if (grown == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
        else
            ctx->reference_figures = grown, ctx->cap_reference = cap;
    }
    if (st == DS_OK &&
        (id = ds_text_dict_intern(&ctx->reference_keys, key, strlen(key))) == UINT32_MAX)
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
    if (st != DS_OK) {
        free(figs);
        return NULL;
    }
    ctx->reference_figures[id] = figs;
    return figs;
}

/* The same under the context's lock (the figures stay valid until the context is
 * freed). */
static const ds_figure *reference_figures(ds_portrait_context *ctx, ds_level level,
                                          const char *code, ds_error *err)
{
    pthread_mutex_lock(&ctx->lock);
    const ds_figure *figs = reference_figures_locked(ctx, level, code, err);
    pthread_mutex_unlock(&ctx->lock);
    return figs;
}

static ds_status compute_row(ds_portrait *p, size_t i, ds_portrait_row *row, ds_error *err)
{
    ds_portrait_context *ctx = p->ctx;
    const ds_indicator *ind = ctx->ind[i];
    const ds_config *c = ctx->config;
    row->indicator = ind;
    ds_status st = territory_figure(ctx, i, p->level, p->code, &row->figure[DS_SCOPE_TERRITORY],
                                    &p->pool, err);
    row->figure[DS_SCOPE_TERRITORY].code = p->code;
    row->figure[DS_SCOPE_TERRITORY].name = p->name;
    static const ds_level ref_levels[2] = {DS_LEVEL_DEPARTEMENT, DS_LEVEL_REGION};
    const char *ref_codes[2] = {p->departement, p->region};
    for (int r = 0; r < 2 && st == DS_OK; r++) {
        ds_figure *f = &row->figure[DS_SCOPE_DEPARTEMENT + r];
        *f = empty_figure();
        if (!c->reference[r] || ref_codes[r][0] == '\0' || p->level == ref_levels[r] ||
            (r == 0 && p->level == DS_LEVEL_REGION)) {
            if (c->reference[r] && ref_codes[r][0] == '\0')
                f->flag = "le territoire s'étend sur plusieurs départements ou régions";
            continue;
        }
        if (p->reference[r] == NULL &&
            (p->reference[r] = reference_figures(ctx, ref_levels[r], ref_codes[r], err)) == NULL)
            return err->status;
        *f = p->reference[r][i];
    }
    if (st != DS_OK)
        return st;
    row->figure[DS_SCOPE_FRANCE] = empty_figure();
    if (c->reference[2]) {
        if (p->reference[2] == NULL &&
            (p->reference[2] = reference_figures(ctx, DS_LEVEL_COUNT, "FRANCE", err)) == NULL)
            return err->status;
        row->figure[DS_SCOPE_FRANCE] = p->reference[2][i];
    }
    qpv_rows(p, i, row);
    for (int s = 0; s < DS_SCOPE_COUNT; s++)
        apply_threshold(ind, c->threshold, &row->figure[s]);
    if (p->level == DS_LEVEL_COMMUNE &&
        (st = apply_commune_pattern(ctx, i, p->code, &row->figure[DS_SCOPE_TERRITORY], false,
                                    err)) != DS_OK)
        return st;
    /* Secondary suppression: QPV + outside give a withheld territory; the territory minus
     * one of them gives the other. */
    if (row->figure[DS_SCOPE_TERRITORY].withheld) {
        withhold_secondary(&row->figure[DS_SCOPE_QPV]);
        withhold_secondary(&row->figure[DS_SCOPE_OUTSIDE_QPV]);
    }
    if (row->figure[DS_SCOPE_QPV].withheld)
        withhold_secondary(&row->figure[DS_SCOPE_OUTSIDE_QPV]);
    if (row->figure[DS_SCOPE_OUTSIDE_QPV].withheld)
        withhold_secondary(&row->figure[DS_SCOPE_QPV]);
    for (int s = 0; s < DS_SCOPE_COUNT; s++)
        blank_withheld(&row->figure[s]);
    for (int r = 0; r < 3; r++)
        compare(ind, &row->figure[DS_SCOPE_TERRITORY], &row->figure[DS_SCOPE_DEPARTEMENT + r],
                &row->versus[r]);
    qpv_ratio(p, ind, row);
    st = rank_row(p, i, row, err);
    if (st == DS_OK)
        st = member_rows(p, i, row, err);
    return st;
}

ds_status ds_portrait_compute(ds_portrait_context *ctx, const char *text, ds_level level,
                              ds_portrait **out, ds_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (ctx == NULL || text == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_portrait_compute: NULL argument");
    ds_portrait *p = calloc(1, sizeof *p);
    if (p == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    p->ctx = ctx;
    p->level = level;
    ds_code_list communes = {0};
    ds_status st = resolve(ctx, text, &p->level, p->code, err);
    if (st == DS_OK) {
        const char *name = ds_referential_name(ctx->ref, p->level, p->code);
        if (ctx->config->territory_name != NULL && ctx->config->territory != NULL &&
            strcmp(ctx->config->territory, text) == 0)
            name = ctx->config->territory_name;
        p->name = ds_pool_keep(&p->pool, name != NULL ? name : p->code);
        if (p->name == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    if (st == DS_OK)
        st = reference_codes(p);
    if (st == DS_OK && p->level != DS_LEVEL_QPV) {
        if (p->level == DS_LEVEL_COMMUNE) {
            communes.items = malloc(sizeof *communes.items);
            if (communes.items == NULL || (communes.items[0] = strdup(p->code)) == NULL)
                st = ds_error_set(err, DS_ENOMEM, "out of memory");
            else
                communes.count = 1;
        } else {
            st = ds_referential_members(ctx->ref, p->level, p->code, DS_LEVEL_COMMUNE,
                                        &communes, err);
        }
    }
    if (st == DS_OK)
        st = find_qpv(p, &communes, err);
    if (st == DS_OK)
        st = find_members(p, &communes, err);
    ds_code_list_free(&communes);
    if (st == DS_OK) {
        p->rows = calloc(ctx->n_ind + 1, sizeof *p->rows);
        if (p->rows == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; st == DS_OK && i < ctx->n_ind; i++) {
        p->n_rows++;
        st = compute_row(p, i, &p->rows[i], err);
    }
    p->population = p->qpv_population = NAN;
    for (size_t i = 0; st == DS_OK && i < p->n_rows; i++) {
        if (strcmp(p->rows[i].indicator->id, ctx->config->population_indicator) != 0)
            continue;
        p->population = p->rows[i].figure[DS_SCOPE_TERRITORY].numerator;
        p->qpv_population = p->rows[i].figure[DS_SCOPE_QPV].numerator;
    }
    if (st == DS_OK)
        st = ds_portrait_ages_compute(p, err);
    for (size_t i = 0; st == DS_OK && i < p->n_rows; i++) {
        for (int s = 0; s < DS_SCOPE_COUNT; s++)
            p->withheld += p->rows[i].figure[s].withheld;
        for (size_t k = 0; k < p->rows[i].n_members; k++)
            p->withheld += p->rows[i].members[k].withheld;
    }
    if (st != DS_OK) {
        ds_portrait_free(p);
        return st;
    }
    *out = p;
    return DS_OK;
}

void ds_portrait_free(ds_portrait *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_rows; i++)
        free(p->rows[i].members);
    free(p->rows);
    ds_code_list_free(&p->qpv);
    free(p->members.items); /* the strings belong to the pool or the context */
    ds_portrait_ages_free(p);
    ds_pool_free(&p->pool);
    free(p);
}

const char *ds_portrait_code(const ds_portrait *p) { return p->code; }
const char *ds_portrait_name(const ds_portrait *p) { return p->name; }
ds_level ds_portrait_level(const ds_portrait *p) { return p->level; }
size_t ds_portrait_member_count(const ds_portrait *p) { return p->members.count; }
double ds_portrait_qpv_population(const ds_portrait *p) { return p->qpv_population; }
double ds_portrait_population(const ds_portrait *p) { return p->population; }
size_t ds_portrait_rows(const ds_portrait *p) { return p->n_rows; }

const ds_portrait_row *ds_portrait_row_at(const ds_portrait *p, size_t i)
{
    return i < p->n_rows ? &p->rows[i] : NULL;
}

const ds_config *ds_portrait_config(const ds_portrait *p) { return p->ctx->config; }

const char *ds_portrait_referential_vintage(const ds_portrait *p)
{
    return ds_referential_vintage(p->ctx->ref);
}

size_t ds_portrait_withheld_count(const ds_portrait *p) { return p->withheld; }
