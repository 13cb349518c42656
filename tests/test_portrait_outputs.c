/* diagsante — tests of the portrait's Excel and GeoJSON outputs (portrait_excel.c,
 * portrait_geojson.c).
 *
 * The fixture of test_portrait.c (a CLS of Tarbes 65440, Séméac 65417 and Aureilhan
 * 65047; QP065001 and QP065003) with square contours in Lambert-93 near Tarbes, written
 * clockwise as the shapefile format says (Séméac with a counter-clockwise hole).
 * Expected figures by hand: Séméac's 3 unemployed are under the threshold 5 (withheld,
 * "< 5"), so the next smallest member count, Aureilhan's 300, is withheld too ("s");
 * QP065003's 4 unemployed likewise, so QP065001 (150) is withheld ("s") since the QPV
 * total 154 is published; QP065001's death rate is 12 / 1500 × 100,000 = 800. The
 * corners in longitude, latitude are computed here with PROJ directly (EPSG:2154 to
 * EPSG:4326), not through crs.h. The whole XLSX is read back by
 * tests/tools/portrait_outputs_check.py in the end-to-end tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <proj.h>
#include <shapefil.h>
#include <sys/stat.h>

#include "diagsante/portrait.h"
#include "helpers.h"

static const char DICTIONARY[] =
    "id,label,chapter,bases,numerator,denominator,kind,unit,multiplier,polarity,source,"
    "numerator_column,denominator_column,value_column,aggregable\n"
    "pop,Population,1,prevention,Population,,count,habitants,1,context,test,POP,,,yes\n"
    "chom,Taux de chômage,2,prevention,Chômeurs,Actifs,proportion,%,100,worse,test,CHOM,ACT,,yes\n"
    "deces,Taux de décès,4,prevention,Décès,Population,rate,pour 100 000,100000,worse,test,"
    "DC,POP,,yes\n";
static const char COMMUNES[] = "code;POP;CHOM;ACT;DC\n"
                               "65440;40000;2000;18000;450\n"
                               "65417;5000;3;2200;50\n"
                               "65047;8000;300;3600;80\n";
static const char QPV[] = "code_qp;POP;CHOM;ACT;DC\n"
                          "QP065001;1500;150;600;12\n"
                          "QP065003;3300;4;1400;30\n";
static const char QPV_COMMUNES[] = "qpv,commune\nQP065001,65440\nQP065003,65440\n"
                                   "QP065003,65417\n";
static const char FRANCE[] = "code;POP;CHOM;ACT;DC\nFM;65000000;6500000;30000000;610000\n";
static const char CLS[] = "territory_id,name,kind,status,member_kind,member_code\n"
                          "CLS-T,CLS de test,cls,signé,commune,65440\n"
                          "CLS-T,CLS de test,cls,signé,commune,65417\n"
                          "CLS-T,CLS de test,cls,signé,commune,65047\n";
typedef struct square {
    const char *code;
    double x0, y0, x1, y1; /* Lambert-93 metres */
} square;

static const square COMMUNE_SQUARES[] = {{"65440", 455000, 6236000, 458000, 6239000},
                                         {"65417", 458000, 6236000, 460000, 6238000},
                                         {"65047", 455000, 6239000, 457000, 6241000}};
static const square HOLE = {"65417", 458500, 6236500, 459000, 6237000};
static const square QPV_SQUARES[] = {{"QP065001", 456000, 6237000, 456500, 6237500},
                                     {"QP065003", 457800, 6237000, 458300, 6237400}};

static void put(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Squares written clockwise (x0,y0 up to x0,y1, right, down); 65417 gets HOLE as a
 * counter-clockwise second part. */
static void write_squares(const char *name, const char *field, const square *items, size_t n)
{
    char base[256];
    snprintf(base, sizeof base, "%s/%s", test_dir, name);
    SHPHandle shp = SHPCreate(base, SHPT_POLYGON);
    DBFHandle dbf = DBFCreateEx(base, "UTF-8");
    assert_non_null(shp);
    assert_non_null(dbf);
    assert_int_equal(DBFAddField(dbf, field, FTString, 16, 0), 0);
    for (size_t i = 0; i < n; i++) {
        const square *r = &items[i];
        double x[10] = {r->x0, r->x0, r->x1, r->x1, r->x0};
        double y[10] = {r->y0, r->y1, r->y1, r->y0, r->y0};
        int start[2] = {0, 5}, parts = 1;
        if (strcmp(r->code, HOLE.code) == 0 && strcmp(field, "insee") == 0) {
            double hx[5] = {HOLE.x0, HOLE.x1, HOLE.x1, HOLE.x0, HOLE.x0};
            double hy[5] = {HOLE.y0, HOLE.y0, HOLE.y1, HOLE.y1, HOLE.y0};
            memcpy(x + 5, hx, sizeof hx), memcpy(y + 5, hy, sizeof hy);
            parts = 2;
        }
        SHPObject *o = SHPCreateObject(SHPT_POLYGON, -1, parts, start, NULL, 5 * parts, x, y,
                                       NULL, NULL);
        assert_true(SHPWriteObject(shp, -1, o) >= 0);
        SHPDestroyObject(o);
        assert_true(DBFWriteStringAttribute(dbf, (int)i, 0, r->code));
    }
    SHPClose(shp);
    DBFClose(dbf);
    char prj[64];
    snprintf(prj, sizeof prj, "%s.prj", name);
    put(prj, LAMBERT93_WKT);
}

static ds_portrait *portrait_of(bool geometry, bool fictitious, ds_portrait_context **ctx,
                                ds_config **config)
{
    put("dict.csv", DICTIONARY);
    put("communes.csv", COMMUNES);
    put("qpv.csv", QPV);
    put("qpv_communes.csv", QPV_COMMUNES);
    put("fr.csv", FRANCE);
    put("cls.csv", CLS);
    write_squares("communes", "insee", COMMUNE_SQUARES, 3);
    write_squares("qpv", "code_qp", QPV_SQUARES, 2);
    char ini[2048], cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(ini, sizeof ini,
             "[territory]\ncode = CLS-T\ndefinitions = cls.csv\n"
             "[referential]\ndir = %s/datasets/referentiel\nqpv_communes = qpv_communes.csv\n"
             "[indicators]\ndictionary = dict.csv\npopulation = pop\n"
             "[data]\ncommune = communes.csv\nqpv = qpv.csv\nfrance = fr.csv\n"
             "[outputs]\nexcel = yes\nfictitious = %s\n%s",
             cwd, fictitious ? "yes" : "no",
             geometry ? "[geometry]\ncommunes = communes.shp\ncommune_id = insee\n"
                        "qpv = qpv.shp\nqpv_id = code_qp\n"
                      : "");
    put("diagnostic.ini", ini);
    char path[256];
    snprintf(path, sizeof path, "%s/diagnostic.ini", test_dir);
    ds_error err;
    if (ds_config_load(path, config, &err) != DS_OK)
        fail_msg("%s", err.message);
    assert_true((*config)->out_excel); /* [outputs] excel = yes */
    if (ds_portrait_context_open(*config, ctx, &err) != DS_OK)
        fail_msg("%s", err.message);
    ds_portrait *p;
    if (ds_portrait_compute(*ctx, "CLS-T", DS_LEVEL_COUNT, &p, &err) != DS_OK)
        fail_msg("%s", err.message);
    return p;
}

static void done(ds_portrait *p, ds_portrait_context *ctx, ds_config *config)
{
    ds_portrait_free(p);
    ds_portrait_context_free(ctx);
    ds_config_free(config);
}

static char *slurp(const char *name, size_t *size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", test_dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("%s: cannot open", path);
    char *text = malloc(4 << 20);
    assert_non_null(text);
    size_t n = fread(text, 1, (4 << 20) - 1, f);
    text[n] = '\0';
    fclose(f);
    if (size != NULL)
        *size = n;
    return text;
}

/* Field col (0-based) of the line of text starting with prefix, separator sep, copied
 * into out (no quoted fields in these lines). */
static void field_of(const char *text, const char *prefix, char sep, int col, char out[128])
{
    const char *line = strstr(text, prefix);
    if (line == NULL)
        fail_msg("no line starting with %s", prefix);
    for (int c = 0; c < col; c++) {
        line = strchr(line, sep);
        assert_non_null(line);
        line++;
    }
    char stop[4] = {sep, '\r', '\n', '\0'};
    size_t n = strcspn(line, stop);
    assert_true(n < 128);
    memcpy(out, line, n);
    out[n] = '\0';
}

static ds_status write_out(const ds_portrait *p, bool excel, bool geojson, ds_error *err)
{
    char out[256];
    snprintf(out, sizeof out, "%s/out", test_dir);
    ds_portrait_outputs what = {.csv = true, .json = true, .excel = excel, .geojson = geojson};
    return ds_portrait_write(p, out, &what, err);
}

/* --- tests ---------------------------------------------------------------------------------- */

/* The French-Excel CSV: BOM, ';', CRLF, decimal comma; withheld cells as in the UTF-8
 * table; portrait.xlsx is a zip; every file mode 0644 under umask 022. */
static void test_excel_tables(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(false, false, &ctx, &config);
    mode_t saved = umask(022);
    ds_error err;
    if (write_out(p, true, true, &err) != DS_OK)
        fail_msg("%s", err.message);
    umask(saved);
    char *excel = slurp("out/tables/excel/chapitre_2.csv", NULL);
    char *plain = slurp("out/tables/chapitre_2.csv", NULL);
    assert_memory_equal(excel, "\xEF\xBB\xBF" "indicator;label;unit;polarity;origin;numerator;",
                        3 + 45);
    assert_non_null(strstr(excel, "\r\nchom;Taux de chômage;%;worse;somme;2303;23800;"));
    /* The territory's rate: 2303 / 23800 × 100 (column 7), comma for point. */
    char a[128], b[128];
    field_of(excel, "chom;", ';', 7, a);
    field_of(plain, "chom,", ',', 7, b);
    assert_non_null(strchr(a, ','));
    assert_null(strchr(a, '.'));
    *strchr(a, ',') = '.';
    assert_string_equal(a, b);
    assert_close(strtod(a, NULL), 100.0 * 2303 / 23800, 1e-15);
    free(excel), free(plain);
    /* The long table: Séméac's withheld count "< 5", Aureilhan's secondary one empty, as
     * in the UTF-8 table. */
    excel = slurp("out/tables/excel/portrait.csv", NULL);
    plain = slurp("out/tables/portrait.csv", NULL);
    assert_non_null(strstr(plain, "chom,commune,65417,Séméac,publie,< 5,2200,,,,"));
    assert_non_null(strstr(excel, "chom;commune;65417;Séméac;publie;< 5;2200;;;;"));
    assert_non_null(strstr(plain, "chom,commune,65047,Aureilhan,publie,,3600,,,,"));
    assert_non_null(strstr(excel, "chom;commune;65047;Aureilhan;publie;;3600;;;;"));
    free(excel), free(plain);
    size_t size;
    char *xlsx = slurp("out/portrait.xlsx", &size);
    assert_true(size > 1000);
    assert_memory_equal(xlsx, "PK\x03\x04", 4);
    free(xlsx);
    static const char *const files[] = {"out/portrait.xlsx", "out/tables/excel/portrait.csv",
                                        "out/portrait.json", "out/tables/chapitre_2.csv"};
    for (size_t i = 0; i < 4; i++) {
        char path[256];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", test_dir, files[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644);
    }
    /* No geometry in the configuration: no GeoJSON. */
    char path[256];
    snprintf(path, sizeof path, "%s/out/portrait.geojson", test_dir);
    assert_int_equal(access(path, F_OK), -1);
    done(p, ctx, config);
}

/* The text of one feature: from its "id" to the next feature. */
static char *feature(const char *geojson, const char *code)
{
    char key[64];
    snprintf(key, sizeof key, "{\"type\":\"Feature\",\"id\":\"%s\"", code);
    const char *start = strstr(geojson, key);
    if (start == NULL)
        fail_msg("no feature %s", code);
    size_t offset = (size_t)(start - geojson) + strlen(key);
    const char *end = strstr(geojson + offset, "{\"type\":\"Feature\"");
    size_t n = end != NULL ? (size_t)(end - start) : strlen(start);
    char *text = malloc(n + 1);
    assert_non_null(text);
    memcpy(text, start, n);
    text[n] = '\0';
    return text;
}

static double number_after(const char *text, const char *key)
{
    const char *at = strstr(text, key);
    if (at == NULL)
        fail_msg("no %s", key);
    return strtod(at + strlen(key), NULL);
}

/* Reads the rings of a Polygon feature: up to 2 rings of 5 positions. */
static int rings_of(const char *text, double ring[2][5][2])
{
    const char *at = strstr(text, "\"coordinates\":[");
    assert_non_null(at);
    at += strlen("\"coordinates\":[");
    int n = 0;
    for (; n < 2 && *at == '['; n++) {
        at++;
        for (int k = 0; k < 5; k++) {
            int used = 0;
            if (sscanf(at, "[%lf,%lf]%n", &ring[n][k][0], &ring[n][k][1], &used) != 2)
                fail_msg("ring %d position %d: %.40s", n, k, at);
            at += used;
            if (*at == ',')
                at++;
        }
        assert_int_equal(*at, ']'); /* 5 positions: the square, closed */
        at++;
        if (*at == ',')
            at++;
    }
    return n;
}

static double shoelace(double ring[5][2])
{
    double a = 0;
    for (int k = 0; k < 4; k++)
        a += ring[k][0] * ring[k + 1][1] - ring[k + 1][0] * ring[k][1];
    return a / 2;
}

/* Every position of ring is one of the square's corners, converted with PROJ here. */
static void corners_match(PJ *to_lonlat, const square *s, double ring[5][2])
{
    double cx[4] = {s->x0, s->x1, s->x1, s->x0}, cy[4] = {s->y0, s->y0, s->y1, s->y1};
    double lon[4], lat[4];
    for (int c = 0; c < 4; c++) {
        PJ_COORD in = proj_coord(cx[c], cy[c], 0, 0);
        PJ_COORD out = proj_trans(to_lonlat, PJ_FWD, in);
        lon[c] = out.lp.lam, lat[c] = out.lp.phi;
    }
    for (int k = 0; k < 5; k++) {
        bool found = false;
        for (int c = 0; c < 4 && !found; c++)
            found = fabs(ring[k][0] - lon[c]) <= 5.1e-7 && fabs(ring[k][1] - lat[c]) <= 5.1e-7;
        if (!found)
            fail_msg("%s: %.6f,%.6f is no corner", s->code, ring[k][0], ring[k][1]);
    }
}

/* The GeoJSON: members and QPV with their figures and the disclosure rules, WGS84
 * corners, right-hand rule, the fictitious marker. */
static void test_geojson(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(true, true, &ctx, &config);
    ds_error err;
    if (write_out(p, false, true, &err) != DS_OK)
        fail_msg("%s", err.message);
    char *g = slurp("out/portrait.geojson", NULL);
    assert_memory_equal(g, "{\"type\":\"FeatureCollection\"", 27);
    assert_null(strstr(g, "\"crs\""));
    assert_non_null(strstr(g, "\"territory\":{\"code\":\"CLS-T\""));
    assert_non_null(strstr(g, "\"fictitious\":true,\"notice\":\"données fictives\""));
    /* 3 communes and 2 QPV. */
    size_t n = 0;
    for (const char *at = g; (at = strstr(at, "{\"type\":\"Feature\",")) != NULL; at++)
        n++;
    assert_int_equal(n, 5);

    char *tarbes = feature(g, "65440"), *semeac = feature(g, "65417");
    char *aureilhan = feature(g, "65047"), *q1 = feature(g, "QP065001");
    char *q3 = feature(g, "QP065003");
    assert_non_null(strstr(tarbes, "\"kind\":\"commune\""));
    assert_non_null(strstr(tarbes, "\"name\":\"Tarbes\""));
    assert_close(number_after(tarbes, "\"chom_value\":"), 100.0 * 2000 / 18000, 1e-15);
    assert_close(number_after(tarbes, "\"chom_count\":"), 2000, 0);
    assert_non_null(strstr(tarbes, "\"chom_withheld\":false"));
    assert_non_null(strstr(semeac, "\"chom_value\":null,\"chom_lower\":null,\"chom_upper\":null,"
                                   "\"chom_count\":null,\"chom_withheld\":\"primary\","
                                   "\"chom_flag\":\"< 5\""));
    assert_non_null(strstr(aureilhan, "\"chom_value\":null,\"chom_lower\":null,"
                                      "\"chom_upper\":null,\"chom_count\":null,"
                                      "\"chom_withheld\":\"secondary\",\"chom_flag\":\"s\""));
    assert_non_null(strstr(q3, "\"kind\":\"qpv\""));
    assert_non_null(strstr(q3, "\"chom_count\":null,\"chom_withheld\":\"primary\""));
    assert_non_null(strstr(q1, "\"chom_count\":null,\"chom_withheld\":\"secondary\""));
    assert_close(number_after(q1, "\"deces_value\":"), 12.0 / 1500 * 100000, 1e-15);
    assert_close(number_after(q1, "\"deces_count\":"), 12, 0);
    assert_close(number_after(q3, "\"deces_value\":"), 30.0 / 3300 * 100000, 1e-15);
    assert_close(number_after(q3, "\"pop_count\":"), 3300, 0);
    /* No count from 1 to 4 anywhere. */
    for (int c = 1; c < 5; c++) {
        char needle[32];
        snprintf(needle, sizeof needle, "_count\":%d,", c);
        assert_null(strstr(g, needle));
    }

    /* Geometry: WGS84 corners, exterior counter-clockwise, the hole clockwise. */
    PJ_CONTEXT *pc = proj_context_create();
    PJ *raw = proj_create_crs_to_crs(pc, "EPSG:2154", "EPSG:4326", NULL);
    PJ *to_lonlat = proj_normalize_for_visualization(pc, raw);
    assert_non_null(to_lonlat);
    double ring[2][5][2];
    assert_int_equal(rings_of(tarbes, ring), 1);
    assert_true(shoelace(ring[0]) > 0);
    corners_match(to_lonlat, &COMMUNE_SQUARES[0], ring[0]);
    assert_int_equal(rings_of(semeac, ring), 2);
    assert_true(shoelace(ring[0]) > 0);
    assert_true(shoelace(ring[1]) < 0);
    corners_match(to_lonlat, &COMMUNE_SQUARES[1], ring[0]);
    corners_match(to_lonlat, &HOLE, ring[1]);
    assert_int_equal(rings_of(q1, ring), 1);
    assert_true(shoelace(ring[0]) > 0);
    corners_match(to_lonlat, &QPV_SQUARES[0], ring[0]);
    proj_destroy(to_lonlat);
    proj_destroy(raw);
    proj_context_destroy(pc);
    free(tarbes), free(semeac), free(aureilhan), free(q1), free(q3), free(g);
    done(p, ctx, config);
}

/* A geometry file that cannot be read: DS_ENOINPUT naming it; the other outputs are
 * written before, no temporary file is left. */
static void test_geojson_missing_layer(void **state)
{
    (void)state;
    ds_portrait_context *ctx;
    ds_config *config;
    ds_portrait *p = portrait_of(true, false, &ctx, &config);
    char path[256];
    snprintf(path, sizeof path, "%s/communes.shp", test_dir);
    assert_int_equal(unlink(path), 0);
    ds_error err;
    ds_status st = write_out(p, false, true, &err);
    assert_int_not_equal(st, DS_OK);
    assert_non_null(strstr(err.message, "communes"));
    snprintf(path, sizeof path, "%s/out/portrait.json", test_dir);
    assert_int_equal(access(path, F_OK), 0);
    char command[512];
    snprintf(command, sizeof command, "ls %s/out | grep -q '\\.tmp\\.'", test_dir);
    assert_int_not_equal(system(command), 0);
    done(p, ctx, config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_excel_tables),
        cmocka_unit_test(test_geojson),
        cmocka_unit_test(test_geojson_missing_layer),
    };
    return cmocka_run_group_tests_name("portrait_outputs", tests, test_dir_create,
                                       test_dir_remove);
}
