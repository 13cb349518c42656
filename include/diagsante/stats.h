/* diagsante — the statistics core: proportions, rates, means, directly and
 * indirectly standardised rates and ratios, with their confidence intervals.
 *
 * Methods follow the UK public-health reference conventions (Public Health England's
 * R package PHEindicatormethods, used for the Fingertips indicators): Wilson score
 * intervals for proportions; exact Poisson (Garwood) limits for counts under 10 and
 * Byar's approximation from 10 on; Dobson's method for directly standardised rates,
 * withheld when the total count is under 10; Student's t for means.
 *
 * Every function checks its arguments, never prints or aborts, and on failure returns
 * a ds_status with err naming the bad argument (DS_EUSAGE: a bad parameter such as a
 * confidence level outside (0, 1); DS_EDATA: bad data such as a negative count or a
 * count over a zero population; DS_EINTERNAL: a numerical inversion that could not be
 * verified). On failure *out is filled with NaN.
 *
 * Confidence levels are fractions in (0, 1): 0.95 for 95 %. z = Φ⁻¹(1 − α/2) with
 * α = 1 − confidence. Counts may be non-integer (weighted or averaged counts). */
#ifndef DIAGSANTE_STATS_H
#define DIAGSANTE_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"

/* A point estimate and its confidence interval (same unit as value). */
typedef struct ds_ci {
    double value, lower, upper;
} ds_ci;

/* The method names written into the `method` out-parameters (static storage). */
extern const char DS_METHOD_WILSON[];        /* "Wilson" */
extern const char DS_METHOD_EXACT_POISSON[]; /* "exact Poisson (Garwood)" */
extern const char DS_METHOD_BYAR[];          /* "Byar" */
extern const char DS_METHOD_DOBSON_BYAR[];   /* "Dobson-Byar" */
extern const char DS_METHOD_SUPPRESSED[];    /* "suppressed: total count < 10" */
extern const char DS_METHOD_STUDENT_T[];     /* "Student t" */

/* The count under which exact Poisson limits replace Byar's (rates, ratios) and under
 * which a directly standardised rate is withheld (PHEindicatormethods). */
#define DS_STATS_SMALL_COUNT 10.0

/* Proportion x / n with its Wilson score interval (Wilson 1927; Newcombe 1998, method
 * 3; PHEindicatormethods wilson_lower/wilson_upper):
 *   (2x + z² ∓ z √(z² + 4x(1 − x/n))) / (2(n + z²)).
 * value = x / n (a fraction: the caller scales to %). x = 0 gives lower exactly 0 and
 * x = n upper exactly 1. x may be non-integer. DS_EUSAGE when x < 0, x > n, n <= 0, a
 * value is not finite or confidence is outside (0, 1). method (may be NULL) receives
 * DS_METHOD_WILSON. */
ds_status ds_stats_proportion(double x, double n, double confidence, ds_ci *out,
                              const char **method, ds_error *err);

/* Exact (Garwood 1936) confidence limits of the mean of a Poisson count k:
 *   lower = Γ⁻¹(α/2; shape k, scale 1)   (0 when k = 0),
 *   upper = Γ⁻¹(1 − α/2; shape k + 1, scale 1),
 * i.e. P(X ≥ k | lower) = α/2 and P(X ≤ k | upper) = α/2, which are the chi-square
 * forms χ²(α/2; 2k)/2 and χ²(1 − α/2; 2k + 2)/2. GSL 2.7.1's inverse gamma CDFs fail
 * or are wrong above ~2,000 events, so the quantiles are found here by inverting the
 * regularised incomplete gamma functions with Brent's method on a bracket checked to
 * hold the root; GSL's own incomplete gamma (gsl_sf_gamma_inc_P/Q) is used up to shape
 * 10^5 and a direct integral above, where GSL's drifts (0.0248 for 0.025 at 10^7). The
 * result is checked against its target probability (DS_EINTERNAL when it does not hold
 * to 1e-8 relative). Tested to 1e-9 relative for integer k from 0 to 10^7 (agrees with
 * SciPy's gammaincinv to ~2e-16); non-integer k allowed. DS_EUSAGE for k < 0,
 * non-finite k or confidence outside (0, 1). */
ds_status ds_stats_poisson_exact(double k, double confidence, double *lower, double *upper,
                                 ds_error *err);

/* Byar's approximation to the Poisson limits of a count k (Breslow & Day 1987, vol. II,
 * p. 69; PHEindicatormethods byars_lower/byars_upper):
 *   lower = k (1 − 1/(9k) − z/(3√k))³,  upper = (k+1) (1 − 1/(9(k+1)) + z/(3√(k+1)))³.
 * Meant for k >= 10. The lower limit is 0 for k = 0. DS_EUSAGE for k < 0, non-finite
 * k or confidence outside (0, 1); DS_EDATA when the lower limit would be negative
 * (tiny k or a confidence very close to 1). */
ds_status ds_stats_poisson_byar(double k, double confidence, double *lower, double *upper,
                                ds_error *err);

/* Crude rate x / n × multiplier (e.g. 100000 for a rate per 100,000) with the limits of
 * the count divided by n: exact Poisson for x < 10, Byar for x >= 10 (PHEindicatormethods
 * phe_rate / calculate_rate). method (may be NULL) receives DS_METHOD_EXACT_POISSON or
 * DS_METHOD_BYAR. DS_EUSAGE for x < 0, n <= 0, multiplier <= 0, non-finite values or
 * confidence outside (0, 1). */
ds_status ds_stats_rate(double x, double n, double multiplier, double confidence, ds_ci *out,
                        const char **method, ds_error *err);

/* Mean of n values with its Student t interval (PHEindicatormethods phe_mean):
 *   mean ± t(1 − α/2; n − 1) s / √n, s the standard deviation with divisor n − 1.
 * method (may be NULL) receives DS_METHOD_STUDENT_T. DS_EUSAGE for values NULL or
 * confidence outside (0, 1); DS_EDATA for n < 2 or a non-finite value. */
ds_status ds_stats_mean(const double *values, size_t n, double confidence, ds_ci *out,
                        const char **method, ds_error *err);

/* A directly standardised rate. */
typedef struct ds_dsr {
    ds_ci rate;              /* per multiplier; NaN when suppressed */
    double total_count;      /* Σ counts */
    double total_population; /* Σ populations */
    bool suppressed;         /* total_count < 10: value and limits withheld */
    const char *method;      /* DS_METHOD_DOBSON_BYAR or DS_METHOD_SUPPRESSED */
} ds_dsr;

/* Directly standardised rate over n_ages age groups (all arrays in the same order):
 *   DSR = Σ wᵢ xᵢ/nᵢ / Σ wᵢ × multiplier, w the standard population,
 * with Dobson et al.'s (1991) limits, the count limits being Byar's on O = Σ xᵢ:
 *   DSR + √(var/O) (O_lower − O) × multiplier, var = Σ xᵢ (wᵢ/nᵢ)² / (Σ wᵢ)²,
 * as PHEindicatormethods phe_dsr / calculate_dsr do. When O < 10 the rate and its
 * limits are withheld as PHE does ("dsr NA for total count < 10"): out->suppressed,
 * NaN values, DS_OK. An age group with population 0 and count 0 adds nothing (its rate
 * is taken as 0); population 0 with a positive count is DS_EDATA, as are negative or
 * non-finite counts, populations or standard populations, and a standard population
 * summing to 0. DS_EUSAGE for NULL arrays, n_ages = 0, multiplier <= 0 or confidence
 * outside (0, 1). */
ds_status ds_stats_dsr(size_t n_ages, const double *counts, const double *populations,
                       const double *standard_population, double multiplier, double confidence,
                       ds_dsr *out, ds_error *err);

/* An indirectly standardised ratio and rate. */
typedef struct ds_isr {
    double observed;       /* O = Σ local counts */
    double expected;       /* E = Σ (reference count / reference population) × local population */
    ds_ci ratio;           /* O / E × ratio_multiplier, limits on O divided by E */
    ds_ci rate;            /* O / E × reference crude rate: the indirectly standardised rate */
    double reference_rate; /* Σ reference counts / Σ reference populations × rate_multiplier */
    const char *method;    /* DS_METHOD_EXACT_POISSON (O < 10) or DS_METHOD_BYAR */
} ds_isr;

/* Indirect standardisation over n_ages age groups (PHEindicatormethods calculate_ISRatio
 * and calculate_ISRate; Breslow & Day 1987): O = Σ xᵢ, E = Σ (Xᵢ/Nᵢ) nᵢ with X, N the
 * reference counts and populations; ratio = O/E × ratio_multiplier (100 for the French
 * indice comparatif de mortalité, 1 for an SMR); its limits are exact Poisson (O < 10)
 * or Byar limits of O divided by E. The standardised rate is O/E × ΣX/ΣN ×
 * rate_multiplier with the same relative limits. DS_EDATA for negative or non-finite
 * values, a reference population <= 0, E = 0 or ΣN = 0; DS_EUSAGE for NULL arrays,
 * n_ages = 0, a multiplier <= 0 or confidence outside (0, 1). */
ds_status ds_stats_isr(size_t n_ages, const double *counts, const double *populations,
                       const double *reference_counts, const double *reference_populations,
                       double ratio_multiplier, double rate_multiplier, double confidence,
                       ds_isr *out, ds_error *err);

/* --- Standard populations ------------------------------------------------------------ */

/* A standard population read from a CSV file with the columns age_group (text) and
 * population (number), one row per age group, youngest first (datasets/
 * standard_populations/). */
typedef struct ds_standard_population ds_standard_population;

/* Loads path with ds_table_load. On success *out owns a new object (free with
 * ds_standard_population_free). DS_ENOINPUT / DS_EIO / DS_EDATA from the CSV loader;
 * DS_EDATA when a column is missing, a cell is missing or a population is negative,
 * non-finite or they sum to 0. */
ds_status ds_standard_population_load(const char *path, ds_standard_population **out,
                                      ds_error *err);
void ds_standard_population_free(ds_standard_population *sp); /* accepts NULL */

size_t ds_standard_population_size(const ds_standard_population *sp);
/* Label of age group i ("0-4", "90+"), owned by sp. */
const char *ds_standard_population_age_group(const ds_standard_population *sp, size_t i);
/* The n populations, youngest first, owned by sp (to pass to ds_stats_dsr). */
const double *ds_standard_population_values(const ds_standard_population *sp);
double ds_standard_population_total(const ds_standard_population *sp);

#endif
