/* diagsante — tests of the diagnostic.ini reader (include/diagsante/config.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diagsante/config.h"
#include "helpers.h"

static const char MINIMAL[] = "[territory]\ncode = 200069300\n"
                              "[referential]\ndir = ref\n"
                              "[indicators]\ndictionary = dict.csv\n"
                              "[data]\ncommune = communes.csv\n";

/* Writes text to test_dir/name; returns the path (static buffer). */
static const char *write_ini(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* Loads text and expects failure with status and a message containing each of the
 * two fragments (the second may be NULL). */
static void expect_error(const char *text, ds_status status, const char *a, const char *b)
{
    ds_config *c = (ds_config *)1;
    ds_error err;
    assert_int_equal(ds_config_load(write_ini("bad.ini", text), &c, &err), status);
    assert_null(c);
    if (strstr(err.message, a) == NULL || (b != NULL && strstr(err.message, b) == NULL))
        fail_msg("message '%s' lacks '%s' / '%s'", err.message, a, b ? b : "");
}

static void test_minimal_with_defaults(void **state)
{
    (void)state;
    ds_config *c;
    ds_error err;
    const char *path = write_ini("min.ini", MINIMAL);
    assert_int_equal(ds_config_load(path, &c, &err), DS_OK);
    assert_string_equal(c->territory, "200069300");
    assert_false(c->level_given);
    char expected[300];
    snprintf(expected, sizeof expected, "%s/ref", test_dir); /* relative to the .ini */
    assert_string_equal(c->referential_dir, expected);
    snprintf(expected, sizeof expected, "%s/dict.csv", test_dir);
    assert_string_equal(c->dictionary, expected);
    assert_int_equal(c->n_data, 1);
    assert_int_equal(c->data[0].level, DS_DATA_COMMUNE);
    assert_true(c->reference[0] && c->reference[1] && c->reference[2]);
    assert_true(c->confidence == 0.95);
    assert_int_equal(c->threshold, 5);
    assert_true(c->out_html && c->out_csv && c->out_json && c->out_geojson);
    assert_false(c->out_excel);
    assert_false(c->fictitious);
    assert_string_equal(c->population_indicator, "pop_municipale");
    assert_string_equal(c->qpv_column, "qpv");
    assert_string_equal(c->commune_column, "commune");
    assert_int_equal(c->n_select, 0);
    ds_config_free(c);
}

static void test_every_key(void **state)
{
    (void)state;
    ds_config *c;
    ds_error err;
    char text[2048];
    snprintf(text, sizeof text,
             "; a comment\n[territory]\ncode = CLS-X\nlevel = territory\nname = CLS X\n"
             "definitions = /abs/cls.csv\n"
             "[referential]\ndir = ref\nqpv_communes = q.csv\nqpv_column = code_qp\n"
             "commune_column = insee\n"
             "[indicators]\ndictionary = d.csv\nselect = a, b c\nselect = d\npopulation = pop\n"
             "[data]\ncommune = c1.csv\ncommune = c2.csv\niris = i.csv\nqpv = q.csv\n"
             "france = f.csv\ncolumn.taux_x.numerator = NUMX\ncolumn.taux_x.denominator = DENX\n"
             "[references]\ndepartement = no\nregion = oui\nfrance = false\nconfidence = 0.9\n"
             "[geometry]\ncommunes = c.shp\ncommune_id = insee\n"
             "[disclosure]\nthreshold = 11\n"
             "[outputs]\nhtml = non\nexcel = 1\ntitle = Mon diagnostic\nfictitious = yes\n");
    assert_int_equal(ds_config_load(write_ini("all.ini", text), &c, &err), DS_OK);
    assert_true(c->level_given);
    assert_int_equal(c->level, DS_LEVEL_TERRITORY);
    assert_string_equal(c->territory_name, "CLS X");
    assert_string_equal(c->definitions, "/abs/cls.csv"); /* absolute paths kept */
    assert_string_equal(c->qpv_column, "code_qp");
    assert_string_equal(c->commune_column, "insee");
    assert_int_equal(c->n_select, 4);
    assert_string_equal(c->select[0], "a");
    assert_string_equal(c->select[1], "b");
    assert_string_equal(c->select[2], "c");
    assert_string_equal(c->select[3], "d");
    assert_string_equal(c->population_indicator, "pop");
    assert_int_equal(c->n_data, 5);
    assert_int_equal(c->data[1].level, DS_DATA_COMMUNE);
    assert_int_equal(c->data[2].level, DS_DATA_IRIS);
    assert_int_equal(c->data[4].level, DS_DATA_FRANCE);
    assert_int_equal(c->n_overrides, 2);
    assert_string_equal(c->overrides[0].indicator, "taux_x");
    assert_int_equal(c->overrides[0].role, DS_ROLE_NUMERATOR);
    assert_string_equal(c->overrides[1].column, "DENX");
    assert_int_equal(c->overrides[1].role, DS_ROLE_DENOMINATOR);
    assert_false(c->reference[0]);
    assert_true(c->reference[1]);
    assert_false(c->reference[2]);
    assert_true(c->confidence == 0.9);
    assert_string_equal(c->commune_id, "insee");
    assert_string_equal(c->qpv_id, "code_qp"); /* default */
    assert_int_equal(c->threshold, 11);
    assert_false(c->out_html);
    assert_true(c->out_excel);
    assert_true(c->fictitious);
    assert_string_equal(c->title, "Mon diagnostic");
    ds_config_free(c);
}

static void test_errors_name_the_line(void **state)
{
    (void)state;
    /* line 9: the unknown key */
    expect_error("[territory]\ncode = 1\n[referential]\ndir = r\n[indicators]\n"
                 "dictionary = d\n[data]\ncommune = c\ncolour = red\n",
                 DS_EDATA, "bad.ini:9:", "unknown key 'colour' in [data]");
    expect_error("[territoire]\ncode = 1\n", DS_EDATA, "bad.ini:2:", "unknown section [territoire]");
    expect_error("[territory]\ncode = 1\ncode = 2\n", DS_EDATA, "bad.ini:3:",
                 "[territory] code is given twice");
    expect_error("[references]\nregion = peut-être\n", DS_EDATA, "bad.ini:2:",
                 "expected yes or no");
    expect_error("[references]\nconfidence = 1.5\n", DS_EDATA, "bad.ini:2:", "out of range");
    expect_error("[disclosure]\nthreshold = 4.5\n", DS_EDATA, "bad.ini:2:", "not a whole number");
    expect_error("[disclosure]\nthreshold = 0\n", DS_EDATA, "bad.ini:2:", "out of range");
    expect_error("[territory]\nlevel = quartier\n", DS_EDATA, "bad.ini:2:", "level = 'quartier'");
    expect_error("[data]\ncolumn.x.numerateur = A\n", DS_EDATA, "bad.ini:2:",
                 "numerator, denominator or value");
    expect_error("[data]\ncolumn.x = A\n", DS_EDATA, "bad.ini:2:", "column.INDICATOR");
    expect_error("[territory]\nthis line has no equals sign\n", DS_EDATA, "bad.ini:2:", NULL);
    /* Missing required keys name the section. */
    expect_error("[referential]\ndir = r\n", DS_EDATA, "[territory] code is missing", NULL);
    expect_error("[territory]\ncode = 1\n[indicators]\ndictionary = d\n[data]\ncommune = c\n",
                 DS_EDATA, "[referential] dir is missing", NULL);
    expect_error("[territory]\ncode = 1\n[referential]\ndir = r\n[indicators]\ndictionary = d\n",
                 DS_EDATA, "[data] names no data file", NULL);
}

static void test_missing_file(void **state)
{
    (void)state;
    ds_config *c;
    ds_error err;
    assert_int_equal(ds_config_load("/nonexistent/diagnostic.ini", &c, &err), DS_ENOINPUT);
    assert_null(c);
    assert_non_null(strstr(err.message, "/nonexistent/diagnostic.ini"));
    assert_int_equal(ds_config_load(NULL, &c, &err), DS_EUSAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_with_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests_name("test_config", tests, test_dir_create, test_dir_remove);
}
