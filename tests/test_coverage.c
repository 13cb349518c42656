/* Tests of the CLS × contrat-de-ville coverage (engine/coverage.c) on layers written
 * here with shapelib, whose figures are worked out by hand below, and on the real
 * QPV, communes and contrats de ville of ../shared/data. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <shapefil.h>
#include <stdio.h>
#include <string.h>

#include "diagsante/coverage.h"
#include "helpers.h"

/* Near Tarbes in Lambert-93; rectangles are given in metres from this corner. */
#define X0 460000.0
#define Y0 6240000.0

typedef struct feature {
    const char *id, *extra; /* extra: a second field (a status, a commune code) */
    double x0, y0, x1, y1;
} feature;

static void write_layer(const char *name, const char *extra_field, const feature *items, size_t n)
{
    char base[256];
    snprintf(base, sizeof base, "%s/%s", test_dir, name);
    SHPHandle shp = SHPCreate(base, SHPT_POLYGON);
    DBFHandle dbf = DBFCreateEx(base, "UTF-8");
    assert_non_null(shp);
    assert_non_null(dbf);
    assert_int_equal(DBFAddField(dbf, "id", FTString, 24, 0), 0);
    assert_int_equal(DBFAddField(dbf, extra_field, FTString, 24, 0), 1);
    for (size_t i = 0; i < n; i++) {
        const feature *r = &items[i];
        double x[5] = {X0 + r->x0, X0 + r->x0, X0 + r->x1, X0 + r->x1, X0 + r->x0};
        double y[5] = {Y0 + r->y0, Y0 + r->y1, Y0 + r->y1, Y0 + r->y0, Y0 + r->y0};
        int start = 0;
        SHPObject *o = SHPCreateObject(SHPT_POLYGON, -1, 1, &start, NULL, 5, x, y, NULL, NULL);
        assert_true(SHPWriteObject(shp, -1, o) >= 0);
        SHPDestroyObject(o);
        assert_true(DBFWriteStringAttribute(dbf, (int)i, 0, r->id));
        assert_true(DBFWriteStringAttribute(dbf, (int)i, 1, r->extra ? r->extra : ""));
    }
    SHPClose(shp);
    DBFClose(dbf);
    char path[300];
    snprintf(path, sizeof path, "%s.prj", base);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(LAMBERT93_WKT, f);
    fclose(f);
}

static ds_layer *read_layer(const char *name)
{
    char base[256];
    snprintf(base, sizeof base, "%s/%s", test_dir, name);
    ds_layer *layer;
    ds_error err;
    if (ds_layer_read_shapefile(base, NULL, &layer, &err) != DS_OK)
        fail_msg("%s", err.message);
    return layer;
}

static const char *write_text(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static ds_referential *open_referential(void)
{
    ds_referential *ref;
    ds_error err;
    if (ds_referential_open("datasets/referentiel", &ref, &err) != DS_OK)
        fail_msg("%s", err.message);
    return ref;
}

/* Two communes side by side, Tarbes 65440 = [0,1000]² and Séméac 65417 = [1000,2000] x
 * [0,1000]; three QPV: QP065001 = [200,800]² in Tarbes (360,000 m², 1,000 people),
 * QP065003 = [700,1100] x [0,100] (40,000 m², 400 people), 3/4 in Tarbes and 1/4 in
 * Séméac, its attribute naming only Tarbes; QP065002 = [1500,1700] x [500,700] in Séméac (40,000 m²,
 * 200 people). The CLS of Tarbes is signed, the one of Séméac in préfiguration; one CV
 * holds both communes. */
static const feature COMMUNES[] = {{"65440", "", 0, 0, 1000, 1000},
                                   {"65417", "", 1000, 0, 2000, 1000}};
static const feature QPV[] = {{"QP065001", "65440", 200, 200, 800, 800},
                              {"QP065003", "65440", 700, 0, 1100, 100},
                              {"QP065002", "65417", 1500, 500, 1700, 700}};
static const char *const POP_IDS[] = {"QP065001", "QP065003", "QP065002"};
static const double POPS[] = {1000, 400, 200};

static const char CLS_CSV[] =
    "territory_id,name,kind,status,start,end,member_kind,member_code\n"
    "CLS-T,CLS de Tarbes,cls,signé,2020,2024,commune,65440\n"
    "CLS-S,CLS de Séméac,cls,préfiguration,2024,,commune,65417\n";
static const char CV_CSV[] =
    "territory_id,name,kind,status,start,end,member_kind,member_code\n"
    "CV-1,Contrat de ville du Grand Tarbes,cv,signé,2015,2023,commune,65440\n"
    "CV-1,Contrat de ville du Grand Tarbes,cv,signé,2015,2023,commune,65417\n";

static void figure(const ds_coverage *c, const char *scope, const char *method,
                   const char *measure, double numerator, double denominator, double tolerance)
{
    double n, d;
    ds_error err;
    if (ds_coverage_measure(c, scope, method, measure, &n, &d, &err) != DS_OK)
        fail_msg("%s", err.message);
    if (fabs(n - numerator) > tolerance * fmax(1, fabs(numerator)) ||
        fabs(d - denominator) > tolerance * fmax(1, fabs(denominator)))
        fail_msg("%s %s %s = %.17g / %.17g, expected %.17g / %.17g", scope, method, measure, n, d,
                 numerator, denominator);
}

/* The measures are ratios of areas a few hundred metres apart: Lambert-93's scale
 * factor varies by far less than 1e-6 over them, so the planar fractions written here
 * hold to 1e-6 in EPSG:3035. Absolute areas differ (Lambert-93 is conformal, not
 * equal-area), so area sums are compared as fractions of the total. */
static void test_coverage_by_hand(void **state)
{
    (void)state;
    write_layer("communes", "nom", COMMUNES, 2);
    write_layer("qpv", "commune", QPV, 3);
    const char *cls_path = write_text("cls.csv", CLS_CSV);
    char cls_copy[256];
    snprintf(cls_copy, sizeof cls_copy, "%s", cls_path);
    const char *cv_path = write_text("cv.csv", CV_CSV);
    ds_referential *ref = open_referential();
    ds_layer *qpv = read_layer("qpv"), *communes = read_layer("communes");
    ds_coverage_input in;
    ds_coverage_input_init(&in);
    in.referential = ref;
    in.qpv = qpv;
    in.qpv_id = "id";
    in.qpv_commune_field = "commune";
    in.communes = communes;
    in.commune_id = "id";
    in.cls.path = cls_copy;
    in.cv.path = cv_path;
    in.n_population = 3;
    in.population_qpv = POP_IDS;
    in.population = POPS;
    ds_coverage *c;
    ds_error err;
    if (ds_coverage_compute(&in, &c, &err) != DS_OK)
        fail_msg("%s", err.message);
    /* Signed CLS (Tarbes): by membership QP065001 and QP065003 (a Tarbes QPV) are in,
     * wholly; by geometry QP065001 wholly, QP065003 for 3/4. */
    figure(c, "signed", "membership", "qpv_in_cls", 2, 3, 0);
    figure(c, "signed", "geometry", "qpv_in_cls", 2, 3, 0);
    figure(c, "signed", "membership", "qpv_population_in_cls", 1000 + 400, 1600, 0);
    figure(c, "signed", "geometry", "qpv_population_in_cls", 1000 + 0.75 * 400, 1600, 1e-6);
    double n, d;
    assert_int_equal(ds_coverage_measure(c, "signed", "membership", "qpv_area_in_cls", &n, &d, &err), DS_OK);
    assert_close(n / d, (360000.0 + 40000) / 440000, 1e-6);
    assert_int_equal(ds_coverage_measure(c, "signed", "geometry", "qpv_area_in_cls", &n, &d, &err), DS_OK);
    assert_close(n / d, (360000.0 + 30000) / 440000, 1e-6);
    /* The one CV has 3 QPV, 2 in the signed CLS: at least one in, not entirely. */
    figure(c, "signed", "membership", "cv_with_qpv_in_cls", 1, 1, 0);
    figure(c, "signed", "membership", "cv_entirely_in_cls", 0, 1, 0);
    figure(c, "signed", "geometry", "cv_entirely_in_cls", 0, 1, 0);
    /* Signed + préfiguration: both communes, everything in. */
    figure(c, "signed_or_prefiguration", "membership", "qpv_in_cls", 3, 3, 0);
    figure(c, "signed_or_prefiguration", "geometry", "qpv_in_cls", 3, 3, 0);
    /* 1e-5: edges are projected vertex by vertex, so QP065003's bottom edge and the
     * communes' (same line in Lambert-93, different vertices) part by a hair in 3035. */
    figure(c, "signed_or_prefiguration", "geometry", "qpv_population_in_cls", 1600, 1600, 1e-5);
    figure(c, "signed_or_prefiguration", "geometry", "cv_entirely_in_cls", 1, 1, 0);
    /* Disagreements: QP065003's attribute (Tarbes) vs contours (Tarbes, Séméac), and
     * QP065003 in the signed CLS (in by membership, 3/4 by geometry). */
    assert_int_equal(ds_coverage_discrepancy_count(c), 2);
    assert_int_equal(ds_coverage_write(c, test_dir, &err), DS_OK);
    char path[300];
    snprintf(path, sizeof path, "%s/discrepancies.csv", test_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "qpv_communes,QP065003,,65440,65417 65440,"));
    assert_non_null(strstr(text, "qpv,QP065003,signed,in,0.7"));
    assert_non_null(strstr(text, "straddles the CLS boundary: 75.0%"));
    ds_coverage_free(c);
    ds_layer_free(qpv);
    ds_layer_free(communes);
    ds_referential_free(ref);
}

/* The CLS as polygons: A = Tarbes [0,1000]², B = [600,1000] x [0,1000] inside A, both
 * signed. The union counts once: QP065003 is 3/4 in the signed CLS (A alone holds
 * 3/4 and B 3/4 of it: a sum would say 1.5). B holds 40% of Tarbes, less than half: no
 * commune, so no QPV by membership, and it holds QPV: reported. */
static void test_coverage_cls_layer(void **state)
{
    (void)state;
    static const feature CLS[] = {{"CLS-A", "signé", 0, 0, 1000, 1000},
                                  {"CLS-B", "signe", 600, 0, 1000, 1000}};
    write_layer("communes", "nom", COMMUNES, 2);
    write_layer("qpv", "commune", QPV, 3);
    write_layer("cls", "statut", CLS, 2);
    const char *cv_path = write_text("cv.csv", CV_CSV);
    ds_referential *ref = open_referential();
    ds_layer *qpv = read_layer("qpv"), *communes = read_layer("communes"), *cls = read_layer("cls");
    ds_coverage_input in;
    ds_coverage_input_init(&in);
    in.referential = ref;
    in.qpv = qpv;
    in.qpv_id = "id";
    in.communes = communes;
    in.commune_id = "id";
    in.cls.layer = cls;
    in.cls.id_field = "id";
    in.cls.status_field = "statut";
    in.cv.path = cv_path;
    ds_coverage *c;
    ds_error err;
    if (ds_coverage_compute(&in, &c, &err) != DS_OK)
        fail_msg("%s", err.message);
    double n, d;
    assert_int_equal(ds_coverage_measure(c, "signed", "geometry", "qpv_area_in_cls", &n, &d, &err), DS_OK);
    assert_close(n / d, (360000.0 + 30000) / 440000, 1e-6);
    figure(c, "signed", "membership", "qpv_in_cls", 2, 3, 0);
    bool reported = false;
    for (size_t i = 0; i < ds_coverage_problem_count(c); i++)
        reported |= strstr(ds_coverage_problem_at(c, i), "CLS CLS-B holds QPV but no commune") != NULL;
    assert_true(reported);
    ds_coverage_free(c);
    ds_layer_free(cls);
    ds_layer_free(qpv);
    ds_layer_free(communes);
    ds_referential_free(ref);
}

/* Without commune contours: membership from the attribute, geometry not computed. */
static void test_coverage_without_contours(void **state)
{
    (void)state;
    write_layer("qpv", "commune", QPV, 3);
    const char *cls_path = write_text("cls.csv", CLS_CSV);
    char cls_copy[256];
    snprintf(cls_copy, sizeof cls_copy, "%s", cls_path);
    const char *cv_path = write_text("cv.csv", CV_CSV);
    ds_referential *ref = open_referential();
    ds_layer *qpv = read_layer("qpv");
    ds_coverage_input in;
    ds_coverage_input_init(&in);
    in.referential = ref;
    in.qpv = qpv;
    in.qpv_id = "id";
    in.qpv_commune_field = "commune";
    in.cls.path = cls_copy;
    in.cv.path = cv_path;
    ds_coverage *c;
    ds_error err;
    if (ds_coverage_compute(&in, &c, &err) != DS_OK)
        fail_msg("%s", err.message);
    figure(c, "signed", "membership", "qpv_in_cls", 2, 3, 0);
    double n, d;
    assert_int_equal(ds_coverage_measure(c, "signed", "geometry", "qpv_in_cls", &n, &d, &err),
                     DS_ENOINPUT);
    assert_int_equal(ds_coverage_measure(c, "signed", "nonsense", "qpv_in_cls", &n, &d, &err),
                     DS_EUSAGE);
    ds_coverage_free(c);
    ds_layer_free(qpv);
    ds_referential_free(ref);
}

/* QPV of two régions: summary.csv gets a row per région after "all". Pau (64445) is
 * in Nouvelle-Aquitaine (75), Tarbes in Occitanie (76); the CLS covers Tarbes only:
 * 1 of 2 QPV in all, 1 of 1 in 76, 0 of 1 in 75. */
static void test_coverage_regions(void **state)
{
    (void)state;
    static const feature TWO_COMMUNES[] = {{"65440", "", 0, 0, 1000, 1000},
                                           {"64445", "", 1000, 0, 2000, 1000}};
    static const feature TWO_QPV[] = {{"QP065001", "", 200, 200, 800, 800},
                                      {"QP064001", "", 1200, 200, 1800, 800}};
    write_layer("communes", "nom", TWO_COMMUNES, 2);
    write_layer("qpv", "commune", TWO_QPV, 2);
    char cls_path[256], cv_path[256];
    snprintf(cls_path, sizeof cls_path, "%s", write_text("cls.csv", CLS_CSV));
    snprintf(cv_path, sizeof cv_path, "%s",
             write_text("cv.csv", "territory_id,name,kind,member_kind,member_code\n"
                                  "CV-T,Tarbes,cv,commune,65440\nCV-P,Pau,cv,commune,64445\n"));
    ds_referential *ref = open_referential();
    ds_layer *qpv = read_layer("qpv"), *communes = read_layer("communes");
    ds_coverage_input in;
    ds_coverage_input_init(&in);
    in.referential = ref;
    in.qpv = qpv;
    in.qpv_id = "id";
    in.communes = communes;
    in.commune_id = "id";
    in.cls.path = cls_path;
    in.cv.path = cv_path;
    ds_coverage *c;
    ds_error err;
    if (ds_coverage_compute(&in, &c, &err) != DS_OK)
        fail_msg("%s", err.message);
    figure(c, "signed", "membership", "qpv_in_cls", 1, 2, 0);
    figure(c, "signed", "geometry", "cv_with_qpv_in_cls", 1, 2, 0);
    assert_int_equal(ds_coverage_write(c, test_dir, &err), DS_OK);
    char path[300], text[8192];
    snprintf(path, sizeof path, "%s/summary.csv", test_dir);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "\n76,Occitanie,signed,membership,qpv_in_cls,1,1,100,"));
    assert_non_null(strstr(text, "\n75,Nouvelle-Aquitaine,signed,membership,qpv_in_cls,0,1,0,"));
    assert_non_null(strstr(text, "\n75,Nouvelle-Aquitaine,signed,geometry,cv_with_qpv_in_cls,0,1,0,"));
    ds_coverage_free(c);
    ds_layer_free(qpv);
    ds_layer_free(communes);
    ds_referential_free(ref);
}

/* Bad inputs: clear errors, never a crash. */
static void test_coverage_errors(void **state)
{
    (void)state;
    static const feature BAD_QPV[] = {{"not-a-qpv", "65440", 0, 0, 10, 10}};
    write_layer("qpv", "commune", QPV, 3);
    write_layer("badqpv", "commune", BAD_QPV, 1);
    char cls_path[256], cv_path[256], bad_status[256];
    snprintf(cls_path, sizeof cls_path, "%s", write_text("cls.csv", CLS_CSV));
    snprintf(cv_path, sizeof cv_path, "%s", write_text("cv.csv", CV_CSV));
    snprintf(bad_status, sizeof bad_status, "%s",
             write_text("bad.csv", "territory_id,name,kind,status,member_kind,member_code\n"
                                   "CLS-X,X,cls,en cours,commune,65440\n"));
    ds_referential *ref = open_referential();
    ds_layer *qpv = read_layer("qpv"), *bad = read_layer("badqpv");
    ds_coverage_input in;
    ds_coverage_input_init(&in);
    in.referential = ref;
    in.qpv = qpv;
    in.qpv_id = "nope";
    in.qpv_commune_field = "commune";
    in.cls.path = cls_path;
    in.cv.path = cv_path;
    ds_coverage *c = NULL;
    ds_error err;
    assert_int_equal(ds_coverage_compute(&in, &c, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "fields: id, commune"));
    in.qpv_id = "id";
    in.qpv = bad;
    assert_int_equal(ds_coverage_compute(&in, &c, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "shape 0"));
    in.qpv = qpv;
    in.cls.path = bad_status;
    assert_int_equal(ds_coverage_compute(&in, &c, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "en cours"));
    ds_referential_free(ref);
    ref = open_referential();
    in.referential = ref;
    in.cls.path = cv_path; /* a file without CLS */
    assert_int_equal(ds_coverage_compute(&in, &c, &err), DS_EUSAGE);
    assert_null(c);
    ds_layer_free(qpv);
    ds_layer_free(bad);
    ds_referential_free(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage_by_hand),
        cmocka_unit_test(test_coverage_cls_layer),
        cmocka_unit_test(test_coverage_without_contours),
        cmocka_unit_test(test_coverage_regions),
        cmocka_unit_test(test_coverage_errors),
    };
    return cmocka_run_group_tests_name("coverage", tests, test_dir_create, test_dir_remove);
}
