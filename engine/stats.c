/* diagsante — the statistics core (see include/diagsante/stats.h).
 *
 * GSL is used with its error handler off (its default handler aborts) and every value it
 * returns is checked. GSL 2.7.1's inverse gamma and chi-square CDFs are not used: they
 * return NaN or silently wrong values above ~2,000 events (gsl_cdf_gamma_Qinv(0.025,
 * 10799, 1) = 10694.88, whose upper tail is 0.84, where the quantile is 11003.62; see
 * ../shared/docs/toolchain-notes.md). The quantiles are found here by inverting the
 * incomplete gamma functions with Brent's method; those come from GSL up to shape 10^5
 * and from a direct integral above, where GSL's own are off too (gamma_tail). */
#include "diagsante/stats.h"

#include <float.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_roots.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/csv_table.h"

const char DS_METHOD_WILSON[] = "Wilson";
const char DS_METHOD_EXACT_POISSON[] = "exact Poisson (Garwood)";
const char DS_METHOD_BYAR[] = "Byar";
const char DS_METHOD_DOBSON_BYAR[] = "Dobson-Byar";
const char DS_METHOD_SUPPRESSED[] = "suppressed: total count < 10";
const char DS_METHOD_STUDENT_T[] = "Student t";

static void ci_nan(ds_ci *ci)
{
    if (ci != NULL)
        ci->value = ci->lower = ci->upper = NAN;
}

static void gsl_quiet(void)
{
    gsl_set_error_handler_off();
}

/* DS_OK when confidence is in (0, 1). */
static ds_status check_confidence(double confidence, const char *function, ds_error *err)
{
    if (!(confidence > 0.0 && confidence < 1.0))
        return ds_error_set(err, DS_EUSAGE,
                            "%s: confidence must be in (0, 1) (0.95 for 95 %%), got %.17g",
                            function, confidence);
    return DS_OK;
}

/* z = Φ⁻¹(1 − α/2), α = 1 − confidence; confidence already checked. */
static double z_value(double confidence)
{
    return gsl_cdf_ugaussian_Qinv((1.0 - confidence) / 2.0);
}

/* --- Wilson score interval -------------------------------------------------------------- */

ds_status ds_stats_proportion(double x, double n, double confidence, ds_ci *out,
                              const char **method, ds_error *err)
{
    ci_nan(out);
    if (method != NULL)
        *method = DS_METHOD_WILSON;
    if (out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_stats_proportion: out is NULL");
    ds_status st = check_confidence(confidence, "ds_stats_proportion", err);
    if (st != DS_OK)
        return st;
    if (!isfinite(n) || !(n > 0.0))
        return ds_error_set(err, DS_EUSAGE, "ds_stats_proportion: n must be > 0, got %.17g", n);
    if (!isfinite(x) || x < 0.0 || x > n)
        return ds_error_set(err, DS_EUSAGE,
                            "ds_stats_proportion: x must be in [0, n] (n = %.17g), got %.17g", n,
                            x);
    gsl_quiet();
    double z = z_value(confidence), z2 = z * z;
    double root = z * sqrt(z2 + 4.0 * x * (1.0 - x / n));
    double denominator = 2.0 * (n + z2);
    out->value = x / n;
    out->lower = x == 0.0 ? 0.0 : (2.0 * x + z2 - root) / denominator;
    out->upper = x == n ? 1.0 : (2.0 * x + z2 + root) / denominator;
    /* Rounding may push a limit a hair outside [0, 1] or past the value. */
    if (out->lower < 0.0)
        out->lower = 0.0;
    if (out->upper > 1.0)
        out->upper = 1.0;
    return DS_OK;
}

/* --- Poisson limits ------------------------------------------------------------------- */

/* The regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x).
 *
 * GSL's are accurate for moderate a, but for large a its continued fraction stops at
 * its iteration limit (status GSL_EMAXITER) and the value drifts: Q(10^7 + 1,
 * 10006199.8977) comes back as 0.0248007 where it is 0.0250000 (GSL 2.7.1). Above
 * GAMMA_LARGE_SHAPE (or when GSL reports a failure) the smaller tail is integrated
 * here instead, written so that nothing cancels: with m = a − 1 and t = m + s√m,
 *   t^m e^-t / Γ(a) dt = e^{−stirlerr(m)} / √(2π) · exp(−m φ(s/√m)) ds,
 *   φ(ε) = ε − log(1 + ε)  (log1p),
 *   stirlerr(m) = log Γ(m+1) − [(m + ½) log m − m + ½ log 2π]
 *               = 1/(12m) − 1/(360m³) + 1/(1260m⁵) − …  (Stirling's series),
 * which is the standard normal density times a factor near 1 (Loader 2000, "Fast and
 * accurate computation of binomial probabilities", for the same decomposition). The
 * integral runs over 40 units of s beyond the point (the integrand is below e^-800
 * there), by GSL's adaptive Gauss-Kronrod rule to 1e-13 relative. */
#define GAMMA_LARGE_SHAPE 1e5
#define GAMMA_GSL_INVERSE_MAX 1000.0 /* GSL's inverse is tried up to this shape */

typedef struct gamma_work {
    gsl_integration_workspace *workspace;
    double m, root_m; /* a − 1 and its square root */
    bool failed;      /* an evaluation failed: the result must not be used */
} gamma_work;

static double gamma_integrand(double s, void *params)
{
    const gamma_work *w = params;
    double e = s / w->root_m;
    return exp(-w->m * (e - log1p(e)));
}

/* P(a, x) (upper false) or Q(a, x) (upper true); NaN and work->failed on failure. */
static double gamma_tail(double a, double x, bool upper, gamma_work *work)
{
    if (x <= 0.0)
        return upper ? 1.0 : 0.0;
    gsl_sf_result r;
    if (a <= GAMMA_LARGE_SHAPE) {
        int status = upper ? gsl_sf_gamma_inc_Q_e(a, x, &r) : gsl_sf_gamma_inc_P_e(a, x, &r);
        if (status == GSL_SUCCESS && isfinite(r.val))
            return r.val;
        if (a < 1000.0) { /* Stirling's series below is for large a */
            work->failed = true;
            return NAN;
        }
    }
    double m = a - 1.0, root_m = sqrt(m), m2 = m * m;
    double stirlerr = (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * m2)) / m2) / m;
    double factor = exp(-stirlerr) / sqrt(2.0 * M_PI);
    work->m = m;
    work->root_m = root_m;
    double s0 = (x - m) / root_m;
    gsl_function f = {gamma_integrand, work};
    double from, to;
    bool right = s0 > 0.0; /* integrate the smaller tail */
    if (right) {
        from = s0;
        to = s0 + 40.0;
    } else {
        from = s0 - 40.0 > -root_m ? s0 - 40.0 : -root_m;
        to = s0;
    }
    double integral = 0.0, abserr;
    if (to > from) {
        int status = gsl_integration_qag(&f, from, to, 0.0, 1e-13, 1000, GSL_INTEG_GAUSS41,
                                         work->workspace, &integral, &abserr);
        if (status != GSL_SUCCESS || !isfinite(integral)) {
            work->failed = true;
            return NAN;
        }
    }
    double tail = factor * integral;
    return right == upper ? tail : 1.0 - tail;
}

typedef struct gamma_target {
    double shape;  /* scale 1 */
    double target; /* probability sought */
    bool upper;    /* invert Q (upper tail) rather than P */
    gamma_work *work;
} gamma_target;

static double gamma_residual(double x, void *params)
{
    const gamma_target *g = params;
    return gamma_tail(g->shape, x, g->upper, g->work) - g->target;
}

/* The x >= 0 with P(x; shape, 1) = target (or Q when g->upper), by Brent's method.
 * The bracket [shape − 10√shape − 10, shape + 10√shape + 10] (clipped at 0) holds the
 * quantiles of usual confidence levels; it is widened (towards 0, and doubled upwards)
 * until the residual changes sign. The result is checked: |F(x) − target| <= 1e-8
 * target, unless x underflows (tiny non-integer shapes). */
static ds_status gamma_quantile(const gamma_target *g, double *x_out, ds_error *err)
{
    /* Fast path for small shapes (most exact limits are for counts under 10): GSL's own
     * inverse, kept only when the probability at it checks to 1e-12 of the target. GSL's
     * inverses go wrong from a few thousand on (toolchain notes): they are not tried
     * there, and a wrong value anywhere fails the check and falls through to Brent. */
    if (g->shape <= GAMMA_GSL_INVERSE_MAX) {
        double guess = g->upper ? gsl_cdf_gamma_Qinv(g->target, g->shape, 1.0)
                                : gsl_cdf_gamma_Pinv(g->target, g->shape, 1.0);
        gamma_work quick = {0};
        gamma_target check = *g;
        check.work = &quick;
        if (isfinite(guess) && guess > 0.0) {
            double residual = gamma_residual(guess, &check);
            if (!quick.failed && fabs(residual) <= 1e-12 * g->target) {
                *x_out = guess;
                return DS_OK;
            }
        }
    }
    gamma_work work = {0};
    work.workspace = gsl_integration_workspace_alloc(1000);
    if (work.workspace == NULL)
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    gamma_target params = *g;
    params.work = &work;
    gsl_function f = {gamma_residual, &params};
    gsl_root_fsolver *solver = NULL;
    ds_status st = DS_OK;
    double spread = 10.0 * sqrt(g->shape) + 10.0;
    double lo = g->shape - spread > 0.0 ? g->shape - spread : 0.0;
    double hi = g->shape + spread, x = NAN;
    /* P rises from 0 to 1, Q falls from 1 to 0: the residual is "below" at lo for P. */
    double sign = g->upper ? -1.0 : 1.0;
    double f_lo = gamma_residual(lo, &params), f_hi = gamma_residual(hi, &params);
    for (int i = 0; i < 2100 && sign * f_lo > 0.0 && lo > 0.0; i++) {
        lo = lo > 1e-300 ? lo / 2.0 : 0.0;
        f_lo = gamma_residual(lo, &params);
    }
    for (int i = 0; i < 1100 && sign * f_hi < 0.0; i++) {
        hi = 2.0 * hi + 10.0;
        f_hi = gamma_residual(hi, &params);
    }
    if (work.failed || isnan(f_lo) || isnan(f_hi) || sign * f_lo > 0.0 || sign * f_hi < 0.0) {
        st = ds_error_set(err, DS_EINTERNAL,
                          "Poisson limit: no bracket for the gamma quantile (shape %.17g, "
                          "probability %.17g)",
                          g->shape, g->target);
        goto done;
    }
    if (f_lo == 0.0 || f_hi == 0.0) {
        x = f_lo == 0.0 ? lo : hi;
        goto done;
    }
    solver = gsl_root_fsolver_alloc(gsl_root_fsolver_brent);
    if (solver == NULL) {
        st = ds_error_set(err, DS_ENOMEM, "out of memory");
        goto done;
    }
    int status = gsl_root_fsolver_set(solver, &f, lo, hi);
    for (int i = 0; status == GSL_SUCCESS && i < 500; i++) {
        status = gsl_root_fsolver_iterate(solver);
        if (status != GSL_SUCCESS)
            break;
        x = gsl_root_fsolver_root(solver);
        lo = gsl_root_fsolver_x_lower(solver);
        hi = gsl_root_fsolver_x_upper(solver);
        if (gamma_residual(x, &params) == 0.0)
            break;
        if (gsl_root_test_interval(lo, hi, 1e-300, 4.0 * DBL_EPSILON) == GSL_SUCCESS)
            break;
    }
    if (status != GSL_SUCCESS || work.failed || !isfinite(x)) {
        st = ds_error_set(err, DS_EINTERNAL,
                          "Poisson limit: Brent's method failed (%s) for shape %.17g, "
                          "probability %.17g",
                          work.failed ? "incomplete gamma function" : gsl_strerror(status),
                          g->shape, g->target);
        goto done;
    }
    /* The check: the probability at x must be the target. */
    double residual = gamma_residual(x, &params);
    if (work.failed || (!(fabs(residual) <= 1e-8 * g->target) && !(x < 1e-250)))
        st = ds_error_set(err, DS_EINTERNAL,
                          "Poisson limit: the gamma quantile for shape %.17g does not check "
                          "(probability %.17g at %.17g, wanted %.17g)",
                          g->shape, residual + g->target, x, g->target);
done:
    gsl_root_fsolver_free(solver);
    gsl_integration_workspace_free(work.workspace);
    if (st == DS_OK)
        *x_out = x;
    return st;
}

static ds_status check_count(double k, const char *function, ds_error *err)
{
    if (!isfinite(k) || k < 0.0)
        return ds_error_set(err, DS_EUSAGE, "%s: the count must be finite and >= 0, got %.17g",
                            function, k);
    return DS_OK;
}

ds_status ds_stats_poisson_exact(double k, double confidence, double *lower, double *upper,
                                 ds_error *err)
{
    if (lower != NULL)
        *lower = NAN;
    if (upper != NULL)
        *upper = NAN;
    if (lower == NULL || upper == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_stats_poisson_exact: lower or upper is NULL");
    ds_status st = check_confidence(confidence, "ds_stats_poisson_exact", err);
    if (st == DS_OK)
        st = check_count(k, "ds_stats_poisson_exact", err);
    if (st != DS_OK)
        return st;
    gsl_quiet();
    double half_alpha = (1.0 - confidence) / 2.0;
    double lo = 0.0, hi;
    /* P(X >= k | μ) = P(Gamma(k, 1) <= μ): lower solves P_gamma(μ; k) = α/2. */
    if (k > 0.0) {
        gamma_target g = {k, half_alpha, false, NULL};
        st = gamma_quantile(&g, &lo, err);
        if (st != DS_OK)
            return st;
    }
    /* P(X <= k | μ) = P(Gamma(k + 1, 1) > μ): upper solves Q_gamma(μ; k + 1) = α/2. */
    gamma_target g = {k + 1.0, half_alpha, true, NULL};
    st = gamma_quantile(&g, &hi, err);
    if (st != DS_OK)
        return st;
    *lower = lo;
    *upper = hi;
    return DS_OK;
}

ds_status ds_stats_poisson_byar(double k, double confidence, double *lower, double *upper,
                                ds_error *err)
{
    if (lower != NULL)
        *lower = NAN;
    if (upper != NULL)
        *upper = NAN;
    if (lower == NULL || upper == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_stats_poisson_byar: lower or upper is NULL");
    ds_status st = check_confidence(confidence, "ds_stats_poisson_byar", err);
    if (st == DS_OK)
        st = check_count(k, "ds_stats_poisson_byar", err);
    if (st != DS_OK)
        return st;
    gsl_quiet();
    double z = z_value(confidence);
    double lo = 0.0;
    if (k > 0.0) {
        double c = 1.0 - 1.0 / (9.0 * k) - z / (3.0 * sqrt(k));
        if (c < 0.0)
            return ds_error_set(err, DS_EDATA,
                                "ds_stats_poisson_byar: Byar's lower limit is negative for "
                                "count %.17g at confidence %.17g (use the exact limits)",
                                k, confidence);
        lo = k * c * c * c;
    }
    double k1 = k + 1.0;
    double c = 1.0 - 1.0 / (9.0 * k1) + z / (3.0 * sqrt(k1));
    *lower = lo;
    *upper = k1 * c * c * c;
    return DS_OK;
}

/* Limits of a count: exact under 10, Byar from 10 on (PHEindicatormethods). */
static ds_status count_limits(double k, double confidence, double *lower, double *upper,
                              const char **method, ds_error *err)
{
    if (k < DS_STATS_SMALL_COUNT) {
        *method = DS_METHOD_EXACT_POISSON;
        return ds_stats_poisson_exact(k, confidence, lower, upper, err);
    }
    *method = DS_METHOD_BYAR;
    return ds_stats_poisson_byar(k, confidence, lower, upper, err);
}

static ds_status check_multiplier(double multiplier, const char *name, const char *function,
                                  ds_error *err)
{
    if (!isfinite(multiplier) || !(multiplier > 0.0))
        return ds_error_set(err, DS_EUSAGE, "%s: %s must be > 0, got %.17g", function, name,
                            multiplier);
    return DS_OK;
}

ds_status ds_stats_rate(double x, double n, double multiplier, double confidence, ds_ci *out,
                        const char **method, ds_error *err)
{
    ci_nan(out);
    const char *m = x < DS_STATS_SMALL_COUNT ? DS_METHOD_EXACT_POISSON : DS_METHOD_BYAR;
    if (method != NULL)
        *method = m;
    if (out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_stats_rate: out is NULL");
    ds_status st = check_confidence(confidence, "ds_stats_rate", err);
    if (st == DS_OK)
        st = check_multiplier(multiplier, "multiplier", "ds_stats_rate", err);
    if (st != DS_OK)
        return st;
    if (!isfinite(x) || x < 0.0)
        return ds_error_set(err, DS_EUSAGE, "ds_stats_rate: x must be finite and >= 0, got %.17g",
                            x);
    if (!isfinite(n) || !(n > 0.0))
        return ds_error_set(err, DS_EUSAGE, "ds_stats_rate: n must be > 0, got %.17g", n);
    double lo, hi;
    st = count_limits(x, confidence, &lo, &hi, &m, err);
    if (st != DS_OK)
        return st;
    out->value = x / n * multiplier;
    out->lower = lo / n * multiplier;
    out->upper = hi / n * multiplier;
    return DS_OK;
}

/* --- Mean ------------------------------------------------------------------------------ */

ds_status ds_stats_mean(const double *values, size_t n, double confidence, ds_ci *out,
                        const char **method, ds_error *err)
{
    ci_nan(out);
    if (method != NULL)
        *method = DS_METHOD_STUDENT_T;
    if (out == NULL || values == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_stats_mean: %s is NULL",
                            out == NULL ? "out" : "values");
    ds_status st = check_confidence(confidence, "ds_stats_mean", err);
    if (st != DS_OK)
        return st;
    if (n < 2)
        return ds_error_set(err, DS_EDATA,
                            "ds_stats_mean: a confidence interval needs at least 2 values, got %zu",
                            n);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(values[i]))
            return ds_error_set(err, DS_EDATA, "ds_stats_mean: value %zu is not finite (%.17g)",
                                i, values[i]);
    gsl_quiet();
    double mean = gsl_stats_mean(values, 1, n);
    double sd = gsl_stats_sd_m(values, 1, n, mean); /* divisor n − 1 */
    double df = (double)(n - 1), half_alpha = (1.0 - confidence) / 2.0;
    double t = gsl_cdf_tdist_Qinv(half_alpha, df);
    double check = gsl_cdf_tdist_Q(t, df);
    if (!isfinite(t) || !isfinite(mean) || !isfinite(sd) ||
        !(fabs(check - half_alpha) <= 1e-8 * half_alpha))
        return ds_error_set(err, DS_EINTERNAL,
                            "ds_stats_mean: Student's t quantile failed for %.17g degrees of "
                            "freedom (t = %.17g)",
                            df, t);
    double half_width = t * sd / sqrt((double)n);
    out->value = mean;
    out->lower = mean - half_width;
    out->upper = mean + half_width;
    return DS_OK;
}

/* --- Standardisation ----------------------------------------------------------------- */

/* DS_EDATA when one of the n values of a is negative or not finite. */
static ds_status check_array(const double *a, size_t n, const char *name, const char *function,
                             ds_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(a[i]) || a[i] < 0.0)
            return ds_error_set(err, DS_EDATA,
                                "%s: %s[%zu] must be finite and >= 0, got %.17g", function, name,
                                i, a[i]);
    return DS_OK;
}

static void dsr_nan(ds_dsr *out)
{
    ci_nan(&out->rate);
    out->total_count = out->total_population = NAN;
    out->suppressed = false;
    out->method = NULL;
}

ds_status ds_stats_dsr(size_t n_ages, const double *counts, const double *populations,
                       const double *standard_population, double multiplier, double confidence,
                       ds_dsr *out, ds_error *err)
{
    static const char F[] = "ds_stats_dsr";
    if (out == NULL)
        return ds_error_set(err, DS_EUSAGE, "%s: out is NULL", F);
    dsr_nan(out);
    if (counts == NULL || populations == NULL || standard_population == NULL)
        return ds_error_set(err, DS_EUSAGE, "%s: %s is NULL", F,
                            counts == NULL        ? "counts"
                            : populations == NULL ? "populations"
                                                  : "standard_population");
    if (n_ages == 0)
        return ds_error_set(err, DS_EUSAGE, "%s: n_ages is 0", F);
    ds_status st = check_confidence(confidence, F, err);
    if (st == DS_OK)
        st = check_multiplier(multiplier, "multiplier", F, err);
    if (st == DS_OK)
        st = check_array(counts, n_ages, "counts", F, err);
    if (st == DS_OK)
        st = check_array(populations, n_ages, "populations", F, err);
    if (st == DS_OK)
        st = check_array(standard_population, n_ages, "standard_population", F, err);
    if (st != DS_OK)
        return st;
    double total_count = 0.0, total_population = 0.0, total_standard = 0.0;
    double weighted = 0.0, weighted_square = 0.0;
    for (size_t i = 0; i < n_ages; i++) {
        double x = counts[i], n = populations[i], w = standard_population[i];
        if (n == 0.0 && x > 0.0)
            return ds_error_set(err, DS_EDATA,
                                "%s: age group %zu has %.17g events for a population of 0", F, i,
                                x);
        total_count += x;
        total_population += n;
        total_standard += w;
        if (n > 0.0) {
            double r = w / n;
            weighted += x * r;
            weighted_square += x * r * r;
        }
    }
    if (!(total_standard > 0.0))
        return ds_error_set(err, DS_EDATA, "%s: the standard population sums to 0", F);
    out->total_count = total_count;
    out->total_population = total_population;
    if (total_count < DS_STATS_SMALL_COUNT) {
        out->suppressed = true;
        out->method = DS_METHOD_SUPPRESSED;
        return DS_OK;
    }
    double lo, hi;
    st = ds_stats_poisson_byar(total_count, confidence, &lo, &hi, err);
    if (st != DS_OK)
        return st;
    double value = weighted / total_standard;
    double variance = weighted_square / (total_standard * total_standard);
    double scale = sqrt(variance / total_count);
    out->rate.value = value * multiplier;
    out->rate.lower = (value + scale * (lo - total_count)) * multiplier;
    out->rate.upper = (value + scale * (hi - total_count)) * multiplier;
    out->method = DS_METHOD_DOBSON_BYAR;
    return DS_OK;
}

static void isr_nan(ds_isr *out)
{
    out->observed = out->expected = out->reference_rate = NAN;
    ci_nan(&out->ratio);
    ci_nan(&out->rate);
    out->method = NULL;
}

ds_status ds_stats_isr(size_t n_ages, const double *counts, const double *populations,
                       const double *reference_counts, const double *reference_populations,
                       double ratio_multiplier, double rate_multiplier, double confidence,
                       ds_isr *out, ds_error *err)
{
    static const char F[] = "ds_stats_isr";
    if (out == NULL)
        return ds_error_set(err, DS_EUSAGE, "%s: out is NULL", F);
    isr_nan(out);
    const char *null_name = counts == NULL                ? "counts"
                            : populations == NULL         ? "populations"
                            : reference_counts == NULL    ? "reference_counts"
                            : reference_populations == NULL ? "reference_populations"
                                                          : NULL;
    if (null_name != NULL)
        return ds_error_set(err, DS_EUSAGE, "%s: %s is NULL", F, null_name);
    if (n_ages == 0)
        return ds_error_set(err, DS_EUSAGE, "%s: n_ages is 0", F);
    ds_status st = check_confidence(confidence, F, err);
    if (st == DS_OK)
        st = check_multiplier(ratio_multiplier, "ratio_multiplier", F, err);
    if (st == DS_OK)
        st = check_multiplier(rate_multiplier, "rate_multiplier", F, err);
    if (st == DS_OK)
        st = check_array(counts, n_ages, "counts", F, err);
    if (st == DS_OK)
        st = check_array(populations, n_ages, "populations", F, err);
    if (st == DS_OK)
        st = check_array(reference_counts, n_ages, "reference_counts", F, err);
    if (st == DS_OK)
        st = check_array(reference_populations, n_ages, "reference_populations", F, err);
    if (st != DS_OK)
        return st;
    double observed = 0.0, expected = 0.0, ref_count = 0.0, ref_population = 0.0;
    for (size_t i = 0; i < n_ages; i++) {
        if (!(reference_populations[i] > 0.0))
            return ds_error_set(err, DS_EDATA, "%s: reference_populations[%zu] is 0", F, i);
        observed += counts[i];
        expected += reference_counts[i] / reference_populations[i] * populations[i];
        ref_count += reference_counts[i];
        ref_population += reference_populations[i];
    }
    if (!(expected > 0.0))
        return ds_error_set(err, DS_EDATA,
                            "%s: the expected count is 0 (no local population where the "
                            "reference has events)",
                            F);
    double lo, hi;
    const char *method;
    st = count_limits(observed, confidence, &lo, &hi, &method, err);
    if (st != DS_OK)
        return st;
    out->observed = observed;
    out->expected = expected;
    out->method = method;
    out->ratio.value = observed / expected * ratio_multiplier;
    out->ratio.lower = lo / expected * ratio_multiplier;
    out->ratio.upper = hi / expected * ratio_multiplier;
    double crude = ref_count / ref_population; /* per person */
    out->reference_rate = crude * rate_multiplier;
    out->rate.value = observed / expected * crude * rate_multiplier;
    out->rate.lower = lo / expected * crude * rate_multiplier;
    out->rate.upper = hi / expected * crude * rate_multiplier;
    return DS_OK;
}

/* --- Standard populations ------------------------------------------------------------ */

struct ds_standard_population {
    size_t n;
    char **age_groups;
    double *values;
    double total;
};

void ds_standard_population_free(ds_standard_population *sp)
{
    if (sp == NULL)
        return;
    if (sp->age_groups != NULL)
        for (size_t i = 0; i < sp->n; i++)
            free(sp->age_groups[i]);
    free(sp->age_groups);
    free(sp->values);
    free(sp);
}

ds_status ds_standard_population_load(const char *path, ds_standard_population **out,
                                      ds_error *err)
{
    if (out == NULL || path == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_standard_population_load: %s is NULL",
                            out == NULL ? "out" : "path");
    *out = NULL;
    ds_table *table = NULL;
    ds_status st = ds_table_load(path, NULL, &table, err);
    if (st != DS_OK)
        return st;
    long age_column = ds_table_column_index(table, "age_group");
    long population_column = ds_table_column_index(table, "population");
    size_t rows = ds_table_rows(table);
    if (age_column < 0 || population_column < 0) {
        ds_table_free(table);
        return ds_error_set(err, DS_EDATA, "%s: no column \"%s\"", path,
                            age_column < 0 ? "age_group" : "population");
    }
    if (ds_table_column_type(table, (size_t)population_column) != DS_COLUMN_NUMBER ||
        rows == 0) {
        ds_table_free(table);
        return ds_error_set(err, DS_EDATA, "%s: %s", path,
                            rows == 0 ? "no age group" : "column \"population\" is not numeric");
    }
    ds_standard_population *sp = calloc(1, sizeof *sp);
    if (sp != NULL) {
        sp->age_groups = calloc(rows, sizeof *sp->age_groups);
        sp->values = calloc(rows, sizeof *sp->values);
    }
    if (sp == NULL || sp->age_groups == NULL || sp->values == NULL) {
        ds_standard_population_free(sp);
        ds_table_free(table);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    sp->n = rows;
    for (size_t i = 0; i < rows && st == DS_OK; i++) {
        size_t line = ds_table_row_line(table, i);
        char buf[DS_CELL_TEXT_MAX];
        const char *label = ds_table_cell_text(table, i, (size_t)age_column, buf);
        double value;
        if (label == NULL || label[0] == '\0')
            st = ds_error_set(err, DS_EDATA, "%s, line %zu: age_group is missing", path, line);
        else if (ds_table_number(table, i, (size_t)population_column, &value) != DS_CELL_VALUE)
            st = ds_error_set(err, DS_EDATA, "%s, line %zu: population is missing", path, line);
        else if (!isfinite(value) || value < 0.0)
            st = ds_error_set(err, DS_EDATA, "%s, line %zu: population must be >= 0, got %.17g",
                              path, line, value);
        else if ((sp->age_groups[i] = strdup(label)) == NULL)
            st = ds_error_set(err, DS_ENOMEM, "out of memory");
        else {
            sp->values[i] = value;
            sp->total += value;
        }
    }
    ds_table_free(table);
    if (st == DS_OK && !(sp->total > 0.0))
        st = ds_error_set(err, DS_EDATA, "%s: the populations sum to 0", path);
    if (st != DS_OK) {
        ds_standard_population_free(sp);
        return st;
    }
    *out = sp;
    return DS_OK;
}

size_t ds_standard_population_size(const ds_standard_population *sp)
{
    return sp->n;
}

const char *ds_standard_population_age_group(const ds_standard_population *sp, size_t i)
{
    return i < sp->n ? sp->age_groups[i] : NULL;
}

const double *ds_standard_population_values(const ds_standard_population *sp)
{
    return sp->values;
}

double ds_standard_population_total(const ds_standard_population *sp)
{
    return sp->total;
}
