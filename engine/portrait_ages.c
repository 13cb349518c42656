/* diagsante — the age pyramid of a portrait ([ages] of diagnostic.ini; portrait.h).
 *
 * Each age column (a group, or a group and a sex) is read as a count pseudo-indicator
 * appended after the portrait's indicators (ctx->ind[n_ind + k]): the same rules give
 * its figure for any place (a published row of the place's level, else the sum over its
 * communes, or their IRIS; never a partial sum). A side (the territory, or the
 * reference drawn as an outline) is available when every cell is known; each cell's
 * share is its count over the sum of the side's cells. Disclosure as for the member
 * communes: a count from 1 to threshold - 1 is withheld, and when it is the only one
 * of its side, the next smallest count too. */
#include "portrait_model.h"

#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AGE_KEY_MAX 64

/* The reference sides computed for this context, by "level:code". */
typedef struct age_ref {
    char key[AGE_KEY_MAX];
    ds_age_side side;
} age_ref;

ds_status ds_portrait_ages_prepare(ds_portrait_context *ctx, ds_error *err)
{
    const ds_config *c = ctx->config;
    if (c->n_age_groups == 0)
        return DS_OK;
    size_t n = c->n_age_groups * (size_t)c->age_sexes;
    ctx->age_ind = calloc(n, sizeof *ctx->age_ind);
    const ds_indicator **ind = realloc(ctx->ind, (ctx->n_ind + n + 1) * sizeof *ind);
    if (ind != NULL)
        ctx->ind = ind;
    indicator_columns *cols = realloc(ctx->cols, (ctx->n_ind + n + 1) * sizeof *cols);
    if (cols != NULL)
        ctx->cols = cols;
    if (ctx->age_ind == NULL || ind == NULL || cols == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    for (size_t g = 0; g < c->n_age_groups; g++)
        for (int s = 0; s < c->age_sexes; s++) {
            size_t k = g * (size_t)c->age_sexes + (size_t)s;
            ds_indicator *a = &ctx->age_ind[k];
            a->id = "[ages]"; /* not an id a dictionary may hold: no override names it */
            a->label = c->age_groups[g].label;
            a->chapter = 1;
            a->bases = DS_BASE_BIT(DS_BASE_PREVENTION);
            a->numerator = c->age_groups[g].label;
            a->kind = DS_KIND_COUNT;
            a->unit = "habitants";
            a->multiplier = 1;
            a->polarity = DS_POLARITY_NONE;
            a->source = "[ages]";
            a->numerator_column = c->age_groups[g].column[s];
            a->aggregable = true;
            ctx->ind[ctx->n_ind + k] = a;
            ds_portrait_locate(ctx, ctx->n_ind + k);
            bool found = false;
            for (int level = 0; level < DS_DATA_LEVEL_COUNT; level++)
                found = found || ctx->cols[ctx->n_ind + k].at[level][DS_ROLE_NUMERATOR].source >= 0;
            if (!found)
                return ds_error_set(err, DS_EDATA, "%s: [ages] group '%s': no [data] file has "
                                    "a numeric column '%s'", c->path, a->label,
                                    a->numerator_column);
        }
    ctx->n_age = n;
    return DS_OK;
}

static void side_free(ds_age_side *side)
{
    free(side->cells);
    side->cells = NULL;
}

void ds_portrait_ages_context_free(ds_portrait_context *ctx)
{
    for (size_t k = 0; k < ctx->n_age_refs; k++)
        side_free(&ctx->age_refs[k].side);
    free(ctx->age_refs);
    free(ctx->age_ind);
}

/* Withholds the counts from 1 to threshold - 1 and, when only one is, the next smallest
 * count; blanks what is withheld. */
static void disclose(ds_age_side *side, size_t n, int threshold)
{
    size_t withheld = 0, smallest = SIZE_MAX;
    for (size_t k = 0; k < n; k++) {
        ds_age_cell *c = &side->cells[k];
        if (c->count > 0 && c->count < threshold)
            c->withheld = true, withheld++;
    }
    for (size_t k = 0; k < n; k++) {
        const ds_age_cell *c = &side->cells[k];
        if (!c->withheld && c->count > 0 &&
            (smallest == SIZE_MAX || c->count < side->cells[smallest].count))
            smallest = k;
    }
    if (withheld == 1 && smallest != SIZE_MAX)
        side->cells[smallest].withheld = side->cells[smallest].secondary = true;
    for (size_t k = 0; k < n; k++)
        if (side->cells[k].withheld)
            side->cells[k].count = side->cells[k].percent = NAN;
}

/* The side of a place (level and code; DS_LEVEL_COUNT: France). */
static ds_status compute_side(ds_portrait_context *ctx, ds_level level, const char *code,
                              const char *name, ds_age_side *side, ds_pool *pool, ds_error *err)
{
    size_t n = ctx->n_age;
    *side = (ds_age_side){.code = code, .name = name, .total = NAN};
    side->cells = calloc(n, sizeof *side->cells);
    if (side->cells == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    double total = 0;
    for (size_t k = 0; k < n; k++) {
        ds_figure f;
        ds_status st = ds_portrait_place_figure(ctx, ctx->n_ind + k, level, code, &f, pool, err);
        if (st != DS_OK)
            return st;
        side->cells[k].count = side->cells[k].percent = NAN;
        if (f.origin == DS_ORIGIN_NONE || !isfinite(f.numerator) || f.numerator < 0) {
            if (side->flag == NULL)
                side->flag = f.flag != NULL ? f.flag : "effectif manquant";
            continue;
        }
        side->cells[k].count = f.numerator;
        total += f.numerator;
    }
    if (side->flag != NULL)
        return DS_OK;
    if (total <= 0) {
        side->flag = "population nulle";
        return DS_OK;
    }
    side->available = true;
    side->total = total;
    for (size_t k = 0; k < n; k++)
        side->cells[k].percent = 100 * side->cells[k].count / total;
    disclose(side, n, ctx->config->threshold);
    return DS_OK;
}

/* The reference side, computed once per context and place; the caller holds the
 * context's lock (batch workers share the cache, and a later call may move it). */
static ds_status reference_side_locked(ds_portrait_context *ctx, ds_level level,
                                       const char *code, const char *name,
                                       const ds_age_side **out, ds_error *err)
{
    char key[AGE_KEY_MAX];
    snprintf(key, sizeof key, "%d:%s", (int)level, code);
    for (size_t k = 0; k < ctx->n_age_refs; k++)
        if (strcmp(ctx->age_refs[k].key, key) == 0)
            return *out = &ctx->age_refs[k].side, DS_OK;
    if (ctx->n_age_refs == ctx->cap_age_refs) {
        size_t cap = ctx->cap_age_refs * 2 + 4;
        age_ref *grown = realloc(ctx->age_refs, cap * sizeof *grown);
        if (grown == NULL)
            return ds_error_set(err, DS_ENOMEM, "out of memory");
        ctx->age_refs = grown, ctx->cap_age_refs = cap;
    }
    age_ref *r = &ctx->age_refs[ctx->n_age_refs];
    snprintf(r->key, sizeof r->key, "%s", key);
    const char *kept_code = ds_pool_keep(&ctx->pool, code);
    if (kept_code == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status st = compute_side(ctx, level, kept_code, name, &r->side, &ctx->pool, err);
    if (st != DS_OK) {
        side_free(&r->side);
        return st;
    }
    ctx->n_age_refs++;
    *out = &r->side;
    return DS_OK;
}

ds_status ds_portrait_ages_compute(ds_portrait *p, ds_error *err)
{
    ds_portrait_context *ctx = p->ctx;
    const ds_config *c = ctx->config;
    if (ctx->n_age == 0)
        return DS_OK;
    p->has_ages = true;
    ds_age_pyramid *a = &p->ages;
    a->groups = c->n_age_groups;
    a->sexes = c->age_sexes;
    a->group = c->age_groups;
    ds_status st = compute_side(ctx, p->level, p->code, p->name, &a->territory, &p->pool, err);
    if (st != DS_OK)
        return st;
    for (size_t k = 0; k < ctx->n_age; k++)
        p->withheld += a->territory.cells[k].withheld;
    const char *code = NULL;
    ds_level level = DS_LEVEL_COUNT;
    switch (c->age_reference) {
    case DS_AGE_REF_DEPARTEMENT:
        code = p->departement, level = DS_LEVEL_DEPARTEMENT;
        break;
    case DS_AGE_REF_REGION:
        code = p->region, level = DS_LEVEL_REGION;
        break;
    case DS_AGE_REF_FRANCE:
        code = "FRANCE";
        break;
    case DS_AGE_REF_NONE:
        break;
    }
    if (code == NULL || code[0] == '\0' || (level == p->level && strcmp(code, p->code) == 0))
        return DS_OK;
    const char *name = level == DS_LEVEL_COUNT ? "France métropolitaine"
                                               : ds_referential_name(ctx->ref, level, code);
    /* The portrait gets its own copy of the cells, taken under the lock: another
     * worker's call may grow (move) the cache. */
    const ds_age_side *ref = NULL;
    pthread_mutex_lock(&ctx->lock);
    st = reference_side_locked(ctx, level, code, name != NULL ? name : code, &ref, err);
    if (st == DS_OK) {
        a->reference = *ref;
        a->reference.cells = malloc(ctx->n_age * sizeof *a->reference.cells);
        if (a->reference.cells == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
        else
            memcpy(a->reference.cells, ref->cells, ctx->n_age * sizeof *ref->cells);
    }
    pthread_mutex_unlock(&ctx->lock);
    if (st != DS_OK)
        return st;
    a->has_reference = true;
    for (size_t k = 0; k < ctx->n_age; k++)
        p->withheld += a->reference.cells[k].withheld;
    return DS_OK;
}

void ds_portrait_ages_free(ds_portrait *p)
{
    side_free(&p->ages.territory);
    side_free(&p->ages.reference);
}

const ds_age_pyramid *ds_portrait_ages(const ds_portrait *p)
{
    return p->has_ages ? &p->ages : NULL;
}
