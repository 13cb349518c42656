/* Tests of the comparisons, HEAT inequality measures and quantiles (engine/inequality.c).
 * Every expected number is worked out by hand in the comment above it; the values with
 * logarithms or Poisson tails were also computed with a separate plain-Python script
 * (direct summation of the Poisson probabilities, normal equations written out), which
 * is not part of the build. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "diagsante/inequality.h"
#include "helpers.h"

#define Z95 1.959963984540054 /* Phi^-1(0.975) */

/* --- comparisons ------------------------------------------------------------------- */

static void test_compare_ci_benchmark(void **state)
{
    (void)state;
    ds_comparison c;
    ds_error err;
    /* [9, 11] against 12: upper < benchmark -> lower; a mortality rate: better. */
    assert_int_equal(ds_compare_ci_benchmark(9, 11, 12, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_int_equal(c.method, DS_COMPARE_CI_BENCHMARK);
    assert_int_equal(c.direction, DS_DIRECTION_LOWER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_BETTER);
    assert_string_equal(ds_direction_name(c.direction), "lower");
    assert_string_equal(ds_judgement_name(c.judgement), "better");
    assert_string_equal(ds_compare_method_name(c.method), "ci-benchmark");
    assert_true(isnan(c.p_value) && isnan(c.statistic));
    /* A benchmark on a limit lies inside: similar. */
    assert_int_equal(ds_compare_ci_benchmark(9, 11, 11, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_int_equal(c.direction, DS_DIRECTION_SIMILAR);
    assert_int_equal(c.judgement, DS_JUDGEMENT_SIMILAR);
    /* [13, 15] against 12 -> higher; a screening rate: better; no polarity: n/a. */
    assert_int_equal(
        ds_compare_ci_benchmark(13, 15, 12, DS_POLARITY_HIGHER_IS_BETTER, &c, &err), DS_OK);
    assert_int_equal(c.direction, DS_DIRECTION_HIGHER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_BETTER);
    assert_int_equal(ds_compare_ci_benchmark(13, 15, 12, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_int_equal(c.judgement, DS_JUDGEMENT_NOT_APPLICABLE);
    assert_string_equal(ds_judgement_name(c.judgement), "not applicable");
    assert_int_equal(ds_compare_ci_benchmark(13, 15, 12, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_int_equal(c.judgement, DS_JUDGEMENT_WORSE);
    /* Bad arguments. */
    assert_int_equal(ds_compare_ci_benchmark(NAN, 15, 12, DS_POLARITY_NONE, &c, &err),
                     DS_EUSAGE);
    assert_int_equal(ds_compare_ci_benchmark(16, 15, 12, DS_POLARITY_NONE, &c, &err),
                     DS_EUSAGE);
    assert_non_null(strstr(err.message, "lower limit"));
    assert_int_equal(ds_compare_ci_benchmark(13, 15, INFINITY, DS_POLARITY_NONE, &c, &err),
                     DS_EUSAGE);
    assert_non_null(strstr(err.message, "benchmark"));
}

static void test_compare_two_ci(void **state)
{
    (void)state;
    ds_comparison c;
    ds_error err;
    /* Touching intervals overlap: similar. */
    assert_int_equal(ds_compare_two_ci(1, 2, 2, 3, DS_POLARITY_LOWER_IS_BETTER, &c, &err), DS_OK);
    assert_int_equal(c.direction, DS_DIRECTION_SIMILAR);
    assert_string_equal(ds_compare_method_name(c.method), "two-ci");
    /* [1, 2] below [2.5, 3]: lower, so better for a mortality rate. */
    assert_int_equal(ds_compare_two_ci(1, 2, 2.5, 3, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_int_equal(c.direction, DS_DIRECTION_LOWER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_BETTER);
    assert_int_equal(ds_compare_two_ci(2.5, 3, 1, 2, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_int_equal(c.direction, DS_DIRECTION_HIGHER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_WORSE);
    assert_int_equal(ds_compare_two_ci(1, 2, 3, NAN, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "territory b"));
}

/* O ~ Poisson(E), two-sided p = min(1, 2 min(P[X <= O], P[X >= O])). The tails below are
 * sums of e^-E E^i / i! (e.g. P[X <= 0 | 5] = e^-5 = 0.006737947). */
/* Normal approximation (Jougla 1997), by hand: O = 130, E = 100: z = 30/10 = 3,
 * p = 2(1 − Φ(3)) = 0.0026997960632601866 (2 × 0.0013498980316300933, the normal tail
 * at 3 from tables); O = 80, E = 100: z = −2, p = 2 × 0.022750131948179195 =
 * 0.04550026389635839 → lower at 95 %, similar at 99 %; O = E: z = 0, p = 1. */
static void test_compare_poisson_normal(void **state)
{
    (void)state;
    ds_comparison c;
    ds_error err;
    assert_int_equal(ds_compare_poisson_normal(130, 100, 0.95, DS_POLARITY_LOWER_IS_BETTER, &c, &err), DS_OK);
    assert_close(c.p_value, 0.0026997960632601866, 1e-12);
    assert_close(c.statistic, 130, 1e-15);
    assert_int_equal(c.direction, DS_DIRECTION_HIGHER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_WORSE);
    assert_string_equal(ds_compare_method_name(c.method), "poisson-normal");
    assert_int_equal(ds_compare_poisson_normal(80, 100, 0.95, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_close(c.p_value, 0.04550026389635839, 1e-12);
    assert_int_equal(c.direction, DS_DIRECTION_LOWER);
    assert_int_equal(ds_compare_poisson_normal(80, 100, 0.99, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_int_equal(c.direction, DS_DIRECTION_SIMILAR);
    assert_int_equal(ds_compare_poisson_normal(100, 100, 0.95, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_close(c.p_value, 1, 1e-15);
    assert_int_equal(ds_compare_poisson_normal(-1, 100, 0.95, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_int_equal(ds_compare_poisson_normal(5, 0, 0.95, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
}

static void test_compare_poisson_icm(void **state)
{
    (void)state;
    ds_comparison c;
    ds_error err;
    /* O = 10, E = 5: P[X >= 10] = 1 - P[X <= 9] = 0.031828057306205; p = 0.0636561146
     * > 0.05: similar although ICM = 200. */
    assert_int_equal(ds_compare_poisson_icm(10, 5, 0.95, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_close(c.statistic, 200, 1e-15);
    assert_close(c.p_value, 0.06365611461241061, 1e-9);
    assert_int_equal(c.direction, DS_DIRECTION_SIMILAR);
    assert_string_equal(ds_compare_method_name(c.method), "poisson-icm");
    /* O = 15, E = 5: P[X >= 15] = 0.000226253676177; p = 0.000452507352354: higher, worse. */
    assert_int_equal(ds_compare_poisson_icm(15, 5, 0.95, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_close(c.p_value, 0.0004525073523544698, 1e-9);
    assert_int_equal(c.direction, DS_DIRECTION_HIGHER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_WORSE);
    /* O = 0, E = 5: p = 2 e^-5 = 0.013475893998171: lower, ICM 0. */
    assert_int_equal(ds_compare_poisson_icm(0, 5, 0.95, DS_POLARITY_LOWER_IS_BETTER, &c, &err),
                     DS_OK);
    assert_close(c.p_value, 2 * exp(-5.0), 1e-12);
    assert_close(c.statistic, 0, 0);
    assert_int_equal(c.direction, DS_DIRECTION_LOWER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_BETTER);
    /* O = E = 5: 2 x min(0.6159607, 0.5595067) > 1, capped at 1. */
    assert_int_equal(ds_compare_poisson_icm(5, 5, 0.95, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_close(c.p_value, 1, 0);
    assert_int_equal(c.direction, DS_DIRECTION_SIMILAR);
    /* O = 130, E = 100: P[X >= 130] = 0.002282093054278: p = 0.004564186108556, ICM 130,
     * significant at 99% too; O = 80: P[X <= 80] = 0.022649176642256, p = 0.0452983533 —
     * significant at 95%, not at 99%. */
    assert_int_equal(ds_compare_poisson_icm(130, 100, 0.99, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_close(c.statistic, 130, 1e-15);
    assert_close(c.p_value, 0.004564186108556356, 1e-9);
    assert_int_equal(c.direction, DS_DIRECTION_HIGHER);
    assert_int_equal(c.judgement, DS_JUDGEMENT_NOT_APPLICABLE);
    assert_int_equal(ds_compare_poisson_icm(80, 100, 0.95, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_close(c.p_value, 0.04529835328451274, 1e-9);
    assert_int_equal(c.direction, DS_DIRECTION_LOWER);
    assert_int_equal(ds_compare_poisson_icm(80, 100, 0.99, DS_POLARITY_NONE, &c, &err), DS_OK);
    assert_int_equal(c.direction, DS_DIRECTION_SIMILAR);
    /* Bad arguments name themselves. */
    assert_int_equal(ds_compare_poisson_icm(2.5, 5, 0.95, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "observed"));
    assert_int_equal(ds_compare_poisson_icm(-1, 5, 0.95, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_int_equal(ds_compare_poisson_icm(NAN, 5, 0.95, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_int_equal(ds_compare_poisson_icm(3, 0, 0.95, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "expected"));
    assert_int_equal(ds_compare_poisson_icm(3, NAN, 0.95, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_int_equal(ds_compare_poisson_icm(3, 5, 1, DS_POLARITY_NONE, &c, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "level"));
}

/* --- inequality: ordered groups ---------------------------------------------------- */

/* Five quintiles of 200 people each (p_j = 0.2), order 1 = most disadvantaged, values
 * 10, 12, 15, 16, 20 (a favourable indicator), se 1 each; given shuffled to check the
 * sorting by order. By hand:
 *   ranks X = 0.1, 0.3, 0.5, 0.7, 0.9 (midpoints of the cumulative shares); mu = 14.6.
 *   Normal equations of the weighted fit: Xbar = 0.5, Sxx = sum p (X - 0.5)^2 = 0.2 x 0.4
 *   = 0.08, Sxy = sum p (X - 0.5)(y - 14.6) = 0.2 x (1.84 + 0.52 + 0 + 0.28 + 2.16) =
 *   0.96, so SII = b1 = 0.96 / 0.08 = 12 and b0 = 14.6 - 12 x 0.5 = 8.6.
 *   Residuals 0.2, -0.2, 0.4, -1.0, 0.6: s^2 = 0.2 x 1.6 / (5 - 2) = 0.32 / 3;
 *   Var b1 = s^2 / Sxx = 4/3 (se 1.1547005); Var b0 = s^2 (1 + 0.25 / 0.08) = 0.44;
 *   Cov = -0.5 x 4/3 = -2/3.
 *   RII = (8.6 + 12) / 8.6 = 2.3953488; se ln RII by the delta method with g0 = 1/20.6 -
 *   1/8.6, g1 = 1/20.6.
 *   ACI = sum p (2X - 1) y = 0.2 (-8 - 4.8 + 0 + 6.4 + 16) = 1.92 (= 2 Sxy); its se =
 *   2 Sxx se(SII) = 0.16 x 1.1547005; RCI = 1.92 / 14.6.
 *   D (order 5 - order 1) = 20 - 10 = 10, se sqrt 2; R = 2, se ln R = sqrt(1/400 + 1/100).
 *   BGV = 0.2 (4.6^2 + 2.6^2 + 0.4^2 + 1.4^2 + 5.4^2) = 0.2 x 59.2 = 11.84; its se with
 *   se_j = 1: sqrt(4 x 0.04 x 59.2 + 2 (0.2^2 - 5 x 0.2^4 + 5 x 0.04 x 0.64)) =
 *   sqrt(9.472 + 0.32) = sqrt(9.792).
 *   IDisp = (4.6 + 2.6 + 0.4 + 1.4 + 5.4) / 5 / 14.6 = 2.88 / 14.6.
 *   PAR = y(order 5) - mu = 20 - 14.6 = 5.4, PAF = 5.4 / 14.6.
 *   T = 0.2 sum r ln r, r = y / 14.6 = 0.0277668106123658; MLD = -0.2 sum ln r =
 *   0.0282489407786852; their Ahn se 0.00752218141478449 and 0.00798539440743465. */
static void test_inequality_quintiles(void **state)
{
    (void)state;
    /*                  order:  3    1    5    2    4 */
    const double value[] = {15, 10, 20, 12, 16};
    const double se[] = {1, 1, 1, 1, 1};
    const double pop[] = {200, 200, 200, 200, 200};
    const int order[] = {3, 1, 5, 2, 4};
    ds_groups g = {5, value, se, NULL, NULL, pop, order};
    ds_inequality_options o = ds_inequality_options_default();
    o.polarity = DS_POLARITY_HIGHER_IS_BETTER;
    ds_inequality r;
    ds_error err;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_close(r.mean, 14.6, 1e-14);
    assert_int_equal(r.group_a, 2);
    assert_int_equal(r.group_b, 1);
    assert_close(r.d.value, 10, 1e-14);
    assert_close(r.d.se, sqrt(2.0), 1e-14);
    assert_close(r.d.lower, 10 - Z95 * sqrt(2.0), 1e-12);
    assert_close(r.r.value, 2, 1e-14);
    assert_close(r.r.se, sqrt(0.0125), 1e-14);
    assert_close(r.r.upper, 2 * exp(Z95 * sqrt(0.0125)), 1e-12);

    assert_close(r.sii.value, 12, 1e-12);
    assert_close(r.sii.se, sqrt(4.0 / 3), 1e-12);
    assert_close(r.sii.lower, 12 - Z95 * sqrt(4.0 / 3), 1e-12);
    double g0 = 1 / 20.6 - 1 / 8.6, g1 = 1 / 20.6;
    double se_ln_rii = sqrt(g0 * g0 * 0.44 + 2 * g0 * g1 * (-2.0 / 3) + g1 * g1 * (4.0 / 3));
    assert_close(r.rii.value, 20.6 / 8.6, 1e-12);
    assert_close(r.rii.se, se_ln_rii, 1e-10);
    assert_close(r.rii.lower, 20.6 / 8.6 * exp(-Z95 * se_ln_rii), 1e-10);
    assert_close(r.aci.value, 1.92, 1e-12);
    assert_close(r.aci.se, 0.16 * sqrt(4.0 / 3), 1e-12);
    assert_close(r.rci.value, 1.92 / 14.6, 1e-12);
    assert_close(r.rci.se, 0.16 * sqrt(4.0 / 3) / 14.6, 1e-12);

    assert_close(r.bgv.value, 11.84, 1e-13);
    assert_close(r.bgv.se, sqrt(9.792), 1e-13);
    assert_close(r.idisp.value, 2.88 / 14.6, 1e-13);
    assert_true(isnan(r.idisp.se));
    assert_int_equal(r.reference, 2);
    assert_close(r.par.value, 5.4, 1e-13);
    assert_close(r.paf.value, 5.4 / 14.6, 1e-13);
    assert_true(isnan(r.par.se) && isnan(r.paf.se));
    assert_close(r.theil.value, 0.0277668106123658, 1e-12);
    assert_close(r.theil.se, 0.00752218141478449, 1e-10);
    assert_close(r.mld.value, 0.0282489407786852, 1e-12);
    assert_close(r.mld.se, 0.00798539440743465, 1e-10);

    /* The same groups with 95% limits y +- 1.96 se instead of se: se recovered. */
    double lower[5], upper[5];
    for (int j = 0; j < 5; j++)
        lower[j] = value[j] - Z95, upper[j] = value[j] + Z95;
    ds_groups gl = {5, value, NULL, lower, upper, pop, order};
    ds_inequality rl;
    assert_int_equal(ds_inequality_compute(&gl, &o, &rl, &err), DS_OK);
    assert_close(rl.d.se, sqrt(2.0), 1e-12);
    assert_close(rl.bgv.se, sqrt(9.792), 1e-12);

    /* A sixth group with no people (order 6, value 99) weighs nothing: the fit and its
     * degrees of freedom are those of the five quintiles. */
    const double value6[] = {15, 10, 20, 12, 16, 99};
    const double se6[] = {1, 1, 1, 1, 1, 1};
    const double pop6[] = {200, 200, 200, 200, 200, 0};
    const int order6[] = {3, 1, 5, 2, 4, 6};
    ds_groups g6 = {6, value6, se6, NULL, NULL, pop6, order6};
    ds_inequality r6;
    assert_int_equal(ds_inequality_compute(&g6, &o, &r6, &err), DS_OK);
    assert_close(r6.sii.value, 12, 1e-12);
    assert_close(r6.sii.se, sqrt(4.0 / 3), 1e-12);
    assert_close(r6.aci.value, 1.92, 1e-12);
    assert_close(r6.mean, 14.6, 1e-14);
}

/* Three ordered groups of unequal size, an adverse gradient (values fall as advantage
 * rises). Populations 100, 300, 600: p = 0.1, 0.3, 0.6; X = 0.05, 0.25, 0.70; values 30,
 * 20, 10; se 2, 1.5, 1. By hand: mu = 3 + 6 + 6 = 15; Xbar = 0.005 + 0.075 + 0.42 = 0.5;
 * Sxx = 0.1 x 0.45^2 + 0.3 x 0.25^2 + 0.6 x 0.2^2 = 0.063;
 * Sxy = 0.1 (-0.45)(15) + 0.3 (-0.25)(5) + 0.6 (0.2)(-5) = -1.65;
 * SII = -1.65 / 0.063 = -26.190476190476; b0 = 15 + 26.190476 / 2 = 28.095238095238;
 * RII = (b0 + b1) / b0 = 1.9047619 / 28.0952381 = 0.0677966101694915 (40/590);
 * ACI = 2 Sxy = -3.3, RCI = -3.3 / 15 = -0.22. The se (residual variance with 1 degree of
 * freedom): se(SII) = 5.323971374999498, se(ACI) = 2 x 0.063 x se(SII) =
 * 0.6708203932499368, se ln RII = 1.6293082294841423.
 * BGV = 0.1 x 225 + 0.3 x 25 + 0.6 x 25 = 45. PAR for a lower-is-better indicator against
 * the most advantaged group (order 3, value 10): 10 - 15 = -5, PAF = -1/3. */
static void test_inequality_unequal_ordered(void **state)
{
    (void)state;
    const double value[] = {30, 20, 10};
    const double se[] = {2, 1.5, 1};
    const double pop[] = {100, 300, 600};
    const int order[] = {1, 2, 3};
    ds_groups g = {3, value, se, NULL, NULL, pop, order};
    ds_inequality_options o = ds_inequality_options_default();
    o.polarity = DS_POLARITY_LOWER_IS_BETTER;
    ds_inequality r;
    ds_error err;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_close(r.sii.value, -1.65 / 0.063, 1e-12);
    assert_close(r.sii.se, 5.323971374999498, 1e-10);
    assert_close(r.rii.value, 40.0 / 590, 1e-12);
    assert_close(r.rii.se, 1.6293082294841423, 1e-10);
    assert_close(r.aci.value, -3.3, 1e-12);
    assert_close(r.aci.se, 0.6708203932499368, 1e-10);
    assert_close(r.rci.value, -0.22, 1e-12);
    assert_close(r.bgv.value, 45, 1e-13);
    assert_close(r.par.value, -5, 1e-13);
    assert_close(r.paf.value, -1.0 / 3, 1e-13);
    /* Against the least advantaged group (30 > mu), PAR would be a loss: HEAT sets 0. */
    o.reference = 0;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_close(r.par.value, 0, 0);
    /* A chosen pair: D = y_1 - y_0 = -10, R = 2/3. */
    o.group_a = 1, o.group_b = 0;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_close(r.d.value, -10, 1e-14);
    assert_close(r.d.se, sqrt(1.5 * 1.5 + 4), 1e-14);
    assert_close(r.r.value, 2.0 / 3, 1e-14);
}

/* --- inequality: unordered groups -------------------------------------------------- */

/* QPV against the rest of the commune: QPV 14.2 (5,000 people, se 1.1), rest 9.8 (45,000,
 * se 0.3), a mortality rate (lower is better). By hand: p = 0.1, 0.9; mu = 1.42 + 8.82 =
 * 10.24; D = 14.2 - 9.8 = 4.4, se sqrt(1.21 + 0.09) = sqrt(1.3); R = 14.2 / 9.8;
 * BGV = 0.1 x 3.96^2 + 0.9 x 0.44^2 = 1.56816 + 0.17424 = 1.7424;
 * best group = rest: PAR = 9.8 - 10.24 = -0.44, PAF = -0.44 / 10.24;
 * IDisp = (3.96 + 0.44) / 2 / 10.24 = 2.2 / 10.24;
 * T = 0.1 r1 ln r1 + 0.9 r2 ln r2 with r = 14.2 / 10.24, 9.8 / 10.24: 0.00750855923719363;
 * MLD = -(0.1 ln r1 + 0.9 ln r2) = 0.0068332760417666. SII and the other ordered
 * measures do not apply. */
static void test_inequality_qpv(void **state)
{
    (void)state;
    const double value[] = {14.2, 9.8};
    const double se[] = {1.1, 0.3};
    const double pop[] = {5000, 45000};
    ds_groups g = {2, value, se, NULL, NULL, pop, NULL};
    ds_inequality_options o = ds_inequality_options_default();
    o.polarity = DS_POLARITY_LOWER_IS_BETTER;
    ds_inequality r;
    ds_error err;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_close(r.mean, 10.24, 1e-14);
    assert_int_equal(r.group_a, 0);
    assert_int_equal(r.group_b, 1);
    assert_close(r.d.value, 4.4, 1e-13);
    assert_close(r.d.se, sqrt(1.3), 1e-14);
    assert_close(r.r.value, 14.2 / 9.8, 1e-14);
    assert_close(r.r.se, sqrt(1.21 / (14.2 * 14.2) + 0.09 / (9.8 * 9.8)), 1e-14);
    assert_true(isnan(r.sii.value) && isnan(r.rii.value) && isnan(r.aci.value) &&
                isnan(r.rci.value));
    assert_close(r.bgv.value, 1.7424, 1e-12);
    assert_int_equal(r.reference, 1);
    assert_close(r.par.value, -0.44, 1e-12);
    assert_close(r.paf.value, -0.44 / 10.24, 1e-12);
    assert_close(r.idisp.value, 2.2 / 10.24, 1e-13);
    assert_close(r.theil.value, 0.00750855923719363, 1e-11);
    assert_close(r.mld.value, 0.0068332760417666, 1e-11);
    /* No polarity and no reference: PAR and PAF are not available. */
    o.polarity = DS_POLARITY_NONE;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_int_equal(r.reference, -1);
    assert_true(isnan(r.par.value) && isnan(r.paf.value));
    /* Without se: every se and interval is NaN, the values stay. */
    ds_groups gn = {2, value, NULL, NULL, NULL, pop, NULL};
    assert_int_equal(ds_inequality_compute(&gn, &o, &r, &err), DS_OK);
    assert_close(r.d.value, 4.4, 1e-13);
    assert_true(isnan(r.d.se) && isnan(r.d.lower) && isnan(r.bgv.se) && isnan(r.theil.se));
}

/* --- inequality: edge cases -------------------------------------------------------- */

/* Equal values: every difference 0, every ratio 1 (HEAT: "no inequality"). */
static void test_inequality_equal_values(void **state)
{
    (void)state;
    const double value[] = {15, 15, 15, 15};
    const double se[] = {1, 2, 1, 2};
    const double pop[] = {100, 400, 250, 250};
    const int order[] = {1, 2, 3, 4};
    ds_groups g = {4, value, se, NULL, NULL, pop, order};
    ds_inequality_options o = ds_inequality_options_default();
    o.polarity = DS_POLARITY_HIGHER_IS_BETTER;
    ds_inequality r;
    ds_error err;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_close(r.mean, 15, 1e-14);
    assert_true(fabs(r.d.value) < 1e-12 && fabs(r.sii.value) < 1e-12);
    assert_true(fabs(r.sii.se) < 1e-12 && fabs(r.aci.value) < 1e-12);
    assert_true(fabs(r.rci.value) < 1e-12 && fabs(r.bgv.value) < 1e-12);
    assert_true(fabs(r.theil.value) < 1e-12 && fabs(r.mld.value) < 1e-12);
    assert_true(fabs(r.idisp.value) < 1e-12 && fabs(r.par.value) < 1e-12);
    assert_true(fabs(r.paf.value) < 1e-12);
    assert_close(r.r.value, 1, 1e-14);
    assert_close(r.rii.value, 1, 1e-12);
    /* Unordered and equal: the automatic pair is still two different groups. */
    ds_groups gu = {4, value, se, NULL, NULL, pop, NULL};
    assert_int_equal(ds_inequality_compute(&gu, &o, &r, &err), DS_OK);
    assert_true(r.group_a != r.group_b);
    assert_close(r.r.value, 1, 1e-14);
}

static void test_inequality_errors(void **state)
{
    (void)state;
    const double value[] = {10, 12, 15};
    const double se[] = {1, 1, 1};
    const double pop[] = {100, 100, 100};
    const int order[] = {1, 2, 3};
    ds_inequality_options o = ds_inequality_options_default();
    ds_inequality r;
    ds_error err;

    ds_groups one = {1, value, se, NULL, NULL, pop, order};
    assert_int_equal(ds_inequality_compute(&one, &o, &r, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "1 group"));

    const double value_nan[] = {10, 12, NAN};
    ds_groups g = {3, value_nan, se, NULL, NULL, pop, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "value of group 2"));

    const double pop_zero[] = {0, 0, 0};
    g = (ds_groups){3, value, se, NULL, NULL, pop_zero, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "total"));

    const double pop_neg[] = {100, -1, 100};
    g = (ds_groups){3, value, se, NULL, NULL, pop_neg, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "population of group 1"));

    const double pop_nan[] = {100, 100, NAN};
    g = (ds_groups){3, value, se, NULL, NULL, pop_nan, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EDATA);

    const double se_nan[] = {1, NAN, 1};
    g = (ds_groups){3, value, se_nan, NULL, NULL, pop, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "se of group 1"));

    const double lower[] = {9, 13, 14}, upper[] = {11, 11, 16};
    g = (ds_groups){3, value, NULL, lower, upper, pop, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "group 1"));
    g = (ds_groups){3, value, NULL, lower, NULL, pop, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EUSAGE);

    const int order_dup[] = {1, 2, 1};
    g = (ds_groups){3, value, se, NULL, NULL, pop, order_dup};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "order"));

    g = (ds_groups){3, NULL, se, NULL, NULL, pop, order};
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EUSAGE);

    g = (ds_groups){3, value, se, NULL, NULL, pop, order};
    o.level = 1;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "level"));
    o = ds_inequality_options_default();
    o.group_a = 0, o.group_b = 3;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EUSAGE);
    o.group_a = 1, o.group_b = 1;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EUSAGE);
    o.group_a = 1, o.group_b = -1;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EUSAGE);
    o = ds_inequality_options_default();
    o.reference = 7;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_EUSAGE);
    assert_int_equal(ds_inequality_compute(NULL, &o, &r, NULL), DS_EUSAGE);
}

/* A zero value: T is still defined (0 ln 0 = 0) but its se is not; MLD and R with the
 * zero group as denominator are not available. Values 0, 10 with p = 0.5, 0.5: mu = 5,
 * T = 0.5 x 2 ln 2 = ln 2. */
static void test_inequality_zero_value(void **state)
{
    (void)state;
    const double value[] = {0, 10};
    const double se[] = {0.5, 1};
    const double pop[] = {50, 50};
    ds_groups g = {2, value, se, NULL, NULL, pop, NULL};
    ds_inequality_options o = ds_inequality_options_default();
    ds_inequality r;
    ds_error err;
    assert_int_equal(ds_inequality_compute(&g, &o, &r, &err), DS_OK);
    assert_close(r.theil.value, log(2.0), 1e-14);
    assert_true(isnan(r.theil.se));
    assert_true(isnan(r.mld.value));
    assert_true(isnan(r.r.value));
    assert_close(r.d.value, 10, 1e-14);
}

/* --- quantiles --------------------------------------------------------------------- */

/* Type 7 by hand: {7, 1, 3, NaN, 3, 9, 12} -> sorted without NaN 1, 3, 3, 7, 9, 12 (m = 6,
 * one left out); h = 5p:
 *   p = 0    -> 1;
 *   p = 0.25 -> h = 1.25: x(2) + 0.25 (x(3) - x(2)) = 3 + 0.25 x 0 = 3 (the tie);
 *   p = 0.5  -> h = 2.5:  3 + 0.5 (7 - 3) = 5;
 *   p = 0.9  -> h = 4.5:  9 + 0.5 (12 - 9) = 10.5;
 *   p = 1    -> 12.
 * (R: quantile(c(7, 1, 3, NA, 3, 9, 12), c(0, .25, .5, .9, 1), na.rm = TRUE) gives
 * 1, 3, 5, 10.5, 12.) */
static void test_quantiles_type7(void **state)
{
    (void)state;
    const double values[] = {7, 1, 3, NAN, 3, 9, 12};
    const double probs[] = {0, 0.25, 0.5, 0.9, 1};
    double q[5];
    size_t missing = 99;
    ds_error err;
    assert_int_equal(ds_quantiles_type7(values, 7, probs, 5, q, &missing, &err), DS_OK);
    assert_int_equal(missing, 1);
    assert_close(q[0], 1, 0);
    assert_close(q[1], 3, 0);
    assert_close(q[2], 5, 1e-15);
    assert_close(q[3], 10.5, 1e-15);
    assert_close(q[4], 12, 0);
    /* One value: every quantile is that value. */
    const double single[] = {NAN, 4.5};
    assert_int_equal(ds_quantiles_type7(single, 2, probs, 5, q, &missing, &err), DS_OK);
    assert_close(q[0], 4.5, 0);
    assert_close(q[3], 4.5, 0);
    /* Errors. */
    const double bad_p[] = {0.5, 1.5};
    assert_int_equal(ds_quantiles_type7(values, 7, bad_p, 2, q, NULL, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "probs[1]"));
    const double all_nan[] = {NAN, NAN};
    assert_int_equal(ds_quantiles_type7(all_nan, 2, probs, 1, q, &missing, &err), DS_EDATA);
    assert_int_equal(missing, 2);
    const double with_inf[] = {1, INFINITY};
    assert_int_equal(ds_quantiles_type7(with_inf, 2, probs, 1, q, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "value 1"));
}

/* Quintile classes of 1..10: cut points Q(0.2) = 1 + 9 x 0.2 = 2.8, Q(0.4) = 4.6,
 * Q(0.6) = 6.4, Q(0.8) = 8.2, so 1-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-8 -> 4, 9-10 -> 5. */
static void test_quantile_classes(void **state)
{
    (void)state;
    double values[10];
    for (int i = 0; i < 10; i++)
        values[i] = 10 - i; /* given in decreasing order */
    int classes[10];
    double cuts[4];
    size_t missing;
    ds_error err;
    assert_int_equal(ds_quantile_classes(values, 10, 5, classes, cuts, &missing, &err), DS_OK);
    assert_int_equal(missing, 0);
    assert_close(cuts[0], 2.8, 1e-15);
    assert_close(cuts[1], 4.6, 1e-15);
    assert_close(cuts[2], 6.4, 1e-15);
    assert_close(cuts[3], 8.2, 1e-15);
    const int expected[] = {5, 5, 4, 4, 3, 3, 2, 2, 1, 1};
    for (int i = 0; i < 10; i++)
        assert_int_equal(classes[i], expected[i]);
    /* Ties and NaN, k = 2: {5, 5, 5, 5, 1, 9, NaN} -> sorted 1, 5, 5, 5, 5, 9, median
     * h = 2.5 -> 5. The four 5s equal the cut point and share class 1 with 1; 9 is in
     * class 2; NaN gets class 0. */
    const double tied[] = {5, 5, 5, 5, 1, 9, NAN};
    int c2[7];
    assert_int_equal(ds_quantile_classes(tied, 7, 2, c2, cuts, &missing, &err), DS_OK);
    assert_int_equal(missing, 1);
    assert_close(cuts[0], 5, 0);
    const int expected2[] = {1, 1, 1, 1, 1, 2, 0};
    for (int i = 0; i < 7; i++)
        assert_int_equal(c2[i], expected2[i]);
    /* Quartiles of 1..10: Q(0.25) = 3.25, Q(0.5) = 5.5, Q(0.75) = 7.75. */
    assert_int_equal(ds_quantile_classes(values, 10, 4, classes, cuts, NULL, &err), DS_OK);
    assert_close(cuts[0], 3.25, 1e-15);
    assert_close(cuts[1], 5.5, 1e-15);
    assert_close(cuts[2], 7.75, 1e-15);
    assert_int_equal(classes[9], 1); /* value 1 */
    assert_int_equal(classes[6], 2); /* value 4 */
    assert_int_equal(classes[0], 4); /* value 10 */
    assert_int_equal(ds_quantile_classes(values, 10, 1, classes, NULL, NULL, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "k = 1"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_ci_benchmark),
        cmocka_unit_test(test_compare_two_ci),
        cmocka_unit_test(test_compare_poisson_icm),
        cmocka_unit_test(test_compare_poisson_normal),
        cmocka_unit_test(test_inequality_quintiles),
        cmocka_unit_test(test_inequality_unequal_ordered),
        cmocka_unit_test(test_inequality_qpv),
        cmocka_unit_test(test_inequality_equal_values),
        cmocka_unit_test(test_inequality_errors),
        cmocka_unit_test(test_inequality_zero_value),
        cmocka_unit_test(test_quantiles_type7),
        cmocka_unit_test(test_quantile_classes),
    };
    return cmocka_run_group_tests_name("inequality", tests, NULL, NULL);
}
