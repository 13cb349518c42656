/* diagsante — formatting doubles (numfmt.h).
 *
 * The reference rule (kept by the slow path, and by the tests as the oracle) is: print
 * with "%.15g"; if strtod does not read it back as v, "%.16g"; then "%.17g". Most of a
 * portrait's figures are integers (counts, populations) or ratios that need 17 digits, so
 * the rule costs up to three printf and three strtod calls per number, which dominated
 * the batch portraits' time. The fast path reproduces it exactly with integer arithmetic:
 *
 *   v = m * 2^-s (m the 53-bit significand, 0 < s <= 125). For n significant digits and
 *   decimal exponent E (10^E <= |v| < 10^(E+1)), with p = n - 1 - E in 0..22:
 *       v * 10^p = (m * 10^p) / 2^s = q + r / 2^s,  m * 10^p < 2^53 * 10^22 < 2^127,
 *   so q (the n leading digits) and r are exact; q is rounded to nearest, ties to even
 *   (glibc's printf in the default rounding mode). The decimal D = q' / 10^p lies at
 *   diff / 2^s from v * 10^p (diff = r, or 2^s - r when rounded up); the next double on
 *   D's side lies at 10^p in the same units (powers of two, whose gap below is half,
 *   take the slow path), so strtod (nearest, ties to even) returns v iff
 *   2 * diff < 10^p, or 2 * diff == 10^p and m is even. The digits are then laid out as %g does: exponent form when X < -4 or X >= n
 *   (X the exponent after rounding), else fixed, trailing zeros removed.
 * Integers of magnitude below 1e15 print as themselves under "%.15g" and read back
 * exactly. */
#include "numfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__extension__ typedef unsigned __int128 u128;

static const uint64_t POW10[20] = {1ULL,
                                   10ULL,
                                   100ULL,
                                   1000ULL,
                                   10000ULL,
                                   100000ULL,
                                   1000000ULL,
                                   10000000ULL,
                                   100000000ULL,
                                   1000000000ULL,
                                   10000000000ULL,
                                   100000000000ULL,
                                   1000000000000ULL,
                                   10000000000000ULL,
                                   100000000000000ULL,
                                   1000000000000000ULL,
                                   10000000000000000ULL,
                                   100000000000000000ULL,
                                   1000000000000000000ULL,
                                   10000000000000000000ULL};

/* 10^p for p in 0..22, exact. */
static u128 pow10_128(int p)
{
    return p <= 19 ? (u128)POW10[p] : (u128)POW10[19] * POW10[p - 19];
}

/* The reference rule itself (snprintf + strtod), for the values the fast path leaves. */
static size_t fmt_slow(double v, char buf[DS_FMT_DOUBLE_MAX])
{
    int len = 0;
    for (int digits = 15; digits <= 17; digits++) {
        len = snprintf(buf, DS_FMT_DOUBLE_MAX, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return len > 0 ? (size_t)len : 0;
}

/* Writes the decimal digits of x (x > 0) at the end of a 20-byte area ending at end;
 * returns where they start. */
static char *digits_u64(uint64_t x, char *end)
{
    char *p = end;
    do {
        *--p = (char)('0' + x % 10);
        x /= 10;
    } while (x != 0);
    return p;
}

/* Lays out n digits (q, 10^(n-1) <= q < 10^n) with exponent x as %.{n}g does. */
static size_t layout(bool negative, uint64_t q, int n, int x, char *buf)
{
    char tmp[24];
    char *d = digits_u64(q, tmp + sizeof tmp);
    int k = n;  /* significant digits kept: trailing zeros go */
    while (k > 1 && d[k - 1] == '0')
        k--;
    char *o = buf;
    if (negative)
        *o++ = '-';
    if (x < -4 || x >= n) {
        *o++ = d[0];
        if (k > 1) {
            *o++ = '.';
            memcpy(o, d + 1, (size_t)(k - 1));
            o += k - 1;
        }
        *o++ = 'e';
        *o++ = x < 0 ? '-' : '+';
        int ax = x < 0 ? -x : x;
        if (ax >= 100)
            *o++ = (char)('0' + ax / 100);
        *o++ = (char)('0' + ax / 10 % 10);
        *o++ = (char)('0' + ax % 10);
    } else if (x >= 0) {
        int whole = x + 1;  /* digits before the point, <= n */
        for (int i = 0; i < whole; i++)
            *o++ = i < k ? d[i] : '0';
        if (k > whole) {
            *o++ = '.';
            memcpy(o, d + whole, (size_t)(k - whole));
            o += k - whole;
        }
    } else {
        *o++ = '0';
        *o++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *o++ = '0';
        memcpy(o, d, (size_t)k);
        o += k;
    }
    *o = '\0';
    return (size_t)(o - buf);
}

/* "%.{n}g" of v = ±m*2^-s and whether strtod reads it back as v. *e10 is a guess of
 * the decimal exponent, corrected here. False when v is outside the exact range. */
static bool fmt_digits(bool negative, uint64_t m, int s, int n, int *e10, char *buf,
                       size_t *len, bool *round_trips)
{
    u128 low = POW10[n - 1], high = POW10[n];
    int e = *e10;
    u128 prod, q;
    for (int tries = 0;; tries++) {
        int p = n - 1 - e;
        if (p < 0 || p > 22 || tries > 3)
            return false;
        prod = (u128)m * pow10_128(p);
        q = prod >> s;
        if (q >= high)
            e++;
        else if (q < low)
            e--;
        else
            break;
    }
    *e10 = e;
    u128 unit = (u128)1 << s;
    u128 r = prod & (unit - 1), half = unit >> 1, diff;
    bool up = r > half || (r == half && (q & 1) != 0);
    if (up) {
        q++;
        diff = unit - r;
    } else {
        diff = r;
    }
    int x = e;
    if (q == high) {
        q = low;
        x++;
    }
    /* The gap to the next double on D's side, in units of 2^-s: 10^p (powers of two,
     * where the gap below is half, never come here). A tie (D halfway between two
     * doubles) cannot happen with 17 digits in this range, but is decided as strtod
     * does: to the even significand. */
    u128 gap = pow10_128(n - 1 - e), twice = diff << 1;
    *round_trips = twice < gap || (twice == gap && (m & 1) == 0);
    *len = layout(negative, (uint64_t)q, n, x, buf);
    return true;
}

size_t ds_fmt_double(double v, char buf[DS_FMT_DOUBLE_MAX])
{
    if (!isfinite(v)) {
        buf[0] = '\0';
        return 0;
    }
    double a = fabs(v);
    if (a < 1e15 && a == floor(a)) {  /* integers, zeros too ("-0" for -0.0) */
        char tmp[24];
        char *d = digits_u64((uint64_t)a, tmp + sizeof tmp);
        size_t n = (size_t)(tmp + sizeof tmp - d), at = 0;
        if (signbit(v))
            buf[at++] = '-';
        memcpy(buf + at, d, n);
        buf[at + n] = '\0';
        return at + n;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int biased = (int)(bits >> 52 & 0x7ff);
    int s = 1075 - biased;
    uint64_t fraction = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0 || s <= 0 || s > 125 || fraction == 0)  /* fraction 0: a power of two */
        return fmt_slow(v, buf);
    uint64_t m = fraction | (UINT64_C(1) << 52);
    bool negative = (bits >> 63) != 0;
    /* floor(e2 log10 2) with 78913 / 2^18 ~ log10 2 (e2 in -73..51): the decimal
     * exponent of a or one less; fmt_digits corrects it. */
    int e2 = biased - 1023;
    int e10 = e2 >= 0 ? e2 * 78913 / 262144 : -((-e2 * 78913 + 262143) / 262144);
    for (int n = 15; n <= 17; n++) {
        size_t len;
        bool round_trips;
        if (!fmt_digits(negative, m, s, n, &e10, buf, &len, &round_trips))
            return fmt_slow(v, buf);
        if (round_trips || n == 17)
            return len;
    }
    return 0; /* not reached */
}
