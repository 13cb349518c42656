/* Tests of the FDep deprivation index (engine/fdep.c): the first principal component
 * on hand-checkable cases, its orientation, missing inputs, quintiles, and the real
 * IRIS of Occitanie against numpy.
 *
 * Reference values marked "numpy" were computed once by tests/tools/fdep_check.py
 * (numpy.linalg.eigh of the weighted correlation matrix, moments with the weight total
 * as denominator, unemployment loading made positive) and pasted here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "diagsante/csv_table.h"
#include "diagsante/fdep.h"
#include "helpers.h"

/* Two perfectly correlated variables (y = 2x + 1): the correlation matrix is
 * [[1, 1], [1, 1]], whose eigenvalues are 2 and 0 (trace 2, determinant 0); the
 * eigenvector of 2 is (1, 1) / sqrt(2). The scores are (z_x + z_y) / sqrt(2) = sqrt(2) z_x
 * with x = (1, 2, 4): mean 7/3, population sd sqrt(14/9) = sqrt(14)/3, so
 * z_x = (-4, -1, 5) / sqrt(14) and the scores (-4, -1, 5) / sqrt(7). */
static void test_pca_two_collinear(void **state)
{
    (void)state;
    const double x[] = {1, 3, 2, 5, 4, 9};
    double lambda, loadings[2], scores[3];
    ds_error err;
    assert_int_equal(ds_pca_first(x, 3, 2, NULL, 0, &lambda, loadings, scores, &err), DS_OK);
    assert_close(lambda, 2.0, 1e-14);
    assert_close(loadings[0], sqrt(0.5), 1e-14);
    assert_close(loadings[1], sqrt(0.5), 1e-14);
    assert_close(scores[0], -4 / sqrt(7), 1e-13);
    assert_close(scores[1], -1 / sqrt(7), 1e-13);
    assert_close(scores[2], 5 / sqrt(7), 1e-13);
    /* Weights that are all equal change nothing. */
    const double w[] = {3, 3, 3};
    assert_int_equal(ds_pca_first(x, 3, 2, w, 1, &lambda, loadings, NULL, &err), DS_OK);
    assert_close(lambda, 2.0, 1e-14);
    assert_close(loadings[1], sqrt(0.5), 1e-14);
}

/* Perfectly anti-correlated variables: correlation -1, eigenvector (1, -1)/sqrt(2) up to
 * its sign, which the orientation fixes: positive on the variable asked for. */
static void test_pca_orientation(void **state)
{
    (void)state;
    const double x[] = {1, 10, 2, 8, 4, 4};
    double lambda, loadings[2];
    ds_error err;
    assert_int_equal(ds_pca_first(x, 3, 2, NULL, 0, &lambda, loadings, NULL, &err), DS_OK);
    assert_close(lambda, 2.0, 1e-14);
    assert_close(loadings[0], sqrt(0.5), 1e-14);
    assert_close(loadings[1], -sqrt(0.5), 1e-14);
    assert_int_equal(ds_pca_first(x, 3, 2, NULL, 1, &lambda, loadings, NULL, &err), DS_OK);
    assert_close(loadings[0], -sqrt(0.5), 1e-14);
    assert_close(loadings[1], sqrt(0.5), 1e-14);
}

static void test_pca_errors(void **state)
{
    (void)state;
    double lambda, loadings[2];
    ds_error err;
    const double constant[] = {1, 5, 2, 5, 3, 5};
    assert_int_equal(ds_pca_first(constant, 3, 2, NULL, 0, &lambda, loadings, NULL, &err),
                     DS_EDATA);
    assert_non_null(strstr(err.message, "variable 1 has no variance"));
    const double x[] = {1, 2, 3, NAN};
    assert_int_equal(ds_pca_first(x, 2, 2, NULL, 0, &lambda, loadings, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "row 1, variable 1"));
    assert_int_equal(ds_pca_first(x, 1, 2, NULL, 0, &lambda, loadings, NULL, &err), DS_EUSAGE);
    assert_int_equal(ds_pca_first(x, 2, 2, NULL, 2, &lambda, loadings, NULL, &err), DS_EUSAGE);
    const double w[] = {1, -1};
    const double y[] = {1, 2, 3, 5};
    assert_int_equal(ds_pca_first(y, 2, 2, w, 0, &lambda, loadings, NULL, &err), DS_EDATA);
    const double zero[] = {0, 0};
    assert_int_equal(ds_pca_first(y, 2, 2, zero, 0, &lambda, loadings, NULL, &err), DS_EDATA);
}

/* Six units: income, % bac, % workers, % unemployed, population. */
static const ds_fdep_unit SMALL[] = {
    {"A", {18000, 35, 25, 14}, 1200}, {"B", {22000, 45, 18, 9}, 800},
    {"C", {25000, 50, 15, 8}, 2500},  {"D", {30000, 65, 8, 5}, 3000},
    {"E", {16000, 30, 30, 16}, 600},  {"F", {21000, 40, 22, 12}, 1500},
};

/* numpy (population-weighted): correlation matrix
 *   [ 1       0.99470 -0.99439 -0.98357 ]
 *   [ 0.99470 1       -0.99122 -0.97618 ]
 *   [-0.99439 -0.99122 1        0.99415 ]
 *   [-0.98357 -0.97618 0.99415  1       ]
 * eigenvalue 3.9671248927596765 (share 0.99178...), loadings below, scores A..F below.
 * Quintiles by the middle of each unit's span along the sorted scores (D < C < B < F <
 * A < E): units at positions 0.5..5.5 of 6 -> 1, 2, 3, 3, 4, 5; population
 * D [0, 3000) C [3000, 5500) B [5500, 6300) F [6300, 7800) A [7800, 9000) E [9000, 9600)
 * of 9600: middles 0.156, 0.443, 0.615, 0.734, 0.875, 0.969 -> 1, 3, 4, 4, 5, 5. */
static void test_fdep_small_weighted(void **state)
{
    (void)state;
    ds_fdep *f;
    ds_error err;
    assert_int_equal(ds_fdep_compute(SMALL, 6, DS_FDEP_WEIGHT_POPULATION, &f, &err), DS_OK);
    assert_close(ds_fdep_eigenvalue(f), 3.9671248927596765, 1e-12);
    assert_close(ds_fdep_variance_share(f), 0.99178122318991913, 1e-12);
    const double loadings[4] = {-0.50070117175368389, -0.49936977337724153,
                                0.50159350093240596, 0.49832933474161739};
    for (int j = 0; j < 4; j++) {
        assert_close(ds_fdep_loading(f, (ds_fdep_variable)j), loadings[j], 1e-10);
        assert_close(ds_fdep_correlation(f, (ds_fdep_variable)j),
                     loadings[j] * sqrt(3.9671248927596765), 1e-10);
    }
    /* Weighted mean income by hand: (18000*1200 + 22000*800 + 25000*2500 + 30000*3000
     * + 16000*600 + 21000*1500) / 9600 = 232800000 / 9600 = 24250. */
    assert_close(ds_fdep_mean(f, DS_FDEP_MEDIAN_INCOME), 24250, 1e-15);
    const double scores[6] = {2.6010353657351901,  0.55110538519735985, -0.33686064252819348,
                              -2.4266084419079768, 3.6645665789957249,  1.5740734917379087};
    const int qu[6] = {4, 3, 2, 1, 5, 3}, qp[6] = {5, 4, 3, 1, 5, 4};
    assert_int_equal(ds_fdep_unit_count(f), 6);
    assert_int_equal(ds_fdep_scored_count(f), 6);
    assert_int_equal(ds_fdep_exclusion_count(f), 0);
    for (size_t i = 0; i < 6; i++) {
        ds_fdep_score s;
        ds_fdep_score_at(f, i, &s);
        assert_true(s.scored);
        assert_close(s.score, scores[i], 1e-9);
        assert_int_equal(s.quintile_units, qu[i]);
        assert_int_equal(s.quintile_population, qp[i]);
    }
    ds_fdep_free(f);
}

/* numpy (unweighted): eigenvalue 3.9581451937782046; same orientation. */
static void test_fdep_small_unweighted(void **state)
{
    (void)state;
    ds_fdep *f;
    ds_error err;
    assert_int_equal(ds_fdep_compute(SMALL, 6, DS_FDEP_UNWEIGHTED, &f, &err), DS_OK);
    assert_close(ds_fdep_eigenvalue(f), 3.9581451937782046, 1e-12);
    const double loadings[4] = {-0.5003791049991374, -0.49985982456645373, 0.5017993027221862,
                                0.49795418147876197};
    for (int j = 0; j < 4; j++)
        assert_close(ds_fdep_loading(f, (ds_fdep_variable)j), loadings[j], 1e-10);
    ds_fdep_score s;
    ds_fdep_score_at(f, 3, &s);
    assert_close(s.score, -3.3755392852417749, 1e-9);
    /* Unweighted mean income: 132000 / 6 = 22000. */
    assert_close(ds_fdep_mean(f, DS_FDEP_MEDIAN_INCOME), 22000, 1e-15);
    ds_fdep_free(f);
}

/* The sign convention: whatever sign GSL returns, the unemployment loading is positive
 * and the most deprived unit (E: lowest income, most unemployment) scores highest.
 * Reversing the unit order must not change any unit's score. */
static void test_fdep_orientation(void **state)
{
    (void)state;
    ds_fdep_unit reversed[6];
    for (size_t i = 0; i < 6; i++)
        reversed[i] = SMALL[5 - i];
    ds_fdep *f, *g;
    ds_error err;
    assert_int_equal(ds_fdep_compute(SMALL, 6, DS_FDEP_WEIGHT_POPULATION, &f, &err), DS_OK);
    assert_int_equal(ds_fdep_compute(reversed, 6, DS_FDEP_WEIGHT_POPULATION, &g, &err), DS_OK);
    assert_true(ds_fdep_loading(f, DS_FDEP_UNEMPLOYMENT_PCT) > 0);
    assert_true(ds_fdep_loading(f, DS_FDEP_MEDIAN_INCOME) < 0);
    for (size_t i = 0; i < 6; i++) {
        ds_fdep_score a, b;
        ds_fdep_score_at(f, i, &a);
        ds_fdep_score_at(g, 5 - i, &b);
        assert_close(a.score, b.score, 1e-12);
        assert_int_equal(a.quintile_population, b.quintile_population);
        if (i != 4) {
            ds_fdep_score e;
            ds_fdep_score_at(f, 4, &e);
            assert_true(e.score > a.score);
        }
    }
    ds_fdep_free(f);
    ds_fdep_free(g);
}

/* Units with a missing value are listed with the fields they miss and excluded: the
 * result on the others equals the result computed without them. */
static void test_fdep_missing(void **state)
{
    (void)state;
    ds_fdep_unit units[8];
    memcpy(units, SMALL, sizeof SMALL);
    units[6] = (ds_fdep_unit){"G", {NAN, 40, 20, NAN}, 900};
    units[7] = (ds_fdep_unit){NULL, {20000, 40, 20, 10}, NAN};
    /* Move G to the front so that the excluded units are not only the last ones. */
    ds_fdep_unit g = units[6];
    memmove(&units[1], &units[0], 6 * sizeof *units);
    units[0] = g;
    ds_fdep *f, *ref;
    ds_error err;
    assert_int_equal(ds_fdep_compute(units, 8, DS_FDEP_WEIGHT_POPULATION, &f, &err), DS_OK);
    assert_int_equal(ds_fdep_compute(SMALL, 6, DS_FDEP_WEIGHT_POPULATION, &ref, &err), DS_OK);
    assert_int_equal(ds_fdep_unit_count(f), 8);
    assert_int_equal(ds_fdep_scored_count(f), 6);
    assert_int_equal(ds_fdep_exclusion_count(f), 2);
    const ds_fdep_exclusion *e0 = ds_fdep_exclusion_at(f, 0), *e1 = ds_fdep_exclusion_at(f, 1);
    assert_int_equal(e0->unit, 0);
    assert_string_equal(e0->id, "G");
    assert_int_equal(e0->missing,
                     (1u << DS_FDEP_MEDIAN_INCOME) | (1u << DS_FDEP_UNEMPLOYMENT_PCT));
    assert_int_equal(e1->unit, 7);
    assert_string_equal(e1->id, "#7");
    assert_int_equal(e1->missing, DS_FDEP_MISSING_POPULATION);
    assert_null(ds_fdep_exclusion_at(f, 2));
    assert_string_equal(ds_fdep_variable_name(DS_FDEP_UNEMPLOYMENT_PCT), "unemployment_pct");
    assert_string_equal(ds_fdep_variable_name(DS_FDEP_VARIABLES), "population");
    ds_fdep_score s;
    ds_fdep_score_at(f, 0, &s);
    assert_false(s.scored);
    assert_true(isnan(s.score));
    assert_int_equal(s.quintile_units, 0);
    for (size_t i = 0; i < 6; i++) {
        ds_fdep_score a, b;
        ds_fdep_score_at(f, i + 1, &a);
        ds_fdep_score_at(ref, i, &b);
        assert_true(a.scored);
        assert_close(a.score, b.score, 1e-12);
        assert_int_equal(a.quintile_units, b.quintile_units);
    }
    ds_fdep_free(f);
    ds_fdep_free(ref);
}

static void test_fdep_errors(void **state)
{
    (void)state;
    ds_fdep_unit units[6];
    ds_fdep *f;
    ds_error err;
    memcpy(units, SMALL, sizeof SMALL);
    units[2].population = -1;
    assert_int_equal(ds_fdep_compute(units, 6, DS_FDEP_WEIGHT_POPULATION, &f, &err), DS_EDATA);
    assert_null(f);
    assert_non_null(strstr(err.message, "unit 2 (C): population"));
    memcpy(units, SMALL, sizeof SMALL);
    units[1].values[DS_FDEP_BAC_PCT] = INFINITY;
    assert_int_equal(ds_fdep_compute(units, 6, DS_FDEP_WEIGHT_POPULATION, &f, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "unit 1 (B): bac_pct"));
    /* Every unit with the same unemployment rate: no correlation to compute. */
    memcpy(units, SMALL, sizeof SMALL);
    for (size_t i = 0; i < 6; i++)
        units[i].values[DS_FDEP_UNEMPLOYMENT_PCT] = 10;
    assert_int_equal(ds_fdep_compute(units, 6, DS_FDEP_UNWEIGHTED, &f, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "unemployment_pct has no variance"));
    /* One complete unit only. */
    memcpy(units, SMALL, sizeof SMALL);
    for (size_t i = 1; i < 6; i++)
        units[i].values[DS_FDEP_WORKERS_PCT] = NAN;
    assert_int_equal(ds_fdep_compute(units, 6, DS_FDEP_UNWEIGHTED, &f, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "1 of 6"));
    /* Zero population everywhere: nothing to weight (but fine unweighted). */
    memcpy(units, SMALL, sizeof SMALL);
    for (size_t i = 0; i < 6; i++)
        units[i].population = 0;
    assert_int_equal(ds_fdep_compute(units, 6, DS_FDEP_WEIGHT_POPULATION, &f, &err), DS_EDATA);
    assert_int_equal(ds_fdep_compute(units, 6, DS_FDEP_UNWEIGHTED, &f, &err), DS_OK);
    ds_fdep_free(f);
    assert_int_equal(ds_fdep_compute(SMALL, 6, (ds_fdep_weighting)7, &f, &err), DS_EUSAGE);
    ds_fdep_free(NULL);
}

/* Ties share a quintile: four units, two of them with identical values, unweighted. */
static void test_fdep_ties(void **state)
{
    (void)state;
    const ds_fdep_unit units[] = {
        {"a", {20000, 40, 20, 10}, 100}, {"b", {20000, 40, 20, 10}, 100},
        {"c", {30000, 60, 10, 5}, 100},  {"d", {15000, 30, 30, 15}, 100},
    };
    ds_fdep *f;
    ds_error err;
    assert_int_equal(ds_fdep_compute(units, 4, DS_FDEP_UNWEIGHTED, &f, &err), DS_OK);
    ds_fdep_score a, b, c, d;
    ds_fdep_score_at(f, 0, &a);
    ds_fdep_score_at(f, 1, &b);
    ds_fdep_score_at(f, 2, &c);
    ds_fdep_score_at(f, 3, &d);
    assert_true(a.score == b.score);
    /* Sorted c < {a, b} < d: c spans [0, 1) of 4 (middle 0.125 -> 1), a and b [1, 3)
     * (middle 0.5 -> 3), d [3, 4) (middle 0.875 -> 5); the same by population. */
    assert_int_equal(c.quintile_units, 1);
    assert_int_equal(a.quintile_units, 3);
    assert_int_equal(b.quintile_units, 3);
    assert_int_equal(d.quintile_units, 5);
    assert_int_equal(b.quintile_population, 3);
    ds_fdep_free(f);
}

#define IRIS_TABLE "iris_occitanie/iris_indicateurs_occitanie.csv"

static long column(const ds_table *t, const char *name)
{
    long c = ds_table_column_index(t, name);
    if (c < 0)
        fail_msg("column %s not found", name);
    return c;
}

static double cell(const ds_table *t, size_t row, long c)
{
    double v;
    return ds_table_number(t, row, (size_t)c, &v) == DS_CELL_VALUE ? v : NAN;
}

/* The real IRIS of Occitanie. Inputs: rev_med_21 (Filosofi 2021 median income per
 * consumption unit), 100 - dsp_dipl_infbac_pct_22 (% bac or more), dsp_csp_ouvriers_pct_22
 * (% ouvriers, among the population aged 15+ in this file, not among the active
 * population as in the paper: see its SOURCE.txt), soc_txchom_1564_22, P22_POP.
 * numpy (tests/tools/fdep_check.py, the same complete rows): 5,442 IRIS, 4,532
 * complete, 910 excluded (rev_med_21 missing); values below. */
static void check_iris(ds_fdep_weighting weighting, double lambda, const double loadings[4],
                       const char *const ids[4], const double scores[4], const int quintiles[4][2])
{
    require_shared(IRIS_TABLE);
    ds_table *t;
    ds_error err;
    if (ds_table_load(SHARED_DATA IRIS_TABLE, NULL, &t, &err) != DS_OK)
        fail_msg("%s", err.message);
    size_t n = ds_table_rows(t);
    assert_int_equal(n, 5442);
    long code = column(t, "code"), income = column(t, "rev_med_21"),
         infbac = column(t, "dsp_dipl_infbac_pct_22"),
         workers = column(t, "dsp_csp_ouvriers_pct_22"),
         unemployment = column(t, "soc_txchom_1564_22"), pop = column(t, "P22_POP");
    ds_fdep_unit *units = calloc(n, sizeof *units);
    char(*idbuf)[DS_CELL_TEXT_MAX] = calloc(n, sizeof *idbuf);
    assert_non_null(units);
    assert_non_null(idbuf);
    for (size_t i = 0; i < n; i++) {
        units[i].id = ds_table_cell_text(t, i, (size_t)code, idbuf[i]);
        units[i].values[DS_FDEP_MEDIAN_INCOME] = cell(t, i, income);
        units[i].values[DS_FDEP_BAC_PCT] = 100 - cell(t, i, infbac);
        units[i].values[DS_FDEP_WORKERS_PCT] = cell(t, i, workers);
        units[i].values[DS_FDEP_UNEMPLOYMENT_PCT] = cell(t, i, unemployment);
        units[i].population = cell(t, i, pop);
    }
    ds_fdep *f;
    if (ds_fdep_compute(units, n, weighting, &f, &err) != DS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ds_fdep_scored_count(f), 4532);
    assert_int_equal(ds_fdep_exclusion_count(f), 910);
    for (size_t k = 0; k < ds_fdep_exclusion_count(f); k++)
        assert_true(ds_fdep_exclusion_at(f, k)->missing & (1u << DS_FDEP_MEDIAN_INCOME));
    /* The first component explains more than half of the variance, with the expected
     * signs: income and bac negative, workers and unemployment positive. */
    assert_true(ds_fdep_variance_share(f) > 0.5);
    assert_true(ds_fdep_loading(f, DS_FDEP_MEDIAN_INCOME) < 0);
    assert_true(ds_fdep_loading(f, DS_FDEP_BAC_PCT) < 0);
    assert_true(ds_fdep_loading(f, DS_FDEP_WORKERS_PCT) > 0);
    assert_true(ds_fdep_loading(f, DS_FDEP_UNEMPLOYMENT_PCT) > 0);
    assert_close(ds_fdep_eigenvalue(f), lambda, 1e-9);
    for (int j = 0; j < 4; j++)
        assert_close(ds_fdep_loading(f, (ds_fdep_variable)j), loadings[j], 1e-9);
    size_t per_unit_quintile[6] = {0};
    for (size_t i = 0; i < n; i++) {
        ds_fdep_score s;
        ds_fdep_score_at(f, i, &s);
        if (s.scored)
            per_unit_quintile[s.quintile_units]++;
        for (int k = 0; k < 4; k++)
            if (units[i].id != NULL && strcmp(units[i].id, ids[k]) == 0) {
                assert_true(s.scored);
                assert_close(s.score, scores[k], 1e-9);
                assert_int_equal(s.quintile_units, quintiles[k][0]);
                assert_int_equal(s.quintile_population, quintiles[k][1]);
            }
    }
    /* numpy: 906, 907, 906, 907, 906 units per quintile. */
    assert_int_equal(per_unit_quintile[1], 906);
    assert_int_equal(per_unit_quintile[2], 907);
    assert_int_equal(per_unit_quintile[3], 906);
    assert_int_equal(per_unit_quintile[4], 907);
    assert_int_equal(per_unit_quintile[5], 906);
    ds_fdep_free(f);
    free(idbuf);
    free(units);
    ds_table_free(t);
}

static const char *const IRIS_IDS[4] = {"090020000", "090030000", "322310000", "821950000"};

static void test_fdep_iris_weighted(void **state)
{
    (void)state;
    const double loadings[4] = {-0.57641791864566605, -0.51899059139835657,
                                0.43495001292670293, 0.45739439804095006};
    const double scores[4] = {0.58306028745591176, 1.0380157568388209, -0.24205715936512934,
                              0.029524374914466939};
    const int quintiles[4][2] = {{4, 4}, {5, 5}, {3, 3}, {3, 3}};
    check_iris(DS_FDEP_WEIGHT_POPULATION, 2.5176876307257929, loadings, IRIS_IDS, scores,
               quintiles);
}

static void test_fdep_iris_unweighted(void **state)
{
    (void)state;
    const double loadings[4] = {-0.61832105662990633, -0.548993884740823, 0.32281279125101231,
                                0.46051784683113667};
    const double scores[4] = {0.41270940509087845, 1.434977849626482, -0.40091399069820755,
                              -0.10136511254660753};
    const int quintiles[4][2] = {{4, 4}, {5, 5}, {2, 3}, {3, 3}};
    check_iris(DS_FDEP_UNWEIGHTED, 2.1049971482527474, loadings, IRIS_IDS, scores, quintiles);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pca_two_collinear),
        cmocka_unit_test(test_pca_orientation),
        cmocka_unit_test(test_pca_errors),
        cmocka_unit_test(test_fdep_small_weighted),
        cmocka_unit_test(test_fdep_small_unweighted),
        cmocka_unit_test(test_fdep_orientation),
        cmocka_unit_test(test_fdep_missing),
        cmocka_unit_test(test_fdep_errors),
        cmocka_unit_test(test_fdep_ties),
        cmocka_unit_test(test_fdep_iris_weighted),
        cmocka_unit_test(test_fdep_iris_unweighted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
