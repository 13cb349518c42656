/* Tests of the number formatter (engine/numfmt.c): byte-identical to the reference rule
 * "first of %.15g, %.16g, %.17g that strtod reads back", which the tests run themselves
 * through glibc's snprintf and strtod as the oracle, on hand-picked and generated
 * doubles of every kind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "helpers.h"

/* The reference rule, written out again (not numfmt.c's slow path). */
static void oracle(double v, char out[64])
{
    out[0] = '\0';
    if (!isfinite(v))
        return;
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(out, 64, "%.*g", digits, v);
        if (strtod(out, NULL) == v)
            return;
    }
}

static size_t checked;

static void check(double v)
{
    char want[64], got[DS_FMT_DOUBLE_MAX + 8];
    memset(got, 'x', sizeof got);
    oracle(v, want);
    size_t len = ds_fmt_double(v, got);
    if (strcmp(got, want) != 0 || len != strlen(want))
        fail_msg("%a: got \"%s\" (length %zu), expected \"%s\"", v, got, len, want);
    checked++;
}

/* xorshift64*: a fixed seed, so that a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static double from_bits(uint64_t bits)
{
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Written from C's printf rules, not from our output (checked with Python's '%.*g'). */
static void test_known_strings(void **state)
{
    (void)state;
    static const struct {
        double v;
        const char *text;
    } cases[] = {
        {0.0, "0"},
        {-0.0, "-0"},
        {1.0, "1"},
        {-42.0, "-42"},
        {100.0, "100"},
        {6022176.0, "6022176"},
        {999999999999999.0, "999999999999999"},  /* 15 digits: still an integer */
        {1e15, "1e+15"},                          /* 16 digits: %.15g goes to the exponent */
        {9007199254740992.0, "9007199254740992"}, /* 2^53 needs %.16g */
        {0.1, "0.1"},
        {0.3, "0.3"},
        {0.95, "0.95"},
        {1.5, "1.5"},
        {-2.25, "-2.25"},
        {1.0 / 3.0, "0.3333333333333333"},   /* %.16g suffices */
        {2.0 / 3.0, "0.6666666666666666"},
        {0.7 * 3.0, "2.0999999999999996"},   /* 17 digits */
        {0.1 + 0.2, "0.30000000000000004"},
        {1e-5, "1e-05"},
        {1e-4, "0.0001"},
        {1.5e-5, "1.5e-05"},
        {123456.789, "123456.789"},
        {DBL_MAX, "1.7976931348623157e+308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {4.9406564584124654e-324, "4.94065645841247e-324"}, /* reads back as the least subnormal */
        {NAN, ""},
        {INFINITY, ""},
        {-INFINITY, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char got[DS_FMT_DOUBLE_MAX];
        size_t len = ds_fmt_double(cases[i].v, got);
        if (strcmp(got, cases[i].text) != 0 || len != strlen(cases[i].text))
            fail_msg("case %zu (%a): got \"%s\", expected \"%s\"", i, cases[i].v, got,
                     cases[i].text);
        check(cases[i].v);  /* and the oracle agrees with the hand-written text */
    }
}

/* Any bit pattern: every exponent (mostly the slow path), NaN payloads included. */
static void test_random_bits(void **state)
{
    (void)state;
    for (int i = 0; i < 50000; i++)
        check(from_bits(rnd()));
}

/* Log-uniform magnitudes from 1e-9 to 1e18, both signs: the fast path and its edges. */
static void test_random_magnitudes(void **state)
{
    (void)state;
    for (int i = 0; i < 150000; i++) {
        double u = (double)(rnd() >> 11) / 9007199254740992.0;
        double v = pow(10.0, -9.0 + 27.0 * u);
        check(rnd() & 1 ? -v : v);
    }
}

/* What a portrait computes: ratios of counts, times a multiplier, shifted by a CI. */
static void test_rates(void **state)
{
    (void)state;
    static const double multipliers[] = {1, 100, 1000, 10000, 100000};
    for (int i = 0; i < 100000; i++) {
        double num = (double)(rnd() % 100000), den = (double)(rnd() % 10000000 + 1);
        double v = num / den * multipliers[rnd() % 5];
        check(v);
        check(v * 1.96 / sqrt(den));
        check(v - num / 7.0);
    }
}

/* Integers up to 2^53 (and a little over), the 1e15 boundary, and short decimals. */
static void test_integers_and_decimals(void **state)
{
    (void)state;
    for (int i = 0; i < 50000; i++) {
        uint64_t k = rnd() >> (11 + rnd() % 53);  /* 0 .. 2^53 - 1, every size */
        check((double)k);
        check(-(double)k);
        check((double)k / pow(10.0, (double)(rnd() % 12)));  /* 0.1-like decimals */
    }
    for (double x = 1e15 - 50; x <= 1e15 + 50; x++)
        check(x);
    for (int j = 0; j <= 300; j++) {
        double p = pow(10.0, (double)(j - 150));  /* next to the powers of ten */
        check(p), check(nextafter(p, 0)), check(nextafter(p, INFINITY));
        check(-nextafter(p, 0));
    }
}

/* Dyadic values (few binary fraction digits, many decimal ones): exact rounding ties
 * at 15 or 16 digits, which must go to even as printf does. */
static void test_ties(void **state)
{
    (void)state;
    for (int i = 0; i < 100000; i++) {
        uint64_t k = (rnd() >> 11) | (UINT64_C(1) << 40);
        check(ldexp((double)k, -(int)(rnd() % 14)));
    }
    check(12345678901234.25);   /* 15 digits: ...1234.2|5, a tie */
    check(12345678901234.75);
    check(1234567890123.125);
}

/* Powers of two and their neighbours (the gap below a power of two is half the gap
 * above: the asymmetric round-trip case), subnormals, the normal boundary. */
static void test_binary_edges(void **state)
{
    (void)state;
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1.0, e);
        check(p), check(nextafter(p, 0)), check(nextafter(p, INFINITY)), check(-p);
    }
    for (int i = 0; i < 10000; i++)
        check(from_bits(rnd() & ((UINT64_C(1) << 52) - 1)));  /* subnormals */
    check(DBL_MIN), check(nextafter(DBL_MIN, 0)), check(DBL_TRUE_MIN), check(-DBL_TRUE_MIN);
    check(DBL_MAX), check(-DBL_MAX), check(DBL_EPSILON);
    assert_true(checked > 700000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_strings),
        cmocka_unit_test(test_random_bits),
        cmocka_unit_test(test_random_magnitudes),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_integers_and_decimals),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_binary_edges),
    };
    return cmocka_run_group_tests_name("numfmt", tests, NULL, NULL);
}
