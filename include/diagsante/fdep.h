/* diagsante — the FDep ecological deprivation index.
 *
 * Rey G, Jougla E, Fouillet A, Hémon D. Ecological association between a deprivation
 * index and mortality in France over the period 1997–2001: variations with spatial
 * scale, degree of urbanicity, age, gender and cause of death. BMC Public Health
 * 2009;9:33. FDep is the first principal component of the correlation matrix of four
 * unit-level variables: median income per consumption unit, % baccalauréat holders
 * among the population aged 15+ out of school, % blue-collar workers (ouvriers) among
 * the active population, unemployment rate.
 *
 * Choices (each one tested in tests/test_fdep.c):
 *  - weighting: DS_FDEP_WEIGHT_POPULATION (the default, 0) computes the means,
 *    variances and correlations with each unit weighted by its population;
 *    DS_FDEP_UNWEIGHTED weights every unit equally. The methods text of the paper
 *    could not be retrieved when this was written (only its abstract: "first component
 *    of a principal component analysis of four socioeconomic variables"), so whether
 *    its PCA is weighted is NOT confirmed here. Population weighting is the default
 *    because units differ widely in size (IRIS of 60 and of 5,000 inhabitants) and the
 *    index is meant to describe where people live; pass DS_FDEP_UNWEIGHTED for an
 *    index where every unit counts once.
 *  - moments use the weight total as denominator (population variance: Σw, or n when
 *    unweighted), so that the scores have (weighted) mean 0 and variance λ1;
 *  - orientation: the component is signed so that its loading on the unemployment rate
 *    is positive (higher score = more deprived);
 *  - a unit with a missing value (NAN) in one of the four variables or in its
 *    population is excluded and listed with the fields it misses, never imputed;
 *  - quintiles: of units (each holds 20% of the scored units) and of population (each
 *    holds about 20% of their population, by cumulating populations along the sorted
 *    score); a unit falls in the quintile where the middle of its span lies (its
 *    position among units, or its population along the cumulated population); units
 *    with equal scores form one span and share a quintile. Quintile 1 is the least
 *    deprived, 5 the most. */
#ifndef DIAGSANTE_FDEP_H
#define DIAGSANTE_FDEP_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"

/* --- The first principal component, for any number of variables -------------------- */

/* The first principal component of the correlation matrix of x (n rows of p values,
 * row-major), each row weighted by w[i] >= 0 (w NULL: equal weights). Means and
 * variances are weighted with the weight total as denominator. On success *eigenvalue
 * receives the largest eigenvalue λ1 of the correlation matrix (the share of variance
 * explained is λ1 / p), loadings (p doubles, caller-owned) the unit-norm eigenvector,
 * signed so that loadings[orient] > 0 (when it is 0: the first non-zero loading), and
 * scores (n doubles, or NULL) the component Σ_j loadings[j] (x_ij - mean_j) / sd_j.
 * DS_EUSAGE for p = 0, orient >= p, n < 2 or NULL arrays; DS_EDATA for a non-finite
 * value or weight, a negative weight, a zero weight total, or a variable with no
 * variance (naming the column); DS_EINTERNAL when GSL's eigensolver fails; DS_ENOMEM.
 * Method: eigen decomposition of the symmetric correlation matrix (gsl_eigen_symmv),
 * the GSL error handler turned off. */
ds_status ds_pca_first(const double *x, size_t n, size_t p, const double *w, size_t orient,
                       double *eigenvalue, double *loadings, double *scores, ds_error *err);

/* --- FDep ------------------------------------------------------------------------------ */

typedef enum ds_fdep_variable {
    DS_FDEP_MEDIAN_INCOME = 0, /* median disposable income per consumption unit, euros */
    DS_FDEP_BAC_PCT,           /* % baccalauréat holders, pop 15+ out of school */
    DS_FDEP_WORKERS_PCT,       /* % blue-collar workers (ouvriers), active population */
    DS_FDEP_UNEMPLOYMENT_PCT,  /* unemployment rate, % */
    DS_FDEP_VARIABLES          /* 4 */
} ds_fdep_variable;

/* Bit of a missing field in ds_fdep_exclusion.missing: 1u << variable, or
 * DS_FDEP_MISSING_POPULATION. */
#define DS_FDEP_MISSING_POPULATION (1u << DS_FDEP_VARIABLES)

/* The field name of a variable ("median_income", "bac_pct", "workers_pct",
 * "unemployment_pct"; "population" for DS_FDEP_VARIABLES). Static storage. */
const char *ds_fdep_variable_name(ds_fdep_variable variable);

/* One unit (IRIS, commune...). Missing values are NAN. */
typedef struct ds_fdep_unit {
    const char *id;                    /* copied; NULL allowed (then "#index") */
    double values[DS_FDEP_VARIABLES];  /* indexed by ds_fdep_variable */
    double population;                 /* inhabitants, >= 0 */
} ds_fdep_unit;

typedef enum ds_fdep_weighting {
    DS_FDEP_WEIGHT_POPULATION = 0, /* default */
    DS_FDEP_UNWEIGHTED
} ds_fdep_weighting;

typedef struct ds_fdep ds_fdep;

/* Computes FDep (Rey et al. 2009, see above) over the n units. On success *out owns a
 * new result (free with ds_fdep_free). Units with a missing field are excluded and listed
 * (ds_fdep_exclusion_at), not errors. DS_EUSAGE for NULL arrays or an unknown
 * weighting; DS_EDATA for an infinite value or a negative population (naming the
 * unit and field), fewer than 2 units left, a zero population total under population
 * weighting, or a variable with no variance among the units left; DS_EINTERNAL,
 * DS_ENOMEM. */
ds_status ds_fdep_compute(const ds_fdep_unit *units, size_t n, ds_fdep_weighting weighting,
                          ds_fdep **out, ds_error *err);
void ds_fdep_free(ds_fdep *fdep); /* accepts NULL */

/* λ1, the largest eigenvalue of the correlation matrix, and λ1 / 4, the share of the
 * total variance the component explains. */
double ds_fdep_eigenvalue(const ds_fdep *fdep);
double ds_fdep_variance_share(const ds_fdep *fdep);
/* The coefficient of a variable in the unit-norm eigenvector (the weight of its
 * standardised value in the score), and the correlation between the variable and the
 * score (coefficient x sqrt(λ1)). */
double ds_fdep_loading(const ds_fdep *fdep, ds_fdep_variable variable);
double ds_fdep_correlation(const ds_fdep *fdep, ds_fdep_variable variable);
/* The (weighted) mean and standard deviation used to standardise a variable. */
double ds_fdep_mean(const ds_fdep *fdep, ds_fdep_variable variable);
double ds_fdep_sd(const ds_fdep *fdep, ds_fdep_variable variable);

/* The result of unit i, in the order the units were given. */
typedef struct ds_fdep_score {
    bool scored;             /* false for an excluded unit (the rest is then NAN / 0) */
    double score;            /* higher = more deprived */
    int quintile_units;      /* 1..5 */
    int quintile_population; /* 1..5 */
} ds_fdep_score;

size_t ds_fdep_unit_count(const ds_fdep *fdep);  /* n as given */
size_t ds_fdep_scored_count(const ds_fdep *fdep);
void ds_fdep_score_at(const ds_fdep *fdep, size_t i, ds_fdep_score *out);

/* An excluded unit: its index, its id (owned by the result) and a bit set of the
 * fields it misses (1u << ds_fdep_variable, DS_FDEP_MISSING_POPULATION). */
typedef struct ds_fdep_exclusion {
    size_t unit;
    const char *id;
    unsigned missing;
} ds_fdep_exclusion;

size_t ds_fdep_exclusion_count(const ds_fdep *fdep);
/* Exclusion k (0 <= k < count), in unit order; the pointer is owned by the result. */
const ds_fdep_exclusion *ds_fdep_exclusion_at(const ds_fdep *fdep, size_t k);

#endif
