/* diagsante (private) — what a portrait context and a portrait hold; shared by
 * portrait.c (computing) and portrait_write.c (writing). */
#ifndef DIAGSANTE_PORTRAIT_MODEL_H
#define DIAGSANTE_PORTRAIT_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diagsante/csv_table.h"
#include "diagsante/portrait.h"
#include "text_dict.h"

/* Strings a portrait owns (names, flags). */
typedef struct ds_pool {
    char **items;
    size_t n, cap;
} ds_pool;

const char *ds_pool_keep(ds_pool *pool, const char *text);
const char *ds_pool_printf(ds_pool *pool, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ds_pool_free(ds_pool *pool);

/* One data file, its rows indexed by normalised code. */
typedef struct data_source {
    ds_data_level level;
    const char *path;     /* the configuration's */
    ds_table *table;
    long code_column;     /* -1 for a france file */
    ds_text_dict codes;   /* code -> id */
    size_t *row_of;       /* id -> row */
    size_t rows_without_code, rows_unknown;
} data_source;

/* Where one role (numerator, denominator, value) of an indicator is read at a level. */
typedef struct column_ref {
    int source;  /* index in sources, -1 when no file has the column */
    long column;
} column_ref;

typedef struct indicator_columns {
    column_ref at[DS_DATA_LEVEL_COUNT][3];
} indicator_columns;

/* An IRIS row, grouped by current commune. */
typedef struct iris_row {
    uint32_t commune;  /* id in iris_communes */
    uint32_t source;
    size_t row;
    const char *code;  /* owned by the source's dictionary */
} iris_row;

/* Sorted values of an indicator over the territories of a level in a région. */
typedef struct rank_cache {
    size_t indicator;
    ds_level level;
    char region[DS_CODE_MAX];
    size_t n;
    double *values;
} rank_cache;

/* The communes of a région withheld to protect a small count in an aggregate of the
 * région (EPCI, département, the région): per indicator, the same in every portrait. */
typedef struct secondary_cache {
    char region[DS_CODE_MAX];
    ds_text_dict *communes; /* per indicator (ind[0 .. n_ind)) */
} secondary_cache;

struct ds_portrait_context {
    /* Guards what is filled on first use (ranks, reference figures and their pool,
     * sha256), so that batch workers can compute portraits of one context at once;
     * everything else is read-only once the context is open. */
    pthread_mutex_t lock;
    const ds_config *config;
    ds_referential *ref;
    ds_dictionary *dict;
    size_t n_sources;
    data_source *sources;
    size_t n_ind;
    const ds_indicator **ind;  /* the indicators of the portrait, dictionary order */
    indicator_columns *cols;   /* per indicator */
    ds_text_dict iris_communes;
    iris_row *iris;
    size_t n_iris, cap_iris;
    ds_code_list metropolitan; /* current communes of metropolitan France */
    rank_cache **ranks;        /* each allocated alone: a worker keeps using one while
                                  another grows the array */
    size_t n_ranks, cap_ranks;
    secondary_cache **secondaries; /* each allocated alone, like ranks */
    size_t n_secondaries, cap_secondaries;
    /* Figures of the references (départements, régions, France), computed once per
     * context for all indicators: key "level:code" -> n_ind figures. */
    ds_text_dict reference_keys;
    ds_figure **reference_figures;
    size_t cap_reference;
    ds_pool pool;         /* strings of those figures */
    /* [ages]: one count pseudo-indicator per age column, at ind[n_ind + k] (k < n_age),
     * and the reference sides already computed (key "level:code"). */
    size_t n_age;
    ds_indicator *age_ind;
    struct age_ref *age_refs;
    size_t n_age_refs, cap_age_refs;
    /* [geometry] files for the provenance: per layer (communes, QPV, IRIS) its .shp and
     * its .dbf (the ids), "" when not configured; filled at open. */
    char geometry_files[3][2][4096];
    /* SHA-256 of the inputs (ds_portrait_inputs order), computed once for a batch. */
    size_t n_hashed;
    char (*sha256)[65];   /* "" when a file could not be read */
};

struct ds_portrait {
    ds_portrait_context *ctx;
    ds_level level;
    char code[DS_CODE_MAX];
    const char *name;
    char departement[DS_CODE_MAX], region[DS_CODE_MAX];
    ds_code_list qpv;          /* QPV of the territory */
    size_t qpv_straddling;     /* of them, lying partly outside */
    ds_code_list members;      /* member communes, or the IRIS of a commune (not owned) */
    bool members_are_iris;
    size_t n_rows;
    ds_portrait_row *rows;
    double population, qpv_population;
    size_t withheld;
    bool has_ages;
    ds_age_pyramid ages;
    ds_pool pool;
    /* The figures of the département, the région and France for every indicator
     * (the context's, looked up once per portrait). */
    const ds_figure *reference[3];
};

/* (portrait.c) Where indicator i's columns are (any index of ctx->ind). */
void ds_portrait_locate(ds_portrait_context *ctx, size_t i);
/* (portrait.c) The figure of indicator i for a place of `level` (DS_LEVEL_COUNT:
 * France), not yet submitted to the disclosure rule. */
ds_status ds_portrait_place_figure(ds_portrait_context *ctx, size_t i, ds_level level,
                                   const char *code, ds_figure *f, ds_pool *pool, ds_error *err);

/* (portrait_ages.c) The age columns as pseudo-indicators, after the indicators are
 * chosen; their sides; freeing. */
ds_status ds_portrait_ages_prepare(ds_portrait_context *ctx, ds_error *err);
void ds_portrait_ages_context_free(ds_portrait_context *ctx);
ds_status ds_portrait_ages_compute(ds_portrait *p, ds_error *err);
void ds_portrait_ages_free(ds_portrait *p);

#endif
