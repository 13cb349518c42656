/* Tests of the statistics core (engine/stats.c).
 *
 * Where each expected number comes from is said next to it: a published table
 * (Newcombe 1998 for Wilson intervals), a closed form or a hand calculation written out
 * here (formula with the numbers), or the defining property of the quantity checked
 * directly (an exact Poisson limit U for k events is the mean with P(X <= k | U) =
 * α/2, summed here term by term: with plain recurrences for small k, with Loader's
 * saddle-point terms for the log grid up to 10^7).
 *
 * z = Φ⁻¹(0.975) = 1.959963984540054 throughout (95 %). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include <stdio.h>
#include <string.h>

#include "diagsante/stats.h"
#include "helpers.h"

static const double Z95 = 1.959963984540054;

/* |a - b| <= tol: for values published to a fixed number of decimals. */
#define assert_within(a, b, tol)                                                       \
    do {                                                                               \
        double a_ = (a), b_ = (b), t_ = (tol);                                         \
        if (!(fabs(a_ - b_) <= t_))                                                    \
            fail_msg("%s = %.17g, expected %s = %.17g (absolute tolerance %g)", #a, a_, \
                     #b, b_, t_);                                                      \
    } while (0)

/* A failing call must name the argument at fault in its message. */
#define assert_fails(call, status, word)                                              \
    do {                                                                               \
        ds_error err_;                                                                 \
        ds_error_clear(&err_);                                                         \
        ds_error *err = &err_;                                                         \
        ds_status st_ = (call);                                                        \
        if (st_ != (status))                                                           \
            fail_msg("%s returned %d, expected %d", #call, (int)st_, (int)(status));   \
        if (strstr(err_.message, (word)) == NULL)                                      \
            fail_msg("message \"%s\" does not name \"%s\"", err_.message, (word));     \
    } while (0)

#define assert_ok(call)                                                                \
    do {                                                                               \
        ds_error err_;                                                                 \
        ds_error_clear(&err_);                                                         \
        ds_error *err = &err_;                                                         \
        ds_status st_ = (call);                                                        \
        if (st_ != DS_OK)                                                              \
            fail_msg("%s failed: %s", #call, err_.message);                            \
    } while (0)

/* P(X <= k | mu) for a Poisson X, summed term by term: e^-mu Σ_{j<=k} mu^j / j!. */
static double poisson_cdf_by_hand(int k, double mu)
{
    double term = exp(-mu), sum = term;
    for (int j = 1; j <= k; j++) {
        term *= mu / j;
        sum += term;
    }
    return sum;
}

/* --- Proportions --------------------------------------------------------------------- */

/* Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
 * seven methods. Stat Med 1998;17:857-872, Table II, method 3 (Wilson score interval
 * without continuity correction), published to 4 decimals. */
static void test_proportion_newcombe(void **state)
{
    (void)state;
    static const struct {
        double x, n, lower, upper;
    } table[] = {
        {81, 263, 0.2553, 0.3662},
        {15, 148, 0.0624, 0.1605},
        {0, 20, 0.0000, 0.1611},
        {1, 29, 0.0061, 0.1718},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        ds_ci ci;
        const char *method = NULL;
        assert_ok(ds_stats_proportion(table[i].x, table[i].n, 0.95, &ci, &method, err));
        assert_string_equal(method, "Wilson");
        assert_close(ci.value, table[i].x / table[i].n, 1e-15);
        assert_within(ci.lower, table[i].lower, 0.5e-4);
        assert_within(ci.upper, table[i].upper, 0.5e-4);
    }
}

/* x = 0 and x = n: the square root is z·z, so the formula reduces to closed forms:
 * 0/n: upper = z²/(n + z²); n/n: lower = n/(n + z²). With z² = 3.841458820694124:
 * 0/20 upper = 3.841458820694124/23.841458820694124 = 0.16112515805281935,
 * 29/29 lower = 29/32.841458820694124 = 0.88303020150025913. The other limit must be 0
 * or 1 exactly. Non-integer x (0.445 of 1, PHEindicatormethods testWilson's input) and
 * the symmetry lower(x, n) = 1 − upper(n − x, n) for the rest. */
static void test_proportion_edges(void **state)
{
    (void)state;
    ds_ci ci;
    double z2 = Z95 * Z95;
    assert_ok(ds_stats_proportion(0, 20, 0.95, &ci, NULL, err));
    assert_true(ci.lower == 0.0);
    assert_true(ci.value == 0.0);
    assert_close(ci.upper, z2 / (20 + z2), 1e-13);
    assert_close(ci.upper, 0.16112515805281935, 1e-13);

    assert_ok(ds_stats_proportion(29, 29, 0.95, &ci, NULL, err));
    assert_true(ci.upper == 1.0);
    assert_true(ci.value == 1.0);
    assert_close(ci.lower, 29 / (29 + z2), 1e-13);
    assert_close(ci.lower, 0.88303020150025913, 1e-13);

    assert_ok(ds_stats_proportion(1, 1, 0.95, &ci, NULL, err));
    assert_true(ci.upper == 1.0);
    assert_close(ci.lower, 1 / (1 + z2), 1e-13); /* 1/4.841458820694124 = 0.20654895... */

    const double cases[][2] = {{0.445, 1}, {65, 100}, {1045, 5000}, {3.5, 7.25}, {1, 1e7}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double x = cases[i][0], n = cases[i][1];
        ds_ci a, b;
        assert_ok(ds_stats_proportion(x, n, 0.95, &a, NULL, err));
        assert_ok(ds_stats_proportion(n - x, n, 0.95, &b, NULL, err));
        assert_within(a.lower, 1 - b.upper, 1e-15); /* 1 − b.upper cancels: absolute */
        assert_within(a.upper, 1 - b.lower, 1e-15);
        assert_true(a.lower > 0 && a.lower < a.value && a.value < a.upper && a.upper < 1);
    }
    /* A wider interval at 99.8 %. */
    ds_ci wide;
    assert_ok(ds_stats_proportion(65, 100, 0.998, &wide, NULL, err));
    assert_ok(ds_stats_proportion(65, 100, 0.95, &ci, NULL, err));
    assert_true(wide.lower < ci.lower && wide.upper > ci.upper);
}

static void test_proportion_errors(void **state)
{
    (void)state;
    ds_ci ci;
    assert_fails(ds_stats_proportion(11, 10, 0.95, &ci, NULL, err), DS_EUSAGE, "x must be");
    assert_true(isnan(ci.value) && isnan(ci.lower) && isnan(ci.upper));
    assert_fails(ds_stats_proportion(-1, 10, 0.95, &ci, NULL, err), DS_EUSAGE, "x must be");
    assert_fails(ds_stats_proportion(NAN, 10, 0.95, &ci, NULL, err), DS_EUSAGE, "x must be");
    assert_fails(ds_stats_proportion(0, 0, 0.95, &ci, NULL, err), DS_EUSAGE, "n must be");
    assert_fails(ds_stats_proportion(0, -5, 0.95, &ci, NULL, err), DS_EUSAGE, "n must be");
    assert_fails(ds_stats_proportion(1, 10, 0, &ci, NULL, err), DS_EUSAGE, "confidence");
    assert_fails(ds_stats_proportion(1, 10, 1, &ci, NULL, err), DS_EUSAGE, "confidence");
    assert_fails(ds_stats_proportion(1, 10, 95, &ci, NULL, err), DS_EUSAGE, "confidence");
    assert_fails(ds_stats_proportion(1, 10, NAN, &ci, NULL, err), DS_EUSAGE, "confidence");
    assert_fails(ds_stats_proportion(1, 10, 0.95, NULL, NULL, err), DS_EUSAGE, "out");
}

/* --- Exact Poisson limits -------------------------------------------------------------- */

/* Closed forms and direct sums.
 * k = 0: P(X <= 0 | U) = e^-U = 0.025, U = ln 40 = 3.6888794541139363; lower 0.
 * k = 1: P(X >= 1 | L) = 1 − e^-L = 0.025, L = −ln 0.975 = 0.025317807984289786;
 *        P(X <= 1 | U) = e^-U (1 + U) = 0.025 checked term by term (U = 5.5716433909...).
 * k = 9, 10: P(X >= k | L) = 1 − Σ_{j<k} and P(X <= k | U) = Σ_{j<=k}, summed here;
 *        k = 10 gives [4.795389, 18.390356] (../shared/docs/toolchain-notes.md, the
 *        classical tables of Poisson limits). */
static void test_poisson_exact_small(void **state)
{
    (void)state;
    double lo, hi;
    assert_ok(ds_stats_poisson_exact(0, 0.95, &lo, &hi, err));
    assert_true(lo == 0.0);
    assert_close(hi, log(40.0), 1e-12);
    assert_close(hi, 3.6888794541139363, 1e-12);

    assert_ok(ds_stats_poisson_exact(1, 0.95, &lo, &hi, err));
    assert_close(lo, -log(0.975), 1e-12);
    assert_close(exp(-hi) * (1 + hi), 0.025, 1e-10);

    const int ks[] = {1, 2, 5, 9, 10, 20, 50};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        int k = ks[i];
        assert_ok(ds_stats_poisson_exact(k, 0.95, &lo, &hi, err));
        assert_close(1 - poisson_cdf_by_hand(k - 1, lo), 0.025, 1e-9);
        assert_close(poisson_cdf_by_hand(k, hi), 0.025, 1e-9);
        /* 99.8 %: α/2 = 0.001. */
        assert_ok(ds_stats_poisson_exact(k, 0.998, &lo, &hi, err));
        assert_close(1 - poisson_cdf_by_hand(k - 1, lo), 0.001, 1e-9);
        assert_close(poisson_cdf_by_hand(k, hi), 0.001, 1e-9);
    }
    assert_ok(ds_stats_poisson_exact(10, 0.95, &lo, &hi, err));
    assert_within(lo, 4.795389, 0.5e-6);
    assert_within(hi, 18.390356, 0.5e-6);

    /* Non-integer counts: P(X >= k | μ) generalises to P_gamma(μ; k, 1). */
    assert_ok(ds_stats_poisson_exact(2.5, 0.95, &lo, &hi, err));
    assert_close(gsl_cdf_gamma_P(lo, 2.5, 1), 0.025, 1e-9);
    assert_close(gsl_cdf_gamma_Q(hi, 3.5, 1), 0.025, 1e-9);
    /* A tiny count: the lower limit underflows towards 0, the upper is near ln 40. */
    assert_ok(ds_stats_poisson_exact(1e-3, 0.95, &lo, &hi, err));
    assert_true(lo >= 0 && lo < 1e-100);
    assert_close(gsl_cdf_gamma_Q(hi, 1.001, 1), 0.025, 1e-9);
}

/* Poisson probabilities for the grid check, independent of GSL and of engine/stats.c:
 * Loader's saddle-point form (C. Loader, "Fast and accurate computation of binomial
 * probabilities", 2000; the algorithm of R's dpois),
 *   P(X = j | μ) = exp(−stirlerr(j) − bd0(j, μ)) / √(2πj),
 *   stirlerr(n) = log n! − [(n + ½) log n − n + ½ log 2π],
 *   bd0(x, μ) = x log(x/μ) + μ − x, summed as a series when x is near μ,
 * and tails summed term by term away from k with P(j−1) = P(j) j/μ, P(j+1) = P(j) μ/(j+1). */
static double stirlerr(double n)
{
    if (n <= 15.0)
        return lgamma(n + 1.0) - (n + 0.5) * log(n) + n - 0.5 * log(2.0 * acos(-1.0));
    double nn = n * n;
    return (1.0 / 12 - (1.0 / 360 - (1.0 / 1260 - (1.0 / 1680 - 1.0 / (1188 * nn)) / nn) / nn) / nn) / n;
}

static double bd0(double x, double mu)
{
    if (fabs(x - mu) < 0.1 * (x + mu)) {
        double v = (x - mu) / (x + mu), s = (x - mu) * v, ej = 2.0 * x * v;
        for (int j = 1; j < 1000; j++) {
            ej *= v * v;
            double s1 = s + ej / (2 * j + 1);
            if (s1 == s)
                return s1;
            s = s1;
        }
        return s;
    }
    return x * log(x / mu) + mu - x;
}

static double poisson_point(double k, double mu)
{
    if (k == 0.0)
        return exp(-mu);
    return exp(-stirlerr(k) - bd0(k, mu)) / sqrt(2.0 * acos(-1.0) * k);
}

/* P(X <= k | μ) for μ > k (the terms fall going down from k). */
static double poisson_le(double k, double mu)
{
    double term = poisson_point(k, mu), sum = term;
    for (double j = k; j > 0 && term > 1e-18 * sum; j--) {
        term *= j / mu;
        sum += term;
    }
    return sum;
}

/* P(X >= k | μ) for μ < k (the terms fall going up from k). */
static double poisson_ge(double k, double mu)
{
    double term = poisson_point(k, mu), sum = term;
    for (double j = k; term > 1e-18 * sum; j++) {
        term *= mu / (j + 1);
        sum += term;
    }
    return sum;
}

/* The numerical check of the exact limits: on a log grid of 200 counts from 1 to 10^7,
 * rounded to integers, plus k = 0, at 95 %, the upper limit U satisfies
 * P(X <= k | U) = 0.025 and the lower limit L satisfies P(X >= k | L) = 0.025 to 1e-9
 * relative, the tails summed as above. Non-integer counts (the grid unrounded) have
 * limits between those of the integers around them, and for k < 10^5 meet
 * P_gamma(L; k) = Q_gamma(U; k + 1) = 0.025 with GSL's incomplete gamma functions.
 *
 * GSL 2.7.1 fails both ways here. Its inverse: gsl_cdf_gamma_Qinv(0.025, 10799, 1)
 * (k = 10798) returns 10694.88, whose tail is Q = 0.8418 (the limit is 11003.62); for
 * k = 10^6 it returns 578001.59 (Q = 1; the limit is 1001961.91);
 * gsl_cdf_gamma_Pinv(0.025, 277475, 1) returns NaN ("failed to converge"). And its
 * CDF, so the check cannot use it at large k: gsl_cdf_gamma_Q(10006199.8977, 10^7 + 1,
 * 1) returns 0.0248007 (gsl_sf_gamma_inc_Q_e says GSL_EMAXITER) where the sum gives
 * 0.0250000. Neither is tested, so that the tests do not depend on the bugs. */
static void test_poisson_exact_grid(void **state)
{
    (void)state;
    double lo, hi;
    assert_ok(ds_stats_poisson_exact(0, 0.95, &lo, &hi, err));
    assert_close(poisson_le(0, hi), 0.025, 1e-9);
    for (int i = 0; i < 200; i++) {
        double raw = pow(10.0, 7.0 * i / 199.0), k = round(raw);
        assert_ok(ds_stats_poisson_exact(k, 0.95, &lo, &hi, err));
        double p_upper = poisson_le(k, hi), p_lower = poisson_ge(k, lo);
        if (!(fabs(p_upper - 0.025) <= 1e-9 * 0.025) || !(fabs(p_lower - 0.025) <= 1e-9 * 0.025))
            fail_msg("k = %.17g: [%.17g, %.17g] has tails %.17g, %.17g", k, lo, hi, p_lower,
                     p_upper);
        assert_true(lo < k && k < hi);

        if (raw == k)
            continue;
        double rlo, rhi, flo, fhi, clo, chi;
        assert_ok(ds_stats_poisson_exact(raw, 0.95, &rlo, &rhi, err));
        assert_ok(ds_stats_poisson_exact(floor(raw), 0.95, &flo, &fhi, err));
        assert_ok(ds_stats_poisson_exact(ceil(raw), 0.95, &clo, &chi, err));
        assert_true(flo < rlo && rlo < clo && fhi < rhi && rhi < chi);
        if (raw < 1e5) {
            gsl_sf_result p, q;
            assert_int_equal(gsl_sf_gamma_inc_P_e(raw, rlo, &p), GSL_SUCCESS);
            assert_int_equal(gsl_sf_gamma_inc_Q_e(raw + 1, rhi, &q), GSL_SUCCESS);
            assert_close(p.val, 0.025, 1e-9);
            assert_close(q.val, 0.025, 1e-9);
        }
    }
    /* The largest count at 99.8 % too. */
    assert_ok(ds_stats_poisson_exact(1e7, 0.998, &lo, &hi, err));
    assert_close(poisson_le(1e7, hi), 0.001, 1e-9);
    assert_close(poisson_ge(1e7, lo), 0.001, 1e-9);
}

static void test_poisson_errors(void **state)
{
    (void)state;
    double lo, hi;
    assert_fails(ds_stats_poisson_exact(-1, 0.95, &lo, &hi, err), DS_EUSAGE, "count");
    assert_true(isnan(lo) && isnan(hi));
    assert_fails(ds_stats_poisson_exact(INFINITY, 0.95, &lo, &hi, err), DS_EUSAGE, "count");
    assert_fails(ds_stats_poisson_exact(5, 1.0, &lo, &hi, err), DS_EUSAGE, "confidence");
    assert_fails(ds_stats_poisson_exact(5, 0.95, NULL, &hi, err), DS_EUSAGE, "lower");
    assert_fails(ds_stats_poisson_byar(-1, 0.95, &lo, &hi, err), DS_EUSAGE, "count");
    assert_fails(ds_stats_poisson_byar(5, -0.95, &lo, &hi, err), DS_EUSAGE, "confidence");
    /* 1 − 1/9 − z/3 < 0 for z > 2.667, i.e. confidence > 0.9923: Byar is negative. */
    assert_fails(ds_stats_poisson_byar(1, 0.998, &lo, &hi, err), DS_EDATA, "negative");
}

/* --- Byar ------------------------------------------------------------------------------ */

/* k = 10 by hand: 1/(9·10) = 0.011111111111111112, z/(3√10) = 0.20659834410152053,
 *   lower = 10 × (1 − 0.011111111111111112 − 0.20659834410152053)³
 *         = 10 × 0.7822905447873684³ = 4.787449913967563;
 * upper: 1/(9·11) = 0.010101010101010102, z/(3√11) = 0.1969837921008876,
 *   upper = 11 × (1 − 0.010101010101010102 + 0.1969837921008876)³
 *         = 11 × 1.1868827819998775³ = 18.391458605756473.
 * k = 0: lower 0, upper = 1 × (1 − 1/9 + z/3)³. Large counts: Byar's limits converge
 * to the exact ones (relative difference 1.9e-7 at 2,000, 1.5e-11 at 10^6). */
static void test_poisson_byar(void **state)
{
    (void)state;
    double lo, hi;
    assert_ok(ds_stats_poisson_byar(10, 0.95, &lo, &hi, err));
    assert_close(lo, 10 * pow(0.7822905447873684, 3), 1e-13);
    assert_close(lo, 4.787449913967563, 1e-13);
    assert_close(hi, 11 * pow(1.1868827819998775, 3), 1e-13);
    assert_close(hi, 18.391458605756473, 1e-13);

    assert_ok(ds_stats_poisson_byar(0, 0.95, &lo, &hi, err));
    assert_true(lo == 0.0);
    assert_close(hi, pow(1 - 1.0 / 9 + Z95 / 3, 3), 1e-13);

    const double big[] = {2000, 1e6, 1e7};
    const double tol[] = {1e-6, 1e-9, 1e-10};
    for (size_t i = 0; i < 3; i++) {
        double k = big[i], elo, ehi;
        assert_ok(ds_stats_poisson_byar(k, 0.95, &lo, &hi, err));
        assert_ok(ds_stats_poisson_exact(k, 0.95, &elo, &ehi, err));
        assert_close(lo, elo, tol[i]);
        assert_close(hi, ehi, tol[i]);
    }
}

/* --- Crude rates ------------------------------------------------------------------------ */

/* PHEindicatormethods phe_rate: exact for x < 10, Byar for x >= 10; limits of the count
 * divided by n, times the multiplier. */
static void test_rate(void **state)
{
    (void)state;
    ds_ci ci;
    const char *method = NULL;

    /* 0 events in 1,000: [0, ln 40 / 1000 × 10^5] = [0, 368.88794541139363]. */
    assert_ok(ds_stats_rate(0, 1000, 100000, 0.95, &ci, &method, err));
    assert_string_equal(method, "exact Poisson (Garwood)");
    assert_true(ci.value == 0.0 && ci.lower == 0.0);
    assert_close(ci.upper, 368.88794541139363, 1e-12);

    /* 1 event in 1,000: lower −ln 0.975 / 1000 × 10^5 = 2.5317807984289786. */
    assert_ok(ds_stats_rate(1, 1000, 100000, 0.95, &ci, &method, err));
    assert_string_equal(method, "exact Poisson (Garwood)");
    assert_close(ci.value, 100, 1e-15);
    assert_close(ci.lower, 2.5317807984289786, 1e-12);
    assert_close(exp(-ci.upper / 100) * (1 + ci.upper / 100), 0.025, 1e-10);

    /* 9 events: still exact; the limits' tails summed by hand. */
    assert_ok(ds_stats_rate(9, 1000, 100000, 0.95, &ci, &method, err));
    assert_string_equal(method, "exact Poisson (Garwood)");
    assert_close(ci.value, 900, 1e-15);
    assert_close(1 - poisson_cdf_by_hand(8, ci.lower / 100), 0.025, 1e-9);
    assert_close(poisson_cdf_by_hand(9, ci.upper / 100), 0.025, 1e-9);

    /* 10 events: Byar (hand values above) / 1000 × 10^5. */
    assert_ok(ds_stats_rate(10, 1000, 100000, 0.95, &ci, &method, err));
    assert_string_equal(method, "Byar");
    assert_close(ci.value, 1000, 1e-15);
    assert_close(ci.lower, 478.7449913967563, 1e-12);
    assert_close(ci.upper, 1839.1458605756473, 1e-12);

    /* 65 events in 10,000 per 100,000: 650 with Byar's limits:
     * lower = 65 (1 − 1/585 − z/(3√65))³ = 50.16318771045943 → 501.6318771045943,
     * upper = 66 (1 − 1/594 + z/(3√66))³ = 82.84913854593984 → 828.4913854593984. */
    assert_ok(ds_stats_rate(65, 10000, 100000, 0.95, &ci, &method, err));
    assert_close(ci.value, 650, 1e-15);
    assert_close(ci.lower, 65 * pow(1 - 1.0 / 585 - Z95 / (3 * sqrt(65)), 3) * 10, 1e-13);
    assert_close(ci.lower, 501.6318771045943, 1e-12);
    assert_close(ci.upper, 828.4913854593984, 1e-12);

    /* 2,000, 10^6 and 10^7 events: Byar, within 1e-6 of the exact limits. */
    const double big[] = {2000, 1e6, 1e7};
    for (size_t i = 0; i < 3; i++) {
        double k = big[i], n = 50 * k, lo, hi;
        assert_ok(ds_stats_rate(k, n, 100000, 0.95, &ci, &method, err));
        assert_string_equal(method, "Byar");
        assert_close(ci.value, 2000, 1e-15);
        assert_ok(ds_stats_poisson_exact(k, 0.95, &lo, &hi, err));
        assert_close(ci.lower, lo / n * 100000, 1e-6);
        assert_close(ci.upper, hi / n * 100000, 1e-6);
    }

    assert_fails(ds_stats_rate(-1, 100, 1e5, 0.95, &ci, NULL, err), DS_EUSAGE, "x must be");
    assert_fails(ds_stats_rate(1, 0, 1e5, 0.95, &ci, NULL, err), DS_EUSAGE, "n must be");
    assert_fails(ds_stats_rate(1, 10, 0, 0.95, &ci, NULL, err), DS_EUSAGE, "multiplier");
    assert_fails(ds_stats_rate(1, 10, 1e5, 1.5, &ci, NULL, err), DS_EUSAGE, "confidence");
    assert_true(isnan(ci.value));
}

/* --- Means --------------------------------------------------------------------------- */

/* {1, 2, 3, 4, 5}: mean 3, s² = (4+1+0+1+4)/4 = 2.5, t(0.975; 4) = 2.776445 (tables of
 * Student's t, e.g. Abramowitz & Stegun table 26.10: 2.776445105), half width
 * 2.776445105 × √2.5 / √5 = 2.776445105 × 0.70710678 = 1.963243161. At 99 %,
 * t(0.995; 4) = 4.604094871 → half width 3.255605. */
static void test_mean(void **state)
{
    (void)state;
    const double v[] = {1, 2, 3, 4, 5};
    ds_ci ci;
    const char *method = NULL;
    assert_ok(ds_stats_mean(v, 5, 0.95, &ci, &method, err));
    assert_string_equal(method, "Student t");
    assert_close(ci.value, 3, 1e-15);
    assert_close(ci.lower, 3 - 1.963243161, 1e-9);
    assert_close(ci.upper, 3 + 1.963243161, 1e-9);
    assert_ok(ds_stats_mean(v, 5, 0.99, &ci, NULL, err));
    assert_close(ci.upper - ci.value, 4.604094871 * sqrt(0.5), 1e-9);

    /* Two values {10, 14}: mean 12, s = 2√2, t(0.975; 1) = tan(π × 0.475) = 12.706204736,
     * half width 12.706204736 × 2√2 / √2 = 25.412409472. */
    const double two[] = {10, 14};
    assert_ok(ds_stats_mean(two, 2, 0.95, &ci, NULL, err));
    assert_close(ci.upper - 12, 2 * tan(acos(-1.0) * 0.475), 1e-9);
    assert_close(ci.upper - 12, 25.412409472, 1e-9);

    /* Equal values: a zero-width interval. */
    const double same[] = {7, 7, 7};
    assert_ok(ds_stats_mean(same, 3, 0.95, &ci, NULL, err));
    assert_true(ci.lower == 7 && ci.upper == 7);

    assert_fails(ds_stats_mean(v, 1, 0.95, &ci, NULL, err), DS_EDATA, "at least 2");
    assert_fails(ds_stats_mean(v, 0, 0.95, &ci, NULL, err), DS_EDATA, "at least 2");
    const double bad[] = {1, NAN, 3};
    assert_fails(ds_stats_mean(bad, 3, 0.95, &ci, NULL, err), DS_EDATA, "value 1");
    assert_fails(ds_stats_mean(NULL, 3, 0.95, &ci, NULL, err), DS_EUSAGE, "values");
    assert_fails(ds_stats_mean(v, 5, 0, &ci, NULL, err), DS_EUSAGE, "confidence");
}

/* --- Directly standardised rates -------------------------------------------------------- */

/* By hand, three age groups, standard population w = {60000, 30000, 10000} (Σw = 10^5):
 *   counts x = {5, 20, 40}, populations n = {10000, 8000, 4000}; O = 65.
 *   w/n = {6, 3.75, 2.5};  Σ w x/n = 30 + 75 + 100 = 205 → DSR = 205/10^5 × 10^5 = 205.
 *   var = Σ x (w/n)² / (Σw)² = (5×36 + 20×14.0625 + 40×6.25)/10^10 = 711.25e-10.
 *   √(var/O) = √(711.25e-10/65) = 3.307915913729926e-5.
 *   Byar(65) = [50.16318771045943, 82.84913854593984] (see test_rate).
 *   lower = (2.05e-3 + 3.307915913729926e-5 × (50.16318771045943 − 65)) × 10^5
 *         = 155.92107251840505,
 *   upper = (2.05e-3 + 3.307915913729926e-5 × (82.84913854593984 − 65)) × 10^5
 *         = 264.04344944248464. */
static void test_dsr_hand(void **state)
{
    (void)state;
    const double x[] = {5, 20, 40}, n[] = {10000, 8000, 4000}, w[] = {60000, 30000, 10000};
    ds_dsr d;
    assert_ok(ds_stats_dsr(3, x, n, w, 100000, 0.95, &d, err));
    assert_false(d.suppressed);
    assert_string_equal(d.method, "Dobson-Byar");
    assert_close(d.total_count, 65, 1e-15);
    assert_close(d.total_population, 22000, 1e-15);
    assert_close(d.rate.value, 205, 1e-13);
    double s = sqrt(711.25e-10 / 65);
    assert_close(s, 3.307915913729926e-5, 1e-14);
    assert_close(d.rate.lower, (2.05e-3 + s * (50.16318771045943 - 65)) * 1e5, 1e-12);
    assert_close(d.rate.lower, 155.92107251840505, 1e-12);
    assert_close(d.rate.upper, 264.04344944248464, 1e-12);

    /* An age group with population 0 and no event adds nothing: same DSR numerator,
     * but its standard weight still counts in Σw (weights 60000+30000+10000+100000):
     * 205 / 2e5 × 10^5 = 102.5. */
    const double x4[] = {5, 20, 40, 0}, n4[] = {10000, 8000, 4000, 0};
    const double w4[] = {60000, 30000, 10000, 100000};
    assert_ok(ds_stats_dsr(4, x4, n4, w4, 100000, 0.95, &d, err));
    assert_close(d.rate.value, 102.5, 1e-13);
}

/* PHE convention (PHEindicatormethods phe_dsr: "dsr NA for total count < 10"): a total
 * count of 9 withholds the rate and its limits; 10 does not. */
static void test_dsr_suppressed(void **state)
{
    (void)state;
    const double n[] = {10000, 8000, 4000}, w[] = {60000, 30000, 10000};
    const double x9[] = {2, 3, 4}, x10[] = {2, 3, 5};
    ds_dsr d;
    assert_ok(ds_stats_dsr(3, x9, n, w, 100000, 0.95, &d, err));
    assert_true(d.suppressed);
    assert_string_equal(d.method, "suppressed: total count < 10");
    assert_close(d.total_count, 9, 1e-15);
    assert_true(isnan(d.rate.value) && isnan(d.rate.lower) && isnan(d.rate.upper));

    const double x0[] = {0, 0, 0};
    assert_ok(ds_stats_dsr(3, x0, n, w, 100000, 0.95, &d, err));
    assert_true(d.suppressed);
    assert_true(d.total_count == 0.0);

    /* 10 events: Σ w x/n = 60000×2/10000 + 30000×3/8000 + 10000×5/4000
     *            = 12 + 11.25 + 12.5 = 35.75 → 35.75 per 100,000. */
    assert_ok(ds_stats_dsr(3, x10, n, w, 100000, 0.95, &d, err));
    assert_false(d.suppressed);
    assert_close(d.rate.value, 35.75, 1e-13);
    assert_true(d.rate.lower < d.rate.value && d.rate.value < d.rate.upper);
}

static void test_dsr_errors(void **state)
{
    (void)state;
    const double x[] = {5, 20, 40}, n[] = {10000, 0, 4000}, w[] = {60000, 30000, 10000};
    const double good_n[] = {10000, 8000, 4000};
    ds_dsr d;
    assert_fails(ds_stats_dsr(3, x, n, w, 1e5, 0.95, &d, err), DS_EDATA, "age group 1");
    assert_true(isnan(d.rate.value));
    const double neg[] = {5, -1, 40};
    assert_fails(ds_stats_dsr(3, neg, good_n, w, 1e5, 0.95, &d, err), DS_EDATA, "counts[1]");
    assert_fails(ds_stats_dsr(3, x, neg, w, 1e5, 0.95, &d, err), DS_EDATA, "populations[1]");
    assert_fails(ds_stats_dsr(3, x, good_n, neg, 1e5, 0.95, &d, err), DS_EDATA,
                 "standard_population[1]");
    const double zero[] = {0, 0, 0};
    assert_fails(ds_stats_dsr(3, x, good_n, zero, 1e5, 0.95, &d, err), DS_EDATA, "sums to 0");
    assert_fails(ds_stats_dsr(0, x, good_n, w, 1e5, 0.95, &d, err), DS_EUSAGE, "n_ages");
    assert_fails(ds_stats_dsr(3, NULL, good_n, w, 1e5, 0.95, &d, err), DS_EUSAGE, "counts");
    assert_fails(ds_stats_dsr(3, x, good_n, w, -1, 0.95, &d, err), DS_EUSAGE, "multiplier");
    assert_fails(ds_stats_dsr(3, x, good_n, w, 1e5, 1, &d, err), DS_EUSAGE, "confidence");
}

/* --- Indirect standardisation --------------------------------------------------------- */

/* By hand: reference counts X = {100, 400, 1000} over N = {100000, 100000, 50000}
 * (rates 0.001, 0.004, 0.02; crude 1500/250000 = 0.006 = 600 per 100,000); local
 * populations n = {1000, 2000, 1000}, counts x = {3, 10, 20}.
 *   E = 0.001×1000 + 0.004×2000 + 0.02×1000 = 1 + 8 + 20 = 29, O = 33.
 *   ICM = 33/29 × 100 = 113.79310344827586.
 *   Byar(33): 33 (1 − 1/297 − z/(3√33))³ = 22.711975518215603,
 *             34 (1 − 1/306 + z/(3√34))³ = 46.3457619212533;
 *   limits 22.711975518215603/29 × 100 = 78.31715695936414,
 *          46.3457619212533/29 × 100 = 159.81297214225276.
 *   ISRate = 33/29 × 600 = 682.7586206896552, limits 469.9029417561848, 958.8778328535166. */
static void test_isr_hand(void **state)
{
    (void)state;
    const double x[] = {3, 10, 20}, n[] = {1000, 2000, 1000};
    const double rx[] = {100, 400, 1000}, rn[] = {100000, 100000, 50000};
    ds_isr r;
    assert_ok(ds_stats_isr(3, x, n, rx, rn, 100, 100000, 0.95, &r, err));
    assert_string_equal(r.method, "Byar");
    assert_close(r.observed, 33, 1e-15);
    assert_close(r.expected, 29, 1e-14);
    assert_close(r.ratio.value, 113.79310344827586, 1e-13);
    assert_close(33 * pow(1 - 1.0 / 297 - Z95 / (3 * sqrt(33)), 3), 22.711975518215603, 1e-13);
    assert_close(r.ratio.lower, 78.31715695936414, 1e-12);
    assert_close(r.ratio.upper, 159.81297214225276, 1e-12);
    assert_close(r.reference_rate, 600, 1e-13);
    assert_close(r.rate.value, 682.7586206896552, 1e-13);
    assert_close(r.rate.lower, 469.9029417561848, 1e-12);
    assert_close(r.rate.upper, 958.8778328535166, 1e-12);

    /* SMR scale (multiplier 1): the same ratio / 100. */
    assert_ok(ds_stats_isr(3, x, n, rx, rn, 1, 100000, 0.95, &r, err));
    assert_close(r.ratio.value, 1.1379310344827586, 1e-13);
}

/* O = 6 < 10: exact limits of 6 over E = 29, checked by their tails summed by hand;
 * O = 0: ratio 0, lower 0, upper ln 40 / 29. */
static void test_isr_small(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3}, n[] = {1000, 2000, 1000};
    const double rx[] = {100, 400, 1000}, rn[] = {100000, 100000, 50000};
    ds_isr r;
    assert_ok(ds_stats_isr(3, x, n, rx, rn, 1, 100000, 0.95, &r, err));
    assert_string_equal(r.method, "exact Poisson (Garwood)");
    assert_close(r.ratio.value, 6.0 / 29, 1e-14);
    assert_close(1 - poisson_cdf_by_hand(5, r.ratio.lower * 29), 0.025, 1e-9);
    assert_close(poisson_cdf_by_hand(6, r.ratio.upper * 29), 0.025, 1e-9);

    const double x0[] = {0, 0, 0};
    assert_ok(ds_stats_isr(3, x0, n, rx, rn, 100, 100000, 0.95, &r, err));
    assert_true(r.ratio.value == 0 && r.ratio.lower == 0);
    assert_close(r.ratio.upper, log(40.0) / 29 * 100, 1e-12);

    /* Errors. */
    const double zero_n[] = {0, 0, 0}, bad_rn[] = {100000, 0, 50000}, neg[] = {1, -2, 3};
    assert_fails(ds_stats_isr(3, x, zero_n, rx, rn, 1, 1e5, 0.95, &r, err), DS_EDATA,
                 "expected count is 0");
    assert_true(isnan(r.ratio.value));
    assert_fails(ds_stats_isr(3, x, n, rx, bad_rn, 1, 1e5, 0.95, &r, err), DS_EDATA,
                 "reference_populations[1]");
    assert_fails(ds_stats_isr(3, neg, n, rx, rn, 1, 1e5, 0.95, &r, err), DS_EDATA, "counts[1]");
    assert_fails(ds_stats_isr(3, x, n, neg, rn, 1, 1e5, 0.95, &r, err), DS_EDATA,
                 "reference_counts[1]");
    assert_fails(ds_stats_isr(3, x, n, rx, rn, 0, 1e5, 0.95, &r, err), DS_EUSAGE,
                 "ratio_multiplier");
    assert_fails(ds_stats_isr(3, x, n, rx, rn, 1, 0, 0.95, &r, err), DS_EUSAGE,
                 "rate_multiplier");
    assert_fails(ds_stats_isr(3, x, n, NULL, rn, 1, 1e5, 0.95, &r, err), DS_EUSAGE,
                 "reference_counts");
    assert_fails(ds_stats_isr(0, x, n, rx, rn, 1, 1e5, 0.95, &r, err), DS_EUSAGE, "n_ages");
}

/* --- Standard populations -------------------------------------------------------------- */

/* ESP2013 as shipped: 19 groups summing to 100,000, 0-4 = 5,000 ... 90+ = 1,000
 * (Eurostat 2013; PHEindicatormethods esp2013). A constant age-specific rate r gives
 * DSR = Σ w r / Σ w = r: 250 events per 100,000 in every group → 250. */
static void test_standard_population_esp2013(void **state)
{
    (void)state;
    ds_standard_population *sp = NULL;
    assert_ok(ds_standard_population_load("datasets/standard_populations/esp2013.csv", &sp,
                                          err));
    assert_int_equal(ds_standard_population_size(sp), 19);
    assert_close(ds_standard_population_total(sp), 100000, 1e-15);
    assert_string_equal(ds_standard_population_age_group(sp, 0), "0-4");
    assert_string_equal(ds_standard_population_age_group(sp, 18), "90+");
    assert_null(ds_standard_population_age_group(sp, 19));
    const double *w = ds_standard_population_values(sp);
    static const double esp[19] = {5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
                                   7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000};
    for (size_t i = 0; i < 19; i++)
        assert_close(w[i], esp[i], 1e-15);

    double x[19], n[19];
    for (size_t i = 0; i < 19; i++) {
        n[i] = 4000.0 * (double)(i + 1);
        x[i] = n[i] * 250e-5;
    }
    ds_dsr d;
    assert_ok(ds_stats_dsr(19, x, n, w, 100000, 0.95, &d, err));
    assert_close(d.rate.value, 250, 1e-12);
    ds_standard_population_free(sp);
    ds_standard_population_free(NULL);
}

static void write_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_standard_population_errors(void **state)
{
    (void)state;
    char path[256];
    static int sentinel;
    ds_standard_population *sp = (ds_standard_population *)(void *)&sentinel; /* set to NULL */
    write_file("noage.csv", "age,population\n0-4,10\n5+,20\n", path, sizeof path);
    assert_fails(ds_standard_population_load(path, &sp, err), DS_EDATA, "age_group");
    assert_null(sp);
    write_file("negative.csv", "age_group,population\n0-4,10\n5+,-20\n", path, sizeof path);
    assert_fails(ds_standard_population_load(path, &sp, err), DS_EDATA, "line 3");
    write_file("missing.csv", "age_group,population\n0-4,10\n5+,NA\n", path, sizeof path);
    assert_fails(ds_standard_population_load(path, &sp, err), DS_EDATA, "population is missing");
    write_file("zero.csv", "age_group,population\n0-4,0\n5+,0\n", path, sizeof path);
    assert_fails(ds_standard_population_load(path, &sp, err), DS_EDATA, "sum to 0");
    assert_fails(ds_standard_population_load("/nonexistent/esp.csv", &sp, err), DS_ENOINPUT,
                 "esp.csv");
    assert_null(sp);
    /* A French export: semicolons and a decimal comma. */
    write_file("fr.csv", "age_group;population\n0-4;1 000,5\n5+;2 000\n", path, sizeof path);
    assert_ok(ds_standard_population_load(path, &sp, err));
    assert_close(ds_standard_population_total(sp), 3000.5, 1e-15);
    ds_standard_population_free(sp);
}

int main(void)
{
    gsl_set_error_handler_off(); /* the test's own GSL calls */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proportion_newcombe),
        cmocka_unit_test(test_proportion_edges),
        cmocka_unit_test(test_proportion_errors),
        cmocka_unit_test(test_poisson_exact_small),
        cmocka_unit_test(test_poisson_exact_grid),
        cmocka_unit_test(test_poisson_errors),
        cmocka_unit_test(test_poisson_byar),
        cmocka_unit_test(test_rate),
        cmocka_unit_test(test_mean),
        cmocka_unit_test(test_dsr_hand),
        cmocka_unit_test(test_dsr_suppressed),
        cmocka_unit_test(test_dsr_errors),
        cmocka_unit_test(test_isr_hand),
        cmocka_unit_test(test_isr_small),
        cmocka_unit_test(test_standard_population_esp2013),
        cmocka_unit_test(test_standard_population_errors),
    };
    return cmocka_run_group_tests_name("stats", tests, test_dir_create, test_dir_remove);
}
