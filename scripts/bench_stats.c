/* make bench, part 4: confidence intervals for many rows (one core).
 * Usage: bench_stats [ROWS]  (default 10,000,000)
 * Times ds_stats_proportion (Wilson) and ds_stats_rate (Byar from 10 events, exact
 * Poisson below) over ROWS generated rows, and prints rows per second. The inputs are
 * drawn once before timing (a fixed-seed generator), so only the intervals are timed;
 * a checksum of the bounds keeps the compiler from dropping the work. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "diagsante/stats.h"

static uint64_t state = 0x9E3779B97F4A7C15u;

static double uniform(void) /* xorshift64*, in [0, 1) */
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return (double)((state * 0x2545F4914F6CDD1Du) >> 11) / 9007199254740992.0;
}

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Runs one method over the rows; prints its rate. */
static int run(const char *name, size_t rows, const double *x, const double *n,
               ds_status (*one)(double, double, ds_ci *, ds_error *))
{
    ds_ci ci;
    ds_error err;
    double checksum = 0, start = seconds();
    for (size_t i = 0; i < rows; i++) {
        if (one(x[i], n[i], &ci, &err) != DS_OK) {
            fprintf(stderr, "bench_stats: %s row %zu: %s\n", name, i, err.message);
            return 1;
        }
        checksum += ci.lower + ci.upper;
    }
    double elapsed = seconds() - start;
    printf("  %-34s %10zu rows %7.2f s %8.2f million rows/s  (checksum %.6g)\n", name, rows,
           elapsed, (double)rows / elapsed / 1e6, checksum);
    return 0;
}

static ds_status wilson(double x, double n, ds_ci *ci, ds_error *err)
{
    return ds_stats_proportion(x, n, 0.95, ci, NULL, err);
}

static ds_status rate(double x, double n, ds_ci *ci, ds_error *err)
{
    return ds_stats_rate(x, n, 100000, 0.95, ci, NULL, err);
}

int main(int argc, char **argv)
{
    size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000000;
    double *x = malloc(rows * sizeof *x), *n = malloc(rows * sizeof *n);
    double *k = malloc(rows * sizeof *k), *k_small = malloc(rows * sizeof *k_small);
    if (rows == 0 || x == NULL || n == NULL || k == NULL || k_small == NULL) {
        fprintf(stderr, "bench_stats: cannot allocate %zu rows\n", rows);
        return 1;
    }
    for (size_t i = 0; i < rows; i++) {
        n[i] = 50 + (double)(uint64_t)(uniform() * 100000);      /* population 50..100,049 */
        x[i] = (double)(uint64_t)(uniform() * (n[i] + 1));        /* 0..n events */
        k[i] = 10 + (double)(uint64_t)(uniform() * 5000);         /* Byar: 10..5,009 */
        k_small[i] = (double)(uint64_t)(uniform() * 20);          /* 0..19: half exact */
    }
    int failed = run("proportion (Wilson)", rows, x, n, wilson) ||
                 run("rate, 10+ events (Byar)", rows, k, n, rate) ||
                 run("rate, 0-19 events (half exact)", rows / 10, k_small, n, rate);
    free(x), free(n), free(k), free(k_small);
    return failed;
}
