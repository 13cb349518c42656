/* diagsante — the FDep deprivation index (see include/diagsante/fdep.h): a weighted
 * correlation matrix, its first eigenvector through GSL, scores and quintiles. */
#include "diagsante/fdep.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_vector.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first eigenpair of the p x p symmetric matrix r (row-major, left intact): the
 * largest eigenvalue and its unit eigenvector. gsl_eigen_symmv destroys the lower
 * triangle and diagonal of its input, so it works on a copy. */
static ds_status first_eigenpair(const double *r, size_t p, double *eigenvalue, double *vector,
                                 ds_error *err)
{
    gsl_set_error_handler_off();
    gsl_matrix *a = gsl_matrix_alloc(p, p);
    gsl_matrix *evec = gsl_matrix_alloc(p, p);
    gsl_vector *eval = gsl_vector_alloc(p);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc(p);
    ds_status status = DS_OK;
    if (a == NULL || evec == NULL || eval == NULL || ws == NULL) {
        status = ds_error_set(err, DS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t j = 0; j < p; j++)
        for (size_t k = 0; k < p; k++)
            gsl_matrix_set(a, j, k, r[j * p + k]);
    int rc = gsl_eigen_symmv(a, eval, evec, ws);
    if (rc == GSL_SUCCESS)
        rc = gsl_eigen_symmv_sort(eval, evec, GSL_EIGEN_SORT_VAL_DESC);
    if (rc != GSL_SUCCESS) {
        status = ds_error_set(err, DS_EINTERNAL, "GSL eigen decomposition failed: %s",
                              gsl_strerror(rc));
        goto done;
    }
    *eigenvalue = gsl_vector_get(eval, 0);
    for (size_t j = 0; j < p; j++)
        vector[j] = gsl_matrix_get(evec, j, 0);
done:
    gsl_eigen_symmv_free(ws);
    gsl_vector_free(eval);
    gsl_matrix_free(evec);
    gsl_matrix_free(a);
    return status;
}

/* Means, standard deviations and the correlation matrix of x (n x p) weighted by w
 * (NULL: 1 each), weight total as denominator. Two passes (mean, then centred sums)
 * for accuracy. */
static ds_status weighted_correlation(const double *x, size_t n, size_t p, const double *w,
                                      const char *const *names, double *mean, double *sd,
                                      double *r, ds_error *err)
{
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += w ? w[i] : 1.0;
    if (!(total > 0))
        return ds_error_set(err, DS_EDATA, "the weights add up to %.17g: nothing to weight",
                            total);
    for (size_t j = 0; j < p; j++) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += (w ? w[i] : 1.0) * x[i * p + j];
        mean[j] = s / total;
    }
    for (size_t j = 0; j < p; j++)
        for (size_t k = j; k < p; k++) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += (w ? w[i] : 1.0) * (x[i * p + j] - mean[j]) * (x[i * p + k] - mean[k]);
            r[j * p + k] = r[k * p + j] = s / total;
        }
    for (size_t j = 0; j < p; j++) {
        sd[j] = sqrt(r[j * p + j]);
        /* A spread below rounding noise of the mean counts as none. */
        if (!(sd[j] > 1e-12 * (fabs(mean[j]) > 1 ? fabs(mean[j]) : 1))) {
            char number[32];
            snprintf(number, sizeof number, "variable %zu", j);
            return ds_error_set(err, DS_EDATA,
                                "%s has no variance (every unit has %.17g): its correlations "
                                "are undefined",
                                names ? names[j] : number, mean[j]);
        }
    }
    for (size_t j = 0; j < p; j++)
        for (size_t k = 0; k < p; k++)
            r[j * p + k] = j == k ? 1.0 : r[j * p + k] / (sd[j] * sd[k]);
    return DS_OK;
}

/* Shared by ds_pca_first and ds_fdep_compute: mean and sd (p each) are outputs too;
 * names (p, or NULL) name the variables in messages. */
static ds_status pca_first(const double *x, size_t n, size_t p, const double *w, size_t orient,
                           const char *const *names, double *eigenvalue, double *loadings,
                           double *scores, double *mean, double *sd, ds_error *err)
{
    double *r = malloc(p * p * sizeof *r);
    if (r == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status status = weighted_correlation(x, n, p, w, names, mean, sd, r, err);
    if (status == DS_OK)
        status = first_eigenpair(r, p, eigenvalue, loadings, err);
    free(r);
    if (status != DS_OK)
        return status;
    /* The sign of an eigenvector is arbitrary: fix it. */
    size_t pivot = orient;
    if (loadings[pivot] == 0)
        for (pivot = 0; pivot < p - 1 && loadings[pivot] == 0; pivot++)
            ;
    if (loadings[pivot] < 0)
        for (size_t j = 0; j < p; j++)
            loadings[j] = -loadings[j];
    if (scores != NULL)
        for (size_t i = 0; i < n; i++) {
            double s = 0;
            for (size_t j = 0; j < p; j++)
                s += loadings[j] * (x[i * p + j] - mean[j]) / sd[j];
            scores[i] = s;
        }
    return DS_OK;
}

ds_status ds_pca_first(const double *x, size_t n, size_t p, const double *w, size_t orient,
                       double *eigenvalue, double *loadings, double *scores, ds_error *err)
{
    if (x == NULL || eigenvalue == NULL || loadings == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_pca_first: NULL argument");
    if (p == 0 || orient >= p)
        return ds_error_set(err, DS_EUSAGE, "ds_pca_first: %zu variables, orientation on %zu",
                            p, orient);
    if (n < 2)
        return ds_error_set(err, DS_EUSAGE, "ds_pca_first: %zu rows, at least 2 needed", n);
    for (size_t i = 0; i < n; i++) {
        if (w != NULL && !(isfinite(w[i]) && w[i] >= 0))
            return ds_error_set(err, DS_EDATA, "row %zu: weight %.17g is not a finite number >= 0",
                                i, w[i]);
        for (size_t j = 0; j < p; j++)
            if (!isfinite(x[i * p + j]))
                return ds_error_set(err, DS_EDATA, "row %zu, variable %zu: %.17g is not finite",
                                    i, j, x[i * p + j]);
    }
    double *mean = malloc(2 * p * sizeof *mean);
    if (mean == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    ds_status status = pca_first(x, n, p, w, orient, NULL, eigenvalue, loadings, scores, mean,
                                 mean + p, err);
    free(mean);
    return status;
}

/* --- FDep ------------------------------------------------------------------------------ */

struct ds_fdep {
    size_t n, n_scored;
    ds_fdep_weighting weighting;
    double eigenvalue;
    double loadings[DS_FDEP_VARIABLES], mean[DS_FDEP_VARIABLES], sd[DS_FDEP_VARIABLES];
    ds_fdep_score *scores;         /* n */
    ds_fdep_exclusion *exclusions; /* n_exclusions, ids owned */
    size_t n_exclusions;
};

static const char *const VARIABLE_NAMES[DS_FDEP_VARIABLES + 1] = {
    "median_income", "bac_pct", "workers_pct", "unemployment_pct", "population"};

const char *ds_fdep_variable_name(ds_fdep_variable variable)
{
    return (unsigned)variable <= DS_FDEP_VARIABLES ? VARIABLE_NAMES[variable] : "unknown";
}

void ds_fdep_free(ds_fdep *fdep)
{
    if (fdep == NULL)
        return;
    for (size_t k = 0; k < fdep->n_exclusions; k++)
        free((char *)fdep->exclusions[k].id);
    free(fdep->exclusions);
    free(fdep->scores);
    free(fdep);
}

static char *unit_id(const ds_fdep_unit *unit, size_t i)
{
    char buf[32];
    const char *id = unit->id;
    if (id == NULL) {
        snprintf(buf, sizeof buf, "#%zu", i);
        id = buf;
    }
    size_t len = strlen(id);
    char *copy = malloc(len + 1);
    if (copy != NULL)
        memcpy(copy, id, len + 1);
    return copy;
}

/* Sorting the scored units by score, ties by input order (deterministic). */
typedef struct ranked {
    double score, weight;
    size_t unit;
} ranked;

static int compare_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->score != y->score)
        return x->score < y->score ? -1 : 1;
    return (x->unit > y->unit) - (x->unit < y->unit);
}

/* The quintile (1..5) of the span [lo, hi) of a total: where its middle falls. */
static int quintile_of_span(double lo, double hi, double total)
{
    int q = 1 + (int)floor(5.0 * (lo + hi) / 2.0 / total);
    return q < 1 ? 1 : q > 5 ? 5 : q;
}

/* Assigns quintiles to the m sorted units: by position (each unit weighs 1) and by
 * population (r[k].weight), equal scores forming one span. */
static void assign_quintiles(const ranked *r, size_t m, ds_fdep_score *scores)
{
    double population = 0;
    for (size_t k = 0; k < m; k++)
        population += r[k].weight;
    double cum = 0;
    for (size_t a = 0; a < m;) {
        size_t b = a;
        double span = 0;
        while (b < m && r[b].score == r[a].score)
            span += r[b++].weight;
        int qu = quintile_of_span((double)a, (double)b, (double)m);
        int qp = population > 0 ? quintile_of_span(cum, cum + span, population) : qu;
        for (size_t k = a; k < b; k++) {
            scores[r[k].unit].quintile_units = qu;
            scores[r[k].unit].quintile_population = qp;
        }
        cum += span;
        a = b;
    }
}

ds_status ds_fdep_compute(const ds_fdep_unit *units, size_t n, ds_fdep_weighting weighting,
                          ds_fdep **out, ds_error *err)
{
    if (out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_fdep_compute: NULL result pointer");
    *out = NULL;
    if (units == NULL && n > 0)
        return ds_error_set(err, DS_EUSAGE, "ds_fdep_compute: NULL units");
    if (weighting != DS_FDEP_WEIGHT_POPULATION && weighting != DS_FDEP_UNWEIGHTED)
        return ds_error_set(err, DS_EUSAGE, "ds_fdep_compute: unknown weighting %d",
                            (int)weighting);
    const size_t p = DS_FDEP_VARIABLES;
    /* Infinite values and negative populations are errors, NAN is missing. */
    for (size_t i = 0; i < n; i++) {
        const ds_fdep_unit *u = &units[i];
        for (size_t j = 0; j <= p; j++) {
            double v = j < p ? u->values[j] : u->population;
            if (isinf(v) || (j == p && v < 0))
                return ds_error_set(err, DS_EDATA, "unit %zu (%s): %s is %.17g", i,
                                    u->id ? u->id : "no id", VARIABLE_NAMES[j], v);
        }
    }
    ds_fdep *f = calloc(1, sizeof *f);
    double *x = NULL, *w = NULL, *s = NULL;
    ranked *r = NULL;
    size_t *rows = NULL;
    ds_status status = DS_OK;
    if (f == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    f->n = n;
    f->weighting = weighting;
    size_t cap = n ? n : 1;
    f->scores = calloc(cap, sizeof *f->scores);
    f->exclusions = calloc(cap, sizeof *f->exclusions);
    x = malloc(cap * p * sizeof *x);
    w = malloc(cap * sizeof *w);
    s = malloc(cap * sizeof *s);
    r = malloc(cap * sizeof *r);
    rows = malloc(cap * sizeof *rows);
    if (!f->scores || !f->exclusions || !x || !w || !s || !r || !rows) {
        status = ds_error_set(err, DS_ENOMEM, "out of memory");
        goto done;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        const ds_fdep_unit *u = &units[i];
        unsigned missing = 0;
        for (size_t j = 0; j < p; j++)
            if (isnan(u->values[j]))
                missing |= 1u << j;
        if (isnan(u->population))
            missing |= DS_FDEP_MISSING_POPULATION;
        f->scores[i].score = NAN;
        if (missing) {
            ds_fdep_exclusion *e = &f->exclusions[f->n_exclusions];
            e->unit = i;
            e->missing = missing;
            e->id = unit_id(u, i);
            if (e->id == NULL) {
                status = ds_error_set(err, DS_ENOMEM, "out of memory");
                goto done;
            }
            f->n_exclusions++;
            continue;
        }
        memcpy(&x[m * p], u->values, p * sizeof *x);
        w[m] = weighting == DS_FDEP_WEIGHT_POPULATION ? u->population : 1.0;
        rows[m++] = i;
    }
    if (m < 2) {
        status = ds_error_set(err, DS_EDATA,
                              "FDep needs at least 2 units with every field, %zu of %zu have "
                              "them",
                              m, n);
        goto done;
    }
    status = pca_first(x, m, p, w, DS_FDEP_UNEMPLOYMENT_PCT, VARIABLE_NAMES, &f->eigenvalue,
                       f->loadings, s, f->mean, f->sd, err);
    if (status != DS_OK)
        goto done;
    for (size_t k = 0; k < m; k++) {
        f->scores[rows[k]].scored = true;
        f->scores[rows[k]].score = s[k];
        r[k] = (ranked){s[k], units[rows[k]].population, rows[k]};
    }
    f->n_scored = m;
    qsort(r, m, sizeof *r, compare_ranked);
    assign_quintiles(r, m, f->scores);
done:
    free(rows);
    free(r);
    free(s);
    free(w);
    free(x);
    if (status != DS_OK) {
        ds_fdep_free(f);
        return status;
    }
    *out = f;
    return DS_OK;
}

double ds_fdep_eigenvalue(const ds_fdep *fdep) { return fdep->eigenvalue; }

double ds_fdep_variance_share(const ds_fdep *fdep)
{
    return fdep->eigenvalue / DS_FDEP_VARIABLES;
}

static bool known(ds_fdep_variable v) { return (unsigned)v < DS_FDEP_VARIABLES; }

double ds_fdep_loading(const ds_fdep *fdep, ds_fdep_variable v)
{
    return known(v) ? fdep->loadings[v] : NAN;
}

double ds_fdep_correlation(const ds_fdep *fdep, ds_fdep_variable v)
{
    return known(v) ? fdep->loadings[v] * sqrt(fdep->eigenvalue) : NAN;
}

double ds_fdep_mean(const ds_fdep *fdep, ds_fdep_variable v)
{
    return known(v) ? fdep->mean[v] : NAN;
}

double ds_fdep_sd(const ds_fdep *fdep, ds_fdep_variable v)
{
    return known(v) ? fdep->sd[v] : NAN;
}

size_t ds_fdep_unit_count(const ds_fdep *fdep) { return fdep->n; }
size_t ds_fdep_scored_count(const ds_fdep *fdep) { return fdep->n_scored; }

void ds_fdep_score_at(const ds_fdep *fdep, size_t i, ds_fdep_score *out)
{
    if (i < fdep->n)
        *out = fdep->scores[i];
    else
        *out = (ds_fdep_score){false, NAN, 0, 0};
}

size_t ds_fdep_exclusion_count(const ds_fdep *fdep) { return fdep->n_exclusions; }

const ds_fdep_exclusion *ds_fdep_exclusion_at(const ds_fdep *fdep, size_t k)
{
    return k < fdep->n_exclusions ? &fdep->exclusions[k] : NULL;
}
