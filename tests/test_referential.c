/* diagsante — tests of the territorial referential (engine/referential.c).
 *
 * Part 1 works on the hand-made referential of tests/fixtures/referential/mini (7
 * communes, 2 arrondissements, 3 EPCI, 4 départements, 3 régions, 4 former codes) and
 * on broken copies of it written in a temporary folder. Part 2 checks the shipped
 * datasets/referentiel against figures computed independently from the package's JSON
 * (the commands are in the comments), and part 3 maps the 2018 communes of the shared
 * data onto the 2026 referential. Run from the project root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "helpers.h"

#include <shapefil.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/referential.h"

#define MINI "tests/fixtures/referential/mini"
#define FIXTURES "tests/fixtures/referential/"
#define SHIPPED "datasets/referentiel"

static const char *const TABLE_FILES[] = {"VERSION", "regions.csv", "departements.csv", "epci.csv",
                                          "communes.csv", "commune_history.csv"};
#define N_TABLE_FILES (sizeof TABLE_FILES / sizeof TABLE_FILES[0])

/* --- helpers ----------------------------------------------------------------------- */

static ds_referential *open_ok(const char *dir)
{
    ds_referential *ref = NULL;
    ds_error err;
    ds_error_clear(&err);
    ds_status s = ds_referential_open(dir, &ref, &err);
    if (s != DS_OK)
        fail_msg("ds_referential_open(%s): %s", dir, err.message);
    assert_non_null(ref);
    return ref;
}

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *text = malloc((size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void write_whole(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static void path_in(char *out, size_t size, const char *dir, const char *name)
{
    assert_true((size_t)snprintf(out, size, "%s/%s", dir, name) < size);
}

/* A temporary copy of the mini referential, with `file` replaced by `content` (NULL:
 * the file is left out). The folder name is written into dir. */
static void make_variant(char dir[64], const char *file, const char *content)
{
    strcpy(dir, "/tmp/ds_referential_XXXXXX");
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < N_TABLE_FILES; i++) {
        char from[256], to[256];
        path_in(from, sizeof from, MINI, TABLE_FILES[i]);
        path_in(to, sizeof to, dir, TABLE_FILES[i]);
        if (strcmp(TABLE_FILES[i], file) == 0) {
            if (content != NULL)
                write_whole(to, content);
            continue;
        }
        char *text = read_whole(from);
        write_whole(to, text);
        free(text);
    }
}

static void remove_variant(const char *dir)
{
    for (size_t i = 0; i < N_TABLE_FILES; i++) {
        char path[256];
        path_in(path, sizeof path, dir, TABLE_FILES[i]);
        remove(path);
    }
    remove(dir);
}

/* Opens a broken variant and checks the status and that the message holds each of the
 * given fragments (NULL-terminated). */
static void expect_open_error(const char *file, const char *content, ds_status expected, ...)
{
    char dir[64];
    make_variant(dir, file, content);
    ds_referential *ref = (ds_referential *)1;
    ds_error err;
    ds_error_clear(&err);
    ds_status s = ds_referential_open(dir, &ref, &err);
    remove_variant(dir);
    if (s != expected)
        fail_msg("%s: status %d, expected %d (%s)", file, (int)s, (int)expected, err.message);
    assert_null(ref);
    assert_int_equal(err.status, expected);
    va_list ap;
    va_start(ap, expected);
    for (const char *frag = va_arg(ap, const char *); frag != NULL; frag = va_arg(ap, const char *))
        if (strstr(err.message, frag) == NULL)
            fail_msg("message '%s' lacks '%s'", err.message, frag);
    va_end(ap);
}

/* Joins a code list into "a b c" for comparisons. */
static void joined(const ds_code_list *list, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < list->count; i++) {
        if (i > 0)
            strncat(out, " ", size - strlen(out) - 1);
        strncat(out, list->items[i], size - strlen(out) - 1);
    }
}

static void expect_members(const ds_referential *ref, ds_level level, const char *code,
                           ds_level member_level, const char *expected)
{
    ds_code_list list = {0, NULL};
    ds_error err;
    ds_status s = ds_referential_members(ref, level, code, member_level, &list, &err);
    if (s != DS_OK)
        fail_msg("members(%s %s, %s): %s", ds_level_name(level), code, ds_level_name(member_level),
                 err.message);
    char text[4096];
    joined(&list, text, sizeof text);
    ds_code_list_free(&list);
    assert_string_equal(text, expected);
}

static void expect_containing(const ds_referential *ref, const char *commune, const char *expected)
{
    ds_code_list list = {0, NULL};
    ds_error err;
    ds_status s = ds_referential_containing(ref, commune, &list, &err);
    if (s != DS_OK)
        fail_msg("containing(%s): %s", commune, err.message);
    char text[4096];
    joined(&list, text, sizeof text);
    ds_code_list_free(&list);
    assert_string_equal(text, expected);
}

static void expect_parent(const ds_referential *ref, ds_level level, const char *code,
                          ds_level parent_level, const char *expected)
{
    char out[DS_CODE_MAX];
    ds_error err;
    ds_status s = ds_referential_parent(ref, level, code, parent_level, out, &err);
    if (s != DS_OK)
        fail_msg("parent(%s %s, %s): %s", ds_level_name(level), code, ds_level_name(parent_level),
                 err.message);
    assert_string_equal(out, expected);
}

static void expect_parent_error(const ds_referential *ref, ds_level level, const char *code,
                                ds_level parent_level, ds_status expected, const char *fragment)
{
    char out[DS_CODE_MAX];
    ds_error err;
    ds_error_clear(&err);
    assert_int_equal(ds_referential_parent(ref, level, code, parent_level, out, &err), expected);
    if (strstr(err.message, fragment) == NULL)
        fail_msg("message '%s' lacks '%s'", err.message, fragment);
}

static void expect_map(const ds_referential *ref, const char *code, ds_commune_mapping kind,
                       const char *current)
{
    char out[DS_CODE_MAX];
    ds_commune_mapping got = ds_referential_map_commune(ref, code, out);
    if (got != kind || strcmp(out, current) != 0)
        fail_msg("map(%s) = %d '%s', expected %d '%s'", code, (int)got, out, (int)kind, current);
}

/* --- part 1: the mini referential ---------------------------------------------------- */

static void test_levels(void **state)
{
    (void)state;
    ds_level level;
    for (int l = 0; l < DS_LEVEL_COUNT; l++) {
        assert_true(ds_level_from_name(ds_level_name((ds_level)l), &level));
        assert_int_equal(level, l);
    }
    assert_string_equal(ds_level_name(DS_LEVEL_EPCI), "epci");
    assert_string_equal(ds_level_name(DS_LEVEL_TERRITORY), "territory");
    assert_false(ds_level_from_name("canton", &level));
    assert_false(ds_level_from_name(NULL, &level));
    ds_referential_free(NULL);
    ds_code_list_free(NULL);
    ds_remap_result_free(NULL);
}

static void test_mini_open(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    assert_string_equal(ds_referential_vintage(ref), "Mini test referential (hand-made)");
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_COMMUNE), 7);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_EPCI), 3);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_DEPARTEMENT), 4);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_REGION), 3);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_QPV), 0);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_TERRITORY), 0);

    assert_string_equal(ds_referential_name(ref, DS_LEVEL_COMMUNE, "31555"), "Toulouse");
    assert_string_equal(ds_referential_name(ref, DS_LEVEL_COMMUNE, "81001"), "Test-Deux, le Haut");
    assert_string_equal(ds_referential_name(ref, DS_LEVEL_COMMUNE, "75101"), "Paris 1er Arrondissement");
    assert_string_equal(ds_referential_name(ref, DS_LEVEL_EPCI, "200099992"),
                        "CC Test, \"deux départements\"");
    assert_string_equal(ds_referential_name(ref, DS_LEVEL_REGION, "11"), "Île-de-France");
    assert_null(ds_referential_name(ref, DS_LEVEL_COMMUNE, "31300")); /* former */
    assert_null(ds_referential_name(ref, DS_LEVEL_DEPARTEMENT, "76"));

    ds_code_list list = {0, NULL};
    ds_error err;
    assert_int_equal(ds_referential_codes(ref, DS_LEVEL_COMMUNE, &list, &err), DS_OK);
    char text[512];
    joined(&list, text, sizeof text);
    assert_string_equal(text, "2A004 31001 31069 31555 75056 81001 81002"); /* no arrondissement */
    ds_code_list_free(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.items);
    ds_referential_free(ref);
}

/* Populations: région 76 = 100 + 25000 + 514819 + 200 + 50 = 540169; Paris is not
 * counted twice with its arrondissements; EPCI = sum of their communes, not the DGCL
 * columns of epci.csv (1 .. 6 in the fixture). */
static void test_mini_populations(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_COMMUNE, "31555"), 514819);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_COMMUNE, "75101"), 16000);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_REGION, "76"), 540169);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_REGION, "11"), 2100000);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_DEPARTEMENT, "31"), 539919);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_DEPARTEMENT, "81"), 250);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_EPCI, "243100518"), 539819);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_EPCI, "200099992"), 300);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_COMMUNE, "99999"), -1);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_QPV, "QP031001"), -1);
    ds_referential_free(ref);
}

/* A commune without population makes its département and région unknown (-1), never
 * a partial sum. */
static void test_mini_missing_population(void **state)
{
    (void)state;
    char dir[64];
    make_variant(dir, "communes.csv",
                 "code,name,type,departement,region,epci,commune,population_municipale\n"
                 "2A004,Ajaccio,commune-actuelle,2A,94,,,70000\n"
                 "31001,Test-Un,commune-actuelle,31,76,200099992,,\n"
                 "31069,Blagnac,commune-actuelle,31,76,243100518,,25000\n"
                 "31555,Toulouse,commune-actuelle,31,76,243100518,,514819\n"
                 "75056,Paris,commune-actuelle,75,11,200054781,,2100000\n"
                 "81001,Test-Deux,commune-actuelle,81,76,200099992,,200\n"
                 "81002,Île-Test,commune-actuelle,81,76,,,50\n");
    ds_referential *ref = open_ok(dir);
    remove_variant(dir);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_COMMUNE, "31001"), -1);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_DEPARTEMENT, "31"), -1);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_REGION, "76"), -1);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_EPCI, "200099992"), -1);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_EPCI, "243100518"), 539819);
    assert_int_equal(ds_referential_population(ref, DS_LEVEL_DEPARTEMENT, "81"), 250);
    ds_referential_free(ref);
}

static void test_mini_parent(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    expect_parent(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_EPCI, "243100518");
    expect_parent(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_DEPARTEMENT, "31");
    expect_parent(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_REGION, "76");
    expect_parent(ref, DS_LEVEL_COMMUNE, "2A004", DS_LEVEL_REGION, "94");
    expect_parent(ref, DS_LEVEL_DEPARTEMENT, "81", DS_LEVEL_REGION, "76");
    expect_parent(ref, DS_LEVEL_EPCI, "243100518", DS_LEVEL_DEPARTEMENT, "31");
    expect_parent(ref, DS_LEVEL_EPCI, "200099992", DS_LEVEL_REGION, "76");
    expect_parent(ref, DS_LEVEL_COMMUNE, "75101", DS_LEVEL_COMMUNE, "75056");
    expect_parent(ref, DS_LEVEL_COMMUNE, "75102", DS_LEVEL_EPCI, "200054781");
    expect_parent(ref, DS_LEVEL_COMMUNE, "75102", DS_LEVEL_REGION, "11");
    /* An EPCI over two départements, a commune in no EPCI, unknown and former codes. */
    expect_parent_error(ref, DS_LEVEL_EPCI, "200099992", DS_LEVEL_DEPARTEMENT, DS_EDATA,
                        "spans departement 31 and 81");
    expect_parent_error(ref, DS_LEVEL_COMMUNE, "81002", DS_LEVEL_EPCI, DS_EDATA,
                        "commune 81002 belongs to no epci");
    expect_parent_error(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_COMMUNE, DS_EDATA,
                        "not a municipal arrondissement");
    expect_parent_error(ref, DS_LEVEL_COMMUNE, "99999", DS_LEVEL_REGION, DS_EDATA, "unknown commune");
    expect_parent_error(ref, DS_LEVEL_COMMUNE, "31300", DS_LEVEL_REGION, DS_EDATA, "now part of 31001");
    expect_parent_error(ref, DS_LEVEL_REGION, "76", DS_LEVEL_DEPARTEMENT, DS_EUSAGE, "no parent");
    expect_parent_error(ref, DS_LEVEL_EPCI, "243100518", DS_LEVEL_COMMUNE, DS_EUSAGE, "no parent");
    expect_parent_error(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_TERRITORY, DS_EUSAGE, "no parent");
    ds_referential_free(ref);
}

static void test_mini_members(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    expect_members(ref, DS_LEVEL_REGION, "76", DS_LEVEL_DEPARTEMENT, "31 81");
    expect_members(ref, DS_LEVEL_REGION, "76", DS_LEVEL_EPCI, "200099992 243100518");
    expect_members(ref, DS_LEVEL_REGION, "76", DS_LEVEL_COMMUNE, "31001 31069 31555 81001 81002");
    expect_members(ref, DS_LEVEL_REGION, "11", DS_LEVEL_COMMUNE, "75056");
    expect_members(ref, DS_LEVEL_DEPARTEMENT, "81", DS_LEVEL_EPCI, "200099992");
    expect_members(ref, DS_LEVEL_EPCI, "243100518", DS_LEVEL_COMMUNE, "31069 31555");
    expect_members(ref, DS_LEVEL_REGION, "94", DS_LEVEL_EPCI, "");
    expect_members(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_QPV, "");

    ds_code_list list = {0, NULL};
    ds_error err;
    assert_int_equal(ds_referential_members(ref, DS_LEVEL_EPCI, "243100518", DS_LEVEL_REGION, &list,
                                            &err), DS_EUSAGE);
    assert_int_equal(ds_referential_members(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_COMMUNE, &list,
                                            &err), DS_EUSAGE);
    assert_int_equal(ds_referential_members(ref, DS_LEVEL_EPCI, "243100519", DS_LEVEL_COMMUNE, &list,
                                            &err), DS_EDATA);
    assert_non_null(strstr(err.message, "unknown epci code '243100519'"));
    assert_int_equal(list.count, 0);
    ds_referential_free(ref);
}

static void test_mini_containing(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    expect_containing(ref, "31555", "departement:31 epci:243100518 region:76");
    expect_containing(ref, "81002", "departement:81 region:76");
    expect_containing(ref, "75101", "commune:75056 departement:75 epci:200054781 region:11");
    ds_code_list list = {0, NULL};
    ds_error err;
    assert_int_equal(ds_referential_containing(ref, "20004", &list, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "now part of 2A004"));
    assert_int_equal(ds_referential_containing(ref, "12345", &list, &err), DS_EDATA);
    ds_referential_free(ref);
}

static void test_mini_map(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    expect_map(ref, "31555", DS_MAP_CURRENT, "31555");
    expect_map(ref, "2a004", DS_MAP_CURRENT, "2A004");       /* normalised */
    expect_map(ref, "31300", DS_MAP_MERGED, "31001");       /* delegated */
    expect_map(ref, "31301", DS_MAP_MERGED, "31001");       /* ancien code */
    expect_map(ref, "81900", DS_MAP_MERGED, "81002");       /* associated */
    expect_map(ref, "20004", DS_MAP_MERGED, "2A004");       /* Corsica before 1976 */
    expect_map(ref, "75102", DS_MAP_ARRONDISSEMENT, "75056");
    expect_map(ref, "99999", DS_MAP_UNKNOWN, "");
    expect_map(ref, "abc", DS_MAP_UNKNOWN, "");
    expect_map(ref, "", DS_MAP_UNKNOWN, "");
    ds_referential_free(ref);
}

/* remap_counts by hand: value 0 is a count, value 1 a second count.
 *   31300 (10, 1) + 31301 (5, 2) + 31001 (1, 3)  -> 31001 (16, 6)
 *   31555 (7, 4) + 31555 (secret, 5)             -> 31555 (not available, 9)
 *   75101 (3, 0) + 75102 (4, 0)                  -> 75056 (7, 0)
 *   99999 (100, 100)                             -> unmapped row 7 */
static void test_mini_remap(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    const char *codes[] = {"31300", "31555", "31301", "75101", "31001", "31555", "75102", "99999"};
    const double counts[] = {10, 1, 7, 4, 5, 2, 3, 0, 1, 3, 5, 5, 4, 0, 100, 100};
    const unsigned char status[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0};
    ds_remap_result res;
    ds_error err;
    assert_int_equal(ds_referential_remap_counts(ref, 8, codes, 2, counts, status, &res, &err), DS_OK);
    assert_int_equal(res.n_communes, 3);
    assert_string_equal(res.communes[0], "31001");
    assert_string_equal(res.communes[1], "31555");
    assert_string_equal(res.communes[2], "75056");
    assert_close(res.sums[0], 16, 0);
    assert_close(res.sums[1], 6, 0);
    assert_int_equal(res.status[0], 0);
    assert_int_equal(res.status[2], 1); /* 31555 value 0: one input was secret */
    assert_true(isnan(res.sums[2]));
    assert_int_equal(res.status[3], 0);
    assert_close(res.sums[3], 9, 0);
    assert_close(res.sums[4], 7, 0);
    assert_int_equal(res.status[4], 0);
    assert_int_equal(res.rows_current, 3);
    assert_int_equal(res.rows_merged, 2);
    assert_int_equal(res.rows_arrondissement, 2);
    assert_int_equal(res.n_unmapped, 1);
    assert_int_equal(res.unmapped_rows[0], 7);
    ds_remap_result_free(&res);
    assert_int_equal(res.n_communes, 0);

    /* status NULL: everything available. */
    assert_int_equal(ds_referential_remap_counts(ref, 8, codes, 2, counts, NULL, &res, &err), DS_OK);
    assert_close(res.sums[2], 12, 0);
    ds_remap_result_free(&res);

    /* No rows; a non-finite available count. */
    assert_int_equal(ds_referential_remap_counts(ref, 0, NULL, 2, NULL, NULL, &res, &err), DS_OK);
    assert_int_equal(res.n_communes, 0);
    ds_remap_result_free(&res);
    const double bad[] = {1, NAN};
    assert_int_equal(ds_referential_remap_counts(ref, 1, codes, 2, bad, NULL, &res, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "row 0 (commune 31300), value 1"));
    const unsigned char masked[] = {0, 1};
    assert_int_equal(ds_referential_remap_counts(ref, 1, codes, 2, bad, masked, &res, &err), DS_OK);
    assert_int_equal(res.status[1], 1);
    ds_remap_result_free(&res);
    assert_int_equal(ds_referential_remap_counts(ref, 2, NULL, 1, counts, NULL, &res, &err), DS_EUSAGE);
    ds_referential_free(ref);
}

static void load_qpv_ok(ds_referential *ref)
{
    ds_error err;
    ds_status s = ds_referential_load_qpv(ref, FIXTURES "qpv.csv", "code_qp", "commune", &err);
    if (s != DS_OK)
        fail_msg("load_qpv: %s", err.message);
}

static void test_mini_qpv(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    load_qpv_ok(ref);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_QPV), 5);
    assert_string_equal(ds_referential_name(ref, DS_LEVEL_QPV, "QP031003"), "");
    expect_members(ref, DS_LEVEL_QPV, "QP031003", DS_LEVEL_COMMUNE, "31001 81001");
    expect_members(ref, DS_LEVEL_QPV, "QP075001", DS_LEVEL_COMMUNE, "75056"); /* arrondissement */
    expect_members(ref, DS_LEVEL_QPV, "QN03101M", DS_LEVEL_COMMUNE, "31001");  /* former code */
    expect_members(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_QPV, "QP031001 QP031002");
    expect_members(ref, DS_LEVEL_REGION, "76", DS_LEVEL_QPV, "QN03101M QP031001 QP031002 QP031003");
    expect_members(ref, DS_LEVEL_EPCI, "200099992", DS_LEVEL_QPV, "QN03101M QP031003");
    expect_parent(ref, DS_LEVEL_QPV, "QP031001", DS_LEVEL_COMMUNE, "31555");
    expect_parent(ref, DS_LEVEL_QPV, "QP031003", DS_LEVEL_REGION, "76");
    expect_parent_error(ref, DS_LEVEL_QPV, "QP031003", DS_LEVEL_COMMUNE, DS_EDATA,
                        "spans commune 31001 and 81001");
    expect_containing(ref, "31001", "departement:31 epci:200099992 qpv:QN03101M qpv:QP031003 region:76");
    expect_containing(ref, "75102", "commune:75056 departement:75 epci:200054781 qpv:QP075001 region:11");

    /* Loading again changes nothing (pairs are merged). */
    load_qpv_ok(ref);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_QPV), 5);
    expect_members(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_QPV, "QP031001 QP031002");
    ds_referential_free(ref);
}

/* Writes a temporary CSV, loads it as QPV or territories, checks status and message. */
static void expect_user_file_error(ds_referential *ref, bool qpv, const char *content,
                                   const char *column, const char *fragment)
{
    char path[] = "/tmp/ds_referential_user_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_whole(path, content);
    ds_error err;
    ds_error_clear(&err);
    ds_status s = qpv ? ds_referential_load_qpv(ref, path, "qpv", column, &err)
                      : ds_referential_load_territories(ref, path, &err);
    remove(path);
    if (s != DS_EDATA)
        fail_msg("status %d for '%s' (%s)", (int)s, content, err.message);
    if (strstr(err.message, fragment) == NULL || strstr(err.message, path) == NULL)
        fail_msg("message '%s' lacks '%s' or the path", err.message, fragment);
}

static void test_mini_qpv_errors(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    expect_user_file_error(ref, true, "qpv,com\nQP031001,31555\nQP031002,31998\n", "com",
                           "line 3, column 'com': commune '31998' is unknown");
    expect_user_file_error(ref, true, "qpv,com\nQP031001,31555\nXX031002,31555\n", "com",
                           "line 3, column 'qpv': 'XX031002' is not a QPV code");
    expect_user_file_error(ref, true, "qpv,com\nQP031001,31555\n", "commune", "no column 'commune'");
    expect_user_file_error(ref, true, "qpv,com\nQP031001,31555\nQP031002,\n", "com",
                           "line 3, column 'com': missing value");
    /* Failed loads leave the referential unchanged. */
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_QPV), 0);
    ds_error err;
    assert_int_equal(ds_referential_load_qpv(ref, FIXTURES "nothing.csv", "a", "b", &err), DS_ENOINPUT);
    assert_int_equal(ds_referential_load_qpv(ref, NULL, "a", "b", &err), DS_EUSAGE);
    ds_referential_free(ref);
}

static void test_mini_territories(void **state)
{
    (void)state;
    ds_referential *ref = open_ok(MINI);
    load_qpv_ok(ref);
    ds_error err;
    ds_status s = ds_referential_load_territories(ref, FIXTURES "territories.csv", &err);
    if (s != DS_OK)
        fail_msg("load_territories: %s", err.message);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_TERRITORY), 3);
    assert_string_equal(ds_referential_name(ref, DS_LEVEL_TERRITORY, "CLS-TARN"), "CLS du Tarn");
    ds_territory_info info;
    assert_true(ds_referential_territory(ref, "CLS-TOULOUSE", &info));
    assert_string_equal(info.kind, "CLS");
    assert_string_equal(info.status, "signé");
    assert_string_equal(info.start, "2023");
    assert_string_equal(info.end, "2027");
    assert_true(ds_referential_territory(ref, "CLS-TARN", &info));
    assert_null(info.status);
    assert_null(info.start);
    assert_false(ds_referential_territory(ref, "CLS-NOWHERE", &info));

    expect_members(ref, DS_LEVEL_TERRITORY, "CLS-TOULOUSE", DS_LEVEL_COMMUNE, "31069 31555");
    expect_members(ref, DS_LEVEL_TERRITORY, "CLS-TOULOUSE", DS_LEVEL_EPCI, "243100518");
    /* A territory's QPV are those of its communes: the CLS declares EPCI 243100518,
     * whose commune 31555 holds QP031001 and QP031002 (qpv.csv). */
    expect_members(ref, DS_LEVEL_TERRITORY, "CLS-TOULOUSE", DS_LEVEL_QPV, "QP031001 QP031002");
    expect_members(ref, DS_LEVEL_TERRITORY, "CV-TEST", DS_LEVEL_QPV, "QN03101M QP031003");
    expect_members(ref, DS_LEVEL_TERRITORY, "CV-TEST", DS_LEVEL_COMMUNE, "31001 81001");
    expect_members(ref, DS_LEVEL_TERRITORY, "CLS-TARN", DS_LEVEL_COMMUNE, "81001 81002");
    /* QP031003 straddles 31001 and 81001 (qpv.csv); 81001 is in CLS-TARN. */
    expect_members(ref, DS_LEVEL_TERRITORY, "CLS-TARN", DS_LEVEL_QPV, "QP031003");
    expect_parent(ref, DS_LEVEL_TERRITORY, "CLS-TARN", DS_LEVEL_DEPARTEMENT, "81");
    expect_parent_error(ref, DS_LEVEL_TERRITORY, "CV-TEST", DS_LEVEL_DEPARTEMENT, DS_EDATA, "spans");
    expect_containing(ref, "81001",
                      "departement:81 epci:200099992 qpv:QP031003 region:76 territory:CLS-TARN "
                      "territory:CV-TEST");
    expect_containing(ref, "31069", "departement:31 epci:243100518 region:76 territory:CLS-TOULOUSE");

    /* Errors: each names file, line and column; nothing is added. */
    const char *head = "territory_id,name,kind,member_kind,member_code\n";
    char text[512];
    snprintf(text, sizeof text, "%sNEW,N,CLS,commune,31555\nCLS-TARN,x,CLS,commune,31555\n", head);
    expect_user_file_error(ref, false, text, NULL, "line 3, column 'territory_id': territory CLS-TARN is already defined");
    snprintf(text, sizeof text, "%sNEW,N,CLS,commune,31555\nNEW,Other,CLS,commune,31069\n", head);
    expect_user_file_error(ref, false, text, NULL, "line 3, column 'name': territory NEW has 'Other' here and 'N'");
    snprintf(text, sizeof text, "%sNEW,N,CLS,epci,200054782\n", head);
    expect_user_file_error(ref, false, text, NULL, "line 2, column 'member_code': '200054782' is not a epci code");
    snprintf(text, sizeof text, "%sNEW,N,CLS,epci,200066124\n", head);
    expect_user_file_error(ref, false, text, NULL, "unknown epci 200066124");
    snprintf(text, sizeof text, "%sNEW,N,CLS,qpv,QP081001\n", head);
    expect_user_file_error(ref, false, text, NULL, "unknown qpv QP081001 (load the QPV table first)");
    snprintf(text, sizeof text, "%sNEW,N,CLS,canton,3101\n", head);
    expect_user_file_error(ref, false, text, NULL, "line 2, column 'member_kind': member kind 'canton'");
    snprintf(text, sizeof text, "%sNEW,N,CLS,commune,31301\n", head);
    expect_user_file_error(ref, false, text, NULL, "now part of 31001");
    expect_user_file_error(ref, false, "territory_id,name,kind,member_kind\nA,B,C,commune\n", NULL,
                           "no column 'member_code'");
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_TERRITORY), 3);
    assert_null(ds_referential_name(ref, DS_LEVEL_TERRITORY, "NEW"));

    /* A second file adds territories. */
    char path[] = "/tmp/ds_referential_terr_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    snprintf(text, sizeof text, "%sCLS-PARIS,CLS de Paris,CLS,commune,75102\n", head);
    write_whole(path, text);
    s = ds_referential_load_territories(ref, path, &err);
    remove(path);
    if (s != DS_OK)
        fail_msg("second territory file: %s", err.message);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_TERRITORY), 4);
    expect_members(ref, DS_LEVEL_TERRITORY, "CLS-PARIS", DS_LEVEL_COMMUNE, "75056");
    expect_containing(ref, "75056",
                      "departement:75 epci:200054781 qpv:QP075001 region:11 territory:CLS-PARIS");
    ds_referential_free(ref);
}

/* Each broken copy of the mini referential fails with file, line and field. */
static void test_mini_errors(void **state)
{
    (void)state;
    expect_open_error("communes.csv", NULL, DS_ENOINPUT, "communes.csv", NULL);
    expect_open_error("VERSION", NULL, DS_ENOINPUT, "VERSION", NULL);
    expect_open_error("VERSION", "", DS_EDATA, "VERSION", "empty", NULL);
    expect_open_error("regions.csv", "code,name\n76,Occitanie\n76,Bis\n", DS_EDATA,
                      "regions.csv, line 3, column 'code': code 76 appears twice", NULL);
    expect_open_error("regions.csv", "code,nom\n76,Occitanie\n", DS_EDATA,
                      "regions.csv: no column 'name'", NULL);
    expect_open_error("departements.csv", "code,name,region\n31,Haute-Garonne,76\n81,Tarn,73\n",
                      DS_EDATA, "departements.csv, line 3, column 'region': unknown région 73", NULL);
    static const char communes_head[] =
        "code,name,type,departement,region,epci,commune,population_municipale\n"
        "31555,Toulouse,commune-actuelle,31,76,243100518,,514819\n"
        "31069,Blagnac,commune-actuelle,31,76,243100518,,25000\n"
        "75056,Paris,commune-actuelle,75,11,200054781,,2100000\n"
        "31001,Test-Un,commune-actuelle,31,76,200099992,,100\n";
    char text[2048];
    snprintf(text, sizeof text, "%s31002,X,commune-actuelle,32,76,,,1\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA,
                      "communes.csv, line 6, column 'departement': unknown département 32", NULL);
    snprintf(text, sizeof text, "%s31002,X,commune-actuelle,31,11,,,1\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA,
                      "communes.csv, line 6, column 'region': région 11 is not the région of département 31",
                      NULL);
    snprintf(text, sizeof text, "%s31002,X,commune-actuelle,31,76,200066124,,1\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA,
                      "communes.csv, line 6, column 'epci': unknown EPCI 200066124", NULL);
    snprintf(text, sizeof text, "%s31555,Bis,commune-actuelle,31,76,,,1\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA, "line 6, column 'code': code 31555 appears twice",
                      NULL);
    snprintf(text, sizeof text, "%s31002,X,commune-actuelle,31,76,,,-5\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA,
                      "line 6, column 'population_municipale': -5 is not a population", NULL);
    snprintf(text, sizeof text, "%s31002,X,commune-actuelle,31,76,,,12.5\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA, "12.5 is not a population", NULL);
    snprintf(text, sizeof text, "%s31002,X,commune-deleguee,31,76,,,1\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA, "line 6, column 'type': type 'commune-deleguee'",
                      NULL);
    snprintf(text, sizeof text, "%s75101,P1,arrondissement-municipal,75,11,,75057,1\n", communes_head);
    expect_open_error("communes.csv", text, DS_EDATA,
                      "line 6, column 'commune': parent 75057 is no current commune", NULL);
    snprintf(text, sizeof text, "%s3155,X,commune-actuelle,31,76,,,1\n", communes_head);
    /* 3155 normalises as 03155 (a lost leading zero), which is not in département 31. */
    expect_open_error("communes.csv", text, DS_EDATA,
                      "communes.csv, line 6, column 'code': commune 03155 is not in département 31", NULL);
    expect_open_error("epci.csv",
                      "code,name,type\n200054781,MGP,METRO\n200099992,CC,CC\n243100518,TM,METRO\n"
                      "200066124,Orpheline,CC\n",
                      DS_EDATA, "epci.csv: EPCI 200066124 has no commune", NULL);
    expect_open_error("epci.csv", "code,name,type\n200054781,MGP,METRO\n243100518,TM,METRO\n", DS_EDATA,
                      "communes.csv, line 3, column 'epci': unknown EPCI 200099992", NULL);
    expect_open_error("commune_history.csv",
                      "old_code,old_name,kind,current_code\n31300,A,commune-deleguee,31998\n", DS_EDATA,
                      "commune_history.csv, line 2, column 'current_code': 31998 is no current commune",
                      NULL);
    expect_open_error("commune_history.csv",
                      "old_code,old_name,kind,current_code\n31069,A,commune-deleguee,31555\n", DS_EDATA,
                      "31069 is a current commune, it cannot lead to 31555", NULL);
    expect_open_error("commune_history.csv",
                      "old_code,old_name,kind,current_code\n31300,A,ancien-code,31555\n"
                      "31300,A,ancien-code,31069\n",
                      DS_EDATA, "line 3, column 'old_code': former code 31300 appears twice", NULL);
    expect_open_error("commune_history.csv",
                      "old_code,old_name,kind,current_code\nX1300,A,ancien-code,31555\n", DS_EDATA,
                      "line 2, column 'old_code': 'X1300' is not a commune code", NULL);

    ds_referential *ref = (ds_referential *)1;
    ds_error err;
    assert_int_equal(ds_referential_open(FIXTURES "nothing", &ref, &err), DS_ENOINPUT);
    assert_null(ref);
    assert_int_equal(ds_referential_open(NULL, &ref, &err), DS_EUSAGE);
    assert_int_equal(ds_referential_open(MINI, NULL, &err), DS_EUSAGE);
}

/* --- part 2: the shipped referential ---------------------------------------------------
 * Expected figures come from the package JSON, not from the CSVs, e.g.
 *   node -e 'const c=require("../shared/data/cog_2026/communes.json")
 *     .filter(x=>x.type==="commune-actuelle"&&x.zone!=="com");
 *     console.log(c.length, c.filter(x=>x.region==="76").length,
 *       c.reduce((s,x)=>s+x.population,0),
 *       c.filter(x=>x.region==="76").reduce((s,x)=>s+x.population,0),
 *       c.filter(x=>x.departement==="31").reduce((s,x)=>s+x.population,0))'
 *   -> 34875 4446 68350798 6124653 1471468
 *   node -e 'const e=require("../shared/data/cog_2026/epci.json");
 *     const t=e.find(x=>x.code==="243100518"); const m=t.membres.map(x=>x.code).sort();
 *     console.log(e.length, t.nom, m.length, m[0], m[m.length-1])'
 *   -> 1255 Toulouse Métropole 37 31003 31588
 *   sum of the 37 members' commune population (communes.json): 841524. */

static ds_referential *shipped;

static int open_shipped(void **state)
{
    (void)state;
    ds_error err;
    if (ds_referential_open(SHIPPED, &shipped, &err) != DS_OK) {
        fprintf(stderr, "cannot open %s: %s\n", SHIPPED, err.message);
        return -1;
    }
    return 0;
}

static int close_shipped(void **state)
{
    (void)state;
    ds_referential_free(shipped);
    shipped = NULL;
    return 0;
}

static void test_shipped_counts(void **state)
{
    (void)state;
    assert_string_equal(ds_referential_vintage(shipped), "COG 2026, @etalab/decoupage-administratif 6.0.0");
    assert_int_equal(ds_referential_count(shipped, DS_LEVEL_COMMUNE), 34875);
    assert_int_equal(ds_referential_count(shipped, DS_LEVEL_EPCI), 1255);
    assert_int_equal(ds_referential_count(shipped, DS_LEVEL_DEPARTEMENT), 101);
    assert_int_equal(ds_referential_count(shipped, DS_LEVEL_REGION), 18);
    ds_code_list list = {0, NULL};
    ds_error err;
    assert_int_equal(ds_referential_members(shipped, DS_LEVEL_REGION, "76", DS_LEVEL_COMMUNE, &list, &err),
                     DS_OK);
    assert_int_equal(list.count, 4446); /* the 4,446 Occitanie communes */
    ds_code_list_free(&list);
    expect_members(shipped, DS_LEVEL_REGION, "76", DS_LEVEL_DEPARTEMENT,
                   "09 11 12 30 31 32 34 46 48 65 66 81 82");
    /* EPCI with at least one commune in Occitanie (node over epci.json + communes.json): 164. */
    assert_int_equal(ds_referential_members(shipped, DS_LEVEL_REGION, "76", DS_LEVEL_EPCI, &list, &err),
                     DS_OK);
    assert_int_equal(list.count, 164);
    ds_code_list_free(&list);
    assert_int_equal(ds_referential_members(shipped, DS_LEVEL_DEPARTEMENT, "31", DS_LEVEL_COMMUNE, &list,
                                            &err), DS_OK);
    assert_int_equal(list.count, 586);
    ds_code_list_free(&list);
}

static void test_shipped_toulouse(void **state)
{
    (void)state;
    assert_string_equal(ds_referential_name(shipped, DS_LEVEL_COMMUNE, "31555"), "Toulouse");
    expect_parent(shipped, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_EPCI, "243100518");
    expect_parent(shipped, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_DEPARTEMENT, "31");
    expect_parent(shipped, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_REGION, "76");
    expect_parent(shipped, DS_LEVEL_EPCI, "243100518", DS_LEVEL_REGION, "76");
    assert_string_equal(ds_referential_name(shipped, DS_LEVEL_EPCI, "243100518"), "Toulouse Métropole");
    expect_containing(shipped, "31555", "departement:31 epci:243100518 region:76");
    ds_code_list list = {0, NULL};
    ds_error err;
    assert_int_equal(ds_referential_members(shipped, DS_LEVEL_EPCI, "243100518", DS_LEVEL_COMMUNE, &list,
                                            &err), DS_OK);
    assert_int_equal(list.count, 37);
    assert_string_equal(list.items[0], "31003");
    assert_string_equal(list.items[36], "31588");
    ds_code_list_free(&list);
    /* 200030435 has communes in régions 75 and 76 (node over epci.json + communes.json). */
    expect_parent_error(shipped, DS_LEVEL_EPCI, "200030435", DS_LEVEL_REGION, DS_EDATA, "spans region");
    /* Ouessant (29155) is in no EPCI (epci.json member lists). */
    expect_parent_error(shipped, DS_LEVEL_COMMUNE, "29155", DS_LEVEL_EPCI, DS_EDATA, "belongs to no epci");
}

static void test_shipped_populations(void **state)
{
    (void)state;
    assert_int_equal(ds_referential_population(shipped, DS_LEVEL_COMMUNE, "31555"), 514819);
    assert_int_equal(ds_referential_population(shipped, DS_LEVEL_COMMUNE, "75056"), 2103778);
    assert_int_equal(ds_referential_population(shipped, DS_LEVEL_REGION, "76"), 6124653);
    assert_int_equal(ds_referential_population(shipped, DS_LEVEL_DEPARTEMENT, "31"), 1471468);
    assert_int_equal(ds_referential_population(shipped, DS_LEVEL_EPCI, "243100518"), 841524);
    /* France (métropole + DROM) = sum over the régions. */
    ds_code_list regions = {0, NULL};
    ds_error err;
    assert_int_equal(ds_referential_codes(shipped, DS_LEVEL_REGION, &regions, &err), DS_OK);
    assert_int_equal(regions.count, 18);
    assert_string_equal(regions.items[0], "01");
    assert_string_equal(regions.items[17], "94");
    long long france = 0;
    for (size_t i = 0; i < regions.count; i++) {
        long long p = ds_referential_population(shipped, DS_LEVEL_REGION, regions.items[i]);
        assert_true(p > 0);
        france += p;
    }
    ds_code_list_free(&regions);
    assert_int_equal(france, 68350798);
}

static void test_shipped_vintages(void **state)
{
    (void)state;
    expect_map(shipped, "75101", DS_MAP_ARRONDISSEMENT, "75056");
    expect_parent(shipped, DS_LEVEL_COMMUNE, "75101", DS_LEVEL_COMMUNE, "75056");
    expect_map(shipped, "13201", DS_MAP_ARRONDISSEMENT, "13055");
    expect_map(shipped, "69381", DS_MAP_ARRONDISSEMENT, "69123");
    /* Conques (12076) is a delegated commune of Conques-en-Rouergue (12218). */
    expect_map(shipped, "12076", DS_MAP_MERGED, "12218");
    /* Lamarche-en-Woëvre: associated with 55386 (its current status), although listed in
     * the anciensCodes of 55245 (datasets/referentiel/README.md). */
    expect_map(shipped, "55273", DS_MAP_MERGED, "55386");
    /* Corsica before 1976. */
    expect_map(shipped, "20004", DS_MAP_MERGED, "2A004");
    expect_map(shipped, "31555", DS_MAP_CURRENT, "31555");
    expect_map(shipped, "01015", DS_MAP_CURRENT, "01015"); /* delegated with the chef-lieu's code */
    expect_map(shipped, "31999", DS_MAP_UNKNOWN, "");
}

/* --- part 3: 2018 communes onto the 2026 referential ------------------------------------
 * Expected figures computed without shapelib (python3 struct reader of the .dbf) and with
 * the package JSON: current = commune-actuelle codes (zone != com), former codes = the
 * chefLieu of commune-deleguee/associee (code != chefLieu) then anciensCodes:
 *   Occitanie: 4485 codes -> 4445 current, 40 merged, 0 arrondissements, 0 unknown,
 *              4446 distinct current communes, all in région 76 (every one of its 4446);
 *   France:   35228 codes -> 34735 current, 493 merged, 0 unknown, 34739 distinct. */

/* Reads the `code` field of a DBF into a NULL-terminated array of copies. */
static char **read_dbf_codes(const char *path, const char *field, size_t *n)
{
    DBFHandle h = DBFOpen(path, "rb");
    assert_non_null(h);
    int column = DBFGetFieldIndex(h, field);
    assert_true(column >= 0);
    int count = DBFGetRecordCount(h);
    assert_true(count > 0);
    char **codes = calloc((size_t)count + 1, sizeof *codes);
    assert_non_null(codes);
    for (int i = 0; i < count; i++) {
        const char *value = DBFReadStringAttribute(h, i, column);
        assert_non_null(value);
        codes[i] = strdup(value); /* the buffer is reused by the next call */
        assert_non_null(codes[i]);
    }
    DBFClose(h);
    *n = (size_t)count;
    return codes;
}

static void free_codes(char **codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(codes[i]);
    free(codes);
}

static void remap_2018(const char *path, size_t n_expected, size_t current, size_t merged,
                       size_t distinct, bool occitanie)
{
    size_t n;
    char **codes = read_dbf_codes(path, "code", &n);
    assert_int_equal(n, n_expected);
    double *ones = malloc(n * sizeof *ones);
    assert_non_null(ones);
    for (size_t i = 0; i < n; i++)
        ones[i] = 1;
    ds_remap_result res;
    ds_error err;
    assert_int_equal(ds_referential_remap_counts(shipped, n, (const char *const *)codes, 1, ones, NULL,
                                                 &res, &err), DS_OK);
    assert_int_equal(res.rows_current, current);
    assert_int_equal(res.rows_merged, merged);
    assert_int_equal(res.rows_arrondissement, 0);
    assert_int_equal(res.n_unmapped, 0);
    assert_int_equal(res.n_communes, distinct);
    double total = 0;
    for (size_t k = 0; k < res.n_communes; k++) {
        assert_int_equal(res.status[k], 0);
        total += res.sums[k];
        if (occitanie) {
            char region[DS_CODE_MAX];
            assert_int_equal(ds_referential_parent(shipped, DS_LEVEL_COMMUNE, res.communes[k],
                                                   DS_LEVEL_REGION, region, &err), DS_OK);
            assert_string_equal(region, "76");
        }
    }
    assert_close(total, (double)n, 0); /* every 2018 commune counted once */
    ds_remap_result_free(&res);
    free(ones);
    free_codes(codes, n);
}

static void test_2018_occitanie(void **state)
{
    (void)state;
    require_shared("communes_2018/communes_occitanie_2018_lb93.dbf");
    remap_2018(SHARED_DATA "communes_2018/communes_occitanie_2018_lb93.dbf", 4485, 4445, 40, 4446, true);
    /* 4446 distinct communes of région 76, and it has 4446: every one is reached. */
}

static void test_2018_france(void **state)
{
    (void)state;
    require_shared("communes_2018/communes_france_2018_lb93.dbf");
    remap_2018(SHARED_DATA "communes_2018/communes_france_2018_lb93.dbf", 35228, 34735, 493, 34739, false);
}

/* Two 2018 communes of the Gers merged into 32365 (32067 and 32413, per communes.json),
 * and two of the Lot merged into 46263 (46014 and 46285), one of them secret. */
static void test_shipped_remap_by_hand(void **state)
{
    (void)state;
    const char *codes[] = {"32067", "32413", "46014", "46285", "31555", "2A004", "97611", "31999"};
    const double counts[] = {12, 30, 4, 99, 1000, 5, 8, 1};
    const unsigned char status[] = {0, 0, 0, 1, 0, 0, 0, 0};
    ds_remap_result res;
    ds_error err;
    assert_int_equal(ds_referential_remap_counts(shipped, 8, codes, 1, counts, status, &res, &err), DS_OK);
    assert_int_equal(res.n_communes, 5);
    assert_string_equal(res.communes[0], "2A004");
    assert_string_equal(res.communes[1], "31555");
    assert_string_equal(res.communes[2], "32365");
    assert_close(res.sums[2], 42, 0);
    assert_int_equal(res.status[2], 0);
    assert_string_equal(res.communes[3], "46263");
    assert_int_equal(res.status[3], 1);
    assert_true(isnan(res.sums[3]));
    assert_string_equal(res.communes[4], "97611");
    assert_int_equal(res.rows_merged, 4);
    assert_int_equal(res.rows_current, 3);
    assert_int_equal(res.n_unmapped, 1);
    assert_int_equal(res.unmapped_rows[0], 7);
    ds_remap_result_free(&res);
}

/* The 105 QPV 2015 of Occitanie (shared shapefile table, codes copied with shapelib into
 * a temporary CSV): python3 over the .dbf gives 105 QPV in 48 distinct communes, all
 * current in 2026, 12 of them in Toulouse (first QP031006). */
static void test_shipped_qpv(void **state)
{
    (void)state;
    require_shared("qpv2015_occitanie/qp_occitanie_2015_lb93.dbf");
    size_t n, m;
    char **qpv = read_dbf_codes(SHARED_DATA "qpv2015_occitanie/qp_occitanie_2015_lb93.dbf", "code_qp", &n);
    char **com = read_dbf_codes(SHARED_DATA "qpv2015_occitanie/qp_occitanie_2015_lb93.dbf", "code_commu", &m);
    assert_int_equal(n, m);
    char path[] = "/tmp/ds_referential_qpv_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fprintf(f, "code_qp;code_commune\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s;%s\n", qpv[i], com[i]);
    assert_int_equal(fclose(f), 0);
    free_codes(qpv, n);
    free_codes(com, m);

    ds_referential *ref = open_ok(SHIPPED);
    ds_error err;
    ds_status s = ds_referential_load_qpv(ref, path, "code_qp", "code_commune", &err);
    remove(path);
    if (s != DS_OK)
        fail_msg("load_qpv: %s", err.message);
    assert_int_equal(ds_referential_count(ref, DS_LEVEL_QPV), 105);
    ds_code_list list = {0, NULL};
    assert_int_equal(ds_referential_members(ref, DS_LEVEL_COMMUNE, "31555", DS_LEVEL_QPV, &list, &err),
                     DS_OK);
    assert_int_equal(list.count, 12);
    assert_string_equal(list.items[0], "QP031006");
    ds_code_list_free(&list);
    assert_int_equal(ds_referential_members(ref, DS_LEVEL_REGION, "76", DS_LEVEL_QPV, &list, &err), DS_OK);
    assert_int_equal(list.count, 105);
    ds_code_list_free(&list);
    ds_referential_free(ref);
}

int main(void)
{
    const struct CMUnitTest mini[] = {
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_mini_open),
        cmocka_unit_test(test_mini_populations),
        cmocka_unit_test(test_mini_missing_population),
        cmocka_unit_test(test_mini_parent),
        cmocka_unit_test(test_mini_members),
        cmocka_unit_test(test_mini_containing),
        cmocka_unit_test(test_mini_map),
        cmocka_unit_test(test_mini_remap),
        cmocka_unit_test(test_mini_qpv),
        cmocka_unit_test(test_mini_qpv_errors),
        cmocka_unit_test(test_mini_territories),
        cmocka_unit_test(test_mini_errors),
    };
    const struct CMUnitTest national[] = {
        cmocka_unit_test(test_shipped_counts),
        cmocka_unit_test(test_shipped_toulouse),
        cmocka_unit_test(test_shipped_populations),
        cmocka_unit_test(test_shipped_vintages),
        cmocka_unit_test(test_shipped_remap_by_hand),
        cmocka_unit_test(test_2018_occitanie),
        cmocka_unit_test(test_2018_france),
        cmocka_unit_test(test_shipped_qpv),
    };
    int failed = cmocka_run_group_tests_name("referential_fixtures", mini, NULL, NULL);
    failed += cmocka_run_group_tests_name("referential_shipped", national, open_shipped, close_shipped);
    return failed;
}
