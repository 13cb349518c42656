/* diagsante — the portrait de santé of a territory: every indicator of the dictionary
 * computed for the territory and its references, with confidence intervals,
 * comparisons, QPV versus the rest, inequality between member communes, and the
 * disclosure rules applied.
 *
 * Data flow: ds_portrait_context_open reads everything once (referential, custom
 * territories, QPV communes, dictionary, data files); ds_portrait_compute builds the
 * portrait of one territory (call it for as many territories as wanted: a batch);
 * ds_portrait_write writes its tables, JSON and report; ds_portrait_free.
 *
 * How a figure is obtained for a territory T and an indicator I:
 *  1. a published row: a data file of T's own level holding T's code and I's columns
 *     (numerator and denominator, or the value for indicators that cannot be summed);
 *  2. otherwise, for an aggregable indicator, the sum over T's communes of their
 *     numerators and denominators (a commune's own row, or the sum of its IRIS rows);
 *     never an average of rates. When a commune has no figure (missing, secret) the
 *     total is not computed (a partial sum is never published as the total): the
 *     figure says how many communes lack data;
 *  3. otherwise not available, with the reason (flag).
 * The value is numerator / denominator × multiplier (a count is its numerator; an isr's
 * numerator is the observed count and its denominator the expected one) with the
 * interval chosen by kind: proportion Wilson, rate and isr exact Poisson under 10
 * events and Byar above (stats.h); count, index, mean, median and published values
 * have no interval unless the file gives one.
 *
 * Comparisons with the département, the région and France (metropolitan): the ratio and
 * the difference of the values, and the CI-overlap rule (the reference value inside the
 * territory's interval: similar; ds_compare_ci_benchmark), judged better or worse by
 * the indicator's polarity. The rank is among the territories of the same level of the
 * same région (1 = highest value; ties share the best rank).
 *
 * Disclosure: a count from 1 to threshold - 1 (the numerator of a count, proportion,
 * rate or isr) is withheld ("< 5") with the value and interval built on it, in every
 * output (primary suppression). Secondary suppression: when the QPV part or the rest
 * of a territory is withheld, the other one is too (territory - one = the other); among
 * member communes, when exactly one is withheld, the next smallest count is withheld
 * as well (the total minus the others would reveal it). */
#ifndef DIAGSANTE_PORTRAIT_H
#define DIAGSANTE_PORTRAIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "diagsante/config.h"
#include "diagsante/error.h"
#include "diagsante/indicators.h"
#include "diagsante/inequality.h"
#include "diagsante/output.h"
#include "diagsante/referential.h"

/* The places a figure is given for. */
typedef enum ds_scope {
    DS_SCOPE_TERRITORY = 0,
    DS_SCOPE_DEPARTEMENT,
    DS_SCOPE_REGION,
    DS_SCOPE_FRANCE,
    DS_SCOPE_QPV,         /* the QPV of the territory, together */
    DS_SCOPE_OUTSIDE_QPV, /* the territory minus its QPV */
    DS_SCOPE_COUNT
} ds_scope;

/* "territoire", "departement", "region", "france", "qpv", "hors_qpv". */
const char *ds_scope_code(ds_scope scope);

typedef enum ds_figure_origin {
    DS_ORIGIN_NONE = 0,   /* not available: see flag */
    DS_ORIGIN_PUBLISHED,  /* read as such in a data file */
    DS_ORIGIN_SUM,        /* summed over communes or IRIS */
    DS_ORIGIN_DIFFERENCE  /* territory minus its QPV */
} ds_figure_origin;

/* "absent", "publie", "somme", "difference". */
const char *ds_figure_origin_code(ds_figure_origin origin);

/* One indicator for one place. Numbers are NaN when absent or withheld. Strings are
 * owned by the portrait (or static). */
typedef struct ds_figure {
    ds_figure_origin origin;
    const char *code;          /* the place's code ("FRANCE" for France), NULL when none */
    const char *name;
    double numerator, denominator;
    double value, lower, upper;   /* in the indicator's unit (× multiplier) */
    const char *method;        /* the interval's method, NULL when none */
    bool withheld;             /* disclosure: the count and what is built on it */
    bool secondary;            /* withheld to protect another figure */
    size_t parts, parts_missing; /* communes (or IRIS) summed, and those without data */
    const char *flag;          /* why not available or what to know, in French; or NULL */
} ds_figure;

/* The territory against one reference. */
typedef struct ds_versus {
    bool available;            /* both values known */
    bool tested;               /* the territory has an interval: comparison is valid */
    double ratio, difference;  /* territory / reference, territory - reference */
    ds_comparison comparison;  /* CI-overlap rule; direction and judgement */
} ds_versus;

/* A member commune or IRIS: its figure (for maps and the inequality summary). */
typedef struct ds_member_figure {
    ds_figure figure;
} ds_member_figure;

typedef struct ds_portrait_row {
    const ds_indicator *indicator;
    ds_figure figure[DS_SCOPE_COUNT];
    ds_versus versus[3];            /* département, région, France */
    long rank, rank_of;             /* 0 when not ranked */
    ds_estimate qpv_ratio;          /* QPV / outside, with its interval (NaN when none) */
    /* Between the member communes (or the IRIS of a commune) with a value: */
    size_t n_members;               /* members listed (member_level) */
    ds_figure *members;
    size_t members_with_value;
    const char *min_code, *max_code;
    double min, max, extreme_ratio; /* NaN when fewer than 2 values */
    ds_inequality inequality;       /* unordered HEAT measures; valid when has_inequality */
    bool has_inequality;
} ds_portrait_row;

typedef struct ds_portrait_context ds_portrait_context;
typedef struct ds_portrait ds_portrait;

/* Opens everything the configuration names. Errors name the file (and line): a missing
 * or malformed referential, dictionary or data file; a data file whose level and codes
 * disagree; a column override for an unknown indicator; DS_ENOMEM. */
ds_status ds_portrait_context_open(const ds_config *config, ds_portrait_context **out,
                                   ds_error *err);
void ds_portrait_context_free(ds_portrait_context *ctx); /* accepts NULL */

/* The referential the context loaded (owned by it). */
const ds_referential *ds_portrait_context_referential(const ds_portrait_context *ctx);

/* Computes the portrait of the territory code at level (DS_LEVEL_COUNT: the level is
 * found from the code). DS_EDATA when the territory does not exist. */
ds_status ds_portrait_compute(ds_portrait_context *ctx, const char *code, ds_level level,
                              ds_portrait **out, ds_error *err);
void ds_portrait_free(ds_portrait *portrait); /* accepts NULL */

/* The territory. */
const char *ds_portrait_code(const ds_portrait *p);
const char *ds_portrait_name(const ds_portrait *p);
ds_level ds_portrait_level(const ds_portrait *p);
/* The member level used for inequality and maps: DS_LEVEL_COMMUNE, or DS_LEVEL_COUNT
 * for the IRIS of a commune. */
size_t ds_portrait_member_count(const ds_portrait *p);
/* The population living in QPV and in the territory (the population indicator's
 * numerator), NaN when not known; the share is their ratio. */
double ds_portrait_qpv_population(const ds_portrait *p);
double ds_portrait_population(const ds_portrait *p);

size_t ds_portrait_rows(const ds_portrait *p);
const ds_portrait_row *ds_portrait_row_at(const ds_portrait *p, size_t i);

/* The settings and inputs, for the provenance footer. */
const ds_config *ds_portrait_config(const ds_portrait *p);
const char *ds_portrait_referential_vintage(const ds_portrait *p);
size_t ds_portrait_withheld_count(const ds_portrait *p); /* figures withheld, all scopes */

/* The age pyramid ([ages] of the configuration): the count of every age group (and
 * sex) for the territory and for a reference, and its share of the place's population
 * (the sum of its cells). A count from 1 to threshold - 1 is withheld with its share
 * (and, when it is the only one of its side, the next smallest as well: the total
 * minus the others would reveal it); count and percent are then NaN. */
typedef struct ds_age_cell {
    double count, percent;     /* percent of the side's total, 0-100 */
    bool withheld, secondary;
} ds_age_cell;

typedef struct ds_age_side {
    bool available;            /* every cell known: count and percent (unless withheld) */
    const char *code, *name;   /* the place ("FRANCE" for France) */
    const char *flag;          /* why not available, in French; or NULL */
    double total;              /* sum of the cells (the population by age) */
    ds_age_cell *cells;        /* groups x sexes, group-major: cells[g * sexes + s] */
} ds_age_side;

typedef struct ds_age_pyramid {
    size_t groups;
    int sexes;                 /* 1: both sexes together; 2: men (s = 0) and women (s = 1) */
    const ds_age_group *group; /* the configuration's: label and columns, youngest first */
    ds_age_side territory;
    bool has_reference;        /* [ages] reference is not none and the territory has one */
    ds_age_side reference;
} ds_age_pyramid;

/* The age pyramid of the portrait; NULL when the configuration has no [ages]. Owned by
 * the portrait. */
const ds_age_pyramid *ds_portrait_ages(const ds_portrait *p);

/* What to write. */
typedef struct ds_portrait_outputs {
    bool csv, json, html, geojson, excel;
} ds_portrait_outputs;

/* Writes into dir (created when missing): tables/chapitre_N.csv and tables/portrait.csv
 * (csv), portrait.json (json), portrait.html (html). Every file is written atomically,
 * and all are renamed together at the end: a failure changes none of them.
 * DS_EIO naming the file, DS_ENOMEM. */
ds_status ds_portrait_write(const ds_portrait *p, const char *dir,
                            const ds_portrait_outputs *what, ds_error *err);
/* The same files opened in group (output.h): nothing is renamed until the caller
 * commits the group, so that a batch that fails halfway changes no file. */
ds_status ds_portrait_write_in(ds_output_group *group, const ds_portrait *p, const char *dir,
                               const ds_portrait_outputs *what, ds_error *err);

/* Batch writing to a stream the caller opened (ds_output): the long table of the
 * portrait with two leading columns, territory_level and territory_code (header line
 * first when header), and the portrait's JSON object on one line (JSON Lines). false on
 * a write error. */
bool ds_portrait_write_table(FILE *f, const ds_portrait *p, bool header);
bool ds_portrait_write_json_line(FILE *f, const ds_portrait *p);

/* A batch (portrait_batch.c): the portraits of many territories of one level, written
 * in the order of units to table (the long table, header first) and json (JSON Lines),
 * either of which may be NULL. Worker threads compute and format portraits while the
 * calling thread writes them in order: the bytes are the same whatever the number of
 * threads. */
#define DS_PORTRAIT_MAX_THREADS 8

typedef struct ds_portrait_batch {
    ds_level level;
    const ds_code_list *units;
    /* 1: everything in the calling thread; 0: one worker per online CPU; at most
     * DS_PORTRAIT_MAX_THREADS. */
    unsigned threads;
    FILE *table, *json;
    const char *table_name, *json_name; /* for error messages */
    /* When not NULL, called in the calling thread for each portrait, in order, before it
     * is freed (index: in units); a status other than DS_OK stops the batch with it. */
    ds_status (*each)(const ds_portrait *p, size_t index, void *data, ds_error *err);
    void *data;
} ds_portrait_batch;

/* Runs the batch. Stops at the first unit (in order) that fails: its ds_portrait_compute
 * error, DS_EIO naming the file on a write error, DS_ENOMEM; what came before it is
 * written. */
ds_status ds_portrait_batch_run(ds_portrait_context *ctx, const ds_portrait_batch *batch,
                                ds_error *err);

#endif
