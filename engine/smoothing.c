/* diagsante — empirical Bayes smoothing of rates, global and local (Marshall 1991);
 * see include/diagsante/smoothing.h. */
#include "diagsante/smoothing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* "3 (31555)" or "3": the unit named in messages. */
static const char *unit_name(const char *const *ids, size_t i, char *buf, size_t size)
{
    if (ids != NULL && ids[i] != NULL)
        snprintf(buf, size, "%zu (%s)", i, ids[i]);
    else
        snprintf(buf, size, "%zu", i);
    return buf;
}

static ds_status check_inputs(const double *counts, const double *populations, size_t n,
                              const char *const *ids, double multiplier, const double *smoothed,
                              ds_error *err)
{
    if (n == 0)
        return ds_error_set(err, DS_EUSAGE, "empirical Bayes smoothing of no unit");
    if (counts == NULL || populations == NULL || smoothed == NULL)
        return ds_error_set(err, DS_EUSAGE, "empirical Bayes smoothing: NULL array");
    if (!(isfinite(multiplier) && multiplier > 0))
        return ds_error_set(err, DS_EUSAGE, "the rate multiplier %.17g is not a number > 0",
                            multiplier);
    char name[160];
    for (size_t i = 0; i < n; i++) {
        if (!(isfinite(counts[i]) && counts[i] >= 0))
            return ds_error_set(err, DS_EDATA, "unit %s: count %.17g is not a finite number >= 0",
                                unit_name(ids, i, name, sizeof name), counts[i]);
        if (!(isfinite(populations[i]) && populations[i] > 0))
            return ds_error_set(err, DS_EDATA,
                                "unit %s: population %.17g is not > 0, its rate is undefined",
                                unit_name(ids, i, name, sizeof name), populations[i]);
    }
    return DS_OK;
}

/* The moments over the k units members[0..k-1] (members NULL: units 0..k-1). */
static void moments_over(const double *counts, const double *populations, const size_t *members,
                         size_t k, ds_eb_moments *mo)
{
    double sx = 0, sn = 0;
    for (size_t t = 0; t < k; t++) {
        size_t i = members ? members[t] : t;
        sx += counts[i];
        sn += populations[i];
    }
    double m = sx / sn, ss = 0;
    for (size_t t = 0; t < k; t++) {
        size_t i = members ? members[t] : t;
        double d = counts[i] / populations[i] - m;
        ss += populations[i] * d * d;
    }
    mo->m = m;
    mo->s2 = ss / sn;
    mo->n_mean = sn / (double)k;
    double a = mo->s2 - m / mo->n_mean;
    mo->clamped = a < 0;
    mo->a = a > 0 ? a : 0;
}

/* r*_i and C_i for unit i given the moments of its reference set. */
static void shrink(const ds_eb_moments *mo, double count, double population, double multiplier,
                   double *smoothed, double *weight)
{
    double c = mo->a > 0 ? mo->a / (mo->a + mo->m / population) : 0.0;
    double r = count / population;
    *smoothed = (mo->m + c * (r - mo->m)) * multiplier;
    if (weight != NULL)
        *weight = c;
}

ds_status ds_eb_global(const double *counts, const double *populations, size_t n,
                       const char *const *ids, double multiplier, double *smoothed,
                       double *weight, ds_eb_moments *moments, ds_error *err)
{
    ds_status status = check_inputs(counts, populations, n, ids, multiplier, smoothed, err);
    if (status != DS_OK)
        return status;
    ds_eb_moments mo;
    moments_over(counts, populations, NULL, n, &mo);
    for (size_t i = 0; i < n; i++)
        shrink(&mo, counts[i], populations[i], multiplier, &smoothed[i],
               weight ? &weight[i] : NULL);
    if (moments != NULL)
        *moments = mo;
    return DS_OK;
}

ds_status ds_eb_local(const double *counts, const double *populations, size_t n,
                      const char *const *ids, const size_t *start, const size_t *neighbours,
                      double multiplier, double *smoothed, double *weight,
                      ds_eb_moments *moments, ds_error *err)
{
    ds_status status = check_inputs(counts, populations, n, ids, multiplier, smoothed, err);
    if (status != DS_OK)
        return status;
    if (start == NULL || (neighbours == NULL && start[n] > 0))
        return ds_error_set(err, DS_EUSAGE, "local empirical Bayes smoothing: NULL neighbours");
    if (start[0] != 0)
        return ds_error_set(err, DS_EUSAGE, "neighbour lists: start[0] is %zu, not 0", start[0]);
    for (size_t i = 0; i < n; i++)
        if (start[i + 1] < start[i])
            return ds_error_set(err, DS_EUSAGE, "neighbour lists: start[%zu] < start[%zu]", i + 1,
                                i);
    /* seen[j] == i + 1 marks j as already in unit i's neighbourhood. */
    size_t *seen = calloc(n, sizeof *seen);
    size_t *members = malloc(n * sizeof *members);
    if (seen == NULL || members == NULL) {
        free(seen);
        free(members);
        return ds_error_set(err, DS_ENOMEM, "out of memory");
    }
    char name[160], other[160];
    for (size_t i = 0; i < n && status == DS_OK; i++) {
        size_t k = 0;
        members[k++] = i;
        seen[i] = i + 1;
        for (size_t t = start[i]; t < start[i + 1]; t++) {
            size_t j = neighbours[t];
            if (j >= n) {
                status = ds_error_set(err, DS_EDATA, "unit %s: neighbour index %zu is out of range "
                                      "(%zu units)", unit_name(ids, i, name, sizeof name), j, n);
                break;
            }
            if (seen[j] == i + 1) {
                if (j == i)
                    continue; /* the unit itself, always included once */
                status = ds_error_set(err, DS_EDATA, "unit %s: neighbour %s is listed twice",
                                      unit_name(ids, i, name, sizeof name),
                                      unit_name(ids, j, other, sizeof other));
                break;
            }
            seen[j] = i + 1;
            members[k++] = j;
        }
        if (status != DS_OK)
            break;
        ds_eb_moments mo;
        moments_over(counts, populations, members, k, &mo);
        shrink(&mo, counts[i], populations[i], multiplier, &smoothed[i],
               weight ? &weight[i] : NULL);
        if (moments != NULL)
            moments[i] = mo;
    }
    free(members);
    free(seen);
    return status;
}
