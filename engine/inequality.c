/* diagsante — comparisons with a benchmark, HEAT inequality measures and type-7
 * quantiles (see include/diagsante/inequality.h for the formulas and their sources).
 * GSL is used with its error handler off: its failures come back as NaN or a status. */
#include "diagsante/inequality.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_fit.h>
#include <math.h>
#include <stdlib.h>

/* --- names ------------------------------------------------------------------------- */

const char *ds_compare_method_name(ds_compare_method method)
{
    switch (method) {
    case DS_COMPARE_CI_BENCHMARK: return "ci-benchmark";
    case DS_COMPARE_TWO_CI: return "two-ci";
    case DS_COMPARE_POISSON_ICM: return "poisson-icm";
    case DS_COMPARE_POISSON_NORMAL: return "poisson-normal";
    }
    return "unknown";
}

const char *ds_direction_name(ds_direction direction)
{
    switch (direction) {
    case DS_DIRECTION_SIMILAR: return "similar";
    case DS_DIRECTION_HIGHER: return "higher";
    case DS_DIRECTION_LOWER: return "lower";
    }
    return "unknown";
}

const char *ds_judgement_name(ds_judgement judgement)
{
    switch (judgement) {
    case DS_JUDGEMENT_NOT_APPLICABLE: return "not applicable";
    case DS_JUDGEMENT_SIMILAR: return "similar";
    case DS_JUDGEMENT_BETTER: return "better";
    case DS_JUDGEMENT_WORSE: return "worse";
    }
    return "unknown";
}

ds_judgement ds_judge(ds_direction direction, ds_polarity polarity)
{
    if (polarity != DS_POLARITY_HIGHER_IS_BETTER && polarity != DS_POLARITY_LOWER_IS_BETTER)
        return DS_JUDGEMENT_NOT_APPLICABLE;
    if (direction == DS_DIRECTION_SIMILAR)
        return DS_JUDGEMENT_SIMILAR;
    bool higher = direction == DS_DIRECTION_HIGHER;
    bool higher_is_better = polarity == DS_POLARITY_HIGHER_IS_BETTER;
    return higher == higher_is_better ? DS_JUDGEMENT_BETTER : DS_JUDGEMENT_WORSE;
}

/* --- comparisons ------------------------------------------------------------------- */

static void comparison_set(ds_comparison *out, ds_compare_method method,
                           ds_direction direction, ds_polarity polarity)
{
    out->method = method;
    out->direction = direction;
    out->judgement = ds_judge(direction, polarity);
    out->statistic = NAN;
    out->p_value = NAN;
}

static ds_status check_interval(double lower, double upper, const char *name, ds_error *err)
{
    if (!isfinite(lower) || !isfinite(upper))
        return ds_error_set(err, DS_EUSAGE, "%s: the confidence limits must be finite", name);
    if (lower > upper)
        return ds_error_set(err, DS_EUSAGE, "%s: lower limit %.17g exceeds upper limit %.17g",
                            name, lower, upper);
    return DS_OK;
}

ds_status ds_compare_ci_benchmark(double lower, double upper, double benchmark,
                                  ds_polarity polarity, ds_comparison *out, ds_error *err)
{
    ds_status status = check_interval(lower, upper, "territory", err);
    if (status != DS_OK)
        return status;
    if (!isfinite(benchmark))
        return ds_error_set(err, DS_EUSAGE, "benchmark: not a finite number");
    ds_direction d = lower > benchmark   ? DS_DIRECTION_HIGHER
                     : upper < benchmark ? DS_DIRECTION_LOWER
                                         : DS_DIRECTION_SIMILAR;
    comparison_set(out, DS_COMPARE_CI_BENCHMARK, d, polarity);
    return DS_OK;
}

ds_status ds_compare_two_ci(double lower_a, double upper_a, double lower_b, double upper_b,
                            ds_polarity polarity, ds_comparison *out, ds_error *err)
{
    ds_status status = check_interval(lower_a, upper_a, "territory a", err);
    if (status == DS_OK)
        status = check_interval(lower_b, upper_b, "territory b", err);
    if (status != DS_OK)
        return status;
    ds_direction d = lower_a > upper_b   ? DS_DIRECTION_HIGHER
                     : upper_a < lower_b ? DS_DIRECTION_LOWER
                                         : DS_DIRECTION_SIMILAR;
    comparison_set(out, DS_COMPARE_TWO_CI, d, polarity);
    return DS_OK;
}

ds_status ds_compare_poisson_icm(double observed, double expected, double level,
                                 ds_polarity polarity, ds_comparison *out, ds_error *err)
{
    if (!(observed >= 0 && observed <= 4e9) || floor(observed) != observed)
        return ds_error_set(err, DS_EUSAGE,
                            "observed: %.17g is not a count (an integer from 0 to 4e9)", observed);
    if (!(expected > 0) || !isfinite(expected))
        return ds_error_set(err, DS_EUSAGE, "expected: %.17g is not a positive finite count",
                            expected);
    if (!(level > 0 && level < 1))
        return ds_error_set(err, DS_EUSAGE, "level: %.17g is not in (0, 1)", level);
    gsl_set_error_handler_off();
    unsigned k = (unsigned)observed;
    double p_le = gsl_cdf_poisson_P(k, expected);                       /* P[X <= O] */
    double p_ge = k == 0 ? 1.0 : gsl_cdf_poisson_Q(k - 1, expected); /* P[X >= O] */
    if (isnan(p_le) || isnan(p_ge))
        return ds_error_set(err, DS_EINTERNAL,
                            "GSL's Poisson CDF failed for O = %u, E = %.17g", k, expected);
    double p = 2 * (p_le < p_ge ? p_le : p_ge);
    if (p > 1)
        p = 1;
    ds_direction d = DS_DIRECTION_SIMILAR;
    if (p < 1 - level)
        d = observed > expected ? DS_DIRECTION_HIGHER
            : observed < expected ? DS_DIRECTION_LOWER
                                  : DS_DIRECTION_SIMILAR;
    comparison_set(out, DS_COMPARE_POISSON_ICM, d, polarity);
    out->statistic = 100 * observed / expected;
    out->p_value = p;
    return DS_OK;
}

ds_status ds_compare_poisson_normal(double observed, double expected, double level,
                                    ds_polarity polarity, ds_comparison *out, ds_error *err)
{
    if (!(observed >= 0 && isfinite(observed)))
        return ds_error_set(err, DS_EUSAGE, "observed: %.17g is not a finite count >= 0", observed);
    if (!(expected > 0) || !isfinite(expected))
        return ds_error_set(err, DS_EUSAGE, "expected: %.17g is not a positive finite count",
                            expected);
    if (!(level > 0 && level < 1))
        return ds_error_set(err, DS_EUSAGE, "level: %.17g is not in (0, 1)", level);
    gsl_set_error_handler_off();
    double z = (observed - expected) / sqrt(expected);
    double p = 2 * gsl_cdf_ugaussian_Q(fabs(z));
    ds_direction d = DS_DIRECTION_SIMILAR;
    if (p < 1 - level)
        d = z > 0 ? DS_DIRECTION_HIGHER : DS_DIRECTION_LOWER;
    comparison_set(out, DS_COMPARE_POISSON_NORMAL, d, polarity);
    out->statistic = 100 * observed / expected;
    out->p_value = p;
    return DS_OK;
}

/* --- inequality between groups ----------------------------------------------------- */

ds_inequality_options ds_inequality_options_default(void)
{
    ds_inequality_options o = {0.95, DS_POLARITY_NONE, -1, -1, -1};
    return o;
}

static const ds_estimate NOT_AVAILABLE = {NAN, NAN, NAN, NAN};

/* value +- z se (the interval NaN when se is). */
static ds_estimate normal_estimate(double value, double se, double z)
{
    ds_estimate e = {value, value - z * se, value + z * se, se};
    return e;
}

/* A ratio from its logarithm and the se of the logarithm: exp(ln +- z se). */
static ds_estimate log_estimate(double ln_value, double se_ln, double z)
{
    ds_estimate e = {exp(ln_value), exp(ln_value - z * se_ln), exp(ln_value + z * se_ln), se_ln};
    return e;
}

typedef struct ranked {
    int order;
    size_t index;
} ranked;

static int ranked_compare(const void *a, const void *b)
{
    int x = ((const ranked *)a)->order, y = ((const ranked *)b)->order;
    return (x > y) - (x < y);
}

/* Weighted least squares y = b0 + b1 x with weights w over n points, with the classical
 * covariance s^2 (X'WX)^-1, s^2 = sum w e^2 / (n_pos - 2), n_pos the points of positive
 * weight (gsl_fit_wlinear returns (X'WX)^-1 and chisq = sum w e^2 without that factor).
 * The covariance is NaN when n_pos <= 2. Returns false when the fit is impossible
 * (fewer than two distinct x with positive weight) or GSL fails. */
static bool wls_fit(const double *x, const double *w, const double *y, size_t n, double *b0,
                    double *b1, double *v00, double *v01, double *v11)
{
    size_t n_pos = 0;
    double first_x = NAN;
    bool distinct = false;
    for (size_t i = 0; i < n; i++)
        if (w[i] > 0) {
            if (n_pos++ == 0)
                first_x = x[i];
            else if (x[i] != first_x)
                distinct = true;
        }
    if (!distinct)
        return false;
    double c00, c01, c11, chisq;
    gsl_set_error_handler_off();
    if (gsl_fit_wlinear(x, 1, w, 1, y, 1, n, b0, b1, &c00, &c01, &c11, &chisq) != GSL_SUCCESS)
        return false;
    double s2 = n_pos > 2 ? chisq / (double)(n_pos - 2) : NAN;
    *v00 = s2 * c00, *v01 = s2 * c01, *v11 = s2 * c11;
    return isfinite(*b0) && isfinite(*b1);
}

/* Checks the groups and fills se[] (NaN when neither se nor limits are given). */
static ds_status check_groups(const ds_groups *g, double z, double *se, double *total,
                              ds_error *err)
{
    if ((g->lower == NULL) != (g->upper == NULL))
        return ds_error_set(err, DS_EUSAGE, "groups: lower and upper must be given together");
    *total = 0;
    for (size_t j = 0; j < g->n; j++) {
        if (!isfinite(g->value[j]))
            return ds_error_set(err, DS_EDATA, "value of group %zu is not finite", j);
        double pop = g->population[j];
        if (!isfinite(pop) || pop < 0)
            return ds_error_set(err, DS_EDATA,
                                "population of group %zu is %.17g, not a finite number >= 0", j,
                                pop);
        *total += pop;
        if (g->se != NULL) {
            if (!isfinite(g->se[j]) || g->se[j] < 0)
                return ds_error_set(err, DS_EDATA, "se of group %zu is %.17g, not >= 0", j,
                                    g->se[j]);
            se[j] = g->se[j];
        } else if (g->lower != NULL) {
            double lo = g->lower[j], hi = g->upper[j];
            if (!isfinite(lo) || !isfinite(hi) || lo > hi)
                return ds_error_set(err, DS_EDATA,
                                    "confidence limits of group %zu [%.17g, %.17g] are not "
                                    "finite or not in order", j, lo, hi);
            se[j] = (hi - lo) / (2 * z);
        } else {
            se[j] = NAN;
        }
    }
    if (!(*total > 0) || !isfinite(*total))
        return ds_error_set(err, DS_EDATA, "population: the groups' total is %.17g, not > 0",
                            *total);
    return DS_OK;
}

/* SII, RII, ACI, RCI of ordered groups; rank, x, w, y are scratch arrays of n. The
 * group standard errors play no part: HEAT takes these se from the regression. */
static ds_status ordered_measures(const ds_groups *g, double total, double mu, double z,
                                  ds_inequality *out, ranked *rank, double *x, double *w,
                                  double *y, ds_error *err)
{
    size_t n = g->n;
    for (size_t j = 0; j < n; j++)
        rank[j].order = g->order[j], rank[j].index = j;
    qsort(rank, n, sizeof *rank, ranked_compare);
    for (size_t j = 1; j < n; j++)
        if (rank[j].order == rank[j - 1].order)
            return ds_error_set(err, DS_EDATA, "order: groups %zu and %zu share order %d",
                                rank[j - 1].index, rank[j].index, rank[j].order);
    double cumulative = 0;
    for (size_t j = 0; j < n; j++) {
        size_t i = rank[j].index;
        w[j] = g->population[i] / total;
        x[j] = cumulative + w[j] / 2;
        y[j] = g->value[i];
        cumulative += w[j];
    }
    double b0, b1, v00, v01, v11;
    if (!wls_fit(x, w, y, n, &b0, &b1, &v00, &v01, &v11))
        return DS_OK; /* one group with people: no gradient, SII and the rest NaN */
    out->sii = normal_estimate(b1, sqrt(v11), z);
    double top = b0 + b1;
    if (b0 > 0 && top > 0) {
        /* d ln RII = (1/top - 1/b0) db0 + (1/top) db1 */
        double g0 = 1 / top - 1 / b0, g1 = 1 / top;
        double var = g0 * g0 * v00 + 2 * g0 * g1 * v01 + g1 * g1 * v11;
        out->rii = log_estimate(log(top / b0), sqrt(var), z);
    }
    double aci = 0, sigma2 = 0;
    for (size_t j = 0; j < n; j++) {
        aci += w[j] * (2 * x[j] - 1) * y[j];
        sigma2 += w[j] * (x[j] - 0.5) * (x[j] - 0.5);
    }
    /* The convenient regression 2 sigma^2 y = a + c X is the SII fit scaled by 2 sigma^2. */
    double se_aci = 2 * sigma2 * sqrt(v11);
    out->aci = normal_estimate(aci, se_aci, z);
    if (mu != 0)
        out->rci = normal_estimate(aci / mu, se_aci / fabs(mu), z);
    return DS_OK;
}

ds_status ds_inequality_compute(const ds_groups *groups, const ds_inequality_options *opts,
                                ds_inequality *out, ds_error *err)
{
    if (groups == NULL || opts == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_inequality_compute: NULL argument");
    size_t n = groups->n;
    if (n < 2)
        return ds_error_set(err, DS_EUSAGE, "groups: %zu group(s), inequality needs 2 or more",
                            n);
    if (groups->value == NULL || groups->population == NULL)
        return ds_error_set(err, DS_EUSAGE, "groups: value and population are required");
    double level = opts->level;
    if (!(level > 0 && level < 1))
        return ds_error_set(err, DS_EUSAGE, "level: %.17g is not in (0, 1)", level);
    if (opts->group_a >= (long)n || opts->group_b >= (long)n || opts->reference >= (long)n)
        return ds_error_set(err, DS_EUSAGE,
                            "group_a %ld, group_b %ld or reference %ld is not below n = %zu",
                            opts->group_a, opts->group_b, opts->reference, n);
    if ((opts->group_a < 0) != (opts->group_b < 0))
        return ds_error_set(err, DS_EUSAGE, "group_a and group_b: give both or neither");
    if (opts->group_a >= 0 && opts->group_a == opts->group_b)
        return ds_error_set(err, DS_EUSAGE, "group_a and group_b are the same group %ld",
                            opts->group_a);
    gsl_set_error_handler_off();
    double z = gsl_cdf_ugaussian_Pinv((1 + level) / 2);

    /* One block of scratch: se, x, w, y (n doubles each) and the ranks. */
    double *work = malloc(n * (4 * sizeof(double) + sizeof(ranked)));
    if (work == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory (%zu groups)", n);
    double *se = work, *x = work + n, *w = work + 2 * n, *y = work + 3 * n;
    ranked *rank = (ranked *)(work + 4 * n);

    double total = 0;
    ds_status status = check_groups(groups, z, se, &total, err);
    if (status != DS_OK)
        goto done;
    const double *v = groups->value;
    const double *pop = groups->population;
    double mu = 0;
    for (size_t j = 0; j < n; j++)
        mu += pop[j] / total * v[j];
    out->mean = mu;
    out->d = out->r = out->sii = out->rii = out->aci = out->rci = NOT_AVAILABLE;
    out->bgv = out->theil = out->mld = out->idisp = out->par = out->paf = NOT_AVAILABLE;

    /* The pair of D and R, and the reference of PAR and PAF. */
    size_t lo_order = 0, hi_order = 0, lo_value = 0, hi_value = 0;
    for (size_t j = 1; j < n; j++) {
        if (groups->order != NULL) {
            if (groups->order[j] < groups->order[lo_order])
                lo_order = j;
            if (groups->order[j] > groups->order[hi_order])
                hi_order = j;
        }
        if (v[j] < v[lo_value])
            lo_value = j;
        if (v[j] > v[hi_value])
            hi_value = j;
    }
    size_t a, b;
    if (opts->group_a >= 0) {
        a = (size_t)opts->group_a, b = (size_t)opts->group_b;
    } else if (groups->order != NULL) {
        a = hi_order, b = lo_order;
    } else {
        a = hi_value, b = lo_value;
        if (a == b) /* every value equal */
            b = a == 0 ? 1 : 0;
    }
    out->group_a = a, out->group_b = b;
    long ref = opts->reference;
    if (ref < 0) {
        if (groups->order != NULL)
            ref = (long)hi_order;
        else if (opts->polarity == DS_POLARITY_HIGHER_IS_BETTER)
            ref = (long)hi_value;
        else if (opts->polarity == DS_POLARITY_LOWER_IS_BETTER)
            ref = (long)lo_value;
    }
    out->reference = ref;

    /* Simple measures: D and R. */
    out->d = normal_estimate(v[a] - v[b], sqrt(se[a] * se[a] + se[b] * se[b]), z);
    if (v[a] > 0 && v[b] > 0)
        out->r = log_estimate(log(v[a] / v[b]),
                              sqrt(se[a] * se[a] / (v[a] * v[a]) + se[b] * se[b] / (v[b] * v[b])),
                              z);

    if (groups->order != NULL) {
        status = ordered_measures(groups, total, mu, z, out, rank, x, w, y, err);
        if (status != DS_OK)
            goto done;
    }

    /* BGV (Ahn et al. 2018 for its se). */
    double bgv = 0, s_dev = 0, s2 = 0, s4 = 0, s4c = 0;
    for (size_t j = 0; j < n; j++) {
        double p = pop[j] / total, dev = v[j] - mu, e2 = se[j] * se[j];
        bgv += p * dev * dev;
        s_dev += p * p * e2 * dev * dev;
        s2 += p * p * e2;
        s4 += p * p * p * p * e2 * e2;
        s4c += p * p * (1 - p) * (1 - p) * e2 * e2;
    }
    out->bgv = normal_estimate(bgv, sqrt(4 * s_dev + 2 * (s2 * s2 - s4 + s4c)), z);

    if (mu != 0) {
        double idisp = 0;
        for (size_t j = 0; j < n; j++)
            idisp += fabs(v[j] - mu);
        out->idisp.value = idisp / (double)n / mu;
    }

    /* Theil T and MLD, for non-negative values with a positive mean. */
    bool nonnegative = true, positive = true;
    for (size_t j = 0; j < n; j++) {
        nonnegative = nonnegative && v[j] >= 0;
        positive = positive && v[j] > 0;
    }
    if (mu > 0 && nonnegative) {
        double t = 0, t_bar = 0;
        for (size_t j = 0; j < n; j++) {
            double p = pop[j] / total, r = v[j] / mu;
            if (r > 0) {
                t += p * r * log(r);
                t_bar += p * r * (1 + log(r));
            }
        }
        double var = positive ? 0 : NAN; /* ln 0 in the se: not available */
        for (size_t j = 0; j < n && positive; j++) {
            double p = pop[j] / total, r = v[j] / mu, k = 1 + log(r) - t_bar;
            var += k * k * p * p * se[j] * se[j] / (mu * mu);
        }
        out->theil = normal_estimate(t, sqrt(var), z);
    }
    if (mu > 0 && positive) {
        double m = 0, var = 0;
        for (size_t j = 0; j < n; j++) {
            double p = pop[j] / total, r = v[j] / mu, k = 1 - 1 / r;
            m -= p * log(r);
            var += p * p * se[j] * se[j] / (mu * mu) * k * k;
        }
        out->mld = normal_estimate(m, sqrt(var), z);
    }

    /* PAR and PAF against the reference group. */
    if (ref >= 0) {
        double par = v[ref] - mu;
        if ((opts->polarity == DS_POLARITY_HIGHER_IS_BETTER && par < 0) ||
            (opts->polarity == DS_POLARITY_LOWER_IS_BETTER && par > 0))
            par = 0;
        out->par.value = par;
        if (mu != 0)
            out->paf.value = par / mu;
    }
    status = DS_OK;
done:
    free(work);
    return status;
}

/* --- quantiles --------------------------------------------------------------------- */

static int double_compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type 7 on m >= 1 sorted values. */
static double type7(const double *sorted, size_t m, double p)
{
    double h = (double)(m - 1) * p;
    size_t lo = (size_t)floor(h);
    if (lo >= m - 1)
        return sorted[m - 1];
    return sorted[lo] + (h - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

ds_status ds_quantiles_type7(const double *values, size_t n, const double *probs,
                             size_t n_probs, double *out, size_t *n_missing, ds_error *err)
{
    if (n_probs == 0) {
        if (n_missing != NULL) {
            size_t missing = 0;
            for (size_t i = 0; i < n && values != NULL; i++)
                missing += isnan(values[i]) != 0;
            *n_missing = missing;
        }
        return DS_OK;
    }
    if ((values == NULL && n > 0) || probs == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_quantiles_type7: NULL argument");
    for (size_t i = 0; i < n_probs; i++)
        if (!(probs[i] >= 0 && probs[i] <= 1))
            return ds_error_set(err, DS_EUSAGE, "probs[%zu] = %.17g is not in [0, 1]", i,
                                probs[i]);
    double *sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (sorted == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory (%zu values)", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(values[i]))
            continue;
        if (isinf(values[i])) {
            free(sorted);
            return ds_error_set(err, DS_EDATA, "value %zu is infinite", i);
        }
        sorted[m++] = values[i];
    }
    if (n_missing != NULL)
        *n_missing = n - m;
    if (m == 0) {
        free(sorted);
        return ds_error_set(err, DS_EDATA, "no value to take quantiles of (%zu values, all NaN)",
                            n);
    }
    qsort(sorted, m, sizeof *sorted, double_compare);
    for (size_t i = 0; i < n_probs; i++)
        out[i] = type7(sorted, m, probs[i]);
    free(sorted);
    return DS_OK;
}

ds_status ds_quantile_classes(const double *values, size_t n, int k, int *classes,
                              double *cuts, size_t *n_missing, ds_error *err)
{
    if (k < 2 || k > 100)
        return ds_error_set(err, DS_EUSAGE, "k = %d classes: give 2 to 100", k);
    if (values == NULL || classes == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_quantile_classes: NULL argument");
    double probs[99], c[99];
    for (int i = 1; i < k; i++)
        probs[i - 1] = (double)i / k;
    ds_status status = ds_quantiles_type7(values, n, probs, (size_t)(k - 1), c, n_missing, err);
    if (status != DS_OK)
        return status;
    for (size_t j = 0; j < n; j++) {
        if (isnan(values[j])) {
            classes[j] = 0;
            continue;
        }
        int below = 0;
        for (int i = 0; i < k - 1; i++)
            below += c[i] < values[j];
        classes[j] = 1 + below;
    }
    if (cuts != NULL)
        for (int i = 0; i < k - 1; i++)
            cuts[i] = c[i];
    return DS_OK;
}
