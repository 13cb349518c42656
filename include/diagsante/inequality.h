/* diagsante — comparisons with a benchmark, inequality between groups, quantiles of
 * territories.
 *
 * Three families of small computations on values the caller already has (rates,
 * proportions, indices with their confidence limits or standard errors):
 *
 * - comparison of a territory with a benchmark (the région, France) or of two
 *   territories: the confidence-interval rules used in indicator tables, and the Poisson
 *   test of an indice comparatif (ICM = 100 O/E) used in French mortality tables;
 * - summary measures of inequality between population groups (deprivation quintiles,
 *   QPV against the rest of the commune), as defined by the WHO Health Equity Assessment
 *   Toolkit (HEAT Plus technical notes; Schlotheuber & Hosseinpoor, Int J Environ Res
 *   Public Health 2022;19(6):3697);
 * - type-7 quantiles of territory values (R's default, used by Fingertips) and the
 *   quantile class of each territory.
 *
 * Nothing here allocates memory the caller must free. Every function returns a ds_status
 * and fills err (which may be NULL) on failure; it never prints or aborts. A measure that
 * cannot be computed from valid input (RII when the fitted value at rank 0 is not
 * positive, a standard error without group standard errors) is reported as NaN, never as
 * an error: "not available". */
#ifndef DIAGSANTE_INEQUALITY_H
#define DIAGSANTE_INEQUALITY_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"

/* An estimate with its confidence interval and standard error. Any field may be NaN:
 * "not available". (stats.h defines ds_ci {value, lower, upper}; this type adds se.) */
typedef struct ds_estimate {
    double value, lower, upper, se;
} ds_estimate;

/* --- comparison with a benchmark --------------------------------------------------- */

/* Which way an indicator is good. */
typedef enum ds_polarity {
    DS_POLARITY_NONE = 0,         /* no judgement: "not applicable" */
    DS_POLARITY_HIGHER_IS_BETTER, /* a participation rate, life expectancy */
    DS_POLARITY_LOWER_IS_BETTER   /* a mortality rate */
} ds_polarity;

typedef enum ds_compare_method {
    DS_COMPARE_CI_BENCHMARK = 0, /* benchmark inside the territory's interval: similar */
    DS_COMPARE_TWO_CI,           /* the two intervals overlap: similar */
    DS_COMPARE_POISSON_ICM,      /* O ~ Poisson(E), two-sided exact test of ICM = 100 */
    DS_COMPARE_POISSON_NORMAL    /* the same by the normal approximation: z = (O-E)/sqrt(E) */
} ds_compare_method;

/* Where the territory stands against the benchmark (statistically). */
typedef enum ds_direction {
    DS_DIRECTION_SIMILAR = 0,
    DS_DIRECTION_HIGHER,
    DS_DIRECTION_LOWER
} ds_direction;

/* What that means given the indicator's polarity. */
typedef enum ds_judgement {
    DS_JUDGEMENT_NOT_APPLICABLE = 0, /* DS_POLARITY_NONE */
    DS_JUDGEMENT_SIMILAR,
    DS_JUDGEMENT_BETTER,
    DS_JUDGEMENT_WORSE
} ds_judgement;

typedef struct ds_comparison {
    ds_compare_method method;
    ds_direction direction;
    ds_judgement judgement;
    double statistic; /* DS_COMPARE_POISSON_ICM: the ICM 100 O/E; otherwise NaN */
    double p_value;   /* DS_COMPARE_POISSON_ICM: the two-sided p-value; otherwise NaN */
} ds_comparison;

/* Short English names for output, in static storage: "ci-benchmark", "two-ci",
 * "poisson-icm"; "higher", "lower", "similar"; "better", "worse", "similar",
 * "not applicable". An out-of-range value gives "unknown". */
const char *ds_compare_method_name(ds_compare_method method);
const char *ds_direction_name(ds_direction direction);
const char *ds_judgement_name(ds_judgement judgement);

/* The judgement of a direction under a polarity: HIGHER under HIGHER_IS_BETTER is
 * BETTER, LOWER under it WORSE (and the reverse under LOWER_IS_BETTER), SIMILAR stays
 * SIMILAR, and any direction under DS_POLARITY_NONE is NOT_APPLICABLE. */
ds_judgement ds_judge(ds_direction direction, ds_polarity polarity);

/* CI-overlap rule against a fixed benchmark (the "compared with the benchmark" rule of
 * indicator tables such as Fingertips'): the territory is similar when
 * lower <= benchmark <= upper, higher when lower > benchmark, lower when
 * upper < benchmark. The territory's value is not used. DS_EUSAGE when an argument is not
 * finite or lower > upper. */
ds_status ds_compare_ci_benchmark(double lower, double upper, double benchmark,
                                  ds_polarity polarity, ds_comparison *out, ds_error *err);

/* Two-CI rule for territories a and b: similar when the intervals [lower_a, upper_a] and
 * [lower_b, upper_b] overlap (touching counts as overlapping), else a is higher when
 * lower_a > upper_b and lower when upper_a < lower_b. This rule is conservative: two
 * intervals may overlap while the difference is significant (Schenker & Gentleman, Am
 * Stat 2001;55:182-6). DS_EUSAGE when a bound is not finite or a lower exceeds its upper. */
ds_status ds_compare_two_ci(double lower_a, double upper_a, double lower_b, double upper_b,
                            ds_polarity polarity, ds_comparison *out, ds_error *err);

/* Poisson test of an indice comparatif (ICM, SMR x 100) against 100, as in the French
 * mortality tables (Jougla et al. 1997, the CépiDc's method): the observed count O (a
 * non-negative integer) is taken as Poisson with mean E, the count expected from the
 * reference rates. ICM = 100 O / E. The two-sided p-value is
 * min(1, 2 min(P[X <= O], P[X >= O])) for X ~ Poisson(E) (the doubling rule), from
 * GSL's Poisson CDF. Significant when p < 1 - level: higher when O > E, lower when O < E,
 * else similar. DS_EUSAGE when O is negative, not an integer or above 4e9, E is not a
 * positive finite number, or level is not in (0, 1). */
ds_status ds_compare_poisson_icm(double observed, double expected, double level,
                                 ds_polarity polarity, ds_comparison *out, ds_error *err);

/* The same test by the normal approximation of the Poisson law that Jougla et al. (Rev
 * Epidemiol Sante Publique 1997;45:78-84, "Tests statistiques relatifs aux indicateurs
 * de mortalité en population") base their tests on: z = (O - E) / sqrt(E), two-sided
 * p = 2 (1 - Φ(|z|)) (equivalently the chi-square (O - E)² / E on 1 degree of freedom).
 * statistic = ICM = 100 O / E, p_value as said. O need not be an integer here. Prefer the
 * exact test for small E (the approximation is poor below a few tens of expected
 * events). Same errors as ds_compare_poisson_icm, except that O may be non-integer. */
ds_status ds_compare_poisson_normal(double observed, double expected, double level,
                                    ds_polarity polarity, ds_comparison *out, ds_error *err);

/* --- inequality between groups (WHO HEAT) ------------------------------------------ */

/* The groups of one dimension of inequality, as parallel arrays of n entries (the
 * caller keeps ownership). Groups with a zero population are allowed (they weigh
 * nothing) as long as the total is positive. */
typedef struct ds_groups {
    size_t n;
    const double *value;      /* the indicator in each group (rate, proportion); finite */
    const double *se;         /* standard errors (>= 0), or NULL: then from lower/upper */
    const double *lower;      /* confidence limits at opts.level, or NULL: se = (upper -  */
    const double *upper;      /*   lower) / (2 z), a symmetric-interval approximation  */
    const double *population; /* people in each group (>= 0, total > 0) */
    const int *order;         /* NULL for unordered groups (regions, QPV / rest); else
                                 distinct ranks, smallest = most disadvantaged, largest =
                                 most advantaged (deprivation quintiles: 1 = most deprived
                                 when 1 is given to the most deprived fifth) */
} ds_groups;

typedef struct ds_inequality_options {
    double level;         /* confidence level of every interval, e.g. 0.95 */
    ds_polarity polarity; /* picks the best group of unordered groups (PAR, PAF) */
    /* The pair compared by D and R: D = value[group_a] - value[group_b],
     * R = value[group_a] / value[group_b]. A negative index lets the function choose:
     * for ordered groups a = most advantaged (largest order), b = most disadvantaged
     * (smallest order) as in HEAT; for unordered groups a = the highest value and b =
     * the lowest (first index on ties). */
    long group_a, group_b;
    /* The reference group of PAR and PAF; negative: HEAT's choice, the most advantaged
     * group for ordered groups, the best-performing group (highest value when higher is
     * better, lowest when lower is better) for unordered ones; unordered groups without
     * polarity and without reference give PAR = PAF = NaN. */
    long reference;
} ds_inequality_options;

/* level 0.95, no polarity, automatic pair and reference. */
ds_inequality_options ds_inequality_options_default(void);

/* Every HEAT summary measure that applies to the groups. Each is unscaled: HEAT
 * displays RCI x 100, Theil and MLD x 1000, IDisp and PAF x 100; multiply for display.
 * Measures that do not apply are NaN in all four fields: SII, RII, ACI and RCI for
 * unordered groups. Standard errors that HEAT computes by simulation (IDisp) or from
 * event counts (PAR, PAF: Walter 1978) are NaN here. Intervals are value +- z se with
 * z = Phi^-1((1 + level) / 2), except R and RII (on the log scale). */
typedef struct ds_inequality {
    size_t group_a, group_b; /* the pair of D and R */
    long reference;          /* the reference of PAR and PAF, -1 when there is none */
    double mean;             /* mu = sum p_j y_j, population-weighted mean, p_j = N_j / N */
    ds_estimate d, r;        /* difference and ratio of the pair */
    ds_estimate sii, rii;    /* slope and relative index of inequality */
    ds_estimate aci, rci;    /* absolute and relative concentration index */
    ds_estimate bgv;         /* between-group variance */
    ds_estimate theil, mld;  /* Theil index T, mean log deviation */
    ds_estimate idisp;       /* index of disparity (unweighted, around mu) */
    ds_estimate par, paf;    /* population attributable risk and fraction */
} ds_inequality;

/* Computes every measure of ds_inequality. Formulas (y_j value, p_j population share,
 * mu = sum p_j y_j, se_j standard error, z the normal quantile of the level):
 *
 *   D    = y_a - y_b; se = sqrt(se_a^2 + se_b^2).
 *   R    = y_a / y_b; se of ln R = sqrt(se_a^2 / y_a^2 + se_b^2 / y_b^2) (delta method),
 *          interval exp(ln R +- z se); NaN unless y_a > 0 and y_b > 0.
 *   Ordered groups, sorted by order; X_j = sum_{k<j} p_k + p_j / 2 (midpoint of the
 *   cumulative population share, rank 0 = most disadvantaged):
 *   SII  = b1 of the weighted least squares fit y_j = b0 + b1 X_j with weights p_j (HEAT's
 *          linear model): the fitted value at rank 1 minus that at rank 0. se from the
 *          regression: Var(b) = s^2 (X'WX)^-1 with s^2 = sum p_j e_j^2 / (n - 2), the
 *          residual variance of the weighted fit (what R's lm(y ~ X, weights = p)
 *          reports; GSL's gsl_fit_wlinear leaves out the s^2 factor). NaN se when n = 2.
 *   RII  = (b0 + b1) / b0, fitted value at rank 1 over fitted value at rank 0 (HEAT);
 *          se of ln RII by the delta method on (b0, b1) with the covariance above;
 *          interval on the log scale; NaN unless b0 > 0 and b0 + b1 > 0.
 *   ACI  = sum p_j (2 X_j - 1) y_j (HEAT); se from Kakwani, Wagstaff & van Doorslaer's
 *          convenient regression (J Econometrics 1997;77:87-103) 2 sigma_X^2 y_j = a +
 *          c X_j, weights p_j, sigma_X^2 = sum p_j (X_j - 1/2)^2: c = ACI and its
 *          regression se as for SII (HEAT's method).
 *   RCI  = ACI / mu, se = se(ACI) / mu; NaN when mu = 0.
 *   Any groups:
 *   BGV  = sum p_j (y_j - mu)^2; se (Ahn et al., JCO Clin Cancer Inform 2018;2:1-19, as in
 *          HEAT) = sqrt(4 sum p_j^2 se_j^2 (y_j - mu)^2
 *                       + 2 [(sum p_j^2 se_j^2)^2 - sum p_j^4 se_j^4
 *                            + sum p_j^2 (1 - p_j)^2 se_j^4]).
 *   T    = sum p_j r_j ln r_j, r_j = y_j / mu (0 ln 0 = 0); se (Ahn 2018, HEAT) =
 *          sqrt(sum (1 + ln r_j - sum_k p_k r_k (1 + ln r_k))^2 p_j^2 se_j^2 / mu^2),
 *          NaN when a y_j is 0. NaN unless mu > 0 and every y_j >= 0.
 *   MLD  = sum p_j (-ln r_j); se (Ahn 2018, HEAT) = sqrt(sum p_j^2 se_j^2 / mu^2
 *          (1 - 1 / r_j)^2). NaN unless mu > 0 and every y_j > 0.
 *   IDisp= (1 / n) sum |y_j - mu| / mu (HEAT's unweighted index of disparity, around the
 *          weighted mean); se not available. NaN when mu = 0.
 *   PAR  = y_ref - mu, set to 0 when the reference does worse than the mean under the
 *          polarity (HEAT); PAF = PAR / mu. se not available.
 *
 * Errors: DS_EUSAGE for n < 2, a NULL value or population array, a level outside (0, 1),
 * a pair or reference index out of range or a pair of one group; DS_EDATA (naming the
 * array and group) for a non-finite value, a negative or non-finite population, a zero
 * total population, a negative or non-finite se, lower > upper, duplicate orders. */
ds_status ds_inequality_compute(const ds_groups *groups, const ds_inequality_options *opts,
                                ds_inequality *out, ds_error *err);

/* --- quantiles of territories ------------------------------------------------------ */

/* Type-7 quantiles (Hyndman & Fan, Am Stat 1996;50:361-5; R's quantile() default, used
 * by Fingertips) of the n values, NaN values left out: with x_(1) <= ... <= x_(m) the m
 * sorted values that are not NaN, h = (m - 1) p, Q(p) = x_(floor h + 1) +
 * (h - floor h) (x_(floor h + 2) - x_(floor h + 1)). Ties need nothing special. Writes
 * out[i] = Q(probs[i]) and the number of NaN values left out to *n_missing (may be NULL).
 * DS_EUSAGE when a p is not in [0, 1] or values/out is NULL with n_probs > 0; DS_EDATA
 * when a value is infinite or every value is NaN (m = 0). Allocates scratch memory:
 * DS_ENOMEM. */
ds_status ds_quantiles_type7(const double *values, size_t n, const double *probs,
                             size_t n_probs, double *out, size_t *n_missing, ds_error *err);

/* The quantile class (1..k) of each of the n values, for k >= 2 classes (k = 5
 * quintiles, 4 quartiles): the k - 1 cut points c_i = Q(i / k), i = 1..k-1, are type-7
 * quantiles of the values (NaN left out), and class[j] = 1 + the number of cut points
 * strictly below value[j] — the intervals [min, c_1], (c_1, c_2], ..., (c_{k-1}, max],
 * as R's cut(x, quantile(x, 0:k / k), include.lowest = TRUE) when the cut points are
 * distinct; a value equal to a cut point falls in the lower class, and equal values
 * always share a class. Class 1 holds the lowest values. NaN values get class 0.
 * cuts (may be NULL) receives the k - 1 cut points. Errors as ds_quantiles_type7, and
 * DS_EUSAGE for k < 2 or k > 100. */
ds_status ds_quantile_classes(const double *values, size_t n, int k, int *classes,
                              double *cuts, size_t *n_missing, ds_error *err);

#endif
