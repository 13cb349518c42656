/* diagsante — tests of the age pyramid ([ages]; portrait.h ds_portrait_ages,
 * portrait_pyramid.c), of the level-specific column overrides (column.ID.ROLE.LEVEL)
 * and of [outputs] source.
 *
 * Fixture: a CLS of three communes of the Hautes-Pyrénées (Tarbes 65440, Séméac 65417,
 * Aureilhan 65047), whose département (65) has those three communes only in the data:
 * the département side would lack its other communes, so the reference is read from a
 * published département row instead. Ages by sex in three groups. Every expected share
 * is worked out by hand below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diagsante/portrait.h"
#include "helpers.h"
#include "portrait_pyramid.h"

static const char DICTIONARY[] =
    "id,label,chapter,bases,numerator,denominator,kind,unit,multiplier,polarity,source,"
    "numerator_column,denominator_column,value_column,aggregable\n"
    "pop,Population,1,prevention,Population,,count,habitants,1,context,test,POP,,,yes\n"
    "chom,Taux de chômage,2,prevention,Chômeurs,Actifs,proportion,%,100,worse,test,CHOM,ACT,,"
    "yes\n";

/* Ages: H0, F0 (0-19), H1, F1 (20-59), H2, F2 (60+). Séméac's 60+ men (3) are under the
 * threshold: the territory sums them (3 + 10 + 7 = 20), so the territory is not touched;
 * the commune files are never shown by age. */
static const char COMMUNES[] = "code;POP;CHOM;ACT;H0;F0;H1;F1;H2;F2\n"
                               "65440;1000;50;400;100;110;250;260;130;150\n"
                               "65417;500;20;200;60;50;140;150;3;97\n"
                               "65047;300;10;100;30;30;80;90;7;63\n";
/* The QPV file names its population pop_mun: read through column.pop.numerator.qpv. */
static const char QPV[] = "code_qp;pop_mun;CHOM;ACT\nQP065001;200;15;80\n";
static const char QPV_COMMUNES[] = "qpv,commune\nQP065001,65440\n";
/* Département row: ages published (with a 60+ men count of 4: withheld). */
static const char DEPARTEMENTS[] = "code;POP;CHOM;ACT;H0;F0;H1;F1;H2;F2\n"
                                   "65;2000;100;900;200;200;600;600;4;396\n";
static const char CLS[] = "territory_id,name,kind,status,member_kind,member_code\n"
                          "CLS-T,CLS de test,cls,signé,commune,65440\n"
                          "CLS-T,CLS de test,cls,signé,commune,65417\n"
                          "CLS-T,CLS de test,cls,signé,commune,65047\n";

/* The whole file, NUL-terminated (free it); NULL when unreadable. */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (size_t got; buf != NULL && (got = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
        n += got;
        if (n + 1 == cap) {
            char *p = realloc(buf, cap *= 2);
            if (p == NULL)
                free(buf);
            buf = p;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[n] = '\0';
    return buf;
}

static void put(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Opens the fixture with `ages` as the [ages] section (and `extra` appended to [data]). */
static ds_status open_fixture(const char *ages, const char *extra, ds_config **config,
                              ds_portrait_context **ctx, ds_error *err)
{
    put("dict.csv", DICTIONARY);
    put("communes.csv", COMMUNES);
    put("qpv.csv", QPV);
    put("qpv_communes.csv", QPV_COMMUNES);
    put("dep.csv", DEPARTEMENTS);
    put("cls.csv", CLS);
    char ini[2048], cwd[512], path[256];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(ini, sizeof ini,
             "[territory]\ncode = CLS-T\ndefinitions = cls.csv\n"
             "[referential]\ndir = %s/datasets/referentiel\nqpv_communes = qpv_communes.csv\n"
             "[indicators]\ndictionary = dict.csv\npopulation = pop\n"
             "[data]\ncommune = communes.csv\nqpv = qpv.csv\ndepartement = dep.csv\n"
             "column.pop.numerator.qpv = pop_mun\n%s"
             "[outputs]\nsource = Source A (test)\nsource = Source B & co\n%s",
             cwd, extra, ages);
    put("ages.ini", ini);
    snprintf(path, sizeof path, "%s/ages.ini", test_dir);
    ds_status st = ds_config_load(path, config, err);
    if (st != DS_OK)
        return st;
    st = ds_portrait_context_open(*config, ctx, err);
    if (st != DS_OK)
        ds_config_free(*config);
    return st;
}

static const char AGES[] = "[ages]\ngroup = 0 à 19 ans, H0, F0\ngroup = 20 à 59 ans, H1, F1\n"
                           "group = 60 ans ou plus, H2, F2\n";

static void test_config_ages_and_sources(void **state)
{
    (void)state;
    ds_config *c;
    ds_portrait_context *ctx;
    ds_error err;
    assert_int_equal(open_fixture(AGES, "", &c, &ctx, &err), DS_OK);
    assert_int_equal(c->n_age_groups, 3);
    assert_int_equal(c->age_sexes, 2);
    assert_string_equal(c->age_groups[1].label, "20 à 59 ans");
    assert_string_equal(c->age_groups[1].column[0], "H1");
    assert_string_equal(c->age_groups[1].column[1], "F1");
    assert_int_equal(c->age_reference, DS_AGE_REF_DEPARTEMENT);
    assert_int_equal(c->n_cited, 2);
    assert_string_equal(c->cited[1], "Source B & co");
    assert_int_equal(c->n_overrides, 1);
    assert_int_equal(c->overrides[0].level, DS_DATA_QPV);
    assert_int_equal(c->overrides[0].role, DS_ROLE_NUMERATOR);
    ds_portrait_context_free(ctx);
    ds_config_free(c);

    /* Errors name the line. */
    assert_int_equal(open_fixture("[ages]\ngroup = 0-19, H0, F0\ngroup = 20+, T1\n", "", &c,
                                  &ctx, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "ages.ini:"));
    assert_non_null(strstr(err.message, "same number of columns"));
    assert_int_equal(open_fixture("[ages]\ngroup = 0-19\n", "", &c, &ctx, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "expected LABEL, COLUMN"));
    assert_int_equal(open_fixture("[ages]\ngroup = 0-19, , F0\n", "", &c, &ctx, &err), DS_EDATA);
    assert_int_equal(open_fixture("[ages]\ngroup = 0-19, H0\nreference = commune\n", "", &c,
                                  &ctx, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "reference = 'commune'"));
    assert_int_equal(open_fixture("[ages]\ngroup = 0-19, NOPE\n", "", &c, &ctx, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "no [data] file has a numeric column 'NOPE'"));
    assert_int_equal(open_fixture("", "column.pop.numerator.canton = X\n", &c, &ctx, &err),
                     DS_EDATA);
    assert_non_null(strstr(err.message, "the level must be"));
    assert_int_equal(open_fixture("", "column.pop.numerateur.qpv = X\n", &c, &ctx, &err),
                     DS_EDATA);
    assert_non_null(strstr(err.message, "the role must be"));
}

static void test_shares_and_disclosure(void **state)
{
    (void)state;
    ds_config *c;
    ds_portrait_context *ctx;
    ds_error err;
    assert_int_equal(open_fixture(AGES, "", &c, &ctx, &err), DS_OK);
    ds_portrait *p;
    assert_int_equal(ds_portrait_compute(ctx, "CLS-T", DS_LEVEL_COUNT, &p, &err), DS_OK);
    const ds_age_pyramid *a = ds_portrait_ages(p);
    assert_non_null(a);
    assert_int_equal(a->groups, 3);
    assert_int_equal(a->sexes, 2);
    /* Territory: sums over the three communes.
     *   H0 100+60+30 = 190   F0 110+50+30 = 190
     *   H1 250+140+80 = 470  F1 260+150+90 = 500
     *   H2 130+3+7 = 140     F2 150+97+63 = 310      total 1800 (= 1000+500+300). */
    const double t[6] = {190, 190, 470, 500, 140, 310};
    assert_true(a->territory.available);
    assert_close(a->territory.total, 1800, 1e-15);
    for (int k = 0; k < 6; k++) {
        assert_false(a->territory.cells[k].withheld);
        assert_close(a->territory.cells[k].count, t[k], 1e-15);
        assert_close(a->territory.cells[k].percent, 100 * t[k] / 1800, 1e-14);
    }
    /* 190 / 1800 = 10.5556 %, 470 / 1800 = 26.1111 %, 310 / 1800 = 17.2222 %. */
    assert_close(a->territory.cells[2].percent, 26.111111111111111, 1e-13);
    /* Reference: the published département row, total 2000. H2 = 4 is withheld
     * (primary); being the only one, the next smallest count is too: 200 (H0, the first
     * of the two 200s). */
    assert_true(a->has_reference);
    assert_true(a->reference.available);
    assert_string_equal(a->reference.name, "Hautes-Pyrénées");
    assert_close(a->reference.total, 2000, 1e-15);
    assert_true(a->reference.cells[4].withheld);
    assert_false(a->reference.cells[4].secondary);
    assert_true(isnan(a->reference.cells[4].count) && isnan(a->reference.cells[4].percent));
    assert_true(a->reference.cells[0].withheld && a->reference.cells[0].secondary);
    assert_false(a->reference.cells[1].withheld);
    assert_close(a->reference.cells[1].percent, 10.0, 1e-14); /* 200 / 2000 */
    assert_close(a->reference.cells[5].percent, 19.8, 1e-14); /* 396 / 2000 */

    /* The level-specific override: the QPV population is pop_mun (200) while the
     * communes' is POP; the CLS population is 1800. */
    assert_close(ds_portrait_qpv_population(p), 200, 1e-15);
    assert_close(ds_portrait_population(p), 1800, 1e-15);

    /* The HTML: the pyramid's bars. Scale: the largest share drawn is 30 % (F1 of the
     * département: 600 / 2000), hence a scale of 30 and, with two sexes, half-widths of
     * (640 - 92) / 2 - 44 = 230 units: the territory's H1 bar (26.111 %) is
     * 26.111 / 30 x 230 = 200.19 units long, its F2 bar (17.222 %) 132.04. */
    assert_close(ds_pyramid_scale(30.0), 30.0, 1e-15);
    assert_close(ds_pyramid_half_width(2), 230.0, 1e-15);
    ds_portrait_outputs what = {.html = true, .json = true};
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/out-ages", test_dir);
    assert_int_equal(ds_portrait_write(p, dir, &what, &err), DS_OK);
    snprintf(path, sizeof path, "%s/portrait.html", dir);
    char *html = read_all(path);
    assert_non_null(html);
    assert_non_null(strstr(html, "<title id=\"pyr-titre\">Pyramide des âges — CLS de test</title>"));
    assert_non_null(strstr(html, "aria-labelledby=\"pyr-titre pyr-desc\""));
    assert_non_null(strstr(html, "width=\"200.19\""));
    assert_non_null(strstr(html, "width=\"132.04\""));
    /* Data table: H1 470 = 26,1 %, and the withheld reference cells. */
    assert_non_null(strstr(html, "<td class=\"num\">470</td><td class=\"num\">26,1\xE2\x80\xAF%</td>"));
    assert_non_null(strstr(html, "<td class=\"num\">&lt; 5</td>"));
    assert_non_null(strstr(html, "<td class=\"num\">s</td>"));
    assert_null(strstr(html, ">0,2\xE2\x80\xAF%")); /* 4 / 2000 = 0.2 % never shown */
    /* The sources. */
    assert_non_null(strstr(html, "<h3>Sources</h3>"));
    assert_non_null(strstr(html, "<li>Source B &amp; co</li>"));
    free(html);
    snprintf(path, sizeof path, "%s/portrait.json", dir);
    char *json = read_all(path);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"ages\":{\"groups\":[{\"label\":\"0 à 19 ans\""));
    assert_non_null(strstr(json, "\"count\":null,\"percent\":null,\"withheld\":\"primary\""));
    free(json);
    ds_portrait_free(p);
    ds_portrait_context_free(ctx);
    ds_config_free(c);
}

/* One column per group (both sexes), reference none; a commune lacking a group: no
 * pyramid (never a partial sum). */
static void test_one_sex_and_missing(void **state)
{
    (void)state;
    ds_config *c;
    ds_portrait_context *ctx;
    ds_error err;
    assert_int_equal(open_fixture("[ages]\ngroup = jeunes, H0\ngroup = autres, F1\n"
                                  "reference = none\n", "", &c, &ctx, &err), DS_OK);
    ds_portrait *p;
    assert_int_equal(ds_portrait_compute(ctx, "CLS-T", DS_LEVEL_COUNT, &p, &err), DS_OK);
    const ds_age_pyramid *a = ds_portrait_ages(p);
    assert_int_equal(a->sexes, 1);
    assert_false(a->has_reference);
    /* 190 and 500: 27.536 % and 72.464 %. */
    assert_close(a->territory.cells[0].percent, 100.0 * 190 / 690, 1e-14);
    assert_close(a->territory.cells[1].percent, 100.0 * 500 / 690, 1e-14);
    ds_portrait_outputs what = {.html = true};
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s/out-one", test_dir);
    assert_int_equal(ds_portrait_write(p, dir, &what, &err), DS_OK);
    snprintf(path, sizeof path, "%s/portrait.html", dir);
    char *html = read_all(path);
    assert_non_null(strstr(html, "Structure de la population par âge"));
    /* Scale 80 (72.46 % rounded up), half-width 640 - 92 - 44 - 8 = 496: 72.464 / 80 x 496 = 449.28. */
    assert_non_null(strstr(html, "width=\"449.28\""));
    free(html);
    ds_portrait_free(p);
    ds_portrait_context_free(ctx);
    ds_config_free(c);

    put("communes_gap.csv", "code;H9\n65440;10\n65417;s\n65047;5\n");
    assert_int_equal(open_fixture("[ages]\ngroup = tous, H9\n",
                                  "commune = communes_gap.csv\n", &c, &ctx, &err), DS_OK);
    assert_int_equal(ds_portrait_compute(ctx, "CLS-T", DS_LEVEL_COUNT, &p, &err), DS_OK);
    a = ds_portrait_ages(p);
    assert_false(a->territory.available);
    assert_non_null(a->territory.flag);
    ds_portrait_free(p);
    ds_portrait_context_free(ctx);
    ds_config_free(c);

    /* No [ages]: no pyramid. */
    assert_int_equal(open_fixture("", "", &c, &ctx, &err), DS_OK);
    assert_int_equal(ds_portrait_compute(ctx, "CLS-T", DS_LEVEL_COUNT, &p, &err), DS_OK);
    assert_null(ds_portrait_ages(p));
    ds_portrait_free(p);
    ds_portrait_context_free(ctx);
    ds_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_ages_and_sources),
        cmocka_unit_test(test_shares_and_disclosure),
        cmocka_unit_test(test_one_sex_and_missing),
    };
    return cmocka_run_group_tests_name("test_portrait_ages", tests, test_dir_create,
                                       test_dir_remove);
}
