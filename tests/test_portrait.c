/* diagsante — tests of the portrait computation (include/diagsante/portrait.h).
 *
 * A hand-made fixture: a CLS of three communes of the Hautes-Pyrénées (Tarbes 65440,
 * Séméac 65417, Aureilhan 65047; the bundled referential), two QPV (QP065001 in Tarbes,
 * QP065003 across Tarbes and Séméac), published rows for the département, the région
 * and France. Every expected figure is worked out below from the fixture's numbers with
 * the formula written out (Wilson, Byar), independently of the code under test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "diagsante/portrait.h"
#include "helpers.h"

#define Z95 1.959963984540054 /* Φ⁻¹(0.975) */

static const char DICTIONARY[] =
    "id,label,chapter,bases,numerator,denominator,kind,unit,multiplier,polarity,source,"
    "numerator_column,denominator_column,value_column,aggregable\n"
    "pop,Population,1,prevention,Population,,count,habitants,1,context,test,POP,,,yes\n"
    "chom,Taux de chômage,2,prevention,Chômeurs,Actifs,proportion,%,100,worse,test,CHOM,ACT,,yes\n"
    "deces,Taux de décès,4,prevention,Décès,Population,rate,pour 100 000,100000,worse,test,"
    "DC,POP,,yes\n"
    "icm,Indice comparatif de mortalité,4,prevention,Décès observés,Décès attendus,isr,indice,"
    "100,worse,test,OBS,ATT,,yes\n"
    "med,Revenu médian,2,prevention,Revenu disponible par UC,,median,euros,1,better,test,,,"
    "MED,no\n";

static const char COMMUNES[] = "code;POP;CHOM;ACT;DC;OBS;ATT\n"
                               "65440;40000;2000;18000;450;450;400\n"
                               "65417;5000;3;2200;50;50;55\n"
                               "65047;8000;300;3600;80;80;85\n";
static const char COMMUNES_GAP[] = "code;POP;CHOM;ACT;DC;OBS;ATT\n"
                                   "65440;40000;2000;18000;450;450;400\n"
                                   "65417;5000;3;2200;50;50;55\n"
                                   "65047;8000;s;3600;80;80;85\n";
static const char QPV[] = "code_qp;POP;CHOM;ACT;DC;OBS;ATT\n"
                          "QP065001;1500;150;600;12;2;10\n"
                          "QP065003;3300;6;1400;30;1;8\n";
/* the same with QP065003's 4 unemployed, under the threshold */
static const char QPV_SMALL[] = "code_qp;POP;CHOM;ACT;DC;OBS;ATT\n"
                                "QP065001;1500;150;600;12;2;10\n"
                                "QP065003;3300;4;1400;30;1;8\n";
static const char *qpv_data = QPV;
/* the three communes of the CC Terre de Camargue (EPCI 243000650, Gard): Aigues-Mortes
 * 30003, Le Grau-du-Roi 30133, Saint-Laurent-d'Aigouze 30276 */
static const char COMMUNES_CAMARGUE[] = "code;POP;CHOM;ACT;DC;OBS;ATT\n"
                                        "30003;8000;3;3500;80;80;85\n"
                                        "30133;8500;40;3700;90;90;95\n"
                                        "30276;3500;20;1500;30;30;35\n";
static const char QPV_COMMUNES[] = "qpv,commune\nQP065001,65440\nQP065003,65440\n"
                                   "QP065003,65417\n";
static const char DEPARTEMENTS[] = "code;POP;CHOM;ACT;DC;OBS;ATT;MED\n"
                                   "65;230000;11000;100000;2600;2600;2500;20500\n";
static const char REGIONS[] = "code;POP;CHOM;ACT;DC;OBS;ATT;MED\n"
                              "76;6000000;600000;2700000;60000;60000;61000;22000\n";
static const char FRANCE[] = "code;POP;CHOM;ACT;DC;OBS;ATT;MED\n"
                             "FM;65000000;6500000;30000000;610000;610000;610000;22500\n";
static const char CLS[] = "territory_id,name,kind,status,member_kind,member_code\n"
                          "CLS-T,CLS de test,cls,signé,commune,65440\n"
                          "CLS-T,CLS de test,cls,signé,commune,65417\n"
                          "CLS-T,CLS de test,cls,signé,commune,65047\n";

static void put(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Writes the fixture (communes: COMMUNES or COMMUNES_GAP) and opens a context for the
 * territory. The referential is the bundled one (the tests run from the project root). */
static ds_portrait *portrait_of(const char *communes, const char *territory,
                                ds_portrait_context **ctx, ds_config **config)
{
    put("dict.csv", DICTIONARY);
    put("communes.csv", communes);
    put("qpv.csv", qpv_data);
    put("qpv_communes.csv", QPV_COMMUNES);
    put("dep.csv", DEPARTEMENTS);
    put("reg.csv", REGIONS);
    put("fr.csv", FRANCE);
    put("cls.csv", CLS);
    char ini[1024], cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(ini, sizeof ini,
             "[territory]\ncode = %s\ndefinitions = cls.csv\n"
             "[referential]\ndir = %s/datasets/referentiel\nqpv_communes = qpv_communes.csv\n"
             "[indicators]\ndictionary = dict.csv\npopulation = pop\n"
             "[data]\ncommune = communes.csv\nqpv = qpv.csv\ndepartement = dep.csv\n"
             "region = reg.csv\nfrance = fr.csv\n",
             territory, cwd);
    put("diagnostic.ini", ini);
    char path[256];
    snprintf(path, sizeof path, "%s/diagnostic.ini", test_dir);
    ds_error err;
    if (ds_config_load(path, config, &err) != DS_OK)
        fail_msg("%s", err.message);
    if (ds_portrait_context_open(*config, ctx, &err) != DS_OK)
        fail_msg("%s", err.message);
    ds_portrait *p;
    if (ds_portrait_compute(*ctx, territory, DS_LEVEL_COUNT, &p, &err) != DS_OK)
        fail_msg("%s", err.message);
    return p;
}

static void done(ds_portrait *p, ds_portrait_context *ctx, ds_config *config)
{
    ds_portrait_free(p);
    ds_portrait_context_free(ctx);
    ds_config_free(config);
}

static const ds_portrait_row *row_of(const ds_portrait *p, const char *id)
{
    for (size_t i = 0; i < ds_portrait_rows(p); i++)
        if (strcmp(ds_portrait_row_at(p, i)->indicator->id, id) == 0)
            return ds_portrait_row_at(p, i);
    fail_msg("no row %s", id);
    return NULL;
}

/* Wilson bounds of x / n in % (Newcombe 1998, method 3). */
static double wilson(double x, double n, int sign)
{
    double z2 = Z95 * Z95;
    return 100 * (2 * x + z2 + sign * Z95 * sqrt(z2 + 4 * x * (1 - x / n))) / (2 * (n + z2));
}

/* Byar's bounds of a count x (Breslow & Day 1987). */
static double byar_lower(double x)
{
    return x * pow(1 - 1 / (9 * x) - Z95 / (3 * sqrt(x)), 3);
}

static double byar_upper(double x)
{
    return (x + 1) * pow(1 - 1 / (9 * (x + 1)) + Z95 / (3 * sqrt(x + 1)), 3);
}

static void test_sums_and_intervals(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(COMMUNES, "CLS-T", &ctx, &config);
    assert_int_equal(ds_portrait_level(p), DS_LEVEL_TERRITORY);
    assert_string_equal(ds_portrait_name(p), "CLS de test");
    assert_int_equal(ds_portrait_rows(p), 5);

    const ds_figure *pop = &row_of(p, "pop")->figure[DS_SCOPE_TERRITORY];
    assert_int_equal(pop->origin, DS_ORIGIN_SUM);
    assert_true(pop->value == 40000 + 5000 + 8000);
    assert_int_equal(pop->parts, 3);

    /* Unemployment: (2000 + 3 + 300) / (18000 + 2200 + 3600) = 2303 / 23800, Wilson. */
    const ds_portrait_row *chom = row_of(p, "chom");
    const ds_figure *t = &chom->figure[DS_SCOPE_TERRITORY];
    assert_true(t->numerator == 2303 && t->denominator == 23800);
    assert_close(t->value, 100.0 * 2303 / 23800, 1e-15);
    assert_close(t->lower, wilson(2303, 23800, -1), 1e-12);
    assert_close(t->upper, wilson(2303, 23800, +1), 1e-12);
    assert_string_equal(t->method, "Wilson");
    /* France 6.5 M / 30 M = 21.67 %: above the territory's interval, so the territory is
     * lower, which is better for unemployment (polarity worse). */
    const ds_versus *fr = &chom->versus[2];
    assert_true(fr->available && fr->tested);
    assert_int_equal(fr->comparison.direction, DS_DIRECTION_LOWER);
    assert_int_equal(fr->comparison.judgement, DS_JUDGEMENT_BETTER);
    assert_close(fr->ratio, (2303.0 / 23800) / (6500000.0 / 30000000), 1e-13);
    assert_close(fr->difference, 100.0 * 2303 / 23800 - 100.0 * 6500000 / 30000000, 1e-12);
    assert_string_equal(chom->figure[DS_SCOPE_DEPARTEMENT].code, "65");
    assert_int_equal(chom->figure[DS_SCOPE_DEPARTEMENT].origin, DS_ORIGIN_PUBLISHED);
    assert_close(chom->figure[DS_SCOPE_DEPARTEMENT].value, 11.0, 1e-15);

    /* Death rate: 580 / 53,000 per 100,000 with Byar limits (580 >= 10). */
    const ds_figure *dc = &row_of(p, "deces")->figure[DS_SCOPE_TERRITORY];
    assert_close(dc->value, 580.0 / 53000 * 1e5, 1e-15);
    assert_close(dc->lower, byar_lower(580) / 53000 * 1e5, 1e-12);
    assert_close(dc->upper, byar_upper(580) / 53000 * 1e5, 1e-12);
    assert_string_equal(dc->method, "Byar");

    /* ICM: O = 580, E = 400 + 55 + 85 = 540: 100 O / E with Byar limits of O over E. */
    const ds_figure *icm = &row_of(p, "icm")->figure[DS_SCOPE_TERRITORY];
    assert_close(icm->value, 100.0 * 580 / 540, 1e-15);
    assert_close(icm->lower, 100 * byar_lower(580) / 540, 1e-12);
    assert_close(icm->upper, 100 * byar_upper(580) / 540, 1e-12);

    /* A median is never summed: absent for a CLS, published for the département. */
    const ds_portrait_row *med = row_of(p, "med");
    assert_int_equal(med->figure[DS_SCOPE_TERRITORY].origin, DS_ORIGIN_NONE);
    assert_non_null(strstr(med->figure[DS_SCOPE_TERRITORY].flag, "non agrégeable"));
    assert_true(med->figure[DS_SCOPE_DEPARTEMENT].value == 20500);
    assert_true(med->figure[DS_SCOPE_FRANCE].value == 22500);
    assert_false(med->versus[1].available);
    done(p, ctx, config);
}

static void test_qpv_and_rest(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(COMMUNES, "CLS-T", &ctx, &config);
    /* Both QPV lie inside the CLS: QPV = 150 + 6 over 600 + 1400, the rest is the
     * territory minus them: (2303 - 156) / (23800 - 2000). */
    const ds_portrait_row *chom = row_of(p, "chom");
    const ds_figure *q = &chom->figure[DS_SCOPE_QPV], *o = &chom->figure[DS_SCOPE_OUTSIDE_QPV];
    assert_int_equal(q->origin, DS_ORIGIN_SUM);
    assert_true(q->numerator == 156 && q->denominator == 2000);
    assert_close(q->lower, wilson(156, 2000, -1), 1e-12);
    assert_int_equal(o->origin, DS_ORIGIN_DIFFERENCE);
    assert_true(o->numerator == 2147 && o->denominator == 21800);
    assert_close(o->upper, wilson(2147, 21800, +1), 1e-12);
    /* The ratio and its delta-method interval on the log scale: se(ln R)² = se_q²/q² +
     * se_o²/o², each se taken from the Wilson interval as (upper - lower) / (2 z). */
    double vq = 100.0 * 156 / 2000, vo = 100.0 * 2147 / 21800;
    double sq = (wilson(156, 2000, 1) - wilson(156, 2000, -1)) / (2 * Z95);
    double so = (wilson(2147, 21800, 1) - wilson(2147, 21800, -1)) / (2 * Z95);
    double se = sqrt(sq * sq / (vq * vq) + so * so / (vo * vo));
    assert_close(chom->qpv_ratio.value, vq / vo, 1e-13);
    assert_close(chom->qpv_ratio.lower, vq / vo * exp(-Z95 * se), 1e-12);
    assert_close(chom->qpv_ratio.upper, vq / vo * exp(Z95 * se), 1e-12);
    /* Population in QPV: 1,500 + 3,300 of 53,000. */
    assert_true(ds_portrait_qpv_population(p) == 4800);
    assert_true(ds_portrait_population(p) == 53000);

    /* The ICM's QPV count is 2 + 1 = 3, under 5: withheld, and the rest with it
     * (territory minus rest would give it back). */
    const ds_portrait_row *icm = row_of(p, "icm");
    assert_true(icm->figure[DS_SCOPE_QPV].withheld);
    assert_false(icm->figure[DS_SCOPE_QPV].secondary);
    assert_true(isnan(icm->figure[DS_SCOPE_QPV].numerator));
    assert_true(isnan(icm->figure[DS_SCOPE_QPV].value));
    assert_true(icm->figure[DS_SCOPE_OUTSIDE_QPV].withheld);
    assert_true(icm->figure[DS_SCOPE_OUTSIDE_QPV].secondary);
    assert_true(isnan(icm->figure[DS_SCOPE_OUTSIDE_QPV].value));
    assert_true(isnan(icm->qpv_ratio.value));
    done(p, ctx, config);
}

/* A QPV's own count under the threshold (QP065003's 4 unemployed, withheld in its own
 * portrait): the QPV part 154 less QP065001's 150 would give it back, so the QPV part is
 * withheld, and the rest with it (territory 2303 less the rest gives the QPV part). */
static void test_small_qpv_withholds_the_qpv_part(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    qpv_data = QPV_SMALL;
    ds_portrait *p = portrait_of(COMMUNES, "CLS-T", &ctx, &config);
    qpv_data = QPV;
    const ds_portrait_row *chom = row_of(p, "chom");
    const ds_figure *q = &chom->figure[DS_SCOPE_QPV], *o = &chom->figure[DS_SCOPE_OUTSIDE_QPV];
    assert_true(q->withheld && q->secondary && isnan(q->numerator) && isnan(q->value));
    assert_true(o->withheld && o->secondary && isnan(o->numerator));
    assert_true(isnan(chom->qpv_ratio.value));
    assert_false(chom->figure[DS_SCOPE_TERRITORY].withheld);
    assert_true(chom->figure[DS_SCOPE_TERRITORY].numerator == 2303);
    done(p, ctx, config);
}

/* Suppression shared by every portrait: in the EPCI 243000650 (total 3 + 40 + 20 = 63
 * unemployed, published) Aigues-Mortes's 3 is withheld; alone, the EPCI total less the
 * two other communes' own portraits would give it back. The next smallest count of the
 * EPCI, Saint-Laurent-d'Aigouze's 20, is withheld as its member AND in its own commune
 * portrait (and its QPV / rest parts, which add up to it); Le Grau-du-Roi's 40 stays. */
static void test_commune_pattern_across_portraits(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *epci = portrait_of(COMMUNES_CAMARGUE, "243000650", &ctx, &config);
    const ds_portrait_row *chom = row_of(epci, "chom");
    assert_true(chom->figure[DS_SCOPE_TERRITORY].numerator == 63);
    assert_int_equal(chom->n_members, 3);
    assert_string_equal(chom->members[0].code, "30003");
    assert_true(chom->members[0].withheld && !chom->members[0].secondary);
    assert_string_equal(chom->members[1].code, "30133");
    assert_false(chom->members[1].withheld);
    assert_true(chom->members[1].numerator == 40);
    assert_string_equal(chom->members[2].code, "30276");
    assert_true(chom->members[2].withheld && chom->members[2].secondary);
    ds_error err;
    const char *own[3] = {"30003", "30133", "30276"};
    const bool withheld[3] = {true, false, true}, secondary[3] = {false, false, true};
    for (int k = 0; k < 3; k++) {
        ds_portrait *commune;
        assert_int_equal(ds_portrait_compute(ctx, own[k], DS_LEVEL_COUNT, &commune, &err), DS_OK);
        const ds_figure *t = &row_of(commune, "chom")->figure[DS_SCOPE_TERRITORY];
        assert_int_equal(t->withheld, withheld[k]);
        assert_int_equal(t->secondary, secondary[k]);
        assert_int_equal(isnan(t->numerator), withheld[k]);
        /* deaths (80, 90, 30): nothing small, nothing withheld */
        assert_false(row_of(commune, "deces")->figure[DS_SCOPE_TERRITORY].withheld);
        ds_portrait_free(commune);
    }
    done(epci, ctx, config);
}

static void test_members_and_disclosure(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(COMMUNES, "CLS-T", &ctx, &config);
    const ds_portrait_row *chom = row_of(p, "chom");
    assert_int_equal(chom->n_members, 3);
    /* Members in code order: 65047 Aureilhan (300), 65417 Séméac (3), 65440 Tarbes.
     * Séméac's 3 is withheld; alone, it would be the total minus the others: Aureilhan,
     * the next smallest count, is withheld too. */
    assert_string_equal(chom->members[0].code, "65047");
    assert_string_equal(chom->members[0].name, "Aureilhan");
    assert_true(chom->members[1].withheld && !chom->members[1].secondary);
    assert_true(chom->members[0].withheld && chom->members[0].secondary);
    assert_false(chom->members[2].withheld);
    assert_true(isnan(chom->members[0].numerator) && isnan(chom->members[1].value));
    assert_int_equal(chom->members_with_value, 1);
    assert_true(isnan(chom->min) && isnan(chom->extreme_ratio));
    /* The territory total stays published (two cells hidden protect each other). */
    assert_false(chom->figure[DS_SCOPE_TERRITORY].withheld);

    /* Death rates by commune: 1,125 (Tarbes), 1,000 (Séméac), 1,000 (Aureilhan). */
    const ds_portrait_row *dc = row_of(p, "deces");
    assert_int_equal(dc->members_with_value, 3);
    assert_close(dc->min, 1000, 1e-15);
    assert_string_equal(dc->min_code, "65047");
    assert_close(dc->max, 1125, 1e-15);
    assert_string_equal(dc->max_code, "65440");
    assert_close(dc->extreme_ratio, 1.125, 1e-15);
    assert_true(dc->has_inequality);
    /* Between-group variance with population weights: mean = 580 / 53000 * 1e5. */
    double mu = 580.0 / 53000 * 1e5;
    double bgv = (40000 * pow(1125 - mu, 2) + 5000 * pow(1000 - mu, 2) +
                  8000 * pow(1000 - mu, 2)) / 53000;
    assert_close(dc->inequality.mean, mu, 1e-13);
    assert_close(dc->inequality.bgv.value, bgv, 1e-10);
    assert_true(ds_portrait_withheld_count(p) >= 4);
    done(p, ctx, config);
}

static void test_partial_data_is_not_a_total(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(COMMUNES_GAP, "CLS-T", &ctx, &config);
    const ds_figure *t = &row_of(p, "chom")->figure[DS_SCOPE_TERRITORY];
    assert_int_equal(t->origin, DS_ORIGIN_NONE);
    assert_true(isnan(t->value));
    assert_int_equal(t->parts_missing, 1);
    assert_non_null(strstr(t->flag, "1 commune sur 3 sans donnée"));
    /* The other indicators are unaffected. */
    assert_true(row_of(p, "pop")->figure[DS_SCOPE_TERRITORY].value == 53000);
    done(p, ctx, config);
}

static void test_commune_rank_and_straddling_qpv(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(COMMUNES, "65440", &ctx, &config);
    assert_int_equal(ds_portrait_level(p), DS_LEVEL_COMMUNE);
    assert_string_equal(ds_portrait_name(p), "Tarbes");
    /* QP065003 lies partly in Séméac: no QPV / rest split for Tarbes alone. */
    const ds_portrait_row *chom = row_of(p, "chom");
    assert_int_equal(chom->figure[DS_SCOPE_QPV].origin, DS_ORIGIN_NONE);
    assert_non_null(strstr(chom->figure[DS_SCOPE_QPV].flag, "à cheval"));
    /* Rank among the communes of the région with a value: the three of the fixture. */
    const ds_portrait_row *dc = row_of(p, "deces");
    assert_int_equal(dc->rank, 1);
    assert_int_equal(dc->rank_of, 3);
    /* The département's death rate (published counts): 2600 / 230000. */
    assert_close(dc->figure[DS_SCOPE_DEPARTEMENT].value, 2600.0 / 230000 * 1e5, 1e-15);
    /* Tarbes 1,125 against 65's 1,130.4: inside Tarbes's interval, similar. */
    assert_true(dc->versus[0].tested);
    assert_int_equal(dc->versus[0].comparison.direction, DS_DIRECTION_SIMILAR);
    done(p, ctx, config);
}

static void test_errors(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(COMMUNES, "CLS-T", &ctx, &config);
    ds_portrait *q = (ds_portrait *)1;
    ds_error err;
    assert_int_equal(ds_portrait_compute(ctx, "99999", DS_LEVEL_COUNT, &q, &err), DS_EDATA);
    assert_null(q);
    assert_non_null(strstr(err.message, "'99999'"));
    /* 76: a département (Seine-Maritime) and a région (Occitanie). */
    assert_int_equal(ds_portrait_compute(ctx, "76", DS_LEVEL_COUNT, &q, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "ambiguous"));
    assert_int_equal(ds_portrait_compute(ctx, "76", DS_LEVEL_REGION, &q, &err), DS_OK);
    assert_string_equal(ds_portrait_name(q), "Occitanie");
    ds_portrait_free(q);
    done(p, ctx, config);

    /* A data file whose codes are not of its level. */
    put("dict.csv", DICTIONARY);
    put("wrong.csv", "code;POP\n65;10\n31;20\n");
    char ini[1024], cwd[512], path[256];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(ini, sizeof ini, "[territory]\ncode = 65440\n[referential]\ndir = %s/datasets/"
             "referentiel\n[indicators]\ndictionary = dict.csv\n[data]\nqpv = wrong.csv\n", cwd);
    put("wrong.ini", ini);
    snprintf(path, sizeof path, "%s/wrong.ini", test_dir);
    assert_int_equal(ds_config_load(path, &config, &err), DS_OK);
    assert_int_equal(ds_portrait_context_open(config, &ctx, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "wrong.csv: no column holds qpv codes"));
    ds_config_free(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_and_intervals),
        cmocka_unit_test(test_qpv_and_rest),
        cmocka_unit_test(test_small_qpv_withholds_the_qpv_part),
        cmocka_unit_test(test_commune_pattern_across_portraits),
        cmocka_unit_test(test_members_and_disclosure),
        cmocka_unit_test(test_partial_data_is_not_a_total),
        cmocka_unit_test(test_commune_rank_and_straddling_qpv),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("test_portrait", tests, test_dir_create, test_dir_remove);
}
