/* diagsante — French territory codes: recognise, validate and normalise
 * (see include/diagsante/codes.h).
 *
 * Every form check works on a trimmed, upper-cased copy of at most LONGEST_CODE
 * characters and either writes the normalised code or explains, in one short English
 * clause, why the text is not a code of that kind. No state is kept between calls. */
#include "diagsante/codes.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The longest code of any kind (IRIS and SIREN: 9 characters). */
#define LONGEST_CODE 9

/* Bytes of the input shown in an error message before it is cut with "...". */
#define SHOWN_BYTES 40

/* Room for one reason clause. */
#define REASON_MAX 256

/* ASCII classes: the codes are ASCII and the locale must not matter. */
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_alnum(char c) { return is_digit(c) || is_upper(c) || is_lower(c); }

/* The spaces trimmed around a value. */
static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* True when the n bytes at s are all ASCII digits (n may be 0). */
static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* True when the n bytes at s are all '0'. */
static bool all_zeros(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0')
            return false;
    return true;
}

/* Writes a reason clause into why (when why is not NULL) and returns false, so that a
 * check can end with `return reject(why, "...")`. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static bool reject(char *why, const char *fmt, ...)
{
    if (why == NULL)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, REASON_MAX, fmt, ap);
    va_end(ap);
    return false;
}

/* --- names -------------------------------------------------------------------------- */

static const char *const kind_names[DS_CODE_KIND_COUNT] = {
    [DS_CODE_NONE] = "none",       [DS_CODE_COMMUNE] = "commune", [DS_CODE_DEPARTEMENT] = "departement",
    [DS_CODE_REGION] = "region",   [DS_CODE_EPCI] = "epci",       [DS_CODE_IRIS] = "iris",
    [DS_CODE_QPV2015] = "qpv2015", [DS_CODE_QPV2024] = "qpv2024",
};

/* The kind with its article, for messages: "'x' is not <this>: ...". */
static const char *const kind_phrases[DS_CODE_KIND_COUNT] = {
    [DS_CODE_NONE] = "a code",
    [DS_CODE_COMMUNE] = "a commune code",
    [DS_CODE_DEPARTEMENT] = "a département code",
    [DS_CODE_REGION] = "a région code",
    [DS_CODE_EPCI] = "an EPCI SIREN",
    [DS_CODE_IRIS] = "an IRIS code",
    [DS_CODE_QPV2015] = "a QPV 2015 code",
    [DS_CODE_QPV2024] = "a QPV 2024 code",
};

/* What the length of each kind should be, for messages. */
static const char *const kind_lengths[DS_CODE_KIND_COUNT] = {
    [DS_CODE_NONE] = "",
    [DS_CODE_COMMUNE] = "a commune code has 5 characters (4 digits get their leading zero back)",
    [DS_CODE_DEPARTEMENT] = "a département code has 2 characters, 3 for 971 to 976 "
                            "(1 digit gets its leading zero back)",
    [DS_CODE_REGION] = "a région code has 2 digits (1 digit gets its leading zero back)",
    [DS_CODE_EPCI] = "an EPCI SIREN has 9 digits",
    [DS_CODE_IRIS] = "an IRIS code has 9 characters, commune code and 4 digits "
                     "(8 digits get their leading zero back)",
    [DS_CODE_QPV2015] = "a QPV 2015 code has 8 characters: QP, a 3-character département "
                        "and 3 digits (a lost zero is not restored)",
    [DS_CODE_QPV2024] = "a QPV 2024 code has 8 characters: QN, a 3-character département, "
                        "2 digits and N, M or I (a lost zero is not restored)",
};

/* True for the kinds that are codes (not DS_CODE_NONE, not out of range). */
static bool kind_is_code(ds_code_kind kind)
{
    return kind > DS_CODE_NONE && kind < DS_CODE_KIND_COUNT;
}

/* Out-of-range kinds are named "none". */
const char *ds_code_kind_name(ds_code_kind kind)
{
    if (kind < DS_CODE_NONE || kind >= DS_CODE_KIND_COUNT)
        return "none";
    return kind_names[kind];
}

/* Case-insensitive ASCII comparison of two NUL-terminated strings. */
static bool same_name(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = is_upper(*a) ? (char)(*a - 'A' + 'a') : *a;
        char y = is_upper(*b) ? (char)(*b - 'A' + 'a') : *b;
        if (x != y)
            return false;
        if (x == '\0')
            return true;
    }
}

/* Case-insensitive; NULL gives DS_CODE_NONE. */
ds_code_kind ds_code_kind_from_name(const char *name)
{
    if (name == NULL)
        return DS_CODE_NONE;
    for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++)
        if (same_name(name, kind_names[k]))
            return (ds_code_kind)k;
    if (same_name(name, "dep"))
        return DS_CODE_DEPARTEMENT;
    if (same_name(name, "reg"))
        return DS_CODE_REGION;
    if (same_name(name, "qpv"))
        return DS_CODE_QPV2015;
    return DS_CODE_NONE;
}

/* --- form checks ---------------------------------------------------------------------- */

/* Checks a metropolitan département part of 2 characters (01-19, 21-95, 2A, 2B). */
static bool check_metro_departement(const char *d, char *why)
{
    if (d[0] == '2' && (d[1] == 'A' || d[1] == 'B'))
        return true;
    if (!is_digit(d[0]) || !is_digit(d[1]))
        return reject(why, "département part %.2s does not exist", d);
    int number = (d[0] - '0') * 10 + (d[1] - '0');
    if (number == 20)
        return reject(why, "département part 20 does not exist (Corsica is 2A or 2B)");
    if (number == 0 || number > 95)
        return reject(why,
                      "département part %.2s does not exist (01 to 95, 2A, 2B, or 971 to 976)",
                      d);
    return true;
}

/* Checks an overseas département part "97x" (971-976), given that d starts with "97". */
static bool check_overseas_departement(const char *d, char *why)
{
    assert(d[0] == '9' && d[1] == '7');
    if (d[2] < '1' || d[2] > '6')
        return reject(why, "97%c is not an overseas département (971 to 976)", d[2]);
    return true;
}

/* Checks a 5-character upper-cased commune code: a metropolitan département part and
 * a 3-digit number, or an overseas département and a 2-digit number; the number is
 * never all zeros (INSEE numbers communes from 001; 31000 is a postcode). */
static bool check_commune(const char *c, char *why)
{
    if (c[0] == '9' && c[1] == '7') {
        if (!check_overseas_departement(c, why))
            return false;
        if (!all_digits(c + 3, 2))
            return reject(why, "commune number %.2s is not 2 digits", c + 3);
        if (all_zeros(c + 3, 2))
            return reject(why, "commune number 00 does not exist");
        return true;
    }
    if (!check_metro_departement(c, why))
        return false;
    if (!all_digits(c + 2, 3))
        return reject(why, "commune number %.3s is not 3 digits", c + 2);
    if (all_zeros(c + 2, 3))
        return reject(why, "commune number 000 does not exist");
    return true;
}

/* Checks the 3-character département part of a QPV code: 0 and a metropolitan
 * département (031, 02A) or an overseas one (974). */
static bool check_qpv_departement(const char *d, char *why)
{
    if (d[0] == '9' && d[1] == '7')
        return check_overseas_departement(d, why);
    if (d[0] != '0')
        return reject(why, "département part %.3s is neither 0 and a département (031, 02A) "
                           "nor 971 to 976", d);
    return check_metro_departement(d + 1, why);
}

/* The normalize_<kind> functions take the trimmed, upper-cased text s of len (at most
 * LONGEST_CODE) ASCII letters and digits, write the normalised code into out
 * (DS_CODE_MAX bytes) and check its form; on failure they return false with the
 * reason in why (when not NULL), out possibly half-written (normalize_as clears it). */

/* Commune: 5 characters, or 4 digits that lost their leading zero. */
static bool normalize_commune(const char *s, size_t len, char *out, char *why)
{
    if (len == 4 && all_digits(s, 4)) {
        out[0] = '0';
        memcpy(out + 1, s, 4);
    } else if (len == 5) {
        memcpy(out, s, 5);
    } else {
        return reject(why, "it has %zu characters, %s", len, kind_lengths[DS_CODE_COMMUNE]);
    }
    out[5] = '\0';
    return check_commune(out, why);
}

/* Département: 2 characters, 1 digit that lost its leading zero, or 971-976. */
static bool normalize_departement(const char *s, size_t len, char *out, char *why)
{
    if (len == 1 && is_digit(s[0])) {
        out[0] = '0';
        out[1] = s[0];
        out[2] = '\0';
        return check_metro_departement(out, why);
    }
    if (len == 2) {
        memcpy(out, s, 2);
        out[2] = '\0';
        if (out[0] == '9' && out[1] == '7')
            return reject(why, "97 is not a département (overseas départements are 971 to 976)");
        return check_metro_departement(out, why);
    }
    if (len == 3 && s[0] == '9' && s[1] == '7') {
        memcpy(out, s, 3);
        out[3] = '\0';
        return check_overseas_departement(out, why);
    }
    return reject(why, "it has %zu characters, %s", len, kind_lengths[DS_CODE_DEPARTEMENT]);
}

/* Région codes are 2 digits from 01 to 94 (INSEE has never used 00 nor 95-99): the
 * range is a form rule, existence is the referential's business. */
static bool normalize_region(const char *s, size_t len, char *out, char *why)
{
    if (len == 1 && is_digit(s[0])) {
        out[0] = '0';
        out[1] = s[0];
    } else if (len == 2 && all_digits(s, 2)) {
        memcpy(out, s, 2);
    } else {
        return reject(why, "it is '%.*s', %s", (int)len, s, kind_lengths[DS_CODE_REGION]);
    }
    out[2] = '\0';
    int number = (out[0] - '0') * 10 + (out[1] - '0');
    if (number == 0 || number > 94)
        return reject(why, "région %s does not exist (région codes run from 01 to 94)", out);
    return true;
}

/* EPCI: a SIREN, 9 digits with a valid Luhn checksum; no zero is restored. */
static bool normalize_epci(const char *s, size_t len, char *out, char *why)
{
    if (len != 9 || !all_digits(s, len))
        return reject(why, "%s", kind_lengths[DS_CODE_EPCI]);
    memcpy(out, s, 9);
    out[9] = '\0';
    if (!ds_code_luhn_valid(out))
        return reject(why, "its Luhn checksum fails (not a valid SIREN)");
    return true;
}

/* IRIS: a commune code and 4 digits, or 8 digits that lost their leading zero. */
static bool normalize_iris(const char *s, size_t len, char *out, char *why)
{
    if (len == 8 && all_digits(s, 8)) {
        out[0] = '0';
        memcpy(out + 1, s, 8);
    } else if (len == 9) {
        memcpy(out, s, 9);
    } else {
        return reject(why, "it has %zu characters, %s", len, kind_lengths[DS_CODE_IRIS]);
    }
    out[9] = '\0';
    if (!all_digits(out + 5, 4))
        return reject(why, "IRIS number %.4s is not 4 digits", out + 5);
    return check_commune(out, why);
}

/* QPV 2015: QP, département part, 3-digit number (not 000). */
static bool normalize_qpv2015(const char *s, size_t len, char *out, char *why)
{
    if (len != 8)
        return reject(why, "it has %zu characters, %s", len, kind_lengths[DS_CODE_QPV2015]);
    if (s[0] != 'Q' || s[1] != 'P')
        return reject(why, "it does not start with QP");
    memcpy(out, s, 8);
    out[8] = '\0';
    if (!check_qpv_departement(out + 2, why))
        return false;
    if (!all_digits(out + 5, 3))
        return reject(why, "QPV number %.3s is not 3 digits", out + 5);
    if (all_zeros(out + 5, 3))
        return reject(why, "QPV number 000 does not exist");
    return true;
}

/* QPV 2024: QN, département part, 2-digit number (not 00), N, M or I. */
static bool normalize_qpv2024(const char *s, size_t len, char *out, char *why)
{
    if (len != 8)
        return reject(why, "it has %zu characters, %s", len, kind_lengths[DS_CODE_QPV2024]);
    if (s[0] != 'Q' || s[1] != 'N')
        return reject(why, "it does not start with QN");
    memcpy(out, s, 8);
    out[8] = '\0';
    if (!check_qpv_departement(out + 2, why))
        return false;
    if (!all_digits(out + 5, 2))
        return reject(why, "QPV number %.2s is not 2 digits", out + 5);
    if (all_zeros(out + 5, 2))
        return reject(why, "QPV number 00 does not exist");
    if (out[7] != 'N' && out[7] != 'M' && out[7] != 'I')
        return reject(why, "it ends with %c, not N, M or I", out[7]);
    return true;
}

/* Trims text into *start / *len. */
static void trim(const char *text, const char **start, size_t *len)
{
    while (is_space(*text))
        text++;
    size_t n = strlen(text);
    while (n > 0 && is_space(text[n - 1]))
        n--;
    *start = text;
    *len = n;
}

/* True when the n bytes at s read as a number with a decimal part (31555.0, 1,5). */
static bool is_decimal_number(const char *s, size_t n)
{
    size_t separators = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' || s[i] == ',')
            separators++;
        else if (is_digit(s[i]))
            digits++;
        else
            return false;
    }
    return separators == 1 && digits > 0;
}

/* Normalises the trimmed text s of len bytes as kind into out (DS_CODE_MAX bytes); on
 * failure writes the reason into why (REASON_MAX bytes) when why is not NULL. */
static bool normalize_trimmed(ds_code_kind kind, const char *s, size_t len, char *out,
                              char *why)
{
    out[0] = '\0';
    if (len == 0)
        return reject(why, "it is empty");
    if (is_decimal_number(s, len))
        return reject(why, "it is a number with a decimal part (was the column read as numbers?)");
    for (size_t i = 0; i < len && i <= LONGEST_CODE; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_alnum((char)c)) {
            if (c >= 0x20 && c < 0x7f)
                return reject(why, "character '%c' is not a letter or a digit", c);
            return reject(why, "byte 0x%02X is not an ASCII letter or digit", c);
        }
    }
    if (len > LONGEST_CODE)
        return reject(why, "it has %zu characters, %s", len, kind_lengths[kind]);
    char up[LONGEST_CODE + 1];
    for (size_t i = 0; i < len; i++)
        up[i] = is_lower(s[i]) ? (char)(s[i] - 'a' + 'A') : s[i];
    up[len] = '\0';
    bool ok = false;
    switch (kind) {
    case DS_CODE_COMMUNE: ok = normalize_commune(up, len, out, why); break;
    case DS_CODE_DEPARTEMENT: ok = normalize_departement(up, len, out, why); break;
    case DS_CODE_REGION: ok = normalize_region(up, len, out, why); break;
    case DS_CODE_EPCI: ok = normalize_epci(up, len, out, why); break;
    case DS_CODE_IRIS: ok = normalize_iris(up, len, out, why); break;
    case DS_CODE_QPV2015: ok = normalize_qpv2015(up, len, out, why); break;
    case DS_CODE_QPV2024: ok = normalize_qpv2024(up, len, out, why); break;
    case DS_CODE_NONE:
    case DS_CODE_KIND_COUNT: break;
    }
    if (!ok)
        out[0] = '\0';
    return ok;
}

/* normalize_trimmed of a NUL-terminated text. */
static bool normalize_as(ds_code_kind kind, const char *text, char *out, char *why)
{
    const char *s;
    size_t len;
    trim(text, &s, &len);
    return normalize_trimmed(kind, s, len, out, why);
}

/* The candidate mask of a trimmed text (see ds_code_candidates). */
static unsigned candidates_trimmed(const char *s, size_t len)
{
    if (len == 0 || len > LONGEST_CODE)
        return 0; /* no kind accepts it: spare the 7 tries on long text cells */
    for (size_t i = 0; i < len; i++)
        if (!is_digit(s[i]) && !is_upper(s[i]) && !is_lower(s[i]))
            return 0; /* every code is letters and digits: "12.5", "Saint-Jean" are none */
    unsigned mask = 0;
    char out[DS_CODE_MAX];
    for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++)
        if (normalize_trimmed((ds_code_kind)k, s, len, out, NULL))
            mask |= DS_CODE_BIT(k);
    return mask;
}

/* A printable copy of text for messages: trimmed, control bytes as '?', cut after
 * SHOWN_BYTES bytes (never inside a UTF-8 sequence) with "...". */
static void shown_text(const char *text, char shown[SHOWN_BYTES + 4])
{
    const char *s;
    size_t len;
    trim(text, &s, &len);
    size_t n = len;
    if (n > SHOWN_BYTES) {
        n = SHOWN_BYTES;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        shown[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (n < len) {
        memcpy(shown + n, "...", 4);
    } else {
        shown[n] = '\0';
    }
}

/* Formats the reason only when the caller wants the message. */
ds_status ds_code_normalize(ds_code_kind kind, const char *text, char out[DS_CODE_MAX],
                            ds_error *err)
{
    if (out != NULL)
        out[0] = '\0';
    if (!kind_is_code(kind))
        return ds_error_set(err, DS_EUSAGE, "ds_code_normalize: %d is not a code kind",
                            (int)kind);
    if (text == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_code_normalize: NULL %s",
                            text == NULL ? "text" : "output buffer");
    if (err == NULL)
        return normalize_as(kind, text, out, NULL) ? DS_OK : DS_EDATA;
    char why[REASON_MAX];
    if (normalize_as(kind, text, out, why))
        return DS_OK;
    char shown[SHOWN_BYTES + 4];
    shown_text(text, shown);
    return ds_error_set(err, DS_EDATA, "'%s' is not %s: %s", shown, kind_phrases[kind], why);
}

/* Tries every kind in turn; no message is formatted. */
unsigned ds_code_candidates(const char *text)
{
    if (text == NULL)
        return 0;
    const char *s;
    size_t len;
    trim(text, &s, &len);
    return candidates_trimmed(s, len);
}

/* Compares with the three ranges; anything but 5 digits is no arrondissement. */
bool ds_code_is_arrondissement(const char *commune, char parent[DS_CODE_MAX])
{
    static const struct {
        const char *city; /* the commune the arrondissements belong to */
        const char *first, *last;
    } cities[] = {
        {"75056", "75101", "75120"}, /* Paris */
        {"69123", "69381", "69389"}, /* Lyon */
        {"13055", "13201", "13216"}, /* Marseille */
    };
    if (parent != NULL)
        parent[0] = '\0';
    if (commune == NULL || strlen(commune) != 5 || !all_digits(commune, 5))
        return false;
    for (size_t i = 0; i < sizeof cities / sizeof cities[0]; i++) {
        /* Same length, all digits: strcmp orders them as numbers. */
        if (strcmp(commune, cities[i].first) >= 0 && strcmp(commune, cities[i].last) <= 0) {
            if (parent != NULL)
                memcpy(parent, cities[i].city, 6);
            return true;
        }
    }
    return false;
}

/* Normalises the code first, then cuts its département part out. */
ds_status ds_code_departement_of(ds_code_kind kind, const char *code, char out[DS_CODE_MAX],
                                 ds_error *err)
{
    if (out != NULL)
        out[0] = '\0';
    if (!kind_is_code(kind) || code == NULL || out == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_code_departement_of: invalid arguments");
    if (kind == DS_CODE_REGION || kind == DS_CODE_EPCI)
        return ds_error_set(err, DS_EDATA, "%s has no single département",
                            kind == DS_CODE_REGION ? "a région" : "an EPCI");
    char normal[DS_CODE_MAX];
    ds_status status = ds_code_normalize(kind, code, normal, err);
    if (status != DS_OK)
        return status;
    switch (kind) {
    case DS_CODE_DEPARTEMENT:
        memcpy(out, normal, strlen(normal) + 1);
        break;
    case DS_CODE_COMMUNE:
    case DS_CODE_IRIS: {
        size_t n = (normal[0] == '9' && normal[1] == '7') ? 3 : 2;
        memcpy(out, normal, n);
        out[n] = '\0';
        break;
    }
    case DS_CODE_QPV2015:
    case DS_CODE_QPV2024: {
        /* "031" -> "31", "02A" -> "2A", "974" -> "974". */
        const char *d = normal + 2;
        size_t skip = d[0] == '0' ? 1 : 0;
        memcpy(out, d + skip, 3 - skip);
        out[3 - skip] = '\0';
        break;
    }
    default:
        assert(0 && "kinds without a département are handled above");
        break;
    }
    return DS_OK;
}

/* Luhn (ISO/IEC 7812-1 annex B), the checksum of SIREN numbers. */
bool ds_code_luhn_valid(const char *digits)
{
    if (digits == NULL || digits[0] == '\0')
        return false;
    size_t n = strlen(digits);
    unsigned sum = 0;
    /* From the rightmost digit, every second digit is doubled (minus 9 above 9). */
    for (size_t i = 0; i < n; i++) {
        char c = digits[n - 1 - i];
        if (!is_digit(c))
            return false;
        unsigned d = (unsigned)(c - '0');
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

/* --- column detection ----------------------------------------------------------------- */

/* Accepts NULL. */
void ds_code_votes_init(ds_code_votes *votes)
{
    if (votes != NULL)
        memset(votes, 0, sizeof *votes);
}

/* A value is evidence of codes (leading_zero_or_letter) only when it is a code
 * candidate: a stray "NC" in a column of numbers proves nothing. */
void ds_code_votes_add(ds_code_votes *votes, const char *value)
{
    if (votes == NULL || value == NULL)
        return;
    const char *s;
    size_t len;
    trim(value, &s, &len);
    if (len == 0)
        return;
    votes->values++;
    unsigned mask = candidates_trimmed(s, len);
    for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++)
        if (mask & DS_CODE_BIT(k))
            votes->matches[k]++;
    if (mask == 0)
        return;
    bool not_a_number = len > 1 && s[0] == '0';
    for (size_t i = 0; i < len && !not_a_number; i++)
        not_a_number = is_upper(s[i]) || is_lower(s[i]);
    if (not_a_number)
        votes->leading_zero_or_letter++;
}

/* --- reading a column header ------------------------------------------------------------ */

/* Longest header prefix examined; longer headers are cut (they name no code anyway). */
#define HEADER_MAX 255

/* Pieces a header token is made of. A word with kinds 0 names a code without saying
 * which ("code", "insee"); a filler ("num", "lib", "de") names nothing but may stand
 * next to a code word ("numdep", "code_de_la_commune"). */
typedef struct header_piece {
    const char *text;
    bool is_word;
    unsigned kinds;
} header_piece;

#define QPV_KINDS (DS_CODE_BIT(DS_CODE_QPV2015) | DS_CODE_BIT(DS_CODE_QPV2024))

static const header_piece header_pieces[] = {
    {"code", true, 0},
    {"cod", true, 0},
    {"insee", true, 0},
    {"geo", true, 0},
    {"territoire", true, 0},
    {"territ", true, 0},
    {"commune", true, DS_CODE_BIT(DS_CODE_COMMUNE)},
    {"communes", true, DS_CODE_BIT(DS_CODE_COMMUNE)},
    {"com", true, DS_CODE_BIT(DS_CODE_COMMUNE)},
    {"departement", true, DS_CODE_BIT(DS_CODE_DEPARTEMENT)},
    {"departements", true, DS_CODE_BIT(DS_CODE_DEPARTEMENT)},
    {"dept", true, DS_CODE_BIT(DS_CODE_DEPARTEMENT)},
    {"dep", true, DS_CODE_BIT(DS_CODE_DEPARTEMENT)},
    {"dpt", true, DS_CODE_BIT(DS_CODE_DEPARTEMENT)},
    {"region", true, DS_CODE_BIT(DS_CODE_REGION)},
    {"regions", true, DS_CODE_BIT(DS_CODE_REGION)},
    {"reg", true, DS_CODE_BIT(DS_CODE_REGION)},
    {"epci", true, DS_CODE_BIT(DS_CODE_EPCI)},
    {"siren", true, DS_CODE_BIT(DS_CODE_EPCI)},
    {"iris", true, DS_CODE_BIT(DS_CODE_IRIS)},
    {"qpv", true, QPV_KINDS},
    {"qp", true, QPV_KINDS},
    {"num", false, 0},
    {"no", false, 0},
    {"id", false, 0},
    {"lib", false, 0},
    {"nom", false, 0},
    {"de", false, 0},
    {"du", false, 0},
    {"des", false, 0},
    {"la", false, 0},
    {"le", false, 0},
};

#define N_HEADER_PIECES (sizeof header_pieces / sizeof header_pieces[0])

/* What a header says: whether it names codes in general, and which kinds it names. */
typedef struct header_hint {
    bool generic;
    unsigned kinds;
} header_hint;

/* How one token of a header reads. */
typedef enum token_role { TOKEN_OTHER, TOKEN_FILLER, TOKEN_CODE } token_role;

/* Folds one header character: ASCII letters lower-cased, e with an accent (UTF-8 or
 * Latin-1, either case) to 'e', another non-ASCII letter to '_' (part of a word that
 * matches no piece); 0 for a separator (punctuation, space, BOM, no-break space).
 * *used receives the number of bytes read. */
static char fold_header_char(const unsigned char *p, size_t *used)
{
    *used = 1;
    if (p[0] < 0x80) {
        char c = (char)p[0];
        if (is_upper(c))
            return (char)(c - 'A' + 'a');
        return is_alnum(c) ? c : 0;
    }
    if (p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        *used = 3; /* byte order mark */
        return 0;
    }
    if (p[0] == 0xC2 && p[1] == 0xA0) {
        *used = 2; /* no-break space */
        return 0;
    }
    if (p[0] == 0xC3 && p[1] != 0) {
        *used = 2;
        /* UTF-8 È É Ê Ë = C3 88-8B, è é ê ë = C3 A8-AB */
        bool e = (p[1] >= 0x88 && p[1] <= 0x8B) || (p[1] >= 0xA8 && p[1] <= 0xAB);
        return e ? 'e' : '_';
    }
    if ((p[0] >= 0xC8 && p[0] <= 0xCB) || (p[0] >= 0xE8 && p[0] <= 0xEB))
        return 'e'; /* Latin-1 È..Ë, è..ë */
    return '_';
}

/* Reads one folded token (len > 0) as a sequence of header pieces covering it
 * exactly. TOKEN_CODE when such a reading uses a code word (their kinds and
 * genericity are added to *hint), TOKEN_FILLER for digits, one letter or fillers
 * only, TOKEN_OTHER otherwise ("income", "depenses", "pop"). */
static token_role read_token(const char *t, size_t len, header_hint *hint)
{
    if (all_digits(t, len) || len == 1)
        return TOKEN_FILLER;
    /* reach[i]: t[0..i) is a sequence of pieces; ends[i]: t[i..len) is one. */
    bool reach[HEADER_MAX + 1] = {false}, ends[HEADER_MAX + 1] = {false};
    reach[0] = true;
    ends[len] = true;
    for (size_t i = 0; i < len; i++)
        for (size_t p = 0; reach[i] && p < N_HEADER_PIECES; p++) {
            size_t n = strlen(header_pieces[p].text);
            if (i + n <= len && memcmp(t + i, header_pieces[p].text, n) == 0)
                reach[i + n] = true;
        }
    for (size_t i = len; i-- > 0;)
        for (size_t p = 0; !ends[i] && p < N_HEADER_PIECES; p++) {
            size_t n = strlen(header_pieces[p].text);
            if (i + n <= len && ends[i + n] && memcmp(t + i, header_pieces[p].text, n) == 0)
                ends[i] = true;
        }
    if (!ends[0])
        return TOKEN_OTHER;
    bool has_word = false;
    for (size_t i = 0; i < len; i++) {
        if (!reach[i])
            continue;
        for (size_t p = 0; p < N_HEADER_PIECES; p++) {
            size_t n = strlen(header_pieces[p].text);
            if (!header_pieces[p].is_word || i + n > len || !ends[i + n] ||
                memcmp(t + i, header_pieces[p].text, n) != 0)
                continue;
            has_word = true;
            hint->kinds |= header_pieces[p].kinds;
            if (header_pieces[p].kinds == 0)
                hint->generic = true;
        }
    }
    return has_word ? TOKEN_CODE : TOKEN_FILLER;
}

/* Reads what a column header says about codes. The header is cut into tokens (at
 * anything that is no letter or digit, between letters and digits, and before an
 * upper-case letter that follows a lower-case one); the leading tokens that read as
 * code words or fillers are the code part of the name, which ends at the first other
 * token. "CODGEO", "DEPCOM", "code_iris", "Code du département", "codeCommune",
 * "dep2020" name codes; "income", "pop_commune" (a population) and "Npop" do not. */
static header_hint read_header(const char *header)
{
    header_hint hint = {false, 0};
    if (header == NULL)
        return hint;
    const unsigned char *p = (const unsigned char *)header;
    size_t read = 0;
    char token[HEADER_MAX + 1];
    size_t len = 0;
    bool previous_lower = false, previous_digit = false;
    for (;;) {
        size_t used = 1;
        char c = 0;
        bool boundary = true;
        if (*p != 0 && read < HEADER_MAX) {
            c = fold_header_char(p, &used);
            bool digit = c != 0 && is_digit(c);
            bool upper = p[0] < 0x80 && is_upper((char)p[0]);
            boundary = c == 0 || (len > 0 && (digit != previous_digit || (upper && previous_lower)));
            previous_lower = p[0] < 0x80 && is_lower((char)p[0]);
            previous_digit = digit;
        }
        if (boundary && len > 0) {
            token_role role = read_token(token, len, &hint);
            if (role == TOKEN_OTHER)
                return hint;
            len = 0;
        }
        if (*p == 0 || read >= HEADER_MAX)
            return hint;
        if (c != 0)
            token[len++] = c;
        p += used;
        read += used;
    }
}

/* The rule is stated step by step in codes.h; the steps are numbered alike here. */
ds_code_kind ds_code_votes_decide(const ds_code_votes *votes, const char *header)
{
    if (votes == NULL || votes->values == 0)
        return DS_CODE_NONE;
    /* 1. The kinds at least 90% of the values normalise as. */
    unsigned eligible = 0;
    for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++)
        if (votes->matches[k] > 0 && votes->matches[k] * 10 >= votes->values * 9)
            eligible |= DS_CODE_BIT(k);
    if (eligible == 0)
        return DS_CODE_NONE;
    header_hint hint = read_header(header);
    /* 2. The header names some of them: keep those. */
    if (eligible & hint.kinds)
        eligible &= hint.kinds;
    /* 3. The values: keep the kinds that most values normalise as (2A, 95 or 971
     *    among 2-digit values make départements; SIREN 200... fail the IRIS form). */
    size_t best = 0;
    for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++)
        if ((eligible & DS_CODE_BIT(k)) && votes->matches[k] > best)
            best = votes->matches[k];
    for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++)
        if (votes->matches[k] < best)
            eligible &= ~DS_CODE_BIT(k);
    /* 4. The most specific form: a Luhn checksum that holds on 90% of 9-digit values
     *    is no accident, so EPCI rather than IRIS. Départements and régions that
     *    neither the header nor the values tell apart stay ambiguous: no kind. */
    if (eligible & DS_CODE_BIT(DS_CODE_EPCI))
        eligible &= ~DS_CODE_BIT(DS_CODE_IRIS);
    ds_code_kind chosen = DS_CODE_NONE;
    for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++) {
        if (!(eligible & DS_CODE_BIT(k)))
            continue;
        if (chosen != DS_CODE_NONE)
            return DS_CODE_NONE;
        chosen = (ds_code_kind)k;
    }
    /* 5. Values that could all be plain numbers are codes only under a header that
     *    names codes in general or this kind: 5-digit populations are no communes. */
    if (votes->leading_zero_or_letter == 0 && !hint.generic &&
        !(hint.kinds & DS_CODE_BIT(chosen)))
        return DS_CODE_NONE;
    return chosen;
}
