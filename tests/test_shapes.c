/* Tests of the shapefile reader (engine/shapes.c, include/diagsante/layer.h).
 *
 * Fixtures are written in code with shapelib into a mkdtemp folder; the corrupt ones
 * are patched byte by byte. The real-data figures were computed independently with a
 * Python script that parses the .shp/.shx/.dbf with the struct module (record headers,
 * parts, points; rings classified by their shoelace sign, holes matched to outer rings
 * by an even-odd point-in-ring test), not with shapelib:
 *   python3 count.py  (see the comments of each real-data test for its output). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <shapefil.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diagsante/layer.h"
#include "helpers.h"

static char base[128]; /* dir/t, the fixture of the running test */



/* A fresh base name per test: dir/t<n>. */
static const char *next_base(void)
{
    static int n;
    snprintf(base, sizeof base, "%s/t%d", test_dir, ++n);
    return base;
}

static void path_of(char *buf, size_t size, const char *ext)
{
    snprintf(buf, size, "%s.%s", base, ext);
}

static void write_text(const char *ext, const char *text)
{
    char path[160];
    path_of(path, sizeof path, ext);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* One record: parts given by their start index; type SHPT_NULL for a null record. */
typedef struct shape_spec {
    int type;
    int n_parts;
    int starts[4];
    int n;
    double xy[64]; /* interleaved */
} shape_spec;

#define LAMBERT93_PRJ "PROJCS[\"RGF_1993_Lambert_93\",GEOGCS[\"GCS_RGF_1993\"]]"

/* Writes base.shp/.shx (polygon layer), base.dbf with fields CODE and NOM (codepage:
 * "UTF-8", "1252", "LDID/87", NULL) and a .prj. names[i] is written as raw bytes. */
static void write_layer(const shape_spec *shapes, int n, const char *codepage,
                        const char *const *names)
{
    SHPHandle shp = SHPCreate(base, SHPT_POLYGON);
    assert_non_null(shp);
    for (int i = 0; i < n; i++) {
        const shape_spec *s = &shapes[i];
        double x[32], y[32];
        for (int k = 0; k < s->n; k++) {
            x[k] = s->xy[2 * k];
            y[k] = s->xy[2 * k + 1];
        }
        SHPObject *o = s->type == SHPT_NULL
                           ? SHPCreateObject(SHPT_NULL, -1, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL)
                           : SHPCreateObject(SHPT_POLYGON, -1, s->n_parts, s->starts, NULL, s->n, x,
                                             y, NULL, NULL);
        assert_non_null(o);
        assert_int_equal(SHPWriteObject(shp, -1, o), i);
        SHPDestroyObject(o);
    }
    SHPClose(shp);
    char path[160];
    path_of(path, sizeof path, "dbf");
    DBFHandle dbf = DBFCreateEx(path, codepage);
    assert_non_null(dbf);
    assert_int_equal(DBFAddField(dbf, "CODE", FTString, 10, 0), 0);
    assert_int_equal(DBFAddField(dbf, "NOM", FTString, 20, 0), 1);
    for (int i = 0; i < n; i++) {
        char code[32];
        snprintf(code, sizeof code, "0%d00%d", i, i + 1); /* leading zeros */
        assert_true(DBFWriteStringAttribute(dbf, i, 0, code));
        assert_true(DBFWriteStringAttribute(dbf, i, 1, names ? names[i] : "x"));
    }
    DBFClose(dbf);
    write_text("prj", LAMBERT93_PRJ "\n");
}

static ds_layer *read_ok(const ds_layer_options *options)
{
    ds_layer *layer = NULL;
    ds_error err;
    ds_error_clear(&err);
    ds_status status = ds_layer_read_shapefile(base, options, &layer, &err);
    if (status != DS_OK)
        fail_msg("read failed: %s", err.message);
    assert_non_null(layer);
    return layer;
}

static ds_status read_fails(ds_error *err)
{
    ds_layer *layer = (ds_layer *)1;
    ds_error_clear(err);
    ds_status status = ds_layer_read_shapefile(base, NULL, &layer, err);
    assert_int_not_equal(status, DS_OK);
    assert_null(layer);
    assert_int_equal(err->status, status);
    return status;
}

/* Squares: outer 0..10 clockwise (ESRI), hole 2..8 counter-clockwise. */
#define OUTER_CW 0, 0, 0, 10, 10, 10, 10, 0, 0, 0
#define OUTER_CCW 0, 0, 10, 0, 10, 10, 0, 10, 0, 0
#define HOLE_CCW 2, 2, 8, 2, 8, 8, 2, 8, 2, 2
#define HOLE_CW 2, 2, 2, 8, 8, 8, 8, 2, 2, 2

/* The feature is one polygon: the 0..10 outer ring then the 2..8 hole. */
static void check_square_with_hole(const ds_layer *layer, size_t f)
{
    assert_false(ds_layer_feature_empty(layer, f));
    assert_true(ds_layer_feature_valid(layer, f));
    assert_int_equal(ds_layer_polygon_count(layer, f), 1);
    assert_int_equal(ds_layer_ring_count(layer, f, 0), 2);
    size_t n;
    const double *xy = ds_layer_ring(layer, f, 0, 0, &n);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_true((xy[2 * i] == 0 || xy[2 * i] == 10) && (xy[2 * i + 1] == 0 || xy[2 * i + 1] == 10));
    xy = ds_layer_ring(layer, f, 0, 1, &n);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_true((xy[2 * i] == 2 || xy[2 * i] == 8) && (xy[2 * i + 1] == 2 || xy[2 * i + 1] == 8));
}

static void test_hole_esri_orientation(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 2, {0, 5}, 10, {OUTER_CW, HOLE_CCW}}};
    write_layer(s, 1, "UTF-8", NULL);
    ds_layer *layer = read_ok(NULL);
    assert_int_equal(ds_layer_count(layer), 1);
    check_square_with_hole(layer, 0);
    assert_string_equal(ds_layer_crs(layer), LAMBERT93_PRJ); /* newline trimmed */
    assert_string_equal(ds_layer_encoding(layer), "UTF-8");
    assert_int_equal(ds_layer_field_count(layer), 2);
    assert_string_equal(ds_layer_field_name(layer, 1), "NOM");
    assert_int_equal(ds_layer_field_index(layer, "code"), 0);
    assert_int_equal(ds_layer_field_index(layer, "absent"), -1);
    assert_string_equal(ds_layer_attribute(layer, 0, 0), "00001"); /* zeros kept */
    assert_int_equal(ds_layer_problem_count(layer), 0);
    double b[4];
    ds_layer_bounds(layer, b);
    assert_true(b[0] == 0 && b[1] == 0 && b[2] == 10 && b[3] == 10);
    ds_layer_free(layer);
}

static void test_hole_reversed_orientation(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 2, {0, 5}, 10, {OUTER_CCW, HOLE_CW}}};
    write_layer(s, 1, "UTF-8", NULL);
    ds_layer *layer = read_ok(NULL);
    check_square_with_hole(layer, 0);
    assert_int_equal(ds_layer_problem_count(layer), 0);
    ds_layer_free(layer);
}

static void test_hole_before_outer(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 2, {0, 5}, 10, {HOLE_CCW, OUTER_CW}}};
    write_layer(s, 1, "UTF-8", NULL);
    ds_layer *layer = read_ok(NULL);
    check_square_with_hole(layer, 0);
    ds_layer_free(layer);
}

static void test_multipolygon_and_island(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {
        /* two disjoint squares */
        {SHPT_POLYGON, 2, {0, 5}, 10, {OUTER_CW, 20, 0, 20, 5, 25, 5, 25, 0, 20, 0}},
        /* outer, hole, and an island inside the hole: two polygons */
        {SHPT_POLYGON, 3, {0, 5, 10}, 15, {OUTER_CW, HOLE_CCW, 4, 4, 4, 6, 6, 6, 6, 4, 4, 4}},
    };
    write_layer(s, 2, "UTF-8", NULL);
    ds_layer *layer = read_ok(NULL);
    assert_int_equal(ds_layer_polygon_count(layer, 0), 2);
    assert_int_equal(ds_layer_ring_count(layer, 0, 0), 1);
    assert_int_equal(ds_layer_ring_count(layer, 0, 1), 1);
    size_t n;
    assert_true(ds_layer_ring(layer, 0, 0, 0, &n)[0] == 0);   /* record order kept */
    assert_true(ds_layer_ring(layer, 0, 1, 0, &n)[0] == 20);
    assert_int_equal(ds_layer_polygon_count(layer, 1), 2);
    assert_int_equal(ds_layer_ring_count(layer, 1, 0), 2);
    assert_int_equal(ds_layer_ring_count(layer, 1, 1), 1);
    assert_true(ds_layer_ring(layer, 1, 1, 0, &n)[0] == 4);
    double b[4];
    ds_layer_bounds(layer, b);
    assert_true(b[0] == 0 && b[1] == 0 && b[2] == 25 && b[3] == 10);
    assert_int_equal(ds_layer_problem_count(layer), 0);
    ds_layer_free(layer);
}

static void test_null_shape_reported(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}, {.type = SHPT_NULL}};
    write_layer(s, 2, "UTF-8", NULL);
    ds_layer *layer = read_ok(NULL);
    assert_int_equal(ds_layer_count(layer), 2); /* kept, not dropped */
    assert_true(ds_layer_feature_empty(layer, 1));
    assert_true(ds_layer_feature_valid(layer, 1));
    assert_int_equal(ds_layer_polygon_count(layer, 1), 0);
    assert_int_equal(ds_layer_problem_count(layer), 1);
    const ds_layer_problem *p = ds_layer_problem_at(layer, 0);
    assert_int_equal(p->shape, 1);
    assert_string_equal(p->identifier, "01002");
    assert_non_null(strstr(p->reason, "empty"));
    ds_layer_free(layer);
}

static void test_unclosed_ring_closed_and_reported(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 4, {0, 0, 0, 10, 10, 10, 10, 0}}};
    write_layer(s, 1, "UTF-8", NULL);
    ds_layer_options options;
    ds_layer_options_init(&options);
    options.id_field = "nom";
    ds_layer *layer = read_ok(&options);
    size_t n;
    const double *xy = ds_layer_ring(layer, 0, 0, 0, &n);
    assert_int_equal(n, 5);
    assert_true(xy[8] == xy[0] && xy[9] == xy[1]);
    assert_true(ds_layer_feature_valid(layer, 0));
    assert_int_equal(ds_layer_problem_count(layer), 1);
    assert_string_equal(ds_layer_problem_at(layer, 0)->identifier, "x");
    assert_non_null(strstr(ds_layer_problem_at(layer, 0)->reason, "not closed"));
    ds_layer_free(layer);
}

static void test_bad_rings_reported(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {
        /* a good square and a ring with a NaN: the square is kept, shape invalid */
        {SHPT_POLYGON, 2, {0, 5}, 10, {OUTER_CW, 20, 0, 20, NAN, 25, 5, 25, 0, 20, 0}},
        /* a closed ring of 3 points only: nothing left */
        {SHPT_POLYGON, 1, {0}, 3, {0, 0, 5, 5, 0, 0}},
        /* a flat ring (zero area) */
        {SHPT_POLYGON, 1, {0}, 5, {0, 0, 1, 1, 2, 2, 1, 1, 0, 0}},
    };
    write_layer(s, 3, "UTF-8", NULL);
    ds_layer *layer = read_ok(NULL);
    assert_false(ds_layer_feature_valid(layer, 0));
    assert_false(ds_layer_feature_empty(layer, 0));
    assert_int_equal(ds_layer_polygon_count(layer, 0), 1);
    assert_false(ds_layer_feature_valid(layer, 1));
    assert_true(ds_layer_feature_empty(layer, 1));
    assert_false(ds_layer_feature_valid(layer, 2));
    assert_true(ds_layer_feature_empty(layer, 2));
    /* 0: NaN; 1: fewer than 4 + empty; 2: zero area + empty */
    assert_int_equal(ds_layer_problem_count(layer), 5);
    assert_int_equal(ds_layer_problem_at(layer, 0)->shape, 0);
    assert_non_null(strstr(ds_layer_problem_at(layer, 0)->reason, "NaN"));
    assert_int_equal(ds_layer_problem_at(layer, 1)->shape, 1);
    assert_non_null(strstr(ds_layer_problem_at(layer, 1)->reason, "fewer than 4"));
    assert_int_equal(ds_layer_problem_at(layer, 3)->shape, 2);
    assert_non_null(strstr(ds_layer_problem_at(layer, 3)->reason, "zero area"));
    double b[4];
    ds_layer_bounds(layer, b);
    assert_true(b[0] == 0 && b[2] == 10); /* only the kept square */
    ds_layer_free(layer);
}

static void test_wrong_record_type_reported(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}, {SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}};
    write_layer(s, 2, "UTF-8", NULL);
    /* the first record's type (offset 100 + 8) becomes POINT */
    char path[160];
    path_of(path, sizeof path, "shp");
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 108, SEEK_SET), 0);
    const unsigned char point[4] = {1, 0, 0, 0};
    assert_int_equal(fwrite(point, 1, 4, f), 4);
    assert_int_equal(fclose(f), 0);
    ds_layer *layer = read_ok(NULL);
    assert_true(ds_layer_feature_empty(layer, 0));
    assert_false(ds_layer_feature_valid(layer, 0));
    assert_false(ds_layer_feature_empty(layer, 1));
    assert_int_equal(ds_layer_problem_count(layer), 1);
    assert_non_null(strstr(ds_layer_problem_at(layer, 0)->reason, "Point"));
    ds_layer_free(layer);
}

static void test_point_layer_is_an_error(void **state)
{
    (void)state;
    next_base();
    SHPHandle shp = SHPCreate(base, SHPT_POINT);
    assert_non_null(shp);
    double x = 1, y = 2;
    SHPObject *o = SHPCreateSimpleObject(SHPT_POINT, 1, &x, &y, NULL);
    assert_int_equal(SHPWriteObject(shp, -1, o), 0);
    SHPDestroyObject(o);
    SHPClose(shp);
    char path[160];
    path_of(path, sizeof path, "dbf");
    DBFHandle dbf = DBFCreateEx(path, "UTF-8");
    assert_int_equal(DBFAddField(dbf, "CODE", FTString, 10, 0), 0);
    assert_true(DBFWriteStringAttribute(dbf, 0, 0, "A"));
    DBFClose(dbf);
    write_text("prj", LAMBERT93_PRJ);
    ds_error err;
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "not a polygon layer"));
}

/* Reads a one-record layer whose NOM is raw and returns a copy of the decoded NOM. */
static void check_name(const char *codepage, const char *raw, const char *encoding,
                       const char *expected, const char *expected_encoding)
{
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}};
    const char *names[] = {raw};
    write_layer(s, 1, codepage, names);
    ds_layer_options options;
    ds_layer_options_init(&options);
    options.encoding = encoding;
    ds_layer *layer = read_ok(&options);
    assert_string_equal(ds_layer_attribute(layer, 0, 1), expected);
    assert_string_equal(ds_layer_encoding(layer), expected_encoding);
    ds_layer_free(layer);
}

static void test_encodings(void **state)
{
    (void)state;
    const char *sete_utf8 = "S\xC3\xA8te", *sete_1252 = "S\xE8te";
    check_name("UTF-8", sete_utf8, NULL, sete_utf8, "UTF-8");
    check_name("1252", sete_1252, NULL, sete_utf8, "CP1252");    /* .cpg "1252" */
    check_name("LDID/87", sete_1252, NULL, sete_utf8, "CP1252"); /* language byte */
    check_name("ISO-8859-1", sete_1252, NULL, sete_utf8, "ISO-8859-1");
    check_name("LDID/0", "\x80 \xE9t\xE9", NULL, "\xE2\x82\xAC \xC3\xA9t\xC3\xA9", "CP1252"); /* default */
    /* a .cpg that lies: the override wins */
    check_name("UTF-8", sete_1252, "CP1252", sete_utf8, "CP1252");
    /* ... and without it the bytes are refused, with the record and field named */
    ds_error err;
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "record 0, field NOM"));
    /* an unknown encoding */
    write_text("cpg", "KLINGON-7");
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "KLINGON-7"));
    /* the same name as an option is a usage error */
    ds_layer_options options;
    ds_layer_options_init(&options);
    options.encoding = "KLINGON-7";
    ds_layer *layer = (ds_layer *)1;
    assert_int_equal(ds_layer_read_shapefile(base, &options, &layer, &err), DS_EUSAGE);
    assert_null(layer);
    options.encoding = "CP1252";
    options.id_field = "absent";
    assert_int_equal(ds_layer_read_shapefile(base, &options, &layer, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "absent"));
}

static void test_missing_prj_and_override(void **state)
{
    (void)state;
    next_base();
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}};
    write_layer(s, 1, "UTF-8", NULL);
    char path[160];
    path_of(path, sizeof path, "prj");
    assert_int_equal(unlink(path), 0);
    ds_error err;
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, path));
    ds_layer_options options;
    ds_layer_options_init(&options);
    options.crs = "EPSG:2154";
    ds_layer *layer = read_ok(&options);
    assert_string_equal(ds_layer_crs(layer), "EPSG:2154");
    ds_layer_free(layer);
}

static void test_missing_files(void **state)
{
    (void)state;
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}};
    const char *exts[] = {"dbf", "shx", "shp"};
    for (size_t i = 0; i < 3; i++) {
        next_base();
        write_layer(s, 1, "UTF-8", NULL);
        char path[160];
        path_of(path, sizeof path, exts[i]);
        assert_int_equal(unlink(path), 0);
        ds_error err;
        assert_int_equal(read_fails(&err), DS_ENOINPUT);
        assert_non_null(strstr(err.message, path));
    }
    /* the .shp path itself works as well as the base name */
    next_base();
    write_layer(s, 1, "UTF-8", NULL);
    char path[160];
    path_of(path, sizeof path, "shp");
    ds_layer *layer = NULL;
    ds_error err;
    assert_int_equal(ds_layer_read_shapefile(path, NULL, &layer, &err), DS_OK);
    ds_layer_free(layer);
}

static void test_corrupt_shp(void **state)
{
    (void)state;
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}, {SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}};
    ds_error err;
    char path[160];

    /* the last record cut short: an error naming the shape and the sizes */
    next_base();
    write_layer(s, 2, "UTF-8", NULL);
    path_of(path, sizeof path, "shp");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, size - 20), 0);
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "shape 1: "));
    assert_non_null(strstr(err.message, "(a truncated .shp or a corrupt .shx)"));

    /* a header cut short: shapelib refuses it and says why (through the hook) */
    assert_int_equal(truncate(path, 50), 0);
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "cannot open as a shapefile"));
}

/* Overwrites the 4-byte little-endian record count of the .dbf header. */
static void patch_dbf_count(uint32_t count)
{
    char path[160];
    path_of(path, sizeof path, "dbf");
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    unsigned char b[4] = {(unsigned char)count, (unsigned char)(count >> 8),
                          (unsigned char)(count >> 16), (unsigned char)(count >> 24)};
    assert_int_equal(fseek(f, 4, SEEK_SET), 0);
    assert_int_equal(fwrite(b, 1, 4, f), 4);
    assert_int_equal(fclose(f), 0);
}

static void test_corrupt_dbf(void **state)
{
    (void)state;
    shape_spec s[] = {{SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}, {SHPT_POLYGON, 1, {0}, 5, {OUTER_CW}}};
    ds_error err;

    /* truncated in the middle of the last record */
    next_base();
    write_layer(s, 2, "UTF-8", NULL);
    char path[160];
    path_of(path, sizeof path, "dbf");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    fclose(f);
    assert_int_equal(truncate(path, size - 12), 0);
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "truncated"));

    /* a record count that lies (the hours-long loop of the toolchain notes) */
    next_base();
    write_layer(s, 2, "UTF-8", NULL);
    patch_dbf_count(0x7fffffffu);
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "2147483647 records"));

    /* fewer records than shapes */
    next_base();
    write_layer(s, 2, "UTF-8", NULL);
    patch_dbf_count(1);
    assert_int_equal(read_fails(&err), DS_EDATA);
    assert_non_null(strstr(err.message, "1 records"));
    assert_non_null(strstr(err.message, "2 shapes"));
}

/* --- real data (../shared/data) -------------------------------------------------------- */

/* python3 count.py (struct-module parser, see the top of this file):
 * qp_occitanie_2015_lb93: 105 records in .shp, .shx and .dbf; fields code_qp, nom_qp,
 * commune_qp, code_commu, nom_commun, code_depar; first code_qp QP066007, last
 * QP031019; 105 rings, all clockwise (outer), none open; bounds 452011.74601118581
 * 6166510.1790166246 832653.19976801239 6375435.9039434046. */
static void test_real_qpv(void **state)
{
    (void)state;
    require_shared("qpv2015_occitanie/qp_occitanie_2015_lb93.shp");
    ds_layer *layer = NULL;
    ds_error err;
    if (ds_layer_read_shapefile(SHARED_DATA "qpv2015_occitanie/qp_occitanie_2015_lb93.shp", NULL,
                                &layer, &err) != DS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ds_layer_count(layer), 105);
    assert_int_equal(ds_layer_field_count(layer), 6);
    long code = ds_layer_field_index(layer, "CODE_QP");
    assert_int_equal(code, 0);
    assert_string_equal(ds_layer_attribute(layer, 0, (size_t)code), "QP066007");
    assert_string_equal(ds_layer_attribute(layer, 104, (size_t)code), "QP031019");
    assert_non_null(strstr(ds_layer_crs(layer), "RGF_1993_Lambert_93"));
    assert_string_equal(ds_layer_encoding(layer), "UTF-8");
    assert_int_equal(ds_layer_problem_count(layer), 0);
    size_t polygons = 0, rings = 0;
    for (size_t f = 0; f < 105; f++) {
        polygons += ds_layer_polygon_count(layer, f);
        for (size_t p = 0; p < ds_layer_polygon_count(layer, f); p++)
            rings += ds_layer_ring_count(layer, f, p);
    }
    assert_int_equal(polygons, 105);
    assert_int_equal(rings, 105);
    double b[4];
    ds_layer_bounds(layer, b);
    assert_close(b[0], 452011.74601118581, 1e-15);
    assert_close(b[1], 6166510.1790166246, 1e-15);
    assert_close(b[2], 832653.19976801239, 1e-15);
    assert_close(b[3], 6375435.9039434046, 1e-15);
    ds_layer_free(layer);
}

/* python3 count.py: communes_occitanie_2018_lb93: 4,485 records; fields code, nom;
 * first code 09126, last 82147; 4,511 rings: 4,504 clockwise (outer), 7
 * counter-clockwise (holes), each inside an outer ring of its shape (even-odd test).
 * Record 215 (09042): outer of 119 points, hole of 14. Record 4323 (82021): rings of
 * 78 (outer), 4 (hole, inside ring 0), 10 (outer) points. */
static void test_real_communes(void **state)
{
    (void)state;
    require_shared("communes_2018/communes_occitanie_2018_lb93.shp");
    ds_layer *layer = NULL;
    ds_error err;
    if (ds_layer_read_shapefile(SHARED_DATA "communes_2018/communes_occitanie_2018_lb93", NULL,
                                &layer, &err) != DS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ds_layer_count(layer), 4485);
    long code = ds_layer_field_index(layer, "code");
    assert_true(code >= 0);
    assert_string_equal(ds_layer_attribute(layer, 0, (size_t)code), "09126");
    assert_string_equal(ds_layer_attribute(layer, 4484, (size_t)code), "82147");
    assert_string_equal(ds_layer_attribute(layer, 215, (size_t)code), "09042");
    assert_int_equal(ds_layer_problem_count(layer), 0);
    size_t polygons = 0, holes = 0;
    for (size_t f = 0; f < 4485; f++) {
        polygons += ds_layer_polygon_count(layer, f);
        for (size_t p = 0; p < ds_layer_polygon_count(layer, f); p++)
            holes += ds_layer_ring_count(layer, f, p) - 1;
    }
    assert_int_equal(polygons, 4504);
    assert_int_equal(holes, 7);
    size_t n;
    assert_int_equal(ds_layer_polygon_count(layer, 215), 1);
    assert_int_equal(ds_layer_ring_count(layer, 215, 0), 2);
    ds_layer_ring(layer, 215, 0, 0, &n);
    assert_int_equal(n, 119);
    ds_layer_ring(layer, 215, 0, 1, &n);
    assert_int_equal(n, 14);
    assert_int_equal(ds_layer_polygon_count(layer, 4323), 2);
    assert_int_equal(ds_layer_ring_count(layer, 4323, 0), 2);
    ds_layer_ring(layer, 4323, 0, 0, &n);
    assert_int_equal(n, 78);
    ds_layer_ring(layer, 4323, 0, 1, &n);
    assert_int_equal(n, 4);
    assert_int_equal(ds_layer_ring_count(layer, 4323, 1), 1);
    ds_layer_ring(layer, 4323, 1, 0, &n);
    assert_int_equal(n, 10);
    ds_layer_free(layer);
}

/* python3 count.py: cv_2015_wgs84: 431 records; first id CV001, last CV922; 450 rings,
 * all clockwise (no hole); 13 records with two outer rings (first: record 40, CV041);
 * bounds -4.644806 41.367379300000003 9.4680554000000008 51.088989400000003. */
static void test_real_contrats_ville(void **state)
{
    (void)state;
    require_shared("contrats_ville/cv_2015_wgs84.shp");
    ds_layer *layer = NULL;
    ds_error err;
    if (ds_layer_read_shapefile(SHARED_DATA "contrats_ville/cv_2015_wgs84.shp", NULL, &layer,
                                &err) != DS_OK)
        fail_msg("%s", err.message);
    assert_int_equal(ds_layer_count(layer), 431);
    long id = ds_layer_field_index(layer, "id");
    assert_true(id >= 0);
    assert_string_equal(ds_layer_attribute(layer, 0, (size_t)id), "CV001");
    assert_string_equal(ds_layer_attribute(layer, 430, (size_t)id), "CV922");
    assert_string_equal(ds_layer_attribute(layer, 40, (size_t)id), "CV041");
    assert_non_null(strstr(ds_layer_crs(layer), "GCS_WGS_1984"));
    size_t polygons = 0, holes = 0, multi = 0;
    for (size_t f = 0; f < 431; f++) {
        size_t np = ds_layer_polygon_count(layer, f);
        polygons += np;
        multi += np > 1;
        for (size_t p = 0; p < np; p++)
            holes += ds_layer_ring_count(layer, f, p) - 1;
    }
    assert_int_equal(polygons, 450);
    assert_int_equal(holes, 0);
    assert_int_equal(multi, 13);
    assert_int_equal(ds_layer_polygon_count(layer, 40), 2);
    double b[4];
    ds_layer_bounds(layer, b);
    assert_close(b[0], -4.644806, 1e-15);
    assert_close(b[3], 51.088989400000003, 1e-15);
    ds_layer_free(layer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hole_esri_orientation),
        cmocka_unit_test(test_hole_reversed_orientation),
        cmocka_unit_test(test_hole_before_outer),
        cmocka_unit_test(test_multipolygon_and_island),
        cmocka_unit_test(test_null_shape_reported),
        cmocka_unit_test(test_unclosed_ring_closed_and_reported),
        cmocka_unit_test(test_bad_rings_reported),
        cmocka_unit_test(test_wrong_record_type_reported),
        cmocka_unit_test(test_point_layer_is_an_error),
        cmocka_unit_test(test_encodings),
        cmocka_unit_test(test_missing_prj_and_override),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_corrupt_dbf),
        cmocka_unit_test(test_corrupt_shp),
        cmocka_unit_test(test_real_qpv),
        cmocka_unit_test(test_real_communes),
        cmocka_unit_test(test_real_contrats_ville),
    };
    return cmocka_run_group_tests_name("shapes", tests, test_dir_create, test_dir_remove);
}
