/* diagsante — `diagsante stats METHOD`: the statistics of stats.h, inequality.h, fdep.h
 * and smoothing.h over a CSV table of counts or values by group.
 *
 * The flow is one way: load the table (csv_table.h), find each input column by its role
 * (numerator, denominator...) or the --col override, read every row into a matrix of
 * doubles (NaN for a missing cell, the row flagged incomplete when the method needs
 * that cell), sort the rows by group, compute group by group, write the CSV into memory,
 * and only when everything succeeded copy it to the destination (atomically for a file,
 * so that no partial table is ever left behind, on standard output too). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/csv_table.h"
#include "diagsante/error.h"
#include "diagsante/fdep.h"
#include "diagsante/inequality.h"
#include "diagsante/output.h"
#include "diagsante/smoothing.h"
#include "diagsante/stats.h"

#include "cli.h"

#define EXIT_DATAERR 65
#define EXIT_OSERR 71

/* The help's first half: the methods. */
static const char STATS_USAGE[] =
    "Usage: diagsante stats METHOD --in=FILE.csv [--out=FILE.csv] [OPTIONS]\n"
    "\n"
    "Computes a statistic for each group of a CSV table and writes one CSV row per group\n"
    "(per measure for inequality), sorted by group: group,value,lower,upper,method, then\n"
    "the method's own columns. Numbers are written with 17 significant digits; an empty\n"
    "cell is a value that is not available. Rows sharing a group are gathered.\n"
    "\n"
    "Methods and the input columns they read (rename with --col ROLE=COLUMN):\n"
    "  proportion  group,numerator,denominator: Wilson score interval (x 1 by default)\n"
    "  rate        group,numerator,denominator: crude rate, exact Poisson limits under\n"
    "              10 events, Byar from 10 (x 100000 by default)\n"
    "  mean        group,value: mean with a Student t interval; extra column n\n"
    "  dsr         group,age,numerator,denominator,standard_pop: directly standardised\n"
    "              rate, Dobson limits (x 100000); withheld under 10 events; extra\n"
    "              columns total_count,total_population. --standard=FILE reads the\n"
    "              standard population (age_group,population) instead of standard_pop,\n"
    "              joined on age\n"
    "  isr         group,age,numerator,denominator,ref_numerator,ref_denominator:\n"
    "              indirect standardisation, value = O/E x 100 (ICM; --multiplier=1 for\n"
    "              an SMR); extra columns observed,expected,rate,rate_lower,rate_upper,\n"
    "              reference_rate (rates x --rate-multiplier, 100000)\n"
    "  compare     group,value,lower,upper,benchmark[,polarity]: ci-benchmark rule;\n"
    "              with --compare-method=two-ci: group,value,lower,upper,other_lower,\n"
    "              other_upper[,polarity] (the other territory's interval: overlapping or\n"
    "              touching intervals are similar); with --compare-method=poisson-icm:\n"
    "              group,observed,expected[,polarity] (exact Poisson test of ICM = 100;\n"
    "              poisson-normal: its normal approximation z = (O-E)/sqrt(E), as in\n"
    "              Jougla et al. 1997); extra columns direction,judgement\n"
    "  inequality  group,order,value,lower,upper,population: WHO HEAT summary measures,\n"
    "              one row per measure (order empty or absent: unordered groups;\n"
    "              lower,upper optional: standard errors from them)\n"
    "  quantile    group,value: type-7 quantile class (1 = lowest) of each group, cut\n"
    "              points in the method column; extra column class\n"
    "  fdep        unit,median_income,pct_bac,pct_workers,unemployment_rate,population:\n"
    "              FDep score (Rey et al. 2009); extra columns quintile_units,\n"
    "              quintile_population (5 = most deprived)\n"
    "  eb          group,numerator,denominator: global empirical Bayes rate (Marshall\n"
    "              1991, x 100000); extra columns weight,crude_rate,numerator,denominator;\n"
    "              with --neighbours=FILE: local empirical Bayes, each unit smoothed over\n"
    "              its neighbourhood, extra column neighbours (their number, itself aside)\n"
    "\n";

/* The help's second half (one string literal would exceed the 4095 characters C
 * compilers must accept). */
static const char STATS_USAGE_OPTIONS[] =
    "A row with a missing or secret cell that the method needs is listed on stderr and\n"
    "counted; for counts (proportion, rate, dsr, isr, eb) its whole group is written with\n"
    "an empty value and the reason, never from a partial sum.\n"
    "\n"
    "  --in=FILE            the input CSV (any separator, encoding, decimal comma)\n"
    "  --out=FILE           the output CSV, written atomically (default or '-': stdout)\n"
    "  --col=ROLE=COLUMN    read ROLE from COLUMN (repeatable)\n"
    "  --conf=LEVEL         confidence level in (0, 1) (default 0.95)\n"
    "  --multiplier=M       rates per M (proportion, rate, dsr, isr, eb)\n"
    "  --rate-multiplier=M  isr: the standardised rate per M (default 100000)\n"
    "  --standard=FILE      dsr: standard population CSV, e.g.\n"
    "                       datasets/standard_populations/esp2013.csv\n"
    "  --compare-method=M   compare: ci-benchmark (default), two-ci, poisson-icm or\n"
    "                       poisson-normal\n"
    "  --polarity=P         compare, inequality: higher-is-better or lower-is-better\n"
    "                       (compare: for rows whose polarity cell is empty)\n"
    "  --classes=K          quantile: number of classes, 2 to 100 (default 5)\n"
    "  --weighting=W        fdep: population (default) or unweighted\n"
    "  --neighbours=FILE    eb: smooth each unit over its neighbourhood, read from a CSV\n"
    "                       unit,neighbour (--col unit=C, --col neighbour=C), one pair a\n"
    "                       row: the row A,B puts B in A's neighbourhood (give B,A too for\n"
    "                       symmetry). A unit is always in its own neighbourhood; a unit\n"
    "                       without a row has only itself (its crude rate); a code that is\n"
    "                       no group of --in, or a pair given twice, is an error\n"
    "  -h, --help           this help\n";

typedef enum method {
    M_PROPORTION = 0, M_RATE, M_MEAN, M_DSR, M_ISR, M_COMPARE, M_INEQUALITY, M_QUANTILE,
    M_FDEP, M_EB, M_COUNT
} method;

static const char *const METHOD_NAMES[M_COUNT] = {
    "proportion", "rate", "mean", "dsr", "isr", "compare", "inequality", "quantile", "fdep", "eb"};

/* What each method does with a row that lacks a cell it needs (for the stderr list). */
static const char *const INCOMPLETE_FATE[M_COUNT] = {
    "their group is not computed", "their group is not computed",
    "left out of their group's mean", "their group is not computed",
    "their group is not computed", "not compared", "their group is left out of the measures",
    "not classed and left out of the cut points", "their unit is excluded from the index",
    "their unit is not computed and left out of the smoothing"};

/* The role of an input column. */
#define ROLE_NUMBER 1u   /* a numeric column */
#define ROLE_OPTIONAL 2u /* the column may be absent */
#define ROLE_NEEDED 4u   /* a missing or secret cell makes the row incomplete (listed) */
#define ROLE_COUNT 8u    /* a value must be >= 0 */

typedef struct role {
    const char *name;
    unsigned flags;
} role;

#define NUM_NEEDED (ROLE_NUMBER | ROLE_NEEDED)
#define COUNT_NEEDED (ROLE_NUMBER | ROLE_NEEDED | ROLE_COUNT)

static const role COUNT_ROLES[] = {{"group", 0}, {"numerator", COUNT_NEEDED},
                                   {"denominator", COUNT_NEEDED}};
static const role MEAN_ROLES[] = {{"group", 0}, {"value", NUM_NEEDED}};
static const role DSR_ROLES[] = {{"group", 0}, {"age", ROLE_OPTIONAL},
                                 {"numerator", COUNT_NEEDED}, {"denominator", COUNT_NEEDED},
                                 {"standard_pop", COUNT_NEEDED}};
static const role DSR_STANDARD_ROLES[] = {{"group", 0}, {"age", 0}, {"numerator", COUNT_NEEDED},
                                          {"denominator", COUNT_NEEDED}};
static const role ISR_ROLES[] = {{"group", 0}, {"age", ROLE_OPTIONAL},
                                 {"numerator", COUNT_NEEDED}, {"denominator", COUNT_NEEDED},
                                 {"ref_numerator", COUNT_NEEDED},
                                 {"ref_denominator", COUNT_NEEDED}};
static const role COMPARE_CI_ROLES[] = {{"group", 0}, {"value", NUM_NEEDED},
                                        {"lower", NUM_NEEDED}, {"upper", NUM_NEEDED},
                                        {"benchmark", NUM_NEEDED}, {"polarity", ROLE_OPTIONAL}};
static const role COMPARE_TWO_CI_ROLES[] = {{"group", 0}, {"value", NUM_NEEDED},
                                            {"lower", NUM_NEEDED}, {"upper", NUM_NEEDED},
                                            {"other_lower", NUM_NEEDED},
                                            {"other_upper", NUM_NEEDED},
                                            {"polarity", ROLE_OPTIONAL}};
static const role COMPARE_ICM_ROLES[] = {{"group", 0}, {"observed", COUNT_NEEDED},
                                         {"expected", COUNT_NEEDED},
                                         {"polarity", ROLE_OPTIONAL}};
static const role INEQUALITY_ROLES[] = {{"group", 0},
                                        {"order", ROLE_NUMBER | ROLE_OPTIONAL},
                                        {"value", NUM_NEEDED},
                                        {"lower", NUM_NEEDED | ROLE_OPTIONAL},
                                        {"upper", NUM_NEEDED | ROLE_OPTIONAL},
                                        {"population", COUNT_NEEDED}};
static const role QUANTILE_ROLES[] = {{"group", 0}, {"value", NUM_NEEDED}};
static const role FDEP_ROLES[] = {{"unit", 0}, {"median_income", NUM_NEEDED},
                                  {"pct_bac", NUM_NEEDED}, {"pct_workers", NUM_NEEDED},
                                  {"unemployment_rate", NUM_NEEDED},
                                  {"population", COUNT_NEEDED}};

/* The columns of the neighbour table of 'stats eb --neighbours' (renamed by --col too). */
static const char *const NEIGHBOUR_ROLES[2] = {"unit", "neighbour"};

#define MAX_ROLES 8
#define MAX_OVERRIDES 32

/* One run of the command: options, the table and what was read from it. */
typedef struct stats_run {
    method method;
    const char *in_path;
    const role *roles;
    size_t n_roles;
    const char *column[MAX_ROLES]; /* the column each role reads */
    long index[MAX_ROLES];         /* its index in the table, -1 when absent */
    ds_table *table;
    size_t rows;
    const char **text;  /* rows x n_roles: the text of text roles (NULL when missing) */
    char *text_buf;     /* rows x n_roles x DS_CELL_TEXT_MAX, for numeric cells read as text */
    double *cell;       /* rows x n_roles: the numbers of numeric roles, NaN when missing */
    size_t *first_gap;  /* per row: the first needed role whose cell is missing, or SIZE_MAX */
    ds_cell_status *gap_status; /* and the cell's status */
    size_t n_incomplete;
    size_t *order;      /* row indices sorted by group, then file order */
    /* options */
    double conf, multiplier, rate_multiplier;
    ds_compare_method compare;
    ds_polarity polarity;
    int classes;
    ds_fdep_weighting weighting;
    const char *standard_path;
    ds_standard_population *standard;
    const char *neighbours_path;          /* eb: the neighbour table, NULL for global */
    const char *neighbour_column[2];      /* its unit and neighbour columns */
    size_t groups_written;
} stats_run;

/* --- reading ---------------------------------------------------------------------------- */

static size_t role_index(const stats_run *r, const char *name)
{
    for (size_t k = 0; k < r->n_roles; k++)
        if (strcmp(r->roles[k].name, name) == 0)
            return k;
    return SIZE_MAX;
}

static double cell(const stats_run *r, size_t row, size_t role)
{
    return r->cell[row * r->n_roles + role];
}

static const char *text_of(const stats_run *r, size_t row, size_t role)
{
    return r->text[row * r->n_roles + role];
}

static const char *group_of(const stats_run *r, size_t row)
{
    return text_of(r, row, 0);
}

static size_t line_of(const stats_run *r, size_t row)
{
    return ds_table_row_line(r->table, row);
}

static const char *status_word(ds_cell_status status)
{
    switch (status) {
    case DS_CELL_SECRET: return "secret";
    case DS_CELL_NOT_APPLICABLE: return "not applicable";
    default: return "missing";
    }
}

/* Prints "diagsante: FILE:LINE: column 'C' (ROLE): message" and returns EX_DATAERR. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int row_error(const stats_run *r, size_t row, size_t role, const char *fmt, ...)
{
    fprintf(stderr, "diagsante: %s:%zu: column '%s'", r->in_path, line_of(r, row), r->column[role]);
    if (strcmp(r->column[role], r->roles[role].name) != 0)
        fprintf(stderr, " (%s)", r->roles[role].name);
    fputs(": ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_DATAERR;
}

/* Prints "diagsante: FILE: group 'G' (lines ...): message" for the rows order[from..to)
 * and returns EX_DATAERR. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int group_error(const stats_run *r, size_t from, size_t to, const char *fmt, ...)
{
    fprintf(stderr, "diagsante: %s: %s '%s' (line%s", r->in_path, r->roles[0].name,
            group_of(r, r->order[from]), to - from > 1 ? "s" : "");
    for (size_t i = from; i < to && i < from + 5; i++)
        fprintf(stderr, "%s%zu", i > from ? ", " : " ", line_of(r, r->order[i]));
    fprintf(stderr, "%s): ", to - from > 5 ? ", ..." : "");
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_DATAERR;
}

/* Finds the column of every role. A required column that is absent, or a numeric role
 * whose column holds text, is a data error naming the file (and the line of the text). */
static int resolve_columns(stats_run *r)
{
    for (size_t k = 0; k < r->n_roles; k++) {
        r->index[k] = ds_table_column_index(r->table, r->column[k]);
        if (r->index[k] < 0) {
            if (r->roles[k].flags & ROLE_OPTIONAL)
                continue;
            fprintf(stderr, "diagsante: %s: no column '%s' (the %s column of 'stats %s'; name "
                            "another with --col %s=COLUMN)\n",
                    r->in_path, r->column[k], r->roles[k].name, METHOD_NAMES[r->method],
                    r->roles[k].name);
            return EXIT_DATAERR;
        }
        size_t c = (size_t)r->index[k];
        if ((r->roles[k].flags & ROLE_NUMBER) &&
            ds_table_column_type(r->table, c) != DS_COLUMN_NUMBER) {
            /* A column of missing cells only may be typed text: that is no error. */
            for (size_t row = 0; row < r->rows; row++) {
                char buf[DS_CELL_TEXT_MAX];
                const char *t = ds_table_cell_text(r->table, row, c, buf);
                if (t != NULL)
                    return row_error(r, row, k, "'%s' is not a number (the column is not numeric)",
                                     t);
            }
        }
    }
    return 0;
}

static int compare_rows(const void *a, const void *b, const stats_run *r)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(group_of(r, x), group_of(r, y));
    return c != 0 ? c : (x > y) - (x < y);
}

/* qsort has no context argument: the run being sorted (one sort at a time). */
static const stats_run *sorting;

static int compare_rows_qsort(const void *a, const void *b)
{
    return compare_rows(a, b, sorting);
}

/* Reads every row: texts of text roles, numbers of numeric roles (NaN when missing),
 * the first missing needed cell of each row; checks counts are >= 0 and a group is
 * given; sorts the rows by group. */
static int read_rows(stats_run *r)
{
    size_t n = r->rows, cells = n * r->n_roles + 1;
    r->text = calloc(cells, sizeof *r->text);
    r->text_buf = calloc(cells, DS_CELL_TEXT_MAX);
    r->cell = malloc(cells * sizeof *r->cell);
    r->first_gap = malloc((n + 1) * sizeof *r->first_gap);
    r->gap_status = malloc((n + 1) * sizeof *r->gap_status);
    r->order = malloc((n + 1) * sizeof *r->order);
    if (r->text == NULL || r->text_buf == NULL || r->cell == NULL || r->first_gap == NULL ||
        r->gap_status == NULL || r->order == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        return EXIT_OSERR;
    }
    for (size_t row = 0; row < n; row++) {
        r->first_gap[row] = SIZE_MAX;
        r->order[row] = row;
        for (size_t k = 0; k < r->n_roles; k++) {
            size_t at = row * r->n_roles + k;
            r->cell[at] = NAN;
            if (r->index[k] < 0)
                continue;
            size_t c = (size_t)r->index[k];
            if (!(r->roles[k].flags & ROLE_NUMBER)) {
                r->text[at] = ds_table_cell_text(r->table, row, c, r->text_buf + at * DS_CELL_TEXT_MAX);
                if (k == 0 && (r->text[at] == NULL || r->text[at][0] == '\0'))
                    return row_error(r, row, k, "no %s on this row", r->roles[k].name);
                continue;
            }
            double v;
            ds_cell_status st = ds_table_number(r->table, row, c, &v);
            if (st == DS_CELL_VALUE) {
                if (!isfinite(v))
                    return row_error(r, row, k, "%g is not a finite number", v);
                if ((r->roles[k].flags & ROLE_COUNT) && v < 0)
                    return row_error(r, row, k, "%.17g is negative: a count or population "
                                                "must be >= 0", v);
                r->cell[at] = v;
            } else if ((r->roles[k].flags & ROLE_NEEDED) && r->first_gap[row] == SIZE_MAX) {
                r->first_gap[row] = k;
                r->gap_status[row] = st;
                r->n_incomplete++;
            }
        }
    }
    sorting = r;
    qsort(r->order, n, sizeof *r->order, compare_rows_qsort);
    sorting = NULL;
    return 0;
}

/* The end of the group that starts at order[from]. */
static size_t group_end(const stats_run *r, size_t from)
{
    size_t to = from + 1;
    while (to < r->rows && strcmp(group_of(r, r->order[to]), group_of(r, r->order[from])) == 0)
        to++;
    return to;
}

/* The first incomplete row of the group order[from..to), or SIZE_MAX. */
static size_t group_gap(const stats_run *r, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (r->first_gap[r->order[i]] != SIZE_MAX)
            return r->order[i];
    return SIZE_MAX;
}

/* Methods that read one row per group: a data error when the group has several. */
static int single_row(const stats_run *r, size_t from, size_t to)
{
    if (to - from == 1)
        return 0;
    return group_error(r, from, to, "%zu rows for one %s: 'stats %s' reads one", to - from,
                       r->roles[0].name, METHOD_NAMES[r->method]);
}

/* --- writing ---------------------------------------------------------------------------- */

/* ",number" with 17 significant digits (the C locale: the CLI never sets another), or ","
 * alone for NaN. */
static void put_num(FILE *f, double x)
{
    if (isnan(x))
        fputc(',', f);
    else
        fprintf(f, ",%.17g", x);
}

static void put_text(FILE *f, const char *text)
{
    fputc(',', f);
    ds_output_csv_field(f, text != NULL ? text : "", ',');
}

static void put_empty(FILE *f, int n)
{
    for (int i = 0; i < n; i++)
        fputc(',', f);
}

/* "group,value,lower,upper,method" of a row. */
static void put_ci(FILE *f, const char *group, double value, double lower, double upper,
                   const char *method)
{
    ds_output_csv_field(f, group, ',');
    put_num(f, value);
    put_num(f, lower);
    put_num(f, upper);
    put_text(f, method);
}

/* A group not computed because of its incomplete row `row`: empty value and limits, the
 * reason as its method, `extra` empty columns. */
static void put_not_computed(FILE *f, const stats_run *r, size_t row, const char *verb, int extra)
{
    char why[256];
    size_t k = r->first_gap[row];
    if (k == SIZE_MAX)
        snprintf(why, sizeof why, "%s (line %zu)", verb, line_of(r, row));
    else
        snprintf(why, sizeof why, "%s: %s %s (line %zu)", verb, r->roles[k].name,
                 status_word(r->gap_status[row]), line_of(r, row));
    put_ci(f, group_of(r, row), NAN, NAN, NAN, why);
    put_empty(f, extra);
    fputc('\n', f);
}

/* Maps a library failure on the data of a group to a data error naming the group (the
 * parameters were checked when the options were read). */
static int library_error(const stats_run *r, size_t from, size_t to, ds_status st,
                         const ds_error *err)
{
    if (st == DS_ENOMEM || st == DS_EINTERNAL) {
        fprintf(stderr, "diagsante: %s\n", err->message);
        return ds_status_exit_code(st);
    }
    return group_error(r, from, to, "%s", err->message);
}

/* --- methods ---------------------------------------------------------------------------- */

/* proportion, rate: the counts of a group summed over its rows. */
static int write_counts(stats_run *r, FILE *f)
{
    size_t X = role_index(r, "numerator"), N = role_index(r, "denominator");
    fputs("group,value,lower,upper,method,numerator,denominator\n", f);
    for (size_t from = 0, to; from < r->rows; from = to) {
        to = group_end(r, from);
        size_t gap = group_gap(r, from, to);
        r->groups_written++;
        if (gap != SIZE_MAX) {
            put_not_computed(f, r, gap, "not computed", 2);
            continue;
        }
        double x = 0, n = 0;
        for (size_t i = from; i < to; i++) {
            x += cell(r, r->order[i], X);
            n += cell(r, r->order[i], N);
        }
        if (!(n > 0))
            return group_error(r, from, to, "the denominator is 0");
        if (r->method == M_PROPORTION && x > n)
            return group_error(r, from, to, "the numerator %.17g exceeds the denominator %.17g",
                               x, n);
        ds_ci ci;
        const char *how;
        ds_error err;
        ds_status st = r->method == M_PROPORTION
                           ? ds_stats_proportion(x, n, r->conf, &ci, &how, &err)
                           : ds_stats_rate(x, n, r->multiplier, r->conf, &ci, &how, &err);
        if (st != DS_OK)
            return library_error(r, from, to, st, &err);
        double m = r->method == M_PROPORTION ? r->multiplier : 1.0;
        put_ci(f, group_of(r, r->order[from]), ci.value * m, ci.lower * m, ci.upper * m, how);
        put_num(f, x);
        put_num(f, n);
        fputc('\n', f);
    }
    return 0;
}

static int write_mean(stats_run *r, FILE *f)
{
    size_t V = role_index(r, "value");
    double *values = malloc((r->rows + 1) * sizeof *values);
    if (values == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        return EXIT_OSERR;
    }
    int code = 0;
    fputs("group,value,lower,upper,method,n\n", f);
    for (size_t from = 0, to; from < r->rows && code == 0; from = to) {
        to = group_end(r, from);
        size_t n = 0;
        for (size_t i = from; i < to; i++)
            if (r->first_gap[r->order[i]] == SIZE_MAX)
                values[n++] = cell(r, r->order[i], V);
        r->groups_written++;
        const char *group = group_of(r, r->order[from]);
        if (n < 2) {
            put_ci(f, group, NAN, NAN, NAN,
                   "not computed: fewer than 2 values (a t interval needs 2)");
            put_num(f, (double)n);
            fputc('\n', f);
            continue;
        }
        ds_ci ci;
        const char *how;
        ds_error err;
        ds_status st = ds_stats_mean(values, n, r->conf, &ci, &how, &err);
        if (st != DS_OK) {
            code = library_error(r, from, to, st, &err);
            break;
        }
        put_ci(f, group, ci.value, ci.lower, ci.upper, how);
        put_num(f, (double)n);
        fputc('\n', f);
    }
    free(values);
    return code;
}

/* Two rows of a group with the same age: a data error. Needs the age column. */
static int check_ages(const stats_run *r, size_t from, size_t to, size_t A)
{
    if (A == SIZE_MAX || r->index[A] < 0)
        return 0;
    for (size_t i = from; i < to; i++) {
        const char *a = text_of(r, r->order[i], A);
        if (a == NULL)
            return row_error(r, r->order[i], A, "the age group is empty");
        for (size_t j = from; j < i; j++)
            if (strcmp(a, text_of(r, r->order[j], A)) == 0)
                return group_error(r, from, to, "age group '%s' on lines %zu and %zu", a,
                                   line_of(r, r->order[j]), line_of(r, r->order[i]));
    }
    return 0;
}

/* dsr: the rows of a group are its age groups. With --standard, each age group of the
 * standard must have exactly one row, and every row an age group of the standard. */
static int write_dsr(stats_run *r, FILE *f)
{
    size_t A = role_index(r, "age"), X = role_index(r, "numerator"),
           N = role_index(r, "denominator"), W = role_index(r, "standard_pop");
    size_t n_std = r->standard ? ds_standard_population_size(r->standard) : 0;
    size_t room = (r->rows > n_std ? r->rows : n_std) + 1;
    double *x = malloc(room * sizeof *x), *n = malloc(room * sizeof *n),
           *w = malloc(room * sizeof *w);
    int code = 0;
    if (x == NULL || n == NULL || w == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
    }
    if (code == 0)
        fputs("group,value,lower,upper,method,total_count,total_population\n", f);
    for (size_t from = 0, to; from < r->rows && code == 0; from = to) {
        to = group_end(r, from);
        if ((code = check_ages(r, from, to, A)) != 0)
            break;
        size_t gap = group_gap(r, from, to), k = 0;
        r->groups_written++;
        if (gap != SIZE_MAX) {
            put_not_computed(f, r, gap, "not computed", 2);
            continue;
        }
        if (r->standard != NULL) {
            for (k = 0; k < n_std; k++)
                x[k] = -1; /* no row yet */
            for (size_t i = from; i < to && code == 0; i++) {
                size_t row = r->order[i], s;
                const char *age = text_of(r, row, A);
                for (s = 0; s < n_std; s++)
                    if (strcmp(age, ds_standard_population_age_group(r->standard, s)) == 0)
                        break;
                if (s == n_std) {
                    code = row_error(r, row, A, "age group '%s' is not one of %s (%s to %s)", age,
                                     r->standard_path,
                                     ds_standard_population_age_group(r->standard, 0),
                                     ds_standard_population_age_group(r->standard, n_std - 1));
                    break;
                }
                x[s] = cell(r, row, X);
                n[s] = cell(r, row, N);
            }
            for (k = 0; k < n_std && code == 0; k++)
                if (x[k] < 0)
                    code = group_error(r, from, to, "no row for age group '%s' of %s",
                                       ds_standard_population_age_group(r->standard, k),
                                       r->standard_path);
            if (code != 0)
                break;
            memcpy(w, ds_standard_population_values(r->standard), n_std * sizeof *w);
            k = n_std;
        } else {
            for (size_t i = from; i < to; i++, k++) {
                x[k] = cell(r, r->order[i], X);
                n[k] = cell(r, r->order[i], N);
                w[k] = cell(r, r->order[i], W);
            }
        }
        ds_dsr dsr;
        ds_error err;
        ds_status st = ds_stats_dsr(k, x, n, w, r->multiplier, r->conf, &dsr, &err);
        if (st != DS_OK) {
            code = library_error(r, from, to, st, &err);
            break;
        }
        put_ci(f, group_of(r, r->order[from]), dsr.rate.value, dsr.rate.lower, dsr.rate.upper,
               dsr.method);
        put_num(f, dsr.total_count);
        put_num(f, dsr.total_population);
        fputc('\n', f);
    }
    free(x);
    free(n);
    free(w);
    return code;
}

static int write_isr(stats_run *r, FILE *f)
{
    size_t A = role_index(r, "age"), X = role_index(r, "numerator"),
           N = role_index(r, "denominator"), RX = role_index(r, "ref_numerator"),
           RN = role_index(r, "ref_denominator");
    size_t room = r->rows + 1;
    double *a[4] = {malloc(room * sizeof(double)), malloc(room * sizeof(double)),
                    malloc(room * sizeof(double)), malloc(room * sizeof(double))};
    int code = 0;
    if (a[0] == NULL || a[1] == NULL || a[2] == NULL || a[3] == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
    }
    if (code == 0)
        fputs("group,value,lower,upper,method,observed,expected,rate,rate_lower,rate_upper,"
              "reference_rate\n", f);
    for (size_t from = 0, to; from < r->rows && code == 0; from = to) {
        to = group_end(r, from);
        if ((code = check_ages(r, from, to, A)) != 0)
            break;
        size_t gap = group_gap(r, from, to);
        r->groups_written++;
        if (gap != SIZE_MAX) {
            put_not_computed(f, r, gap, "not computed", 6);
            continue;
        }
        for (size_t i = from; i < to; i++) {
            a[0][i - from] = cell(r, r->order[i], X);
            a[1][i - from] = cell(r, r->order[i], N);
            a[2][i - from] = cell(r, r->order[i], RX);
            a[3][i - from] = cell(r, r->order[i], RN);
        }
        ds_isr isr;
        ds_error err;
        ds_status st = ds_stats_isr(to - from, a[0], a[1], a[2], a[3], r->multiplier,
                                    r->rate_multiplier, r->conf, &isr, &err);
        if (st != DS_OK) {
            code = library_error(r, from, to, st, &err);
            break;
        }
        put_ci(f, group_of(r, r->order[from]), isr.ratio.value, isr.ratio.lower, isr.ratio.upper,
               isr.method);
        put_num(f, isr.observed);
        put_num(f, isr.expected);
        put_num(f, isr.rate.value);
        put_num(f, isr.rate.lower);
        put_num(f, isr.rate.upper);
        put_num(f, isr.reference_rate);
        fputc('\n', f);
    }
    for (int i = 0; i < 4; i++)
        free(a[i]);
    return code;
}

/* Reads a polarity option or cell: higher-is-better, lower-is-better, none or empty. */
static bool parse_polarity(const char *text, ds_polarity *out)
{
    if (text == NULL || text[0] == '\0' || strcmp(text, "none") == 0)
        *out = DS_POLARITY_NONE;
    else if (strcmp(text, "higher-is-better") == 0)
        *out = DS_POLARITY_HIGHER_IS_BETTER;
    else if (strcmp(text, "lower-is-better") == 0)
        *out = DS_POLARITY_LOWER_IS_BETTER;
    else
        return false;
    return true;
}

/* compare: one row per group, by the rule of --compare-method (inequality.h). */
static int write_compare(stats_run *r, FILE *f)
{
    bool normal = r->compare == DS_COMPARE_POISSON_NORMAL;
    bool icm = r->compare == DS_COMPARE_POISSON_ICM || normal, two = r->compare == DS_COMPARE_TWO_CI;
    size_t P = role_index(r, "polarity");
    if (icm)
        fputs("group,value,lower,upper,method,observed,expected,p_value,direction,judgement\n", f);
    else if (two)
        fputs("group,value,lower,upper,method,other_lower,other_upper,direction,judgement\n", f);
    else
        fputs("group,value,lower,upper,method,benchmark,direction,judgement\n", f);
    for (size_t from = 0, to; from < r->rows; from = to) {
        to = group_end(r, from);
        int code = single_row(r, from, to);
        if (code != 0)
            return code;
        size_t row = r->order[from];
        r->groups_written++;
        if (r->first_gap[row] != SIZE_MAX) {
            put_not_computed(f, r, row, "not compared", icm ? 5 : two ? 4 : 3);
            continue;
        }
        ds_polarity polarity = r->polarity;
        const char *p = r->index[P] >= 0 ? text_of(r, row, P) : NULL;
        if (p != NULL && p[0] != '\0' && !parse_polarity(p, &polarity))
            return row_error(r, row, P, "'%s' is no polarity (higher-is-better, "
                                        "lower-is-better or empty)", p);
        ds_comparison cmp;
        ds_error err;
        ds_status st;
        if (icm) {
            double o = cell(r, row, role_index(r, "observed"));
            double e = cell(r, row, role_index(r, "expected"));
            if (o != floor(o))
                return row_error(r, row, role_index(r, "observed"),
                                 "%.17g: an observed count is a whole number", o);
            if (!(e > 0))
                return row_error(r, row, role_index(r, "expected"),
                                 "the expected count must be > 0");
            double lo, hi;
            const char *how = normal ? (o < DS_STATS_SMALL_COUNT
                                            ? "poisson-normal (Jougla 1997), exact Poisson (Garwood) limits"
                                            : "poisson-normal (Jougla 1997), Byar limits")
                              : o < DS_STATS_SMALL_COUNT ? "poisson-icm, exact Poisson (Garwood) limits"
                                                         : "poisson-icm, Byar limits";
            st = o < DS_STATS_SMALL_COUNT ? ds_stats_poisson_exact(o, r->conf, &lo, &hi, &err)
                                          : ds_stats_poisson_byar(o, r->conf, &lo, &hi, &err);
            if (st == DS_OK)
                st = normal ? ds_compare_poisson_normal(o, e, r->conf, polarity, &cmp, &err)
                            : ds_compare_poisson_icm(o, e, r->conf, polarity, &cmp, &err);
            if (st != DS_OK)
                return library_error(r, from, to, st, &err);
            put_ci(f, group_of(r, row), cmp.statistic, 100 * lo / e, 100 * hi / e, how);
            put_num(f, o);
            put_num(f, e);
            put_num(f, cmp.p_value);
        } else if (two) {
            /* Interval a is the group's, b the other territory's (a neighbour, a previous
             * period): a is higher when lower > other_upper, lower when upper < other_lower. */
            size_t L = role_index(r, "lower"), OL = role_index(r, "other_lower");
            double v = cell(r, row, role_index(r, "value"));
            double lo = cell(r, row, L), hi = cell(r, row, role_index(r, "upper"));
            double olo = cell(r, row, OL), ohi = cell(r, row, role_index(r, "other_upper"));
            if (lo > hi)
                return row_error(r, row, L, "%.17g is above the upper limit %.17g", lo, hi);
            if (olo > ohi)
                return row_error(r, row, OL, "%.17g is above the other upper limit %.17g", olo,
                                 ohi);
            st = ds_compare_two_ci(lo, hi, olo, ohi, polarity, &cmp, &err);
            if (st != DS_OK)
                return library_error(r, from, to, st, &err);
            put_ci(f, group_of(r, row), v, lo, hi, ds_compare_method_name(cmp.method));
            put_num(f, olo);
            put_num(f, ohi);
        } else {
            double v = cell(r, row, role_index(r, "value"));
            double lo = cell(r, row, role_index(r, "lower"));
            double hi = cell(r, row, role_index(r, "upper"));
            double b = cell(r, row, role_index(r, "benchmark"));
            if (lo > hi)
                return row_error(r, row, role_index(r, "lower"), "%.17g is above the upper "
                                                                 "limit %.17g", lo, hi);
            st = ds_compare_ci_benchmark(lo, hi, b, polarity, &cmp, &err);
            if (st != DS_OK)
                return library_error(r, from, to, st, &err);
            put_ci(f, group_of(r, row), v, lo, hi, ds_compare_method_name(cmp.method));
            put_num(f, b);
        }
        put_text(f, ds_direction_name(cmp.direction));
        put_text(f, ds_judgement_name(cmp.judgement));
        fputc('\n', f);
    }
    return 0;
}

static void put_measure(FILE *f, const char *name, const ds_estimate *e, const char *method)
{
    put_ci(f, name, e->value, e->lower, e->upper, method);
    put_num(f, e->se);
    fputc('\n', f);
}

static int write_inequality(stats_run *r, FILE *f)
{
    size_t O = role_index(r, "order"), V = role_index(r, "value"), L = role_index(r, "lower"),
           U = role_index(r, "upper"), N = role_index(r, "population");
    bool limits = r->index[L] >= 0;
    size_t room = r->rows + 1, n = 0, with_order = 0;
    double *value = malloc(room * sizeof *value), *lower = malloc(room * sizeof *lower),
           *upper = malloc(room * sizeof *upper), *pop = malloc(room * sizeof *pop);
    int *order = malloc(room * sizeof *order);
    const char **name = malloc(room * sizeof *name);
    size_t *rows = malloc(room * sizeof *rows);
    int code = 0;
    if (!value || !lower || !upper || !pop || !order || !name || !rows) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
        goto done;
    }
    for (size_t from = 0, to; from < r->rows; from = to) {
        to = group_end(r, from);
        if ((code = single_row(r, from, to)) != 0)
            goto done;
        size_t row = r->order[from];
        if (r->first_gap[row] != SIZE_MAX)
            continue;
        double o = cell(r, row, O);
        if (!isnan(o)) {
            if (o != floor(o) || fabs(o) > 1e6) {
                code = row_error(r, row, O, "%.17g: an order is a whole number (1 = most "
                                            "disadvantaged)", o);
                goto done;
            }
            with_order++;
        }
        rows[n] = row;
        name[n] = group_of(r, row);
        value[n] = cell(r, row, V);
        lower[n] = limits ? cell(r, row, L) : NAN;
        upper[n] = limits ? cell(r, row, U) : NAN;
        pop[n] = cell(r, row, N);
        order[n++] = isnan(o) ? 0 : (int)o;
    }
    if (with_order != 0 && with_order != n) {
        for (size_t i = 0; i < n; i++)
            if (isnan(cell(r, rows[i], O))) {
                code = row_error(r, rows[i], O, "no order while other groups have one: give "
                                                "every group an order, or none");
                goto done;
            }
    }
    if (n < 2) {
        fprintf(stderr, "diagsante: %s: %zu group%s with values: inequality needs at least 2\n",
                r->in_path, n, n == 1 ? "" : "s");
        code = EXIT_DATAERR;
        goto done;
    }
    ds_groups groups = {n, value, NULL, limits ? lower : NULL, limits ? upper : NULL, pop,
                        with_order ? order : NULL};
    ds_inequality_options opts = ds_inequality_options_default();
    opts.level = r->conf;
    opts.polarity = r->polarity;
    ds_inequality q;
    ds_error err;
    ds_status st = ds_inequality_compute(&groups, &opts, &q, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s: %s\n", r->in_path, err.message);
        code = ds_status_exit_code(st == DS_EUSAGE ? DS_EDATA : st);
        goto done;
    }
    const char *ordered_only = with_order ? NULL : "not applicable: unordered groups";
    char d[300], ratio[300], par[300], paf[300];
    snprintf(d, sizeof d, "difference %s - %s", name[q.group_a], name[q.group_b]);
    snprintf(ratio, sizeof ratio, "ratio %s / %s", name[q.group_a], name[q.group_b]);
    if (q.reference >= 0) {
        snprintf(par, sizeof par, "population attributable risk, reference %s", name[q.reference]);
        snprintf(paf, sizeof paf, "population attributable fraction, reference %s",
                 name[q.reference]);
    } else {
        snprintf(par, sizeof par, "not available: no reference group (give --polarity)");
        snprintf(paf, sizeof paf, "%s", par);
    }
    ds_estimate mean = {q.mean, NAN, NAN, NAN};
    fputs("measure,value,lower,upper,method,se\n", f);
    put_measure(f, "mean", &mean, "population-weighted mean");
    put_measure(f, "d", &q.d, d);
    put_measure(f, "r", &q.r, ratio);
    put_measure(f, "sii", &q.sii, ordered_only ? ordered_only : "slope index of inequality");
    put_measure(f, "rii", &q.rii, ordered_only ? ordered_only : "relative index of inequality");
    put_measure(f, "aci", &q.aci, ordered_only ? ordered_only : "absolute concentration index");
    put_measure(f, "rci", &q.rci, ordered_only ? ordered_only : "relative concentration index");
    put_measure(f, "bgv", &q.bgv, "between-group variance");
    put_measure(f, "theil", &q.theil, "Theil index");
    put_measure(f, "mld", &q.mld, "mean log deviation");
    put_measure(f, "idisp", &q.idisp, "index of disparity");
    put_measure(f, "par", &q.par, par);
    put_measure(f, "paf", &q.paf, paf);
    r->groups_written = n;
done:
    free(value);
    free(lower);
    free(upper);
    free(pop);
    free(order);
    free(name);
    free(rows);
    return code;
}

static int write_quantile(stats_run *r, FILE *f)
{
    size_t V = role_index(r, "value"), n = 0;
    double *values = malloc((r->rows + 1) * sizeof *values);
    double cuts[100];
    int *classes = malloc((r->rows + 1) * sizeof *classes);
    int code = 0;
    if (values == NULL || classes == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
        goto done;
    }
    for (size_t from = 0, to; from < r->rows; from = to) {
        to = group_end(r, from);
        if ((code = single_row(r, from, to)) != 0)
            goto done;
        values[n++] = cell(r, r->order[from], V); /* NaN when missing: class 0 */
    }
    ds_error err;
    ds_status st = ds_quantile_classes(values, n, r->classes, classes, cuts, NULL, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s: %s\n", r->in_path, err.message);
        code = ds_status_exit_code(st);
        goto done;
    }
    char method[2048];
    int len = snprintf(method, sizeof method, "type-7 %s, cut points",
                       r->classes == 5 ? "quintiles" : r->classes == 4 ? "quartiles"
                       : r->classes == 10 ? "deciles" : "quantiles");
    for (int k = 0; k + 1 < r->classes && len > 0 && (size_t)len < sizeof method - 32; k++)
        len += snprintf(method + len, sizeof method - (size_t)len, " %.17g", cuts[k]);
    fputs("group,value,lower,upper,method,class\n", f);
    for (size_t i = 0; i < n; i++) {
        size_t row = r->order[i];
        r->groups_written++;
        if (r->first_gap[row] != SIZE_MAX) {
            put_not_computed(f, r, row, "not classed", 1);
            continue;
        }
        put_ci(f, group_of(r, row), values[i], NAN, NAN, method);
        put_num(f, classes[i]);
        fputc('\n', f);
    }
done:
    free(values);
    free(classes);
    return code;
}

static int write_fdep(stats_run *r, FILE *f)
{
    ds_fdep_unit *units = malloc((r->rows + 1) * sizeof *units);
    ds_fdep *fdep = NULL;
    size_t n = 0;
    int code = 0;
    if (units == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        return EXIT_OSERR;
    }
    for (size_t from = 0, to; from < r->rows; from = to) {
        to = group_end(r, from);
        if ((code = single_row(r, from, to)) != 0)
            goto done;
        size_t row = r->order[from];
        units[n].id = group_of(r, row);
        for (size_t v = 0; v < DS_FDEP_VARIABLES; v++)
            units[n].values[v] = cell(r, row, 1 + v); /* roles 1..4, in ds_fdep_variable order */
        units[n++].population = cell(r, row, 1 + DS_FDEP_VARIABLES);
    }
    ds_error err;
    ds_status st = ds_fdep_compute(units, n, r->weighting, &fdep, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s: %s\n", r->in_path, err.message);
        code = ds_status_exit_code(st);
        goto done;
    }
    const char *how = r->weighting == DS_FDEP_UNWEIGHTED
                          ? "FDep (Rey et al. 2009), unweighted PCA"
                          : "FDep (Rey et al. 2009), population-weighted PCA";
    fputs("unit,value,lower,upper,method,quintile_units,quintile_population\n", f);
    for (size_t i = 0; i < n; i++) {
        size_t row = r->order[i];
        ds_fdep_score s;
        ds_fdep_score_at(fdep, i, &s);
        r->groups_written++;
        if (!s.scored) {
            put_not_computed(f, r, row, "excluded", 2);
            continue;
        }
        put_ci(f, units[i].id, s.score, NAN, NAN, how);
        put_num(f, s.quintile_units);
        put_num(f, s.quintile_population);
        fputc('\n', f);
    }
    fprintf(stderr, "fdep: %zu of %zu units scored; the first component explains %.1f%% of the "
                    "variance; correlations with the score:", ds_fdep_scored_count(fdep), n,
            100 * ds_fdep_variance_share(fdep));
    for (size_t v = 0; v < DS_FDEP_VARIABLES; v++)
        fprintf(stderr, "%s %s %.3f", v ? "," : "", r->roles[1 + v].name,
                ds_fdep_correlation(fdep, (ds_fdep_variable)v));
    fputc('\n', stderr);
done:
    ds_fdep_free(fdep);
    free(units);
    return code;
}

/* The neighbourhoods of local empirical Bayes, as ds_eb_local reads them: the neighbours
 * of computed unit i are list[start[i]] .. list[start[i + 1] - 1], indices of computed
 * units, in the order of the neighbour table; the unit itself is never in its list. */
typedef struct neighbourhoods {
    size_t *start;   /* computed + 1 entries */
    size_t *list;
    size_t pairs;    /* pairs kept */
    size_t dropped;  /* pairs left out: one of the units is not computed */
    size_t self;     /* pairs of a unit with itself (always in its neighbourhood) */
    size_t alone;    /* computed units with no neighbour: only themselves */
} neighbourhoods;

static int compare_names(const void *key, const void *item)
{
    return strcmp((const char *)key, *(const char *const *)item);
}

/* The index of unit `code` among the `units` sorted names, or SIZE_MAX. */
static size_t find_unit(const char *const *names, size_t units, const char *code)
{
    const char *const *at = bsearch(code, names, units, sizeof *names, compare_names);
    return at == NULL ? SIZE_MAX : (size_t)(at - names);
}

/* Reads the neighbour table (--neighbours): columns unit,neighbour (or their --col
 * names), one directed pair a row: the row "A,B" puts B in A's neighbourhood (and A in
 * B's only if the row "B,A" is there too). A unit is always in its own neighbourhood; a
 * unit without a row has only itself; an empty neighbour cell lists none. names (sorted,
 * `units` of them) are the groups of the input table and to_computed maps each to its
 * index among the `computed` units, or SIZE_MAX for a group that is not computed (a pair
 * with it is left out and counted). A unit or neighbour that is no group of the input, an
 * empty unit cell and a pair listed twice are data errors naming the file and line.
 * On success *out owns start and list (free them). */
static int load_neighbourhoods(const stats_run *r, const char *const *names, size_t units,
                               const size_t *to_computed, size_t computed, neighbourhoods *out)
{
    const char *path = r->neighbours_path;
    ds_table *t = NULL;
    ds_error err;
    ds_status st = ds_table_load(path, NULL, &t, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        return ds_status_exit_code(st);
    }
    int code = 0;
    long col[2];
    for (int k = 0; k < 2 && code == 0; k++) {
        col[k] = ds_table_column_index(t, r->neighbour_column[k]);
        if (col[k] < 0) {
            fprintf(stderr, "diagsante: %s: no column '%s' (the %s column of the neighbour "
                            "table; name another with --col %s=COLUMN)\n",
                    path, r->neighbour_column[k], NEIGHBOUR_ROLES[k], NEIGHBOUR_ROLES[k]);
            code = EXIT_DATAERR;
        }
    }
    size_t rows = ds_table_rows(t);
    size_t *from = malloc((rows + 1) * sizeof *from), *to = malloc((rows + 1) * sizeof *to);
    size_t *line = malloc((rows + 1) * sizeof *line);
    size_t *start = calloc(computed + 1, sizeof *start);
    size_t *list = malloc((rows + 1) * sizeof *list), *list_line = malloc((rows + 1) * sizeof *list_line);
    size_t *seen = calloc(computed + 1, sizeof *seen), *seen_line = malloc((computed + 1) * sizeof *seen_line);
    if (code == 0 && (!from || !to || !line || !start || !list || !list_line || !seen || !seen_line)) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
    }
    memset(out, 0, sizeof *out);
    /* The pairs, in file order, as indices of computed units. */
    for (size_t row = 0; row < rows && code == 0; row++) {
        char buf[2][DS_CELL_TEXT_MAX];
        size_t at[2] = {SIZE_MAX, SIZE_MAX};
        for (int k = 0; k < 2; k++) {
            const char *c = ds_table_cell_text(t, row, (size_t)col[k], buf[k]);
            if (c == NULL || c[0] == '\0') {
                if (k == 0) {
                    fprintf(stderr, "diagsante: %s:%zu: column '%s': no unit code on this row\n",
                            path, ds_table_row_line(t, row), r->neighbour_column[k]);
                    code = EXIT_DATAERR;
                }
                break;
            }
            at[k] = find_unit(names, units, c);
            if (at[k] == SIZE_MAX) {
                fprintf(stderr, "diagsante: %s:%zu: column '%s': unknown unit '%s' (no %s '%s' "
                                "in %s)\n", path, ds_table_row_line(t, row),
                        r->neighbour_column[k], c, r->roles[0].name, c, r->in_path);
                code = EXIT_DATAERR;
                break;
            }
        }
        if (code != 0 || at[1] == SIZE_MAX)
            continue; /* an error, or an empty neighbour cell: no pair */
        if (at[0] == at[1]) {
            out->self++;
            continue;
        }
        if (to_computed[at[0]] == SIZE_MAX || to_computed[at[1]] == SIZE_MAX) {
            out->dropped++;
            continue;
        }
        from[out->pairs] = to_computed[at[0]];
        to[out->pairs] = to_computed[at[1]];
        line[out->pairs++] = ds_table_row_line(t, row);
    }
    /* Compressed rows, stable: each unit's neighbours in file order. */
    if (code == 0) {
        for (size_t p = 0; p < out->pairs; p++)
            start[from[p] + 1]++;
        for (size_t i = 0; i < computed; i++)
            start[i + 1] += start[i];
        for (size_t p = 0; p < out->pairs; p++) {
            size_t slot = start[from[p]]++;
            list[slot] = to[p];
            list_line[slot] = line[p];
        }
        for (size_t i = computed; i > 0; i--) /* back to the starts */
            start[i] = start[i - 1];
        start[0] = 0;
    }
    /* A pair listed twice is an error (ds_eb_local would refuse it without the lines). */
    for (size_t i = 0; i < computed && code == 0; i++) {
        if (start[i + 1] == start[i])
            out->alone++;
        for (size_t s = start[i]; s < start[i + 1]; s++) {
            size_t j = list[s];
            if (seen[j] == i + 1) {
                /* Name the units: computed index back to the names. */
                const char *a = NULL, *b = NULL;
                for (size_t u = 0; u < units; u++) {
                    if (to_computed[u] == i)
                        a = names[u];
                    if (to_computed[u] == j)
                        b = names[u];
                }
                fprintf(stderr, "diagsante: %s:%zu: the pair %s,%s is already on line %zu\n",
                        path, list_line[s], a, b, seen_line[j]);
                code = EXIT_DATAERR;
                break;
            }
            seen[j] = i + 1;
            seen_line[j] = list_line[s];
        }
    }
    free(from);
    free(to);
    free(line);
    free(list_line);
    free(seen);
    free(seen_line);
    ds_table_free(t);
    if (code != 0) {
        free(start);
        free(list);
        return code;
    }
    out->start = start;
    out->list = list;
    return 0;
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* eb: units are groups, their counts summed; global smoothing (ds_eb_global) over every
 * computed unit, or local (ds_eb_local) over each unit's neighbourhood with --neighbours. */
static int write_eb(stats_run *r, FILE *f)
{
    size_t X = role_index(r, "numerator"), N = role_index(r, "denominator"), room = r->rows + 1;
    double *x = malloc(room * sizeof *x), *n = malloc(room * sizeof *n);
    double *smoothed = malloc(room * sizeof *smoothed), *weight = malloc(room * sizeof *weight);
    const char **ids = malloc(room * sizeof *ids), **names = malloc(room * sizeof *names);
    size_t *gap = malloc(room * sizeof *gap), *to_computed = malloc(room * sizeof *to_computed);
    ds_eb_moments *moments = malloc(room * sizeof *moments);
    neighbourhoods hoods = {0};
    bool local = r->neighbours_path != NULL;
    size_t units = 0, computed = 0;
    int code = 0;
    if (!x || !n || !smoothed || !weight || !ids || !names || !gap || !to_computed || !moments) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
        goto done;
    }
    /* Units: groups, counts summed; the complete ones go to the smoothing. */
    for (size_t from = 0, to; from < r->rows; from = to) {
        to = group_end(r, from);
        gap[units] = group_gap(r, from, to);
        names[units] = group_of(r, r->order[from]);
        to_computed[units] = SIZE_MAX;
        if (gap[units] == SIZE_MAX) {
            double sx = 0, sn = 0;
            for (size_t i = from; i < to; i++) {
                sx += cell(r, r->order[i], X);
                sn += cell(r, r->order[i], N);
            }
            if (!(sn > 0)) {
                code = group_error(r, from, to, "the denominator is 0: the rate is undefined");
                goto done;
            }
            x[computed] = sx;
            n[computed] = sn;
            to_computed[units] = computed;
            ids[computed++] = names[units];
        }
        units++;
    }
    if (computed == 0) {
        fprintf(stderr, "diagsante: %s: no group with a numerator and a denominator\n", r->in_path);
        code = EXIT_DATAERR;
        goto done;
    }
    if (local && (code = load_neighbourhoods(r, names, units, to_computed, computed, &hoods)) != 0)
        goto done;
    ds_error err;
    ds_status st = local ? ds_eb_local(x, n, computed, ids, hoods.start, hoods.list,
                                       r->multiplier, smoothed, weight, moments, &err)
                         : ds_eb_global(x, n, computed, ids, r->multiplier, smoothed, weight,
                                        moments, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s: %s\n", local ? r->neighbours_path : r->in_path,
                err.message);
        code = ds_status_exit_code(st);
        goto done;
    }
    fprintf(f, "group,value,lower,upper,method,weight,crude_rate,numerator,denominator%s\n",
            local ? ",neighbours" : "");
    for (size_t u = 0, c = 0; u < units; u++) {
        r->groups_written++;
        if (gap[u] != SIZE_MAX) {
            put_not_computed(f, r, gap[u], "not computed", local ? 5 : 4);
            continue;
        }
        put_ci(f, ids[c], smoothed[c], NAN, NAN,
               local ? "local empirical Bayes (Marshall 1991)"
                     : "empirical Bayes (Marshall 1991), global");
        put_num(f, weight[c]);
        put_num(f, x[c] / n[c] * r->multiplier);
        put_num(f, x[c]);
        put_num(f, n[c]);
        if (local)
            put_num(f, (double)(hoods.start[c + 1] - hoods.start[c]));
        fputc('\n', f);
        c++;
    }
    if (local) {
        size_t clamped = 0;
        for (size_t c = 0; c < computed; c++)
            clamped += moments[c].clamped != 0 && hoods.start[c + 1] > hoods.start[c];
        fprintf(stderr, "eb: %zu unit%s smoothed over their neighbourhoods (%zu neighbour "
                        "pair%s from %s; %zu unit%s without neighbours: crude rate kept)",
                computed, plural(computed), hoods.pairs, plural(hoods.pairs), r->neighbours_path,
                hoods.alone, plural(hoods.alone));
        if (clamped != 0)
            fprintf(stderr, "; %zu neighbourhood%s with no variation beyond chance (A set to 0, "
                            "the unit takes its neighbourhood's rate)", clamped, plural(clamped));
        if (hoods.dropped != 0)
            fprintf(stderr, "; %zu pair%s with a unit not computed left out", hoods.dropped,
                    plural(hoods.dropped));
        if (hoods.self != 0)
            fprintf(stderr, "; %zu pair%s of a unit with itself ignored (a unit is always in "
                            "its neighbourhood)", hoods.self, plural(hoods.self));
        fputc('\n', stderr);
    } else {
        fprintf(stderr, "eb: %zu units smoothed towards the reference rate %.17g; variance of "
                        "the true rates A = %.17g%s\n", computed, moments[0].m * r->multiplier,
                moments[0].a,
                moments[0].clamped
                    ? " (set to 0: no variation beyond chance, every rate is the reference)"
                    : "");
    }
done:
    free(x);
    free(n);
    free(smoothed);
    free(weight);
    free(ids);
    free(names);
    free(gap);
    free(to_computed);
    free(moments);
    free(hoods.start);
    free(hoods.list);
    return code;
}

/* --- the command ------------------------------------------------------------------------ */

/* Parses a number option: a finite number, in (0, 1) when `fraction`, else > 0. */
static bool parse_positive(const char *text, bool fraction, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (*text == '\0' || *end != '\0' || errno != 0 || !isfinite(v) || !(v > 0) ||
        (fraction && !(v < 1)))
        return false;
    *out = v;
    return true;
}

static void free_run(stats_run *r)
{
    ds_table_free(r->table);
    ds_standard_population_free(r->standard);
    free(r->text);
    free(r->text_buf);
    free(r->cell);
    free(r->first_gap);
    free(r->gap_status);
    free(r->order);
}

/* Lists the incomplete rows on stderr, in file order. */
static void report_incomplete(const stats_run *r)
{
    if (r->n_incomplete == 0)
        return;
    fprintf(stderr, "stats: %zu of %zu rows with a missing or secret cell, %s:\n",
            r->n_incomplete, r->rows, INCOMPLETE_FATE[r->method]);
    for (size_t row = 0; row < r->rows; row++)
        if (r->first_gap[row] != SIZE_MAX)
            fprintf(stderr, "  line %zu (%s): %s %s\n", line_of(r, row), group_of(r, row),
                    r->column[r->first_gap[row]], status_word(r->gap_status[row]));
}

/* Copies the finished table to the destination: a file written atomically, or stdout. */
static int write_out(const char *path, const char *data, size_t size)
{
    if (path == NULL || strcmp(path, "-") == 0) {
        fwrite(data, 1, size, stdout);
        return finish_stdout(0);
    }
    ds_output *output = NULL;
    ds_error err;
    ds_status st = ds_output_open(path, &output, &err);
    if (st == DS_OK) {
        fwrite(data, 1, size, ds_output_stream(output));
        st = ds_output_commit(output, &err);
    }
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        return ds_status_exit_code(st);
    }
    return 0;
}

int command_stats(int argc, char **argv)
{
    enum { OPT_IN = 256, OPT_OUT, OPT_CONF, OPT_MULTIPLIER, OPT_RATE_MULTIPLIER, OPT_COL,
           OPT_STANDARD, OPT_COMPARE_METHOD, OPT_POLARITY, OPT_CLASSES, OPT_WEIGHTING,
           OPT_NEIGHBOURS };
    static const struct option options[] = {
        {"in", required_argument, NULL, OPT_IN},
        {"out", required_argument, NULL, OPT_OUT},
        {"conf", required_argument, NULL, OPT_CONF},
        {"multiplier", required_argument, NULL, OPT_MULTIPLIER},
        {"rate-multiplier", required_argument, NULL, OPT_RATE_MULTIPLIER},
        {"col", required_argument, NULL, OPT_COL},
        {"standard", required_argument, NULL, OPT_STANDARD},
        {"compare-method", required_argument, NULL, OPT_COMPARE_METHOD},
        {"polarity", required_argument, NULL, OPT_POLARITY},
        {"classes", required_argument, NULL, OPT_CLASSES},
        {"weighting", required_argument, NULL, OPT_WEIGHTING},
        {"neighbours", required_argument, NULL, OPT_NEIGHBOURS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    stats_run run;
    memset(&run, 0, sizeof run);
    run.conf = 0.95;
    const char *out_path = NULL, *overrides[MAX_OVERRIDES];
    size_t n_overrides = 0;
    bool multiplier_set = false, rate_multiplier_set = false, compare_set = false,
         polarity_set = false, classes_set = false, weighting_set = false;
    run.classes = 5;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_IN: run.in_path = optarg; break;
        case OPT_OUT: out_path = optarg; break;
        case OPT_CONF:
            if (!parse_positive(optarg, true, &run.conf))
                return usage_error("--conf is a level in (0, 1) such as 0.95, not '%s'", optarg);
            break;
        case OPT_MULTIPLIER:
            if (!parse_positive(optarg, false, &run.multiplier))
                return usage_error("--multiplier is a number > 0 such as 100000, not '%s'", optarg);
            multiplier_set = true;
            break;
        case OPT_RATE_MULTIPLIER:
            if (!parse_positive(optarg, false, &run.rate_multiplier))
                return usage_error("--rate-multiplier is a number > 0, not '%s'", optarg);
            rate_multiplier_set = true;
            break;
        case OPT_COL:
            if (strchr(optarg, '=') == NULL || optarg[0] == '=' || strchr(optarg, '=')[1] == '\0')
                return usage_error("--col takes ROLE=COLUMN, not '%s'", optarg);
            if (n_overrides == MAX_OVERRIDES)
                return usage_error("%s", "too many --col options");
            overrides[n_overrides++] = optarg;
            break;
        case OPT_STANDARD: run.standard_path = optarg; break;
        case OPT_NEIGHBOURS: run.neighbours_path = optarg; break;
        case OPT_COMPARE_METHOD:
            if (strcmp(optarg, "ci-benchmark") == 0)
                run.compare = DS_COMPARE_CI_BENCHMARK;
            else if (strcmp(optarg, "two-ci") == 0)
                run.compare = DS_COMPARE_TWO_CI;
            else if (strcmp(optarg, "poisson-icm") == 0)
                run.compare = DS_COMPARE_POISSON_ICM;
            else if (strcmp(optarg, "poisson-normal") == 0)
                run.compare = DS_COMPARE_POISSON_NORMAL;
            else
                return usage_error("--compare-method is ci-benchmark, two-ci, poisson-icm or "
                                   "poisson-normal, not '%s'", optarg);
            compare_set = true;
            break;
        case OPT_POLARITY:
            if (!parse_polarity(optarg, &run.polarity))
                return usage_error("--polarity is higher-is-better or lower-is-better, not '%s'",
                                   optarg);
            polarity_set = true;
            break;
        case OPT_CLASSES: {
            char *end;
            long k = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || k < 2 || k > 100)
                return usage_error("--classes is a number of classes from 2 to 100, not '%s'",
                                   optarg);
            run.classes = (int)k;
            classes_set = true;
            break;
        }
        case OPT_WEIGHTING:
            if (strcmp(optarg, "population") == 0)
                run.weighting = DS_FDEP_WEIGHT_POPULATION;
            else if (strcmp(optarg, "unweighted") == 0)
                run.weighting = DS_FDEP_UNWEIGHTED;
            else
                return usage_error("--weighting is population or unweighted, not '%s'", optarg);
            weighting_set = true;
            break;
        case 'h':
            fputs(STATS_USAGE, stdout);
            fputs(STATS_USAGE_OPTIONS, stdout);
            return finish_stdout(0);
        default:
            fputs(STATS_USAGE, stderr);
            fputs(STATS_USAGE_OPTIONS, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return usage_error("%s", "stats needs a METHOD: proportion, rate, mean, dsr, isr, "
                                 "compare, inequality, quantile, fdep or eb");
    if (optind + 1 < argc)
        return usage_error("unexpected argument '%s'", argv[optind + 1]);
    const char *name = argv[optind];
    for (run.method = 0; run.method < M_COUNT; run.method++)
        if (strcmp(name, METHOD_NAMES[run.method]) == 0)
            break;
    if (run.method == M_COUNT)
        return usage_error("unknown stats METHOD '%s' (proportion, rate, mean, dsr, isr, compare, "
                           "inequality, quantile, fdep, eb)", name);
    method m = run.method;
    if (run.in_path == NULL)
        return usage_error("%s", "stats needs --in=FILE.csv");
    /* Options that only some methods read. */
    if (multiplier_set && m != M_PROPORTION && m != M_RATE && m != M_DSR && m != M_ISR && m != M_EB)
        return usage_error("--multiplier does not apply to 'stats %s'", name);
    if (rate_multiplier_set && m != M_ISR)
        return usage_error("--rate-multiplier applies to 'stats isr' only, not '%s'", name);
    if (run.standard_path != NULL && m != M_DSR)
        return usage_error("--standard applies to 'stats dsr' only, not '%s'", name);
    if (compare_set && m != M_COMPARE)
        return usage_error("--compare-method applies to 'stats compare' only, not '%s'", name);
    if (polarity_set && m != M_COMPARE && m != M_INEQUALITY)
        return usage_error("--polarity applies to 'stats compare' and 'stats inequality', not '%s'",
                           name);
    if (classes_set && m != M_QUANTILE)
        return usage_error("--classes applies to 'stats quantile' only, not '%s'", name);
    if (weighting_set && m != M_FDEP)
        return usage_error("--weighting applies to 'stats fdep' only, not '%s'", name);
    if (run.neighbours_path != NULL && m != M_EB)
        return usage_error("--neighbours applies to 'stats eb' only, not '%s'", name);
    if (!multiplier_set)
        run.multiplier = m == M_PROPORTION ? 1 : m == M_ISR ? 100 : 100000;
    if (!rate_multiplier_set)
        run.rate_multiplier = 100000;

    switch (m) {
    case M_PROPORTION: case M_RATE: case M_EB:
        run.roles = COUNT_ROLES; run.n_roles = sizeof COUNT_ROLES / sizeof *COUNT_ROLES; break;
    case M_MEAN:
        run.roles = MEAN_ROLES; run.n_roles = sizeof MEAN_ROLES / sizeof *MEAN_ROLES; break;
    case M_DSR:
        if (run.standard_path != NULL) {
            run.roles = DSR_STANDARD_ROLES;
            run.n_roles = sizeof DSR_STANDARD_ROLES / sizeof *DSR_STANDARD_ROLES;
        } else {
            run.roles = DSR_ROLES; run.n_roles = sizeof DSR_ROLES / sizeof *DSR_ROLES;
        }
        break;
    case M_ISR:
        run.roles = ISR_ROLES; run.n_roles = sizeof ISR_ROLES / sizeof *ISR_ROLES; break;
    case M_COMPARE:
        if (run.compare == DS_COMPARE_POISSON_ICM || run.compare == DS_COMPARE_POISSON_NORMAL) {
            run.roles = COMPARE_ICM_ROLES;
            run.n_roles = sizeof COMPARE_ICM_ROLES / sizeof *COMPARE_ICM_ROLES;
        } else if (run.compare == DS_COMPARE_TWO_CI) {
            run.roles = COMPARE_TWO_CI_ROLES;
            run.n_roles = sizeof COMPARE_TWO_CI_ROLES / sizeof *COMPARE_TWO_CI_ROLES;
        } else {
            run.roles = COMPARE_CI_ROLES;
            run.n_roles = sizeof COMPARE_CI_ROLES / sizeof *COMPARE_CI_ROLES;
        }
        break;
    case M_INEQUALITY:
        run.roles = INEQUALITY_ROLES;
        run.n_roles = sizeof INEQUALITY_ROLES / sizeof *INEQUALITY_ROLES;
        break;
    case M_QUANTILE:
        run.roles = QUANTILE_ROLES; run.n_roles = sizeof QUANTILE_ROLES / sizeof *QUANTILE_ROLES;
        break;
    case M_FDEP:
        run.roles = FDEP_ROLES; run.n_roles = sizeof FDEP_ROLES / sizeof *FDEP_ROLES; break;
    case M_COUNT: break;
    }
    for (size_t k = 0; k < run.n_roles; k++)
        run.column[k] = run.roles[k].name;
    for (size_t k = 0; k < 2; k++)
        run.neighbour_column[k] = NEIGHBOUR_ROLES[k];
    /* --col names the input's columns, and with --neighbours the neighbour table's. */
    bool neighbour_roles = run.neighbours_path != NULL;
    for (size_t i = 0; i < n_overrides; i++) {
        const char *eq = strchr(overrides[i], '=');
        size_t len = (size_t)(eq - overrides[i]), k;
        for (k = 0; k < run.n_roles; k++)
            if (strlen(run.roles[k].name) == len && strncmp(run.roles[k].name, overrides[i], len) == 0)
                break;
        if (k < run.n_roles) {
            run.column[k] = eq + 1;
            continue;
        }
        for (k = 0; neighbour_roles && k < 2; k++)
            if (strlen(NEIGHBOUR_ROLES[k]) == len &&
                strncmp(NEIGHBOUR_ROLES[k], overrides[i], len) == 0)
                break;
        if (neighbour_roles && k < 2) {
            run.neighbour_column[k] = eq + 1;
            continue;
        }
        fprintf(stderr, "diagsante: --col %s: 'stats %s' reads no such role; its roles are",
                overrides[i], name);
        for (k = 0; k < run.n_roles; k++)
            fprintf(stderr, "%s %s", k ? "," : "", run.roles[k].name);
        if (neighbour_roles)
            fprintf(stderr, " and, in the neighbour table, unit, neighbour");
        else if (m == M_EB)
            fprintf(stderr, " (unit and neighbour with --neighbours)");
        fprintf(stderr, "\nTry 'diagsante stats --help'.\n");
        return EXIT_USAGE;
    }

    ds_error err;
    ds_status st = ds_table_load(run.in_path, NULL, &run.table, &err);
    if (st == DS_OK && run.standard_path != NULL)
        st = ds_standard_population_load(run.standard_path, &run.standard, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        free_run(&run);
        return ds_status_exit_code(st);
    }
    run.rows = ds_table_rows(run.table);
    int code = resolve_columns(&run);
    if (code == 0 && m == M_INEQUALITY &&
        (run.index[role_index(&run, "lower")] < 0) != (run.index[role_index(&run, "upper")] < 0)) {
        fprintf(stderr, "diagsante: %s: a lower column without an upper one, or the reverse: "
                        "give both or neither\n", run.in_path);
        code = EXIT_DATAERR;
    }
    if (code == 0 && run.rows == 0) {
        fprintf(stderr, "diagsante: %s: no data row\n", run.in_path);
        code = EXIT_DATAERR;
    }
    if (code == 0 && (code = read_rows(&run)) == 0)
        report_incomplete(&run);
    char *data = NULL;
    size_t size = 0;
    FILE *mem = NULL;
    if (code == 0 && (mem = open_memstream(&data, &size)) == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
    }
    if (code == 0) {
        switch (m) {
        case M_PROPORTION: case M_RATE: code = write_counts(&run, mem); break;
        case M_MEAN: code = write_mean(&run, mem); break;
        case M_DSR: code = write_dsr(&run, mem); break;
        case M_ISR: code = write_isr(&run, mem); break;
        case M_COMPARE: code = write_compare(&run, mem); break;
        case M_INEQUALITY: code = write_inequality(&run, mem); break;
        case M_QUANTILE: code = write_quantile(&run, mem); break;
        case M_FDEP: code = write_fdep(&run, mem); break;
        case M_EB: code = write_eb(&run, mem); break;
        case M_COUNT: break;
        }
    }
    if (mem != NULL && (fclose(mem) != 0 || data == NULL) && code == 0) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = EXIT_OSERR;
    }
    if (code == 0)
        code = write_out(out_path, data, size);
    if (code == 0)
        fprintf(stderr, "stats %s: %zu row%s read from %s, %zu %s%s%s written to %s\n", name,
                run.rows, run.rows == 1 ? "" : "s", run.in_path, run.groups_written,
                m == M_FDEP ? "unit" : "group", run.groups_written == 1 ? "" : "s",
                m == M_INEQUALITY ? " compared, 13 measures" : "",
                out_path == NULL || strcmp(out_path, "-") == 0 ? "standard output" : out_path);
    free(data);
    free_run(&run);
    return code;
}
