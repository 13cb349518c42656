/* Tests of the areal overlap of two layers (engine/overlap.c), on shapefiles written
 * here with shapelib and on the real QPV and communes of Occitanie. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <shapefil.h>
#include <stdio.h>
#include <string.h>

#include "diagsante/crs.h"
#include "diagsante/overlap.h"
#include "helpers.h"

typedef struct rect {
    const char *id;
    double x0, y0, x1, y1; /* x0 > x1: a NULL shape */
} rect;

/* Writes base.shp/.shx/.dbf/.prj (Lambert-93) with one single-ring polygon per item:
 * xy[i] holds n[i] points (closed), or n[i] = 0 for a NULL shape. */
static void write_rings(const char *base, const char *const *ids, const double *const *xy,
                        const int *n, size_t count)
{
    SHPHandle shp = SHPCreate(base, SHPT_POLYGON);
    DBFHandle dbf = DBFCreateEx(base, "UTF-8");
    assert_non_null(shp);
    assert_non_null(dbf);
    assert_int_equal(DBFAddField(dbf, "id", FTString, 16, 0), 0);
    for (size_t i = 0; i < count; i++) {
        SHPObject *o;
        if (n[i] == 0) {
            o = SHPCreateObject(SHPT_NULL, -1, 0, NULL, NULL, 0, NULL, NULL, NULL, NULL);
        } else {
            double x[16], y[16];
            for (int k = 0; k < n[i]; k++)
                x[k] = xy[i][2 * k], y[k] = xy[i][2 * k + 1];
            int start = 0;
            o = SHPCreateObject(SHPT_POLYGON, -1, 1, &start, NULL, n[i], x, y, NULL, NULL);
        }
        assert_true(SHPWriteObject(shp, -1, o) >= 0);
        SHPDestroyObject(o);
        assert_true(DBFWriteStringAttribute(dbf, (int)i, 0, ids[i]));
    }
    SHPClose(shp);
    DBFClose(dbf);
    char path[256];
    snprintf(path, sizeof path, "%s.prj", base);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(LAMBERT93_WKT, f);
    fclose(f);
}

/* Writes base.shp/.shx/.dbf/.prj with one rectangle (clockwise, as ESRI wants) per item
 * (at most 8). */
static void write_layer(const char *base, const rect *items, size_t n)
{
    const char *ids[8];
    const double *rings[8];
    double xy[8][10];
    int counts[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        const rect *r = &items[i];
        const double ring[10] = {r->x0, r->y0, r->x0, r->y1, r->x1,
                                 r->y1, r->x1, r->y0, r->x0, r->y0};
        memcpy(xy[i], ring, sizeof ring);
        ids[i] = r->id;
        rings[i] = r->x0 > r->x1 ? NULL : xy[i];
        counts[i] = r->x0 > r->x1 ? 0 : 5;
    }
    write_rings(base, ids, rings, counts, n);
}

/* Options reading the unit and zone identifiers from the given fields, defaults else. */
static ds_overlap_options options_for(const char *unit_id, const char *zone_id)
{
    ds_overlap_options options;
    ds_overlap_options_init(&options);
    options.unit_id = unit_id;
    options.zone_id = zone_id;
    return options;
}

static ds_layer *read_layer(const char *base)
{
    ds_layer *layer;
    ds_error err;
    if (ds_layer_read_shapefile(base, NULL, &layer, &err) != DS_OK)
        fail_msg("%s", err.message);
    return layer;
}

/* A 1 km square unit U1 near Toulouse split by zones A (west half) and B (east half
 * and beyond); C overlaps U1 by a 1 m strip (1 m x 1 km = 0.1% of U1: a sliver at
 * min_share 0.002); U2 lies 50 km away from every zone; U3 is a NULL shape. By hand:
 * share(U1, A) + share(U1, B) + share(U1, C) = 1 minus the strip counted twice
 * (C lies inside A); A and B split U1 in halves up to the variation of Lambert-93's
 * scale factor across 1 km (below 1e-4). */
static void test_overlap_generated(void **state)
{
    (void)state;
    char units_base[128], zones_base[128], out[128];
    snprintf(units_base, sizeof units_base, "%s/units", test_dir);
    snprintf(zones_base, sizeof zones_base, "%s/zones", test_dir);
    const double X = 574000, Y = 6279000;
    rect units[] = {{"U1", X, Y, X + 1000, Y + 1000},
                    {"U2", X + 50000, Y, X + 51000, Y + 1000},
                    {"U3", 1, 0, 0, 0}};
    rect zones[] = {{"A", X - 500, Y - 500, X + 500, Y + 1500},
                    {"B", X + 500, Y - 500, X + 3000, Y + 1500},
                    {"C", X + 10, Y, X + 11, Y + 1000}};
    write_layer(units_base, units, 3);
    write_layer(zones_base, zones, 3);
    ds_layer *u = read_layer(units_base), *z = read_layer(zones_base);
    ds_overlap_options options = options_for("id", "id");
    options.min_share = 0.002;
    ds_overlap_result *r;
    ds_error err;
    assert_int_equal(ds_overlap_layers(u, z, &options, &r, &err), DS_OK);
    assert_int_equal(ds_overlap_row_count(r), 2);
    const ds_overlap_row *a = ds_overlap_row_at(r, 0), *b = ds_overlap_row_at(r, 1);
    assert_string_equal(a->unit_id, "U1");
    assert_string_equal(a->zone_id, "A");
    assert_string_equal(b->zone_id, "B");
    assert_close(a->share_of_unit, 0.5, 1e-4);
    assert_close(a->share_of_unit + b->share_of_unit, 1.0, 1e-12);
    assert_close(a->unit_area_m2, 1e6, 1e-3); /* 1 km^2 up to the L93 scale factor */
    assert_int_equal(ds_overlap_sliver_count(r), 1);
    assert_string_equal(ds_overlap_sliver_at(r, 0)->zone_id, "C");
    assert_close(ds_overlap_sliver_at(r, 0)->share_of_unit, 0.001, 1e-3);
    assert_int_equal(ds_overlap_unmatched_count(r), 1);
    assert_string_equal(ds_overlap_unmatched_at(r, 0, NULL), "U2");
    assert_true(ds_overlap_problem_count(r) >= 1); /* U3: NULL shape */
    bool found = false;
    for (size_t i = 0; i < ds_overlap_problem_count(r); i++)
        found |= strstr(ds_overlap_problem_at(r, i), "units shape 2 (U3)") != NULL;
    assert_true(found);
    snprintf(out, sizeof out, "%s", test_dir);
    assert_int_equal(ds_overlap_write(r, out, &err), DS_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/overlap.csv", out);
    assert_int_equal(access(path, R_OK), 0);
    /* Weights: U1 = 1000 people spread evenly, so A gets 1000 x share(U1, A); U2 is in no
     * zone and U9 is no unit: 2 weights apply to no pair. */
    const char *ids[] = {"U1", "U2", "U9"};
    const double weights[] = {1000, 50, 7};
    size_t unused;
    assert_int_equal(ds_overlap_set_weights(r, 3, ids, weights, &unused, &err), DS_OK);
    assert_int_equal(unused, 2);
    assert_close(ds_overlap_row_at(r, 0)->unit_weight * ds_overlap_row_at(r, 0)->share_of_unit,
                 1000 * a->share_of_unit, 1e-15);
    assert_int_equal(ds_overlap_write(r, out, &err), DS_OK);
    char line[256] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_non_null(strstr(line, ",pop_in_zone,pop_method"));
    const char *twice[] = {"U1", "U1"};
    assert_int_equal(ds_overlap_set_weights(r, 2, twice, weights, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "'U1' has two weights"));
    ds_overlap_result_free(r);
    options.unit_id = "nope";
    assert_int_equal(ds_overlap_layers(u, z, &options, &r, &err), DS_EUSAGE);
    assert_non_null(strstr(err.message, "no field 'nope' (fields: id)"));
    ds_layer_free(u);
    ds_layer_free(z);
}

/* The 105 QPV of Occitanie on the 4,485 communes of 2018. Independent facts: INSEE's
 * own attribute code_commu names, for every QPV, a commune it lies in (it must be one
 * of the overlapping communes); the example QP065003 straddles Tarbes (65440)
 * and Séméac (65417); communes tile the region, so each QPV's shares add up to 1 up
 * to rounding: the commune layer covers every QPV entirely. */
static void test_overlap_real_qpv_communes(void **state)
{
    (void)state;
    require_shared("qpv2015_occitanie/qp_occitanie_2015_lb93.shp");
    require_shared("communes_2018/communes_occitanie_2018_lb93.shp");
    ds_layer *qpv = read_layer(SHARED_DATA "qpv2015_occitanie/qp_occitanie_2015_lb93");
    ds_layer *communes = read_layer(SHARED_DATA "communes_2018/communes_occitanie_2018_lb93");
    ds_overlap_options options = options_for("code_qp", "code");
    ds_overlap_result *r;
    ds_error err;
    assert_int_equal(ds_overlap_layers(qpv, communes, &options, &r, &err), DS_OK);
    assert_int_equal(ds_overlap_unmatched_count(r), 0);
    long qp_field = ds_layer_field_index(qpv, "code_qp"), com_field = ds_layer_field_index(qpv, "code_commu");
    size_t agree = 0;
    double worst_gap = 0;
    for (size_t f = 0; f < ds_layer_count(qpv); f++) {
        const char *code = ds_layer_attribute(qpv, f, (size_t)qp_field);
        const char *commune = ds_layer_attribute(qpv, f, (size_t)com_field);
        double total = 0;
        bool listed = false;
        for (size_t i = 0; i < ds_overlap_row_count(r); i++) {
            const ds_overlap_row *row = ds_overlap_row_at(r, i);
            if (strcmp(row->unit_id, code) != 0)
                continue;
            total += row->share_of_unit;
            listed |= strcmp(row->zone_id, commune) == 0;
        }
        for (size_t i = 0; i < ds_overlap_sliver_count(r); i++)
            if (strcmp(ds_overlap_sliver_at(r, i)->unit_id, code) == 0)
                total += ds_overlap_sliver_at(r, i)->share_of_unit;
        agree += listed;
        if (fabs(1 - total) > worst_gap)
            worst_gap = fabs(1 - total);
    }
    assert_int_equal(agree, 105);
    assert_true(worst_gap < 1e-9); /* measured: 4.4e-14 */
    bool tarbes = false, semeac = false;
    for (size_t i = 0; i < ds_overlap_row_count(r); i++) {
        const ds_overlap_row *row = ds_overlap_row_at(r, i);
        if (strcmp(row->unit_id, "QP065003") == 0) {
            tarbes |= strcmp(row->zone_id, "65440") == 0;
            semeac |= strcmp(row->zone_id, "65417") == 0;
        }
    }
    assert_true(tarbes && semeac);
    ds_overlap_result_free(r);
    ds_layer_free(qpv);
    ds_layer_free(communes);
}

/* A WGS84 rectangle lon 1..3, lat 44..45: its edges along the parallels are 160 km
 * long. A shapefile's edges are straight in its own CRS, so the rectangle's true area is
 * that of the band between the two parallels; projected vertex by vertex its northern
 * and southern edges would become chords in EPSG:3035. Reference: PROJ's geodesic
 * area of the same outline with a point every 0.001 degree (geodesics that short
 * follow the parallel to far below a millimetre). */
static void test_overlap_long_geographic_edges(void **state)
{
    (void)state;
    char base[128];
    snprintf(base, sizeof base, "%s/band", test_dir);
    SHPHandle shp = SHPCreate(base, SHPT_POLYGON);
    DBFHandle dbf = DBFCreateEx(base, "UTF-8");
    assert_non_null(shp);
    assert_non_null(dbf);
    assert_int_equal(DBFAddField(dbf, "id", FTString, 8, 0), 0);
    double x[5] = {1, 1, 3, 3, 1}, y[5] = {44, 45, 45, 44, 44};
    int start = 0;
    SHPObject *o = SHPCreateObject(SHPT_POLYGON, -1, 1, &start, NULL, 5, x, y, NULL, NULL);
    assert_true(SHPWriteObject(shp, -1, o) >= 0);
    SHPDestroyObject(o);
    assert_true(DBFWriteStringAttribute(dbf, 0, 0, "band"));
    SHPClose(shp);
    DBFClose(dbf);
    char path[160];
    snprintf(path, sizeof path, "%s.prj", base);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("GEOGCS[\"GCS_WGS_1984\",DATUM[\"D_WGS_1984\",SPHEROID[\"WGS_1984\",6378137.0,"
          "298.257223563]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]]", f);
    fclose(f);
    ds_layer *band = read_layer(base);
    double area;
    ds_error err;
    assert_int_equal(ds_overlap_feature_areas(band, &area, &err), DS_OK);
    /* The outline, 1,000 points per degree. */
    size_t n = 0;
    double *ring = malloc(2 * 6002 * sizeof *ring);
    assert_non_null(ring);
    for (int i = 0; i <= 1000; i++) /* west edge, northwards */
        ring[2 * n] = 1, ring[2 * n + 1] = 44 + i / 1000.0, n++;
    for (int i = 1; i <= 2000; i++) /* north edge, eastwards */
        ring[2 * n] = 1 + i / 1000.0, ring[2 * n + 1] = 45, n++;
    for (int i = 1; i <= 1000; i++) /* east edge, southwards */
        ring[2 * n] = 3, ring[2 * n + 1] = 45 - i / 1000.0, n++;
    for (int i = 1; i < 2000; i++) /* south edge, westwards */
        ring[2 * n] = 3 - i / 1000.0, ring[2 * n + 1] = 44, n++;
    double reference = ds_geodesic_ring_area_m2(ring, n);
    free(ring);
    /* The WGS84 and GRS80 ellipsoids differ by 0.1 mm in their minor axis: 1e-7. */
    assert_close(area, reference, 1e-6);
    ds_layer_free(band);
}

static bool has_problem(const ds_overlap_result *r, const char *a, const char *b)
{
    for (size_t i = 0; i < ds_overlap_problem_count(r); i++)
        if (strstr(ds_overlap_problem_at(r, i), a) != NULL &&
            (b == NULL || strstr(ds_overlap_problem_at(r, i), b) != NULL))
            return true;
    return false;
}

/* Zones are checked only when a unit can reach them. Unit U = [X, X+1000]^2 (Lambert-93);
 * zones: a bow-tie across U's west edge (in reach: repaired into two triangles and
 * reported), the same bow-tie 100 km away (out of reach: never projected nor checked,
 * not reported), a NULL shape (always reported: the layer's problem and "empty, left
 * out"), a square holding U. The bow-tie A(-500,0) B(500,1000) C(500,0) D(-500,500)
 * (relative to X, Y) crosses itself where AB (y = x + 500) meets CD (y = 250 - x/2), at
 * P(-500/3, 1000/3): repaired, it is triangles DAP (west of U) and PBC. Between x = 0
 * and 500, PBC spans 250 - x/2 <= y <= x + 500, so its part in U is the integral of
 * 1.5 x + 250 over [0, 500] = 187,500 + 125,000 = 312,500 m²: 0.3125 of U, up to the
 * variation of Lambert-93's scale factor across 1 km (below 1e-4). */
static void test_overlap_zone_reach(void **state)
{
    (void)state;
    char units_base[128], zones_base[128];
    snprintf(units_base, sizeof units_base, "%s/reach_units", test_dir);
    snprintf(zones_base, sizeof zones_base, "%s/reach_zones", test_dir);
    const double X = 574000, Y = 6279000, F = 100000;
    const double unit[10] = {X, Y, X, Y + 1000, X + 1000, Y + 1000, X + 1000, Y, X, Y};
    const double near[10] = {X - 500, Y, X + 500, Y + 1000, X + 500, Y, X - 500, Y + 500, X - 500, Y};
    const double far[10] = {X + F - 500, Y, X + F + 500, Y + 1000, X + F + 500, Y,
                            X + F - 500, Y + 500, X + F - 500, Y};
    const double big[10] = {X - 10, Y - 10, X - 10, Y + 1010, X + 1010, Y + 1010, X + 1010, Y - 10,
                            X - 10, Y - 10};
    const char *unit_ids[] = {"U"}, *zone_ids[] = {"NEAR", "FAR", "NONE", "BIG"};
    const double *unit_xy[] = {unit}, *zone_xy[] = {near, far, NULL, big};
    const int unit_n[] = {5}, zone_n[] = {5, 5, 0, 5};
    write_rings(units_base, unit_ids, unit_xy, unit_n, 1);
    write_rings(zones_base, zone_ids, zone_xy, zone_n, 4);
    ds_layer *u = read_layer(units_base), *z = read_layer(zones_base);
    ds_overlap_options options = options_for("id", "id");
    for (unsigned threads = 1; threads <= 2; threads++) {
        options.threads = threads;
        ds_overlap_result *r;
        ds_error err;
        assert_int_equal(ds_overlap_layers(u, z, &options, &r, &err), DS_OK);
        assert_true(has_problem(r, "zones shape 0 (NEAR)", "invalid polygon repaired"));
        assert_false(has_problem(r, "(FAR)", NULL));
        assert_true(has_problem(r, "zones shape 2 (NONE)", "empty, left out"));
        assert_true(has_problem(r, "zones shape 2 (NONE)", "null record"));
        assert_int_equal(ds_overlap_row_count(r), 2);
        const ds_overlap_row *big_row = ds_overlap_row_at(r, 0), *near_row = ds_overlap_row_at(r, 1);
        assert_string_equal(big_row->zone_id, "BIG");
        assert_string_equal(near_row->zone_id, "NEAR");
        assert_close(big_row->share_of_unit, 1.0, 1e-12);
        assert_close(near_row->share_of_unit, 0.3125, 1e-4);
        ds_overlap_result_free(r);
    }
    ds_layer_free(u);
    ds_layer_free(z);
}

/* Zones are built only when they can meet a unit's shape, not merely its bounds. Unit L
 * = [X, X+1000]^2 less its north-east quarter [X+500, X+1000] x [Y+500, Y+1000]
 * (Lambert-93): 750,000 m² up to Lambert-93's scale factor. Zones: NOTCH, a bow-tie in
 * the missing quarter, 100 m from L (inside L's bounds and reach box, so built and
 * reported before; now neither built nor reported, and without a pair); CORNER, a square
 * [X+400, X+600] x [Y+400, Y+600] across L's inner corner (built; L holds three of its
 * four 100 m quarters: 30,000 m², 0.04 of L); ALL, a square holding L (share 1). */
static void test_overlap_zone_near_units(void **state)
{
    (void)state;
    char units_base[128], zones_base[128];
    snprintf(units_base, sizeof units_base, "%s/near_units", test_dir);
    snprintf(zones_base, sizeof zones_base, "%s/near_zones", test_dir);
    const double X = 574000, Y = 6279000;
    const double l[14] = {X, Y, X, Y + 1000, X + 500, Y + 1000, X + 500, Y + 500,
                          X + 1000, Y + 500, X + 1000, Y, X, Y};
    const double notch[10] = {X + 600, Y + 600, X + 900, Y + 900, X + 900, Y + 600,
                              X + 600, Y + 750, X + 600, Y + 600};
    const double corner[10] = {X + 400, Y + 400, X + 400, Y + 600, X + 600, Y + 600,
                               X + 600, Y + 400, X + 400, Y + 400};
    const double all[10] = {X - 10, Y - 10, X - 10, Y + 1010, X + 1010, Y + 1010, X + 1010,
                            Y - 10, X - 10, Y - 10};
    const char *unit_ids[] = {"L"}, *zone_ids[] = {"NOTCH", "CORNER", "ALL"};
    const double *unit_xy[] = {l}, *zone_xy[] = {notch, corner, all};
    const int unit_n[] = {7}, zone_n[] = {5, 5, 5};
    write_rings(units_base, unit_ids, unit_xy, unit_n, 1);
    write_rings(zones_base, zone_ids, zone_xy, zone_n, 3);
    ds_layer *u = read_layer(units_base), *z = read_layer(zones_base);
    ds_overlap_options options = options_for("id", "id");
    for (unsigned threads = 1; threads <= 2; threads++) {
        options.threads = threads;
        ds_overlap_result *r;
        ds_error err;
        assert_int_equal(ds_overlap_layers(u, z, &options, &r, &err), DS_OK);
        assert_false(has_problem(r, "(NOTCH)", NULL));
        assert_int_equal(ds_overlap_row_count(r), 2);
        const ds_overlap_row *all_row = ds_overlap_row_at(r, 0);
        const ds_overlap_row *corner_row = ds_overlap_row_at(r, 1);
        assert_string_equal(all_row->zone_id, "ALL");
        assert_string_equal(corner_row->zone_id, "CORNER");
        assert_close(all_row->share_of_unit, 1.0, 1e-12);
        assert_close(corner_row->share_of_unit, 0.04, 1e-5);
        assert_close(corner_row->share_of_zone, 0.75, 1e-5);
        assert_int_equal(ds_overlap_sliver_count(r), 0);
        ds_overlap_result_free(r);
    }
    ds_layer_free(u);
    ds_layer_free(z);
}

/* True when two results hold the same rows, slivers, unmatched units and problems, in
 * the same order, with the same numbers to the last bit. */
static void assert_same_result(const ds_overlap_result *a, const ds_overlap_result *b)
{
    for (int pass = 0; pass < 2; pass++) {
        size_t n = pass == 0 ? ds_overlap_row_count(a) : ds_overlap_sliver_count(a);
        assert_int_equal(n, pass == 0 ? ds_overlap_row_count(b) : ds_overlap_sliver_count(b));
        for (size_t i = 0; i < n; i++) {
            const ds_overlap_row *x = pass == 0 ? ds_overlap_row_at(a, i) : ds_overlap_sliver_at(a, i);
            const ds_overlap_row *y = pass == 0 ? ds_overlap_row_at(b, i) : ds_overlap_sliver_at(b, i);
            assert_string_equal(x->unit_id, y->unit_id);
            assert_string_equal(x->zone_id, y->zone_id);
            assert_true(x->unit_area_m2 == y->unit_area_m2 && x->zone_area_m2 == y->zone_area_m2 &&
                        x->inter_area_m2 == y->inter_area_m2);
        }
    }
    assert_int_equal(ds_overlap_unmatched_count(a), ds_overlap_unmatched_count(b));
    for (size_t i = 0; i < ds_overlap_unmatched_count(a); i++) {
        double x, y;
        assert_string_equal(ds_overlap_unmatched_at(a, i, &x), ds_overlap_unmatched_at(b, i, &y));
        assert_true(x == y);
    }
    assert_int_equal(ds_overlap_problem_count(a), ds_overlap_problem_count(b));
    for (size_t i = 0; i < ds_overlap_problem_count(a); i++)
        assert_string_equal(ds_overlap_problem_at(a, i), ds_overlap_problem_at(b, i));
}

/* The result does not depend on the number of threads: a generated grid of 60 zones of
 * 300 m around three units, every 7th zone a NULL shape and every 5th a bow-tie (repaired
 * and reported, the problems of several workers merged in shape order), and the real QPV
 * on the communes of Occitanie. threads = 0 is one per CPU. */
static void test_overlap_threads_same_result(void **state)
{
    (void)state;
    char units_base[128], zones_base[128];
    snprintf(units_base, sizeof units_base, "%s/grid_units", test_dir);
    snprintf(zones_base, sizeof zones_base, "%s/grid_zones", test_dir);
    const double X = 574000, Y = 6279000;
    double units_xy[3][10], zones_xy[60][10];
    const double *unit_xy[3], *zone_xy[60];
    int unit_n[3], zone_n[60];
    char id_text[63][16];
    const char *unit_ids[3], *zone_ids[60];
    for (int i = 0; i < 3; i++) { /* 700 m squares, staggered */
        double x = X + 900.0 * i + 50, y = Y + 400.0 * i + 50;
        double ring[10] = {x, y, x, y + 700, x + 700, y + 700, x + 700, y, x, y};
        memcpy(units_xy[i], ring, sizeof ring);
        unit_xy[i] = units_xy[i], unit_n[i] = 5;
        snprintf(id_text[i], sizeof id_text[i], "U%d", i);
        unit_ids[i] = id_text[i];
    }
    for (int i = 0; i < 60; i++) { /* 10 x 6 cells of 300 m */
        double x = X + 300.0 * (i % 10), y = Y + 300.0 * (i / 10);
        double square[10] = {x, y, x, y + 300, x + 300, y + 300, x + 300, y, x, y};
        double bow[10] = {x, y, x + 300, y + 300, x + 300, y, x, y + 150, x, y}; /* area != 0 */
        memcpy(zones_xy[i], i % 5 == 0 ? bow : square, sizeof square);
        zone_xy[i] = zones_xy[i], zone_n[i] = i % 7 == 3 ? 0 : 5;
        snprintf(id_text[3 + i], sizeof id_text[3 + i], "Z%02d", i);
        zone_ids[i] = id_text[3 + i];
    }
    write_rings(units_base, unit_ids, unit_xy, unit_n, 3);
    write_rings(zones_base, zone_ids, zone_xy, zone_n, 60);
    ds_layer *layers[4] = {read_layer(units_base), read_layer(zones_base), NULL, NULL};
    const char *fields[4] = {"id", "id", "code_qp", "code"};
    size_t pairs = 2;
    if (access(SHARED_DATA "qpv2015_occitanie/qp_occitanie_2015_lb93.shp", R_OK) == 0 &&
        access(SHARED_DATA "communes_2018/communes_occitanie_2018_lb93.shp", R_OK) == 0) {
        layers[2] = read_layer(SHARED_DATA "qpv2015_occitanie/qp_occitanie_2015_lb93");
        layers[3] = read_layer(SHARED_DATA "communes_2018/communes_occitanie_2018_lb93");
        pairs = 4;
    }
    for (size_t k = 0; k < pairs; k += 2) {
        ds_overlap_options options = options_for(fields[k], fields[k + 1]);
        ds_overlap_result *one, *other;
        ds_error err;
        assert_int_equal(ds_overlap_layers(layers[k], layers[k + 1], &options, &one, &err), DS_OK);
        if (k == 0) { /* bow-ties in reach repaired, NULL shapes reported */
            assert_true(ds_overlap_row_count(one) > 10);
            assert_true(has_problem(one, "zones shape 0 (Z00)", "invalid polygon repaired"));
            assert_true(has_problem(one, "zones shape 3 (Z03)", "empty, left out"));
            size_t repaired = 0, empty = 0;
            for (size_t i = 0; i < ds_overlap_problem_count(one); i++) {
                repaired += strstr(ds_overlap_problem_at(one, i), "repaired") != NULL;
                empty += strstr(ds_overlap_problem_at(one, i), "empty, left out") != NULL;
            }
            assert_int_equal(empty, 9); /* i = 3, 10, ..., 59, in reach or not */
            assert_true(repaired >= 4);
        }
        const unsigned counts[] = {2, 3, 0};
        for (size_t c = 0; c < 3; c++) {
            options.threads = counts[c];
            assert_int_equal(ds_overlap_layers(layers[k], layers[k + 1], &options, &other, &err),
                             DS_OK);
            assert_same_result(one, other);
            ds_overlap_result_free(other);
        }
        ds_overlap_result_free(one);
    }
    for (int i = 0; i < 4; i++)
        ds_layer_free(layers[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overlap_generated),
        cmocka_unit_test(test_overlap_real_qpv_communes),
        cmocka_unit_test(test_overlap_long_geographic_edges),
        cmocka_unit_test(test_overlap_zone_reach),
        cmocka_unit_test(test_overlap_zone_near_units),
        cmocka_unit_test(test_overlap_threads_same_result),
    };
    return cmocka_run_group_tests_name("overlap", tests, test_dir_create, test_dir_remove);
}
