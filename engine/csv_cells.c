/* diagsante — parsing one CSV cell: missing-value markers and numbers as written in
 * French and international statistical exports (see include/diagsante/csv_table.h). */
#define _GNU_SOURCE /* strtod_l: locale-independent fallback conversion */
#include "diagsante/csv_table.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Markers, compared byte for byte against the trimmed cell (UTF-8). */
typedef struct marker {
    const char *text;
    size_t len;
    ds_cell_status status;
} marker;

#define MARKER(text, status) {text, sizeof text - 1, status}

static const marker MARKERS[] = {
    MARKER("NA", DS_CELL_MISSING),         MARKER("na", DS_CELL_MISSING),
    MARKER("N/A", DS_CELL_MISSING),        MARKER("n/a", DS_CELL_MISSING),
    MARKER("n.d.", DS_CELL_MISSING),       MARKER("N.D.", DS_CELL_MISSING),
    MARKER("nd", DS_CELL_MISSING),         MARKER("ND", DS_CELL_MISSING),
    MARKER("-", DS_CELL_MISSING),
    MARKER("N/A - r\xc3\xa9sultat non disponible", DS_CELL_MISSING),
    MARKER("s", DS_CELL_SECRET),           MARKER("c", DS_CELL_SECRET),
    MARKER("ns", DS_CELL_SECRET),          MARKER("NS", DS_CELL_SECRET),
    MARKER("secret", DS_CELL_SECRET),      MARKER("Secret", DS_CELL_SECRET),
    MARKER("SECRET", DS_CELL_SECRET),
    MARKER("N/A - secret statistique", DS_CELL_SECRET),
    MARKER("N/A - division par 0", DS_CELL_NOT_APPLICABLE),
};

ds_cell_status ds_cell_marker(const char *text, size_t len)
{
    if (len == 0)
        return DS_CELL_MISSING;
    /* Every marker starts with one of these bytes: a cheap exit for numbers and names. */
    switch (text[0]) {
    case 'N': case 'n': case 's': case 'S': case 'c': case '-':
        break;
    default:
        return DS_CELL_VALUE;
    }
    if (len > 1 && text[0] == '-' && text[1] >= '0' && text[1] <= '9')
        return DS_CELL_VALUE; /* a negative number */
    for (size_t i = 0; i < sizeof MARKERS / sizeof MARKERS[0]; i++)
        if (MARKERS[i].len == len && memcmp(MARKERS[i].text, text, len) == 0)
            return MARKERS[i].status;
    return DS_CELL_VALUE;
}

/* Length of a thousands separator at p (space, U+00A0, U+202F in UTF-8), or 0. */
static size_t thousands_separator_at(const unsigned char *p, const unsigned char *end)
{
    if (p < end && *p == ' ')
        return 1;
    if (end - p >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
        return 2;
    if (end - p >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xAF)
        return 3;
    return 0;
}

/* Exact powers of ten representable in a double (10^0 .. 10^22). */
static const double POW10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Converts the normalised ASCII number in buf ("-1234.5e3") with the C locale. */
static double strtod_c_locale(const char *buf)
{
    static locale_t c_locale; /* created once; newlocale is thread-safe, the race is benign */
    if (c_locale == (locale_t)0)
        c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return strtod(buf, NULL);
    return strtod_l(buf, NULL, c_locale);
}

/* The common case, [-]digits[(.|,)digits] with at most 15 significant digits and no
 * leading zero, converted directly (Clinger's fast path: exact). Returns false, leaving
 * the outputs alone, for anything else, which the full grammar below then handles. */
static bool parse_plain_number(const char *text, size_t len, double *value, char *decimal_mark)
{
    const char *p = text, *end = text + len;
    bool negative = p < end && *p == '-';
    p += negative;
    const char *digits = p;
    uint64_t mantissa = 0;
    while (p < end && *p >= '0' && *p <= '9')
        mantissa = mantissa * 10 + (uint64_t)(*p++ - '0');
    size_t int_digits = (size_t)(p - digits);
    if (int_digits == 0 || (digits[0] == '0' && int_digits > 1))
        return false;
    char mark = 0;
    size_t frac_digits = 0;
    if (p < end && (*p == ',' || *p == '.')) {
        mark = *p++;
        const char *frac = p;
        while (p < end && *p >= '0' && *p <= '9')
            mantissa = mantissa * 10 + (uint64_t)(*p++ - '0');
        frac_digits = (size_t)(p - frac);
        if (frac_digits == 0)
            return false;
    }
    if (p != end || int_digits + frac_digits > 15 || frac_digits > 22)
        return false; /* more to read (separators, exponent, %), or too long: full path */
    double v = (double)mantissa;
    if (frac_digits > 0)
        v /= POW10[frac_digits];
    *value = negative ? -v : v;
    if (decimal_mark != NULL)
        *decimal_mark = mark;
    return true;
}

/* Grammar: [sign] int-part [mark frac-digits] [e|E [sign] digits] [spaces] ['%'],
 * int-part = "0" | nonzero-digit digits* | digit{1,3} (sep digit{3})+ . */
bool ds_parse_number(const char *text, size_t len, double *value, char *decimal_mark)
{
    if (parse_plain_number(text, len, value, decimal_mark))
        return true;
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    char normalised[64];
    size_t n = 0;
    bool negative = false;
    uint64_t mantissa = 0;
    int significant = 0, exp10 = 0;
    char mark = 0;

    if (p < end && (*p == '-' || *p == '+')) {
        negative = *p == '-';
        p++;
    }
    if (p == end || *p < '0' || *p > '9')
        return false;
    if (negative)
        normalised[n++] = '-';
    /* Integer part, with optional thousands separators between groups of 3 digits. */
    const unsigned char *int_start = p;
    size_t group = 0, groups = 0;
    for (;;) {
        if (p < end && *p >= '0' && *p <= '9') {
            if (n >= sizeof normalised - 8)
                return false;
            normalised[n++] = (char)*p;
            if (significant > 0 || *p != '0') {
                if (significant < 19)
                    mantissa = mantissa * 10 + (uint64_t)(*p - '0');
                else
                    exp10++;
                significant++;
            }
            group++;
            p++;
            continue;
        }
        size_t sep = thousands_separator_at(p, end);
        if (sep > 0 && p + sep < end && p[sep] >= '0' && p[sep] <= '9') {
            if ((groups == 0 && group > 3) || (groups > 0 && group != 3))
                return false;
            groups++;
            group = 0;
            p += sep;
            continue;
        }
        break;
    }
    if (groups > 0 && group != 3)
        return false;
    if (*int_start == '0' && p - int_start > 1)
        return false; /* "01001" is an identifier, not a number */
    /* Decimal part. */
    if (p < end && (*p == ',' || *p == '.')) {
        mark = (char)*p++;
        if (p == end || *p < '0' || *p > '9')
            return false;
        normalised[n++] = '.';
        while (p < end && *p >= '0' && *p <= '9') {
            if (n >= sizeof normalised - 8)
                return false;
            normalised[n++] = (char)*p;
            if (significant > 0 || *p != '0') {
                if (significant < 19) {
                    mantissa = mantissa * 10 + (uint64_t)(*p - '0');
                    exp10--;
                }
                significant++;
            } else {
                exp10--;
            }
            p++;
        }
    }
    /* Exponent. */
    if (p < end && (*p == 'e' || *p == 'E')) {
        normalised[n++] = 'e';
        p++;
        int exp_sign = 1, exp_value = 0;
        if (p < end && (*p == '-' || *p == '+')) {
            exp_sign = *p == '-' ? -1 : 1;
            normalised[n++] = (char)*p++;
        }
        if (p == end || *p < '0' || *p > '9')
            return false;
        while (p < end && *p >= '0' && *p <= '9') {
            if (n >= sizeof normalised - 2 || exp_value > 10000)
                return false;
            exp_value = exp_value * 10 + (*p - '0');
            normalised[n++] = (char)*p++;
        }
        exp10 += exp_sign * exp_value;
    }
    /* Optional percent sign, possibly after a space. */
    const unsigned char *q = p;
    while (q < end) {
        size_t sep = thousands_separator_at(q, end);
        if (sep == 0)
            break;
        q += sep;
    }
    if (q < end && *q == '%')
        p = q + 1;
    if (p != end)
        return false;

    double v;
    if (significant <= 15 && exp10 >= -22 && exp10 <= 22) {
        /* Clinger's fast path: an exact integer below 2^53 times or divided by an exact
         * power of ten is correctly rounded by one IEEE operation. */
        v = (double)mantissa;
        v = exp10 < 0 ? v / POW10[-exp10] : v * POW10[exp10];
        if (negative)
            v = -v;
    } else {
        normalised[n] = '\0';
        v = strtod_c_locale(normalised);
    }
    if (!isfinite(v))
        return false;
    *value = v;
    if (decimal_mark != NULL)
        *decimal_mark = mark;
    return true;
}
