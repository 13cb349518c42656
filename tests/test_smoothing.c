/* Tests of empirical Bayes smoothing (engine/smoothing.c, Marshall 1991): hand
 * calculations, the negative-variance clamp, errors, and local = global when every unit
 * neighbours all others. (tests/tools/fdep_check.py repeats the hand calculations with
 * numpy.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "diagsante/smoothing.h"
#include "helpers.h"

/* Four units, by hand:
 *   x = 10, 60, 100, 30;  n = 1000, 2000, 5000, 2000;  r = 0.01, 0.03, 0.02, 0.015
 *   m  = 200 / 10000 = 0.02
 *   s² = (1000·0.01² + 2000·0.01² + 5000·0 + 2000·0.005²) / 10000
 *      = (0.1 + 0.2 + 0 + 0.05) / 10000 = 3.5e-5
 *   n̄ = 2500, m / n̄ = 8e-6, A = 3.5e-5 - 8e-6 = 2.7e-5
 *   m / n_i = 2e-5, 1e-5, 4e-6, 1e-5
 *   C = 27/47, 27/37, 27/31, 27/37
 *   r* = 0.02 - 0.01·27/47 = 0.67/47, 0.02 + 0.01·27/37 = 1.01/37, 0.02,
 *        0.02 - 0.005·27/37 = 0.605/37
 * and per 1,000: 670/47, 1010/37, 20, 605/37. */
static const double X[4] = {10, 60, 100, 30}, N[4] = {1000, 2000, 5000, 2000};

static void test_eb_global_by_hand(void **state)
{
    (void)state;
    double smoothed[4], weight[4];
    ds_eb_moments mo;
    ds_error err;
    assert_int_equal(ds_eb_global(X, N, 4, NULL, 1000, smoothed, weight, &mo, &err), DS_OK);
    assert_close(mo.m, 0.02, 1e-15);
    assert_close(mo.s2, 3.5e-5, 1e-13);
    assert_close(mo.n_mean, 2500, 1e-15);
    assert_close(mo.a, 2.7e-5, 1e-12);
    assert_int_equal(mo.clamped, 0);
    const double c[4] = {27.0 / 47, 27.0 / 37, 27.0 / 31, 27.0 / 37};
    const double r[4] = {670.0 / 47, 1010.0 / 37, 20, 605.0 / 37};
    for (int i = 0; i < 4; i++) {
        assert_close(weight[i], c[i], 1e-12);
        assert_close(smoothed[i], r[i], 1e-12);
    }
    /* The weight may be left out. */
    assert_int_equal(ds_eb_global(X, N, 4, NULL, 1, smoothed, NULL, NULL, &err), DS_OK);
    assert_close(smoothed[0], 0.67 / 47, 1e-12);
}

/* The clamp, by hand: x = 2, 6, 10, 2; n = 100, 200, 400, 100; r = 0.02, 0.03, 0.025, 0.02
 *   m = 20 / 800 = 0.025; s² = (100·0.005² + 200·0.005² + 0 + 100·0.005²) / 800
 *     = 0.01 / 800 = 1.25e-5; n̄ = 200, m / n̄ = 1.25e-4
 *   s² - m / n̄ = -1.125e-4 < 0: A = 0, C = 0, every r* = m = 0.025.
 * And no event at all: m = 0, s² = 0, A = 0, every r* = 0 (no division by zero). */
static void test_eb_clamp(void **state)
{
    (void)state;
    const double x[4] = {2, 6, 10, 2}, n[4] = {100, 200, 400, 100};
    double smoothed[4], weight[4];
    ds_eb_moments mo;
    ds_error err;
    assert_int_equal(ds_eb_global(x, n, 4, NULL, 1e5, smoothed, weight, &mo, &err), DS_OK);
    assert_close(mo.s2, 1.25e-5, 1e-12);
    assert_int_equal(mo.clamped, 1);
    assert_true(mo.a == 0);
    for (int i = 0; i < 4; i++) {
        assert_true(weight[i] == 0);
        assert_close(smoothed[i], 2500, 1e-14);
    }
    const double none[4] = {0, 0, 0, 0};
    assert_int_equal(ds_eb_global(none, n, 4, NULL, 1e5, smoothed, weight, &mo, &err), DS_OK);
    for (int i = 0; i < 4; i++) {
        assert_true(weight[i] == 0);
        assert_true(smoothed[i] == 0);
    }
}

static void test_eb_errors(void **state)
{
    (void)state;
    const char *const ids[4] = {"31555", "31069", "09122", "81004"};
    double n[4] = {1000, 2000, 0, 2000}, x[4] = {10, 60, 100, 30}, smoothed[4];
    ds_error err;
    assert_int_equal(ds_eb_global(x, n, 4, ids, 1, smoothed, NULL, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "unit 2 (09122): population 0"));
    assert_int_equal(ds_eb_global(x, n, 4, NULL, 1, smoothed, NULL, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "unit 2: population"));
    n[2] = 5000;
    x[1] = -1;
    assert_int_equal(ds_eb_global(x, n, 4, ids, 1, smoothed, NULL, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "unit 1 (31069): count -1"));
    x[1] = NAN;
    assert_int_equal(ds_eb_global(x, n, 4, ids, 1, smoothed, NULL, NULL, &err), DS_EDATA);
    x[1] = 60;
    assert_int_equal(ds_eb_global(x, n, 0, ids, 1, smoothed, NULL, NULL, &err), DS_EUSAGE);
    assert_int_equal(ds_eb_global(x, n, 4, ids, 0, smoothed, NULL, NULL, &err), DS_EUSAGE);
    /* Local: neighbour out of range, listed twice, malformed start. */
    const size_t start[5] = {0, 1, 2, 3, 4};
    const size_t out_of_range[4] = {1, 0, 7, 2};
    assert_int_equal(ds_eb_local(x, n, 4, ids, start, out_of_range, 1, smoothed, NULL, NULL, &err),
                     DS_EDATA);
    assert_non_null(strstr(err.message, "unit 2 (09122): neighbour index 7"));
    const size_t twice_start[5] = {0, 2, 2, 2, 2}, twice[2] = {3, 3};
    assert_int_equal(ds_eb_local(x, n, 4, ids, twice_start, twice, 1, smoothed, NULL, NULL, &err),
                     DS_EDATA);
    assert_non_null(strstr(err.message, "unit 0 (31555): neighbour 3 (81004) is listed twice"));
    const size_t bad_start[5] = {0, 2, 1, 2, 2};
    assert_int_equal(ds_eb_local(x, n, 4, ids, bad_start, twice, 1, smoothed, NULL, NULL, &err),
                     DS_EUSAGE);
    n[3] = 0;
    assert_int_equal(ds_eb_local(x, n, 4, ids, start, out_of_range, 1, smoothed, NULL, NULL, &err),
                     DS_EDATA);
    assert_non_null(strstr(err.message, "unit 3 (81004): population 0"));
}

/* When every unit neighbours all the others, each neighbourhood is the whole set and
 * the local estimates are the global ones. The lists name the unit itself for some
 * units and not for others: the unit is counted once either way. */
static void test_eb_local_complete_is_global(void **state)
{
    (void)state;
    size_t start[5], index[16], k = 0;
    for (size_t i = 0; i < 4; i++) {
        start[i] = k;
        for (size_t j = 0; j < 4; j++)
            if (j != i || i % 2 == 0)
                index[k++] = j;
    }
    start[4] = k;
    double global[4], global_w[4], local[4], local_w[4];
    ds_eb_moments mo, local_mo[4];
    ds_error err;
    assert_int_equal(ds_eb_global(X, N, 4, NULL, 1000, global, global_w, &mo, &err), DS_OK);
    assert_int_equal(ds_eb_local(X, N, 4, NULL, start, index, 1000, local, local_w, local_mo, &err),
                     DS_OK);
    for (int i = 0; i < 4; i++) {
        assert_close(local[i], global[i], 1e-13);
        assert_close(local_w[i], global_w[i], 1e-13);
        assert_close(local_mo[i].a, mo.a, 1e-13);
    }
}

/* A ring of five units, each neighbouring the previous and the next: unit 0's
 * neighbourhood is {4, 0, 1}. By hand for unit 0:
 *   x = 10, 60, 20 (units 0, 1, 4);  n = 1000, 2000, 1000;  r = 0.01, 0.03, 0.02
 *   m  = 90 / 4000 = 0.0225
 *   s² = (1000·0.0125² + 2000·0.0075² + 1000·0.0025²) / 4000
 *      = (0.15625 + 0.1125 + 0.00625) / 4000 = 0.275 / 4000 = 6.875e-5
 *   n̄ = 4000 / 3, m / n̄ = 0.0675 / 4000 = 1.6875e-5, A = 5.1875e-5
 *   C_0 = 5.1875e-5 / (5.1875e-5 + 0.0225 / 1000) = 5.1875 / 7.4375 = 83/119
 *   r*_0 = 0.0225 - 0.0125·83/119 = (2.6775 - 1.0375) / 119 = 1.64 / 119.
 * Unit 2's neighbourhood {1, 2, 3} has r = 0.03, 0.03, 0.02 with n = 2000, 500, 2000:
 *   m = 115 / 4500 = 23/900, so the smoothed rate of unit 2 lies between 23/900 and
 *   0.03 (a check of direction, not of value). */
static void test_eb_local_ring(void **state)
{
    (void)state;
    const double x[5] = {10, 60, 15, 40, 20}, n[5] = {1000, 2000, 500, 2000, 1000};
    const size_t start[6] = {0, 2, 4, 6, 8, 10};
    const size_t index[10] = {4, 1, 0, 2, 1, 3, 2, 4, 3, 0};
    double smoothed[5], weight[5];
    ds_eb_moments mo[5];
    ds_error err;
    assert_int_equal(ds_eb_local(x, n, 5, NULL, start, index, 1, smoothed, weight, mo, &err),
                     DS_OK);
    assert_close(mo[0].m, 0.0225, 1e-14);
    assert_close(mo[0].s2, 6.875e-5, 1e-12);
    assert_close(mo[0].n_mean, 4000.0 / 3, 1e-14);
    assert_close(mo[0].a, 5.1875e-5, 1e-12);
    assert_close(weight[0], 83.0 / 119, 1e-12);
    assert_close(smoothed[0], 1.64 / 119, 1e-12);
    assert_close(mo[2].m, 23.0 / 900, 1e-14);
    assert_true(smoothed[2] > 23.0 / 900 && smoothed[2] < 0.03);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eb_global_by_hand),
        cmocka_unit_test(test_eb_clamp),
        cmocka_unit_test(test_eb_errors),
        cmocka_unit_test(test_eb_local_complete_is_global),
        cmocka_unit_test(test_eb_local_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
