/* Tests of the territory code forms (engine/codes.c).
 * Expected values are written by hand from the rules of include/diagsante/codes.h;
 * SIREN checksums are worked out in comments. The tests over the real files of
 * ../shared/data give, next to each expected count, the shell command that computed
 * it independently of this code (grep/awk with a regular expression of the form). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/codes.h"
#include "helpers.h"

/* --- helpers ---------------------------------------------------------------------------- */

/* Asserts that text normalises as kind to expected. */
static void check_ok(ds_code_kind kind, const char *text, const char *expected)
{
    char out[DS_CODE_MAX];
    ds_error err;
    ds_error_clear(&err);
    ds_status st = ds_code_normalize(kind, text, out, &err);
    if (st != DS_OK)
        fail_msg("'%s' as %s: expected %s, got status %d: %s", text, ds_code_kind_name(kind),
                 expected, (int)st, err.message);
    if (strcmp(out, expected) != 0)
        fail_msg("'%s' as %s: expected %s, got %s", text, ds_code_kind_name(kind), expected, out);
    assert_true(ds_code_candidates(text) & DS_CODE_BIT(kind));
}

/* Asserts that text is no code of kind, that out is emptied, and that the message
 * contains `reason`. */
static void check_bad(ds_code_kind kind, const char *text, const char *reason)
{
    char out[DS_CODE_MAX];
    strcpy(out, "garbage");
    ds_error err;
    ds_error_clear(&err);
    ds_status st = ds_code_normalize(kind, text, out, &err);
    if (st != DS_EDATA)
        fail_msg("'%s' as %s: expected DS_EDATA, got %d (out %s)", text,
                 ds_code_kind_name(kind), (int)st, out);
    assert_int_equal(err.status, DS_EDATA);
    assert_string_equal(out, "");
    if (strstr(err.message, reason) == NULL)
        fail_msg("'%s' as %s: message \"%s\" lacks \"%s\"", text, ds_code_kind_name(kind),
                 err.message, reason);
    assert_false(ds_code_candidates(text) & DS_CODE_BIT(kind));
    /* Without an error record the answer is the same. */
    assert_int_equal(ds_code_normalize(kind, text, out, NULL), DS_EDATA);
}

/* Votes over a NULL-terminated list of values. */
static ds_code_votes votes_of(const char *const *values)
{
    ds_code_votes v;
    ds_code_votes_init(&v);
    for (size_t i = 0; values[i] != NULL; i++)
        ds_code_votes_add(&v, values[i]);
    return v;
}

/* --- names ------------------------------------------------------------------------------ */

static void test_kind_names(void **state)
{
    (void)state;
    static const char *const names[] = {"none", "commune", "departement", "region",
                                        "epci", "iris", "qpv2015", "qpv2024"};
    for (int k = 0; k < DS_CODE_KIND_COUNT; k++) {
        assert_string_equal(ds_code_kind_name((ds_code_kind)k), names[k]);
        assert_int_equal(ds_code_kind_from_name(names[k]), k);
    }
    assert_string_equal(ds_code_kind_name(DS_CODE_KIND_COUNT), "none");
    assert_int_equal(ds_code_kind_from_name("dep"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_kind_from_name("reg"), DS_CODE_REGION);
    assert_int_equal(ds_code_kind_from_name("qpv"), DS_CODE_QPV2015);
    assert_int_equal(ds_code_kind_from_name("IRIS"), DS_CODE_IRIS);
    assert_int_equal(ds_code_kind_from_name("canton"), DS_CODE_NONE);
    assert_int_equal(ds_code_kind_from_name(""), DS_CODE_NONE);
    assert_int_equal(ds_code_kind_from_name(NULL), DS_CODE_NONE);
}

/* --- communes --------------------------------------------------------------------------- */

static void test_commune_valid(void **state)
{
    (void)state;
    check_ok(DS_CODE_COMMUNE, "31555", "31555");   /* Toulouse */
    check_ok(DS_CODE_COMMUNE, "01001", "01001");
    check_ok(DS_CODE_COMMUNE, "1001", "01001");    /* zero lost by a spreadsheet */
    check_ok(DS_CODE_COMMUNE, "9001", "09001");
    check_ok(DS_CODE_COMMUNE, " 2a004\t", "2A004"); /* Ajaccio: trimmed, upper-cased */
    check_ok(DS_CODE_COMMUNE, "2B033", "2B033");   /* Bastia */
    check_ok(DS_CODE_COMMUNE, "97411", "97411");   /* Saint-Denis (La Réunion) */
    check_ok(DS_CODE_COMMUNE, "97101", "97101");
    check_ok(DS_CODE_COMMUNE, "97611", "97611");   /* Mayotte */
    check_ok(DS_CODE_COMMUNE, "95001", "95001");
    check_ok(DS_CODE_COMMUNE, "75056", "75056");   /* Paris */
    check_ok(DS_CODE_COMMUNE, "75101", "75101");   /* arrondissements are communes too */
    check_ok(DS_CODE_COMMUNE, "75120", "75120");
    check_ok(DS_CODE_COMMUNE, "69381", "69381");
    check_ok(DS_CODE_COMMUNE, "13216", "13216");
    check_ok(DS_CODE_COMMUNE, "31001", "31001");   /* smallest number */
    check_ok(DS_CODE_COMMUNE, "31999", "31999");
}

static void test_commune_invalid(void **state)
{
    (void)state;
    /* The message of the header's example, word for word. */
    char out[DS_CODE_MAX];
    ds_error err;
    ds_error_clear(&err);
    assert_int_equal(ds_code_normalize(DS_CODE_COMMUNE, "2C004", out, &err), DS_EDATA);
    assert_string_equal(err.message,
                        "'2C004' is not a commune code: département part 2C does not exist");

    check_bad(DS_CODE_COMMUNE, "20004", "Corsica is 2A or 2B");
    check_bad(DS_CODE_COMMUNE, "00123", "département part 00 does not exist");
    check_bad(DS_CODE_COMMUNE, "96001", "département part 96 does not exist");
    check_bad(DS_CODE_COMMUNE, "99101", "département part 99"); /* INSEE foreign country */
    check_bad(DS_CODE_COMMUNE, "97701", "977 is not an overseas département"); /* St-Barth */
    check_bad(DS_CODE_COMMUNE, "97801", "978 is not an overseas département"); /* St-Martin */
    check_bad(DS_CODE_COMMUNE, "97001", "970 is not an overseas département");
    check_bad(DS_CODE_COMMUNE, "98735", "département part 98");
    check_bad(DS_CODE_COMMUNE, "31000", "commune number 000"); /* a postcode */
    check_bad(DS_CODE_COMMUNE, "97100", "commune number 00");  /* a postcode */
    check_bad(DS_CODE_COMMUNE, "3155A", "commune number 55A");
    check_bad(DS_CODE_COMMUNE, "974A1", "commune number A1");
    check_bad(DS_CODE_COMMUNE, "123", "has 3 characters");
    check_bad(DS_CODE_COMMUNE, "315555", "has 6 characters");
    check_bad(DS_CODE_COMMUNE, "2A04", "has 4 characters"); /* only 4 digits are repaired */
    check_bad(DS_CODE_COMMUNE, "31555.0", "decimal part");
    check_bad(DS_CODE_COMMUNE, "1001,0", "decimal part");
    check_bad(DS_CODE_COMMUNE, "31 555", "character ' '");
    check_bad(DS_CODE_COMMUNE, "-1001", "character '-'");
    check_bad(DS_CODE_COMMUNE, "31\xc3\xa9", "byte 0xC3");
    check_bad(DS_CODE_COMMUNE, "", "empty");
    check_bad(DS_CODE_COMMUNE, "  \t ", "empty");
    check_bad(DS_CODE_COMMUNE, "Ensemble", "has 8 characters");
}

/* A long value is cut in the message, which stays well inside its buffer. */
static void test_long_value_message(void **state)
{
    (void)state;
    char text[3000];
    memset(text, '7', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    char out[DS_CODE_MAX];
    ds_error err;
    ds_error_clear(&err);
    assert_int_equal(ds_code_normalize(DS_CODE_IRIS, text, out, &err), DS_EDATA);
    assert_string_equal(out, "");
    /* 40 sevens shown, then "...". */
    assert_non_null(strstr(err.message, "'7777777777777777777777777777777777777777...'"));
    assert_non_null(strstr(err.message, "has 2999 characters"));
    /* Control bytes are not copied into the message. */
    ds_error_clear(&err);
    assert_int_equal(ds_code_normalize(DS_CODE_COMMUNE, "31\x01" "55", out, &err), DS_EDATA);
    assert_null(strchr(err.message, '\x01'));
    assert_non_null(strstr(err.message, "'31?55'"));
}

static void test_usage_errors(void **state)
{
    (void)state;
    char out[DS_CODE_MAX] = "x";
    ds_error err;
    ds_error_clear(&err);
    assert_int_equal(ds_code_normalize(DS_CODE_NONE, "31555", out, &err), DS_EUSAGE);
    assert_string_equal(out, "");
    assert_int_equal(ds_code_normalize(DS_CODE_KIND_COUNT, "31555", out, &err), DS_EUSAGE);
    assert_int_equal(ds_code_normalize((ds_code_kind)-1, "31555", out, NULL), DS_EUSAGE);
    assert_int_equal(ds_code_normalize(DS_CODE_COMMUNE, NULL, out, &err), DS_EUSAGE);
    assert_int_equal(ds_code_normalize(DS_CODE_COMMUNE, "31555", NULL, &err), DS_EUSAGE);
    assert_int_equal(err.status, DS_EUSAGE);
    assert_int_equal(ds_code_candidates(NULL), 0);
}

/* --- départements and régions ------------------------------------------------------------- */

static void test_departement(void **state)
{
    (void)state;
    check_ok(DS_CODE_DEPARTEMENT, "9", "09"); /* the CNAM file's way */
    check_ok(DS_CODE_DEPARTEMENT, "09", "09");
    check_ok(DS_CODE_DEPARTEMENT, "01", "01");
    check_ok(DS_CODE_DEPARTEMENT, "19", "19");
    check_ok(DS_CODE_DEPARTEMENT, "21", "21");
    check_ok(DS_CODE_DEPARTEMENT, "31", "31");
    check_ok(DS_CODE_DEPARTEMENT, "95", "95");
    check_ok(DS_CODE_DEPARTEMENT, "2A", "2A");
    check_ok(DS_CODE_DEPARTEMENT, " 2b ", "2B");
    check_ok(DS_CODE_DEPARTEMENT, "971", "971");
    check_ok(DS_CODE_DEPARTEMENT, "975", "975");
    check_ok(DS_CODE_DEPARTEMENT, "976", "976");

    check_bad(DS_CODE_DEPARTEMENT, "20", "Corsica is 2A or 2B");
    check_bad(DS_CODE_DEPARTEMENT, "0", "département part 00");
    check_bad(DS_CODE_DEPARTEMENT, "00", "département part 00");
    check_bad(DS_CODE_DEPARTEMENT, "96", "département part 96");
    check_bad(DS_CODE_DEPARTEMENT, "97", "971 to 976");
    check_bad(DS_CODE_DEPARTEMENT, "977", "977 is not an overseas département");
    check_bad(DS_CODE_DEPARTEMENT, "970", "970 is not an overseas département");
    check_bad(DS_CODE_DEPARTEMENT, "2C", "département part 2C");
    check_bad(DS_CODE_DEPARTEMENT, "031", "has 3 characters"); /* QPV style, not repaired */
    check_bad(DS_CODE_DEPARTEMENT, "9.0", "decimal part");
    check_bad(DS_CODE_DEPARTEMENT, "9710", "has 4 characters");
    check_bad(DS_CODE_DEPARTEMENT, "", "empty");
}

static void test_region(void **state)
{
    (void)state;
    check_ok(DS_CODE_REGION, "1", "01"); /* Guadeloupe */
    check_ok(DS_CODE_REGION, "06", "06");
    check_ok(DS_CODE_REGION, "11", "11");
    check_ok(DS_CODE_REGION, "76", "76"); /* Occitanie */
    check_ok(DS_CODE_REGION, "84", "84");
    check_ok(DS_CODE_REGION, "94", "94"); /* Corse */
    check_ok(DS_CODE_REGION, "20", "20"); /* form only: existence is the referential's */
    check_ok(DS_CODE_REGION, "73", "73"); /* a pre-2016 région */

    check_bad(DS_CODE_REGION, "00", "région 00 does not exist");
    check_bad(DS_CODE_REGION, "0", "région 00 does not exist");
    check_bad(DS_CODE_REGION, "95", "région 95 does not exist");
    check_bad(DS_CODE_REGION, "99", "région 99 does not exist");
    check_bad(DS_CODE_REGION, "2A", "2 digits");
    check_bad(DS_CODE_REGION, "976", "2 digits");
    check_bad(DS_CODE_REGION, "7.6", "decimal part");
}

/* --- EPCI SIREN and the Luhn checksum ---------------------------------------------------- */

static void test_luhn(void **state)
{
    (void)state;
    /* 79927398713, the textbook example: from the right 3,1,7,8,9,3,7,2,9,9,7; the
     * digits in even places from the right (1,8,3,2,9) doubled give 2,16->7,6,4,18->9;
     * 3+2+7+7+9+6+7+4+9+9+7 = 70, a multiple of 10. The same ending in 0 sums to 67. */
    assert_true(ds_code_luhn_valid("79927398713"));
    assert_false(ds_code_luhn_valid("79927398710"));
    assert_true(ds_code_luhn_valid("0"));
    assert_true(ds_code_luhn_valid("18")); /* 8 + (1*2) = 10 */
    assert_false(ds_code_luhn_valid("81")); /* 1 + 16-9 = 8 */
    assert_false(ds_code_luhn_valid(""));
    assert_false(ds_code_luhn_valid(NULL));
    assert_false(ds_code_luhn_valid("12a"));
    assert_false(ds_code_luhn_valid(" 18"));
}

static void test_epci(void **state)
{
    (void)state;
    /* 200069193 (CC de la Dombes): from the right 3,9,1,9,6,0,0,0,2; doubled places
     * 9->18->9, 9->9, 0, 0: 3+9+1+9+6+0+0+0+2 = 30. Valid. */
    check_ok(DS_CODE_EPCI, "200069193", "200069193");
    /* 240100883 (CC de la Plaine de l'Ain): 3, 8->16->7, 8, 0, 0, 1->2, 0, 4->8, 2 = 30. */
    check_ok(DS_CODE_EPCI, " 240100883 ", "240100883");
    /* 243100518 (Toulouse Métropole): 8, 1->2, 5, 0, 0, 1->2, 3, 4->8, 2 = 30. */
    check_ok(DS_CODE_EPCI, "243100518", "243100518");
    /* 200069194: the sum becomes 31. */
    check_bad(DS_CODE_EPCI, "200069194", "Luhn checksum fails");
    check_bad(DS_CODE_EPCI, "20006919", "9 digits"); /* no zero is restored */
    check_bad(DS_CODE_EPCI, "2000691930", "has 10 characters");
    check_bad(DS_CODE_EPCI, "ZZZZZZZZZ", "9 digits"); /* communes without EPCI */
    check_bad(DS_CODE_EPCI, "200 069 193", "character ' '");
    check_bad(DS_CODE_EPCI, "200069193.0", "decimal part");
}

/* --- IRIS --------------------------------------------------------------------------------- */

static void test_iris(void **state)
{
    (void)state;
    check_ok(DS_CODE_IRIS, "315550101", "315550101");
    check_ok(DS_CODE_IRIS, "10040101", "010040101"); /* zero restored */
    check_ok(DS_CODE_IRIS, "010010000", "010010000"); /* commune without IRIS */
    check_ok(DS_CODE_IRIS, "2a0040000", "2A0040000");
    check_ok(DS_CODE_IRIS, "974110101", "974110101");
    check_ok(DS_CODE_IRIS, "751010101", "751010101"); /* IRIS of an arrondissement */

    check_bad(DS_CODE_IRIS, "200040101", "Corsica is 2A or 2B");
    check_bad(DS_CODE_IRIS, "310000101", "commune number 000");
    check_bad(DS_CODE_IRIS, "977010101", "977 is not an overseas département");
    check_bad(DS_CODE_IRIS, "31555010A", "IRIS number 010A");
    check_bad(DS_CODE_IRIS, "2A004000", "has 8 characters"); /* only 8 digits repaired */
    check_bad(DS_CODE_IRIS, "3155501011", "has 10 characters");
    check_bad(DS_CODE_IRIS, "31555", "has 5 characters");
    check_bad(DS_CODE_IRIS, "315550101.0", "decimal part");
}

/* --- QPV ---------------------------------------------------------------------------------- */

static void test_qpv2015(void **state)
{
    (void)state;
    check_ok(DS_CODE_QPV2015, "QP031001", "QP031001");
    check_ok(DS_CODE_QPV2015, "qp031001", "QP031001");
    check_ok(DS_CODE_QPV2015, "QP001001", "QP001001");
    check_ok(DS_CODE_QPV2015, "QP02A001", "QP02A001"); /* as in INSEE's DEMO_2017.csv */
    check_ok(DS_CODE_QPV2015, "QP02B002", "QP02B002");
    check_ok(DS_CODE_QPV2015, "QP974049", "QP974049");
    check_ok(DS_CODE_QPV2015, "QP971016", "QP971016");
    check_ok(DS_CODE_QPV2015, "QP095041", "QP095041");

    check_bad(DS_CODE_QPV2015, "QP31001", "not restored");
    check_bad(DS_CODE_QPV2015, "QP020001", "Corsica is 2A or 2B");
    check_bad(DS_CODE_QPV2015, "QP097001", "971 to 976");
    check_bad(DS_CODE_QPV2015, "QP977001", "977 is not an overseas département");
    check_bad(DS_CODE_QPV2015, "QP31A001", "neither 0 and a département");
    check_bad(DS_CODE_QPV2015, "QP031000", "QPV number 000");
    check_bad(DS_CODE_QPV2015, "QP0310A1", "QPV number 0A1");
    check_bad(DS_CODE_QPV2015, "QN031001", "does not start with QP");
    check_bad(DS_CODE_QPV2015, "Ensemble", "does not start with QP");
    check_bad(DS_CODE_QPV2015, "QP0310011", "has 9 characters");
}

static void test_qpv2024(void **state)
{
    (void)state;
    check_ok(DS_CODE_QPV2024, "QN03101M", "QN03101M");
    check_ok(DS_CODE_QPV2024, "qn00101m", "QN00101M");
    check_ok(DS_CODE_QPV2024, "QN07501M", "QN07501M");
    check_ok(DS_CODE_QPV2024, "QN02A01I", "QN02A01I");
    check_ok(DS_CODE_QPV2024, "QN97401N", "QN97401N");

    check_bad(DS_CODE_QPV2024, "QN03101X", "ends with X");
    check_bad(DS_CODE_QPV2024, "QN03100M", "QPV number 00");
    check_bad(DS_CODE_QPV2024, "QN0310M", "not restored");
    check_bad(DS_CODE_QPV2024, "QP03101M", "does not start with QN");
    check_bad(DS_CODE_QPV2024, "QN02001M", "Corsica is 2A or 2B");
    check_bad(DS_CODE_QPV2024, "QN9780AM", "978 is not an overseas département");
    check_bad(DS_CODE_QPV2024, "QN031A1M", "QPV number A1");
    check_bad(DS_CODE_QPV2024, "CN00101I", "does not start with QN"); /* a contrat de ville */
}

/* --- candidates, arrondissements, département of a code ---------------------------------- */

static void test_candidates(void **state)
{
    (void)state;
    const unsigned dep = DS_CODE_BIT(DS_CODE_DEPARTEMENT), reg = DS_CODE_BIT(DS_CODE_REGION);
    assert_int_equal(ds_code_candidates("31"), dep | reg);
    assert_int_equal(ds_code_candidates("9"), dep | reg);
    assert_int_equal(ds_code_candidates("20"), reg);
    assert_int_equal(ds_code_candidates("95"), dep);
    assert_int_equal(ds_code_candidates("2A"), dep);
    assert_int_equal(ds_code_candidates("971"), dep);
    assert_int_equal(ds_code_candidates("00"), 0);
    assert_int_equal(ds_code_candidates("1001"), DS_CODE_BIT(DS_CODE_COMMUNE));
    assert_int_equal(ds_code_candidates("31555"), DS_CODE_BIT(DS_CODE_COMMUNE));
    /* 240100883 passes Luhn (see test_epci) and starts with commune 24010. */
    assert_int_equal(ds_code_candidates("240100883"),
                     DS_CODE_BIT(DS_CODE_EPCI) | DS_CODE_BIT(DS_CODE_IRIS));
    /* 200069193 passes Luhn but its département part 20 is no IRIS. */
    assert_int_equal(ds_code_candidates("200069193"), DS_CODE_BIT(DS_CODE_EPCI));
    /* 315550101: 1, 0, 1, 0, 5, 5->10->1, 5, 1->2, 3 = 18: no SIREN. */
    assert_int_equal(ds_code_candidates("315550101"), DS_CODE_BIT(DS_CODE_IRIS));
    assert_int_equal(ds_code_candidates("10040101"), DS_CODE_BIT(DS_CODE_IRIS));
    assert_int_equal(ds_code_candidates("QP031001"), DS_CODE_BIT(DS_CODE_QPV2015));
    assert_int_equal(ds_code_candidates("QN03101M"), DS_CODE_BIT(DS_CODE_QPV2024));
    assert_int_equal(ds_code_candidates("Ensemble"), 0);
    assert_int_equal(ds_code_candidates(""), 0);
    assert_int_equal(ds_code_candidates("12.5"), 0);
}

static void test_arrondissements(void **state)
{
    (void)state;
    char parent[DS_CODE_MAX];
    static const struct {
        const char *code, *parent;
    } yes[] = {{"75101", "75056"}, {"75120", "75056"}, {"69381", "69123"},
               {"69389", "69123"}, {"13201", "13055"}, {"13216", "13055"}};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        strcpy(parent, "x");
        assert_true(ds_code_is_arrondissement(yes[i].code, parent));
        assert_string_equal(parent, yes[i].parent);
        assert_true(ds_code_is_arrondissement(yes[i].code, NULL));
    }
    static const char *const no[] = {"75100", "75121", "75056", "69380", "69390", "69123",
                                     "13200", "13217", "13055", "31555", "2A004", "7510",
                                     "751010", "", "97411"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        strcpy(parent, "x");
        if (ds_code_is_arrondissement(no[i], parent))
            fail_msg("%s taken for an arrondissement", no[i]);
        assert_string_equal(parent, "");
    }
    assert_false(ds_code_is_arrondissement(NULL, parent));
}

static void check_departement_of(ds_code_kind kind, const char *code, const char *expected)
{
    char out[DS_CODE_MAX];
    ds_error err;
    ds_error_clear(&err);
    if (ds_code_departement_of(kind, code, out, &err) != DS_OK)
        fail_msg("département of %s %s: %s", ds_code_kind_name(kind), code, err.message);
    assert_string_equal(out, expected);
}

static void test_departement_of(void **state)
{
    (void)state;
    check_departement_of(DS_CODE_COMMUNE, "31555", "31");
    check_departement_of(DS_CODE_COMMUNE, "2A004", "2A");
    check_departement_of(DS_CODE_COMMUNE, "97411", "974");
    check_departement_of(DS_CODE_COMMUNE, "1001", "01");
    check_departement_of(DS_CODE_IRIS, "315550101", "31");
    check_departement_of(DS_CODE_IRIS, "974110101", "974");
    check_departement_of(DS_CODE_IRIS, "2B0330101", "2B");
    check_departement_of(DS_CODE_QPV2015, "QP031001", "31");
    check_departement_of(DS_CODE_QPV2015, "QP02A001", "2A");
    check_departement_of(DS_CODE_QPV2015, "QP974001", "974");
    check_departement_of(DS_CODE_QPV2024, "QN03101M", "31");
    check_departement_of(DS_CODE_QPV2024, "QN97401N", "974");
    check_departement_of(DS_CODE_DEPARTEMENT, "9", "09");

    char out[DS_CODE_MAX];
    ds_error err;
    ds_error_clear(&err);
    strcpy(out, "x");
    assert_int_equal(ds_code_departement_of(DS_CODE_REGION, "76", out, &err), DS_EDATA);
    assert_string_equal(out, "");
    assert_int_equal(ds_code_departement_of(DS_CODE_EPCI, "200069193", out, &err), DS_EDATA);
    assert_int_equal(ds_code_departement_of(DS_CODE_COMMUNE, "20004", out, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "'20004' is not a commune code"));
    assert_int_equal(ds_code_departement_of(DS_CODE_NONE, "31555", out, &err), DS_EUSAGE);
    assert_int_equal(ds_code_departement_of(DS_CODE_COMMUNE, NULL, out, NULL), DS_EUSAGE);
}

/* --- column votes ------------------------------------------------------------------------- */

static void test_votes_counts(void **state)
{
    (void)state;
    static const char *const values[] = {"QP031001", " 09 ", "9", "Ensemble", "", "   ",
                                         "31555", "2A004", NULL};
    ds_code_votes v = votes_of(values);
    ds_code_votes_add(&v, NULL); /* ignored */
    ds_code_votes_add(NULL, "31555");
    /* Blank and NULL values are not counted: 6 values. */
    assert_int_equal(v.values, 6);
    assert_int_equal(v.matches[DS_CODE_QPV2015], 1);
    assert_int_equal(v.matches[DS_CODE_DEPARTEMENT], 2); /* 09 and 9 */
    assert_int_equal(v.matches[DS_CODE_REGION], 2);
    assert_int_equal(v.matches[DS_CODE_COMMUNE], 2);
    assert_int_equal(v.matches[DS_CODE_NONE], 0);
    /* QP031001, 09, 2A004 cannot be plain numbers; Ensemble is no code at all, 9 and
     * 31555 could be numbers. */
    assert_int_equal(v.leading_zero_or_letter, 3);
    ds_code_votes_init(&v);
    assert_int_equal(v.values, 0);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_NONE);
    assert_int_equal(ds_code_votes_decide(NULL, "CODGEO"), DS_CODE_NONE);
}

/* 90% of the values is enough, less is not. */
static void test_votes_threshold(void **state)
{
    (void)state;
    static const char *const nine_of_ten[] = {"QP031001", "QP031002", "QP031003", "QP031004",
                                              "QP031005", "QP031006", "QP031007", "QP031008",
                                              "QP031009", "Ensemble", NULL};
    ds_code_votes v = votes_of(nine_of_ten);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_QPV2015);
    assert_int_equal(ds_code_votes_decide(&v, "libelle"), DS_CODE_QPV2015); /* letters */
    assert_int_equal(ds_code_votes_decide(&v, NULL), DS_CODE_QPV2015);
    ds_code_votes_add(&v, "Total"); /* 9 of 11 = 82% */
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_NONE);
    static const char *const qn[] = {"QN03101M", "QN03102M", "QN07501M", NULL};
    v = votes_of(qn);
    assert_int_equal(ds_code_votes_decide(&v, "code_qp"), DS_CODE_QPV2024);
}

/* Numbers of 5 digits pass for commune codes only under a header that names codes. */
static void test_votes_numeric_guard(void **state)
{
    (void)state;
    static const char *const populations[] = {"31555", "12202", "47001", "65440", "81004",
                                              NULL};
    ds_code_votes v = votes_of(populations);
    assert_int_equal(v.matches[DS_CODE_COMMUNE], 5);
    assert_int_equal(v.leading_zero_or_letter, 0);
    static const char *const naming[] = {
        "CODGEO", "codgeo_2021", "DEPCOM", "code_commune_insee", "codeCommune",
        "Code INSEE", "insee_com", "COM", "Code de la commune", "\357\273\277CODGEO" /* BOM */,
        "numcom", "N_COM", "com2019", "Commune", "territoire", "CODE_GEO", "id_com"};
    for (size_t i = 0; i < sizeof naming / sizeof naming[0]; i++)
        if (ds_code_votes_decide(&v, naming[i]) != DS_CODE_COMMUNE)
            fail_msg("header '%s' should name commune codes", naming[i]);
    static const char *const not_naming[] = {
        "Npop", "pop_commune", "population", "income", "P19_POP", "depenses", "annee",
        "commentaire", "compte", "", "regime", "nb_communes", "Q219", "valeur",
        "x", "TX_F", "POP_MUN"};
    for (size_t i = 0; i < sizeof not_naming / sizeof not_naming[0]; i++)
        if (ds_code_votes_decide(&v, not_naming[i]) != DS_CODE_NONE)
            fail_msg("header '%s' should not name commune codes", not_naming[i]);
    assert_int_equal(ds_code_votes_decide(&v, NULL), DS_CODE_NONE);
    /* "code2" names codes: code + digits. */
    assert_int_equal(ds_code_votes_decide(&v, "code2"), DS_CODE_COMMUNE);
    /* A header naming another kind does not let numbers through. */
    assert_int_equal(ds_code_votes_decide(&v, "REG"), DS_CODE_NONE);
    assert_int_equal(ds_code_votes_decide(&v, "EPCI"), DS_CODE_NONE);
    /* One code with a leading zero is evidence enough. */
    ds_code_votes_add(&v, "01001");
    assert_int_equal(ds_code_votes_decide(&v, "valeur"), DS_CODE_COMMUNE);
}

/* Two-character columns: the header, then 2A/95/971 or 20, decide. */
static void test_votes_departement_or_region(void **state)
{
    (void)state;
    static const char *const plain[] = {"9", "11", "31", "34", "66", "82", NULL};
    ds_code_votes v = votes_of(plain);
    assert_int_equal(v.matches[DS_CODE_DEPARTEMENT], 6);
    assert_int_equal(v.matches[DS_CODE_REGION], 6);
    assert_int_equal(ds_code_votes_decide(&v, "dept"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "DEP"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "code_departement"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "Code du d\xc3\xa9partement"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "D\xc3\x89PARTEMENT"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "d\xe9partement"), DS_CODE_DEPARTEMENT); /* Latin-1 */
    assert_int_equal(ds_code_votes_decide(&v, "NUM_DEP"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "dpt"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "REG"), DS_CODE_REGION);
    assert_int_equal(ds_code_votes_decide(&v, "R\xc3\xa9gion"), DS_CODE_REGION);
    assert_int_equal(ds_code_votes_decide(&v, "code_region"), DS_CODE_REGION);
    /* Numbers under a header that names neither: no code. */
    assert_int_equal(ds_code_votes_decide(&v, "age"), DS_CODE_NONE);
    /* Codes, but nothing tells départements from régions: ambiguous, no guess. */
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_NONE);
    ds_code_votes_add(&v, "09");
    assert_int_equal(ds_code_votes_decide(&v, "valeur"), DS_CODE_NONE);

    /* A value that only a département can be settles it. */
    static const char *const with_corsica[] = {"01", "13", "2A", "2B", "83", "84", NULL};
    v = votes_of(with_corsica);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_DEPARTEMENT);
    static const char *const with_95[] = {"75", "77", "78", "91", "92", "93", "94", "95", NULL};
    v = votes_of(with_95);
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_DEPARTEMENT);
    static const char *const with_overseas[] = {"971", "972", "973", "974", "976", "31",
                                                NULL};
    v = votes_of(with_overseas);
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "x"), DS_CODE_NONE); /* could be numbers */
    /* ... and one only a région can be. */
    static const char *const with_20[] = {"11", "20", "24", "27", "28", "32", NULL};
    v = votes_of(with_20);
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_REGION);
    /* Under "dep": 20 is no département (5 of 6 < 90%), and numbers under a
     * département header are not taken for régions. */
    assert_int_equal(ds_code_votes_decide(&v, "dep"), DS_CODE_NONE);
    /* An explicit header wins over a stray value. */
    static const char *const many[] = {"11", "24", "27", "28", "32", "44", "52", "53", "75",
                                       "2A", NULL};
    v = votes_of(many);
    assert_int_equal(ds_code_votes_decide(&v, "reg"), DS_CODE_REGION); /* 9/10 régions */
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_DEPARTEMENT);
}

/* Nine digits: SIREN when the checksum holds on (nearly) all of them. */
static void test_votes_epci_or_iris(void **state)
{
    (void)state;
    /* Three SIRENs starting 24, valid IRIS forms as well (see test_epci). */
    static const char *const sirens[] = {"240100883", "243100518", "240100883", NULL};
    ds_code_votes v = votes_of(sirens);
    assert_int_equal(v.matches[DS_CODE_EPCI], 3);
    assert_int_equal(v.matches[DS_CODE_IRIS], 3);
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_EPCI);
    assert_int_equal(ds_code_votes_decide(&v, "EPCI"), DS_CODE_EPCI);
    assert_int_equal(ds_code_votes_decide(&v, "siren"), DS_CODE_EPCI);
    assert_int_equal(ds_code_votes_decide(&v, "CODE_IRIS"), DS_CODE_IRIS); /* header wins */
    assert_int_equal(ds_code_votes_decide(&v, "montant"), DS_CODE_NONE);   /* numbers */
    /* IRIS codes: 315550101 fails Luhn (sum 18, see test_candidates). */
    static const char *const iris[] = {"315550101", "315550102", "010010000", NULL};
    v = votes_of(iris);
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_IRIS);
    assert_int_equal(ds_code_votes_decide(&v, "x"), DS_CODE_IRIS); /* 010010000 */
}

/* Weighting distinct values by their uses (as the table loader does) gives the same
 * counts as adding every cell. */
static void test_votes_weighted(void **state)
{
    (void)state;
    static const char *const distinct[] = {"01001", "2A004", "Ensemble"};
    static const size_t uses[] = {6, 3, 1};
    ds_code_votes streamed, weighted;
    ds_code_votes_init(&streamed);
    ds_code_votes_init(&weighted);
    for (size_t d = 0; d < 3; d++) {
        ds_code_votes one;
        ds_code_votes_init(&one);
        ds_code_votes_add(&one, distinct[d]);
        weighted.values += one.values * uses[d];
        weighted.leading_zero_or_letter += one.leading_zero_or_letter * uses[d];
        for (int k = 0; k < DS_CODE_KIND_COUNT; k++)
            weighted.matches[k] += one.matches[k] * uses[d];
        for (size_t u = 0; u < uses[d]; u++)
            ds_code_votes_add(&streamed, distinct[d]);
    }
    assert_memory_equal(&streamed, &weighted, sizeof streamed);
    assert_int_equal(streamed.values, 10);
    assert_int_equal(streamed.matches[DS_CODE_COMMUNE], 9);
    assert_int_equal(streamed.leading_zero_or_letter, 9);
    assert_int_equal(ds_code_votes_decide(&weighted, "CODGEO"), DS_CODE_COMMUNE); /* 90% */
}

/* --- invariants over many generated strings -------------------------------------------- */

/* Length of every normalised code of a kind (departement: 2 or 3). */
static bool length_fits(ds_code_kind kind, size_t len)
{
    switch (kind) {
    case DS_CODE_COMMUNE: return len == 5;
    case DS_CODE_DEPARTEMENT: return len == 2 || len == 3;
    case DS_CODE_REGION: return len == 2;
    case DS_CODE_EPCI:
    case DS_CODE_IRIS: return len == 9;
    case DS_CODE_QPV2015:
    case DS_CODE_QPV2024: return len == 8;
    default: return false;
    }
}

/* For strings made of the characters codes are made of (plus spaces, separators,
 * bytes above 0x7F): normalising never overruns, a normalised code normalises to
 * itself, has its kind's length and is listed by ds_code_candidates. */
static void test_generated_strings(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789012979ABQPNMIZabqpnmi .,\t-\xc3\xa9";
    uint32_t seed = 12345;
    size_t accepted = 0;
    for (int n = 0; n < 60000; n++) {
        char text[16];
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % 13;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
        }
        text[len] = '\0';
        unsigned mask = ds_code_candidates(text);
        for (int k = DS_CODE_NONE + 1; k < DS_CODE_KIND_COUNT; k++) {
            char out[DS_CODE_MAX], again[DS_CODE_MAX];
            ds_error err;
            ds_status st = ds_code_normalize((ds_code_kind)k, text, out, &err);
            assert_int_equal(st == DS_OK, (mask & DS_CODE_BIT(k)) != 0);
            if (st != DS_OK) {
                assert_int_equal(st, DS_EDATA);
                assert_string_equal(out, "");
                assert_true(strlen(err.message) > 0);
                continue;
            }
            accepted++;
            assert_true(length_fits((ds_code_kind)k, strlen(out)));
            assert_int_equal(ds_code_normalize((ds_code_kind)k, out, again, NULL), DS_OK);
            assert_string_equal(out, again);
        }
    }
    /* The alphabet is rich in digits: some strings must have been codes. */
    assert_true(accepted > 100);
}

/* --- real files ----------------------------------------------------------------------------- */

typedef void (*value_fn)(const char *value, void *user);

/* Calls fn with field `index` (0-based) of every data line of a file separated by sep,
 * the first line being the header; returns the number of data lines. Fields are split
 * on sep only: the columns read here come before any quoted field. A UTF-8 BOM and
 * CR/LF line ends are removed; a last line without a newline counts. */
static size_t for_each_value(const char *path, char sep, size_t index, value_fn fn, void *user,
                             char *header, size_t header_size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    char *line = NULL;
    size_t cap = 0, lines = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        size_t n = (size_t)got;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        char *start = line;
        if (lines == 0 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            start += 3;
        char *field = start;
        for (size_t i = 0; i < index && field != NULL; i++) {
            field = strchr(field, sep);
            if (field != NULL)
                field++;
        }
        if (field == NULL)
            fail_msg("%s: line %zu has no field %zu", path, lines + 1, index + 1);
        char *end = strchr(field, sep);
        if (end != NULL)
            *end = '\0';
        if (lines == 0) {
            snprintf(header, header_size, "%s", field);
        } else {
            fn(field, user);
        }
        lines++;
    }
    free(line);
    fclose(f);
    return lines == 0 ? 0 : lines - 1;
}

static void add_vote(const char *value, void *user)
{
    ds_code_votes_add(user, value);
}

/* Votes over one column of a real file; checks the number of data lines. */
static ds_code_votes vote_file_column(const char *path, char sep, size_t index,
                                      const char *expected_header, size_t expected_lines)
{
    ds_code_votes v;
    ds_code_votes_init(&v);
    char header[128];
    size_t lines = for_each_value(path, sep, index, add_vote, &v, header, sizeof header);
    assert_string_equal(header, expected_header);
    assert_int_equal(lines, expected_lines);
    return v;
}

/* QPV 2015 demography: 1,345 QPV codes (metropolitan ones, 5 in Corsica, 49 in La
 * Réunion) and one "Ensemble" total line. */
static void test_real_qpv2015(void **state)
{
    (void)state;
    require_shared("insee/qpv2015/DEMO_2017.csv");
    /* Lines: tail -n +2 DEMO_2017.csv | awk 'END{print NR}'  -> 1346
     * QPV:   D2='(0[1-9]|1[0-9]|2[1-9AB]|[3-8][0-9]|9[0-5])'; N3='(00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})'
     *        tail -n +2 DEMO_2017.csv | cut -d';' -f1 | grep -cE "^QP(0$D2|97[1-6])$N3\$"  -> 1345 */
    ds_code_votes v = vote_file_column(SHARED_DATA "insee/qpv2015/DEMO_2017.csv", ';', 0,
                                       "CODGEO", 1346);
    assert_int_equal(v.values, 1346);
    assert_int_equal(v.matches[DS_CODE_QPV2015], 1345);
    assert_int_equal(v.leading_zero_or_letter, 1345);
    for (int k = DS_CODE_NONE; k < DS_CODE_KIND_COUNT; k++)
        if (k != DS_CODE_QPV2015)
            assert_int_equal(v.matches[k], 0);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_QPV2015);
}

typedef struct commune_count {
    ds_code_votes votes;
    size_t arrondissements;
    size_t paris, lyon, marseille;
} commune_count;

static void add_commune(const char *value, void *user)
{
    commune_count *c = user;
    ds_code_votes_add(&c->votes, value);
    char code[DS_CODE_MAX], parent[DS_CODE_MAX];
    if (ds_code_normalize(DS_CODE_COMMUNE, value, code, NULL) == DS_OK &&
        ds_code_is_arrondissement(code, parent)) {
        c->arrondissements++;
        c->paris += strcmp(parent, "75056") == 0;
        c->lyon += strcmp(parent, "69123") == 0;
        c->marseille += strcmp(parent, "13055") == 0;
    }
}

/* Filosofi 2019 by commune: every line a commune code, arrondissements included. */
static void test_real_filosofi_communes(void **state)
{
    (void)state;
    require_shared("insee/commune/FILO2019_DISP_COM.csv");
    commune_count c = {.arrondissements = 0};
    ds_code_votes_init(&c.votes);
    char header[64];
    size_t lines = for_each_value(SHARED_DATA "insee/commune/FILO2019_DISP_COM.csv", ';', 0,
                                  add_commune, &c, header, sizeof header);
    /* Lines: tail -n +2 FILO2019_DISP_COM.csv | awk 'END{print NR}'  -> 31361
     * Communes: COM="($D2$N3|97[1-6](0[1-9]|[1-9][0-9]))" (D2, N3 as above)
     *   tail -n +2 FILO2019_DISP_COM.csv | cut -d';' -f1 | grep -cE "^$COM\$"  -> 31361
     * Arrondissements: ... | grep -cE '^(751(0[1-9]|1[0-9]|20)|6938[1-9]|132(0[1-9]|1[0-6]))$'
     *   -> 45 (20 + 9 + 16) */
    assert_string_equal(header, "CODGEO");
    assert_int_equal(lines, 31361);
    assert_int_equal(c.votes.values, 31361);
    assert_int_equal(c.votes.matches[DS_CODE_COMMUNE], 31361);
    assert_int_equal(c.arrondissements, 45);
    assert_int_equal(c.paris, 20);
    assert_int_equal(c.lyon, 9);
    assert_int_equal(c.marseille, 16);
    assert_int_equal(ds_code_votes_decide(&c.votes, "CODGEO"), DS_CODE_COMMUNE);
    /* Leading zeros (01001) and Corsica (2A004) make it codes under any header. */
    assert_int_equal(ds_code_votes_decide(&c.votes, "valeur"), DS_CODE_COMMUNE);
}

/* The IRIS reference table: IRIS, commune, région and département columns. */
static void test_real_iris_reference(void **state)
{
    (void)state;
    require_shared("insee/iris/iris_2021_reference.csv");
    const char *path = SHARED_DATA "insee/iris/iris_2021_reference.csv";
    /* Lines: tail -n +2 iris_2021_reference.csv | awk 'END{print NR}'  -> 49406 */
    const size_t lines = 49406;

    /* cut -d';' -f1 | grep -cE "^$COM[0-9]{4}\$"  -> 49406 */
    ds_code_votes v = vote_file_column(path, ';', 0, "CODE_IRIS", lines);
    assert_int_equal(v.matches[DS_CODE_IRIS], 49406);
    assert_int_equal(ds_code_votes_decide(&v, "CODE_IRIS"), DS_CODE_IRIS);
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_IRIS);

    /* cut -d';' -f5 | grep -cE "^$COM\$"  -> 49406 */
    v = vote_file_column(path, ';', 4, "DEPCOM", lines);
    assert_int_equal(v.matches[DS_CODE_COMMUNE], 49406);
    assert_int_equal(ds_code_votes_decide(&v, "DEPCOM"), DS_CODE_COMMUNE);

    /* REG: cut -d';' -f8 | grep -cE '^(0[1-9]|[1-8][0-9]|9[0-4])$'  -> 49406 régions,
     *      cut -d';' -f8 | grep -cE "^($D2|97[1-6])\$"  -> 49406 départements too
     *      (01-06, 11, ..., 94 are all département forms). */
    v = vote_file_column(path, ';', 7, "REG", lines);
    assert_int_equal(v.matches[DS_CODE_REGION], 49406);
    assert_int_equal(v.matches[DS_CODE_DEPARTEMENT], 49406);
    assert_int_equal(ds_code_votes_decide(&v, "REG"), DS_CODE_REGION);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_NONE); /* ambiguous */

    /* DEP: cut -d';' -f9 | tr -d '\r' | grep -cE "^($D2|97[1-6])\$"  -> 49406,
     *      ... | grep -cE '^(0[1-9]|[1-8][0-9]|9[0-4])$'  -> 47623 région forms
     *      (404 lines in 2A/2B, 817 in 971-976, 562 in 95 are no région). */
    v = vote_file_column(path, ';', 8, "DEP", lines);
    assert_int_equal(v.matches[DS_CODE_DEPARTEMENT], 49406);
    assert_int_equal(v.matches[DS_CODE_REGION], 47623);
    assert_int_equal(ds_code_votes_decide(&v, "DEP"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_DEPARTEMENT);
}

/* Commune -> EPCI 2020: SIRENs, and 4 communes without EPCI (ZZZZZZZZZ). */
static void test_real_epci(void **state)
{
    (void)state;
    require_shared("insee/epci/EPCI_2020_commune_to_epci.csv");
    /* Lines: tail -n +2 EPCI_2020_commune_to_epci.csv | awk 'END{print NR}'  -> 34968
     * Luhn: cut -d';' -f3 | awk 'length($0)==9 && /^[0-9]+$/ { s=0;
     *   for(i=9;i>=1;i--){d=substr($0,i,1)+0; if((9-i)%2==1){d*=2; if(d>9)d-=9} s+=d}
     *   if(s%10==0) ok++; else bad++ } END{print ok, bad+0}'  -> 34964 0
     * Others: cut -d';' -f3 | grep -c '^ZZZZZZZZZ$'  -> 4
     * IRIS forms: cut -d';' -f3 | grep -cE "^$COM[0-9]{4}\$"  -> 9932 (the 24... ones;
     *   200... have département part 20). */
    ds_code_votes v = vote_file_column(SHARED_DATA "insee/epci/EPCI_2020_commune_to_epci.csv",
                                       ';', 2, "EPCI", 34968);
    assert_int_equal(v.values, 34968);
    assert_int_equal(v.matches[DS_CODE_EPCI], 34964);
    assert_int_equal(v.matches[DS_CODE_IRIS], 9932);
    assert_int_equal(v.leading_zero_or_letter, 0);
    assert_int_equal(ds_code_votes_decide(&v, "EPCI"), DS_CODE_EPCI);
    assert_int_equal(ds_code_votes_decide(&v, "code"), DS_CODE_EPCI);
    /* 9-digit numbers under an unrelated header: could be amounts. */
    assert_int_equal(ds_code_votes_decide(&v, "montant"), DS_CODE_NONE);
}

typedef struct dept_count {
    ds_code_votes votes;
    size_t zero_nine; /* values normalised to 09 */
} dept_count;

static void add_dept(const char *value, void *user)
{
    dept_count *c = user;
    ds_code_votes_add(&c->votes, value);
    char code[DS_CODE_MAX];
    if (ds_code_normalize(DS_CODE_DEPARTEMENT, value, code, NULL) == DS_OK)
        c->zero_nine += strcmp(code, "09") == 0;
}

/* CNAM prevalence for Occitanie: département written 9 for Ariège, comma separated. */
static void test_real_cnam_departements(void **state)
{
    (void)state;
    require_shared("sante_occitanie/pathologie_clean.csv");
    const char *path = SHARED_DATA "sante_occitanie/pathologie_clean.csv";
    dept_count c = {.zero_nine = 0};
    ds_code_votes_init(&c.votes);
    char header[64];
    /* Lines: tail -n +2 pathologie_clean.csv | awk 'END{print NR}'  -> 33964
     * Values: tail -n +2 pathologie_clean.csv | cut -d, -f2 | sort | uniq -c
     *   -> 13 départements (9 11 12 30 31 32 34 46 48 65 66 81 82), 2554 lines of "9". */
    size_t lines = for_each_value(path, ',', 1, add_dept, &c, header, sizeof header);
    assert_string_equal(header, "dept");
    assert_int_equal(lines, 33964);
    assert_int_equal(c.votes.matches[DS_CODE_DEPARTEMENT], 33964);
    assert_int_equal(c.votes.matches[DS_CODE_REGION], 33964); /* all <= 94 */
    assert_int_equal(c.votes.leading_zero_or_letter, 0);
    assert_int_equal(c.zero_nine, 2554);
    assert_int_equal(ds_code_votes_decide(&c.votes, "dept"), DS_CODE_DEPARTEMENT);
    assert_int_equal(ds_code_votes_decide(&c.votes, "code"), DS_CODE_NONE); /* ambiguous */
    assert_int_equal(ds_code_votes_decide(&c.votes, "Npop"), DS_CODE_NONE);

    /* The year column: 2015..2023 read as 4-digit commune codes (02015...), yet a
     * number column. tail -n +2 pathologie_clean.csv | cut -d, -f1 | grep -cE '^[0-9]{4}$'
     * -> 33964 */
    ds_code_votes v = vote_file_column(path, ',', 0, "annee", 33964);
    assert_int_equal(v.matches[DS_CODE_COMMUNE], 33964);
    assert_int_equal(ds_code_votes_decide(&v, "annee"), DS_CODE_NONE);
}

/* Filosofi by département and by région: CODGEO, which names no level. */
static void test_real_filosofi_dep_reg(void **state)
{
    (void)state;
    require_shared("insee/dep_reg/FILO2019_DISP_DEP.csv");
    require_shared("insee/dep_reg/FILO2019_DISP_REG.csv");
    /* awk -F';' 'NR>1{print $1}' FILO2019_DISP_DEP.csv: 01-19, 21-95, 2A, 2B, 972, 974
     * -> 98 lines, 98 départements, 93 région forms (01-94 without 20). */
    ds_code_votes v = vote_file_column(SHARED_DATA "insee/dep_reg/FILO2019_DISP_DEP.csv", ';', 0,
                                       "CODGEO", 98);
    assert_int_equal(v.matches[DS_CODE_DEPARTEMENT], 98);
    assert_int_equal(v.matches[DS_CODE_REGION], 93);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_DEPARTEMENT);
    /* awk -F';' 'NR>1{print $1}' FILO2019_DISP_REG.csv: 02 04 11 24 27 28 32 44 52 53 75
     * 76 84 93 94 -> 15 lines, all département forms as well: no kind without a header
     * that says région. */
    v = vote_file_column(SHARED_DATA "insee/dep_reg/FILO2019_DISP_REG.csv", ';', 0, "CODGEO",
                         15);
    assert_int_equal(v.matches[DS_CODE_REGION], 15);
    assert_int_equal(v.matches[DS_CODE_DEPARTEMENT], 15);
    assert_int_equal(ds_code_votes_decide(&v, "CODGEO"), DS_CODE_NONE);
    assert_int_equal(ds_code_votes_decide(&v, "REG"), DS_CODE_REGION);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_commune_valid),
        cmocka_unit_test(test_commune_invalid),
        cmocka_unit_test(test_long_value_message),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_departement),
        cmocka_unit_test(test_region),
        cmocka_unit_test(test_luhn),
        cmocka_unit_test(test_epci),
        cmocka_unit_test(test_iris),
        cmocka_unit_test(test_qpv2015),
        cmocka_unit_test(test_qpv2024),
        cmocka_unit_test(test_candidates),
        cmocka_unit_test(test_arrondissements),
        cmocka_unit_test(test_departement_of),
        cmocka_unit_test(test_votes_counts),
        cmocka_unit_test(test_votes_threshold),
        cmocka_unit_test(test_votes_numeric_guard),
        cmocka_unit_test(test_votes_departement_or_region),
        cmocka_unit_test(test_votes_epci_or_iris),
        cmocka_unit_test(test_votes_weighted),
        cmocka_unit_test(test_generated_strings),
        cmocka_unit_test(test_real_qpv2015),
        cmocka_unit_test(test_real_filosofi_communes),
        cmocka_unit_test(test_real_iris_reference),
        cmocka_unit_test(test_real_epci),
        cmocka_unit_test(test_real_cnam_departements),
        cmocka_unit_test(test_real_filosofi_dep_reg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
