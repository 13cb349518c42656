/* diagsante — empirical Bayes smoothing of small-area rates.
 *
 * Marshall RJ. Mapping disease and mortality rates using empirical Bayes estimators.
 * Applied Statistics 1991;40:283–294 (method-of-moments estimators). For k units with
 * counts x_i and populations n_i, r_i = x_i / n_i:
 *     m   = Σx / Σn                       (the reference rate)
 *     s²  = Σ n_i (r_i - m)² / Σn          (the population-weighted variance of rates)
 *     A   = s² - m / n̄,  n̄ = Σn / k      (the variance of the true rates), 0 if < 0
 *     C_i = A / (A + m / n_i)             (the weight of the unit's own rate)
 *     r*_i = m + C_i (r_i - m)
 * A = 0 (no variance beyond Poisson noise, or no events at all) gives C_i = 0: every
 * rate is shrunk fully to m. Global: the sums run over all units. Local: for unit i
 * they run over its neighbourhood, the unit itself and its neighbours (the unit is
 * always part of its own neighbourhood, whether or not its list names it; k is then
 * the size of the neighbourhood).
 *
 * Rates are returned times the caller's multiplier (1e5 for rates per 100,000). */
#ifndef DIAGSANTE_SMOOTHING_H
#define DIAGSANTE_SMOOTHING_H

#include <stddef.h>

#include "diagsante/error.h"

/* The moments of one smoothing (global) or of one neighbourhood (local), in rates per
 * person (not multiplied). */
typedef struct ds_eb_moments {
    double m;        /* reference rate Σx / Σn */
    double s2;       /* Σ n (r - m)² / Σn */
    double n_mean;   /* n̄, the mean population */
    double a;        /* max(0, s² - m / n̄) */
    int clamped;     /* 1 when s² - m / n̄ was negative and A set to 0 */
} ds_eb_moments;

/* Global empirical Bayes smoothing (Marshall 1991, formulas above) of n units (n >= 1).
 * counts[i] >= 0 and populations[i] > 0, both finite; ids (n strings, or NULL) name the units in
 * messages. On success smoothed[i] = r*_i x multiplier and weight[i] = C_i (each n
 * doubles, caller-owned; weight may be NULL); moments (may be NULL) receives m, s², n̄
 * and A. DS_EUSAGE for n = 0, NULL arrays or a multiplier that is not finite and > 0;
 * DS_EDATA for a negative or non-finite count, or a population that is not > 0 (zero
 * population: the rate is undefined), naming the unit and the field. */
ds_status ds_eb_global(const double *counts, const double *populations, size_t n,
                       const char *const *ids, double multiplier, double *smoothed,
                       double *weight, ds_eb_moments *moments, ds_error *err);

/* Local empirical Bayes smoothing (Marshall 1991, local estimator): the same, with m,
 * s², n̄ and A computed for each unit over its neighbourhood. The neighbours of unit i are
 * neighbours[start[i]] .. neighbours[start[i + 1] - 1] (start has n + 1 entries,
 * non-decreasing, start[0] = 0), indices in 0..n-1; the unit's own index may appear
 * (it is counted once). moments (n entries, or NULL) receives each neighbourhood's.
 * DS_EUSAGE as ds_eb_global and for malformed start; DS_EDATA as ds_eb_global and for a
 * neighbour index out of range or listed twice for the same unit (naming both). */
ds_status ds_eb_local(const double *counts, const double *populations, size_t n,
                      const char *const *ids, const size_t *start, const size_t *neighbours,
                      double multiplier, double *smoothed, double *weight,
                      ds_eb_moments *moments, ds_error *err);

#endif
