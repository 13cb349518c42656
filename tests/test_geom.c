/* Tests of the GEOS adapter and the overlay (engine/geom.c). Every expected area is
 * computed by hand in a comment: rectangles, triangles, their differences. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diagsante/geom.h"
#include "helpers.h"

static int setup(void **state)
{
    ds_geom *geom;
    if (ds_geom_new(&geom, NULL) != DS_OK)
        return -1;
    *state = geom;
    return 0;
}

static int teardown(void **state)
{
    ds_geom_free(*state);
    return 0;
}

/* A rectangle ring [x0, x1] x [y0, y1], counter-clockwise or clockwise, closed. */
static void rectangle(double *xy, double x0, double y0, double x1, double y1, bool clockwise)
{
    double ccw[10] = {x0, y0, x1, y0, x1, y1, x0, y1, x0, y0};
    for (int i = 0; i < 5; i++) {
        int k = clockwise ? 4 - i : i;
        xy[2 * i] = ccw[2 * k];
        xy[2 * i + 1] = ccw[2 * k + 1];
    }
}

static ds_shape *rectangle_shape(ds_geom *geom, double x0, double y0, double x1, double y1)
{
    double xy[10];
    rectangle(xy, x0, y0, x1, y1, false);
    ds_ring_view ring = {xy, 5};
    ds_polygon_view polygon = {&ring, 1};
    ds_shape *shape;
    assert_int_equal(ds_shape_new(geom, &polygon, 1, &shape, NULL, NULL), DS_OK);
    return shape;
}

static void test_polygon_with_hole_both_orders(void **state)
{
    ds_geom *geom = *state;
    for (int order = 0; order < 2; order++) {
        double outer[10], hole[10];
        rectangle(outer, 0, 0, 10, 10, order == 0);  /* ESRI order: outer clockwise */
        rectangle(hole, 3, 3, 7, 7, order != 0);      /* hole the other way */
        ds_ring_view rings[2] = {{outer, 5}, {hole, 5}};
        ds_polygon_view polygon = {rings, 2};
        ds_shape *shape;
        char repaired[256];
        assert_int_equal(ds_shape_new(geom, &polygon, 1, &shape, repaired, NULL), DS_OK);
        assert_string_equal(repaired, "");
        assert_close(ds_shape_area(shape), 100.0 - 16.0, 1e-12); /* 10x10 minus 4x4 */
        double b[4];
        ds_shape_bounds(shape, b);
        assert_true(b[0] == 0 && b[1] == 0 && b[2] == 10 && b[3] == 10);
        ds_shape_free(geom, shape);
    }
}

static void test_multipolygon_and_open_ring(void **state)
{
    ds_geom *geom = *state;
    double a[10], b[8] = {20, 0, 25, 0, 25, 5, 20, 5}; /* b is given open: 4 points */
    rectangle(a, 0, 0, 10, 10, false);
    ds_ring_view ra = {a, 5}, rb = {b, 4};
    ds_polygon_view parts[2] = {{&ra, 1}, {&rb, 1}};
    ds_shape *shape;
    assert_int_equal(ds_shape_new(geom, parts, 2, &shape, NULL, NULL), DS_OK);
    assert_close(ds_shape_area(shape), 100.0 + 25.0, 1e-12);
    ds_shape_free(geom, shape);
}

/* A bow-tie (0,0)-(10,10)-(10,0)-(0,10) crosses itself at (5,5): GEOS alone would give
 * area 0 (the lobes cancel); repaired it is two triangles of 10 x 5 / 2 = 25 each. */
static void test_bow_tie_is_repaired(void **state)
{
    ds_geom *geom = *state;
    double xy[10] = {0, 0, 10, 10, 10, 0, 0, 10, 0, 0};
    ds_ring_view ring = {xy, 5};
    ds_polygon_view polygon = {&ring, 1};
    ds_shape *shape;
    char repaired[256];
    assert_int_equal(ds_shape_new(geom, &polygon, 1, &shape, repaired, NULL), DS_OK);
    assert_non_null(strstr(repaired, "Self-intersection"));
    assert_close(ds_shape_area(shape), 50.0, 1e-12);
    ds_shape_free(geom, shape);
}

static void test_bad_rings(void **state)
{
    ds_geom *geom = *state;
    ds_error err;
    ds_shape *shape;
    double two[6] = {0, 0, 1, 1, 0, 0};
    ds_ring_view ring = {two, 3};
    ds_polygon_view polygon = {&ring, 1};
    assert_int_equal(ds_shape_new(geom, &polygon, 1, &shape, NULL, &err), DS_EDATA);
    assert_null(shape);
    assert_non_null(strstr(err.message, "2 distinct points"));
    double nan_xy[10] = {0, 0, 1, 0, NAN, 1, 0, 1, 0, 0};
    ring = (ds_ring_view){nan_xy, 5};
    assert_int_equal(ds_shape_new(geom, &polygon, 1, &shape, NULL, &err), DS_EDATA);
    assert_non_null(strstr(err.message, "point 2"));
}

/* Units A = [0,10]x[0,10], B = [20,30]x[0,10], C = [100,110]^2.
 * Zones Z0 = [5,25]x[0,10] (A∩Z0 = [5,10]x[0,10] = 50; B∩Z0 = [20,25]x[0,10] = 50),
 *       Z1 = [2,3]^2 (inside A: 1), Z2 = [10,20]x[0,10] (touches A and B: area 0, not
 *       listed), Z3 = [-50,50]^2 (contains A and B: 100 each; C is outside all). */
static void test_overlay_pairs(void **state)
{
    ds_geom *geom = *state;
    ds_shape *units[3] = {rectangle_shape(geom, 0, 0, 10, 10), rectangle_shape(geom, 20, 0, 30, 10),
                          rectangle_shape(geom, 100, 100, 110, 110)};
    ds_shape *zones[4] = {rectangle_shape(geom, 5, 0, 25, 10), rectangle_shape(geom, 2, 2, 3, 3),
                          rectangle_shape(geom, 10, 0, 20, 10), rectangle_shape(geom, -50, -50, 50, 50)};
    ds_overlap *pairs;
    size_t n;
    ds_error err;
    assert_int_equal(ds_overlay(geom, units, 3, zones, 4, &pairs, &n, &err), DS_OK);
    const ds_overlap expected[] = {{0, 0, 50}, {0, 1, 1}, {0, 3, 100}, {1, 0, 50}, {1, 3, 100}};
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pairs[i].unit, expected[i].unit);
        assert_int_equal(pairs[i].zone, expected[i].zone);
        assert_close(pairs[i].intersection_area, expected[i].intersection_area, 1e-12);
    }
    free(pairs);
    for (int i = 0; i < 3; i++)
        ds_shape_free(geom, units[i]);
    for (int i = 0; i < 4; i++)
        ds_shape_free(geom, zones[i]);
}

/* Triangle T = (0,0),(10,0),(0,10), area 50. Z0 = [0,5]^2 lies inside T (its corner
 * (5,5) is on the hypotenuse x + y = 10): 25. Z1 = [5,10]x[0,5]: for x in [5,10] T
 * rises to 10 - x <= 5, so the overlap is the integral of (10 - x) dx from 5 to 10 =
 * 12.5. Z2 = [0,10]^2 holds all of T: 50. */
static void test_overlay_triangle(void **state)
{
    ds_geom *geom = *state;
    double t[8] = {0, 0, 10, 0, 0, 10, 0, 0};
    ds_ring_view ring = {t, 4};
    ds_polygon_view polygon = {&ring, 1};
    ds_shape *triangle;
    assert_int_equal(ds_shape_new(geom, &polygon, 1, &triangle, NULL, NULL), DS_OK);
    ds_shape *zones[3] = {rectangle_shape(geom, 0, 0, 5, 5), rectangle_shape(geom, 5, 0, 10, 5),
                          rectangle_shape(geom, 0, 0, 10, 10)};
    ds_overlap *pairs;
    size_t n;
    assert_int_equal(ds_overlay(geom, &triangle, 1, zones, 3, &pairs, &n, NULL), DS_OK);
    assert_int_equal(n, 3);
    assert_close(pairs[0].intersection_area, 25.0, 1e-12);
    assert_close(pairs[1].intersection_area, 12.5, 1e-12);
    assert_close(pairs[2].intersection_area, 50.0, 1e-12);
    free(pairs);
    ds_shape_free(geom, triangle);
    for (int i = 0; i < 3; i++)
        ds_shape_free(geom, zones[i]);
}

/* The overlay one zone at a time over an index (ds_overlay_zone) gives the pairs of
 * ds_overlay, in unit order for each zone; a NULL unit and a unit of area 0 are left out.
 * Units A = [0,10]^2, none, B = [20,30]x[0,10]; zone Z = [5,25]x[0,10]: A∩Z = 5x10 = 50,
 * B∩Z = 5x10 = 50. */
static void test_overlay_zone_index(void **state)
{
    ds_geom *geom = *state;
    ds_shape *units[3] = {rectangle_shape(geom, 0, 0, 10, 10), NULL,
                          rectangle_shape(geom, 20, 0, 30, 10)};
    ds_shape *zone = rectangle_shape(geom, 5, 0, 25, 10);
    ds_overlay_index *index;
    ds_error err;
    assert_int_equal(ds_overlay_index_new(geom, units, 3, &index, &err), DS_OK);
    ds_overlap *pairs = NULL;
    size_t n = 0, cap = 0;
    assert_int_equal(ds_overlay_zone(geom, index, zone, 7, &pairs, &n, &cap, &err), DS_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pairs[0].unit, 0);
    assert_int_equal(pairs[1].unit, 2);
    assert_int_equal(pairs[0].zone, 7);
    assert_close(pairs[0].intersection_area, 50.0, 1e-12);
    assert_close(pairs[1].intersection_area, 50.0, 1e-12);
    /* A second zone appends: [1,2]^2 lies inside A, 1. */
    ds_shape *small = rectangle_shape(geom, 1, 1, 2, 2);
    assert_int_equal(ds_overlay_zone(geom, index, small, 8, &pairs, &n, &cap, &err), DS_OK);
    assert_int_equal(n, 3);
    assert_int_equal(pairs[2].zone, 8);
    assert_close(pairs[2].intersection_area, 1.0, 1e-12);
    free(pairs);
    ds_overlay_index_free(geom, index);
    ds_overlay_index_free(geom, NULL);
    /* No unit at all: no pair, no failure. */
    ds_shape *none[1] = {NULL};
    assert_int_equal(ds_overlay_index_new(geom, none, 1, &index, &err), DS_OK);
    pairs = NULL, n = 0, cap = 0;
    assert_int_equal(ds_overlay_zone(geom, index, zone, 0, &pairs, &n, &cap, &err), DS_OK);
    assert_int_equal(n, 0);
    ds_overlay_index_free(geom, index);
    ds_shape_free(geom, small);
    ds_shape_free(geom, zone);
    ds_shape_free(geom, units[0]);
    ds_shape_free(geom, units[2]);
}

/* A shape written as bytes in one context and read in another has the same area and
 * bounds, and overlays to the same areas: a polygon with a hole ([0,10]^2 minus
 * [3,7]^2: 84) and a second part ([20,25]x[0,5]: 25), 109 in all; with Z = [5,22]x[0,10]:
 * 5x10 - 2x4 (the hole's part x in [5,7]) + 2x5 = 52. */
static void test_shape_bytes_round_trip(void **state)
{
    ds_geom *geom = *state, *other;
    assert_int_equal(ds_geom_new(&other, NULL), DS_OK);
    double outer[10], hole[10], part[10];
    rectangle(outer, 0, 0, 10, 10, true);
    rectangle(hole, 3, 3, 7, 7, false);
    rectangle(part, 20, 0, 25, 5, true);
    ds_ring_view rings[3] = {{outer, 5}, {hole, 5}, {part, 5}};
    ds_polygon_view polygons[2] = {{rings, 2}, {rings + 2, 1}};
    ds_shape *shape, *copy;
    assert_int_equal(ds_shape_new(geom, polygons, 2, &shape, NULL, NULL), DS_OK);
    unsigned char *bytes;
    size_t size;
    ds_error err;
    assert_int_equal(ds_shape_to_bytes(geom, shape, &bytes, &size, &err), DS_OK);
    assert_true(size > 0);
    assert_int_equal(ds_shape_from_bytes(other, bytes, size, &copy, &err), DS_OK);
    free(bytes);
    assert_true(ds_shape_area(copy) == ds_shape_area(shape)); /* exactly */
    assert_close(ds_shape_area(copy), 109.0, 1e-12);
    double a[4], b[4];
    ds_shape_bounds(shape, a);
    ds_shape_bounds(copy, b);
    assert_memory_equal(a, b, sizeof a);
    ds_shape *z1 = rectangle_shape(geom, 5, 0, 22, 10), *z2 = rectangle_shape(other, 5, 0, 22, 10);
    ds_overlap *p1, *p2;
    size_t n1, n2;
    assert_int_equal(ds_overlay(geom, &shape, 1, &z1, 1, &p1, &n1, &err), DS_OK);
    assert_int_equal(ds_overlay(other, &copy, 1, &z2, 1, &p2, &n2, &err), DS_OK);
    assert_int_equal(n1, 1);
    assert_int_equal(n2, 1);
    assert_true(p1[0].intersection_area == p2[0].intersection_area);
    assert_close(p1[0].intersection_area, 52.0, 1e-12);
    free(p1), free(p2);
    ds_shape_free(other, copy);
    /* Bytes that are no WKB: an error, no shape. */
    const unsigned char junk[5] = {1, 2, 3, 4, 5};
    assert_int_equal(ds_shape_from_bytes(other, junk, sizeof junk, &copy, &err), DS_EINTERNAL);
    assert_null(copy);
    ds_shape_free(geom, z1);
    ds_shape_free(other, z2);
    ds_shape_free(geom, shape);
    ds_geom_free(other);
}

/* The unit near a zone (a rectangle cut of the unit, then the overlay) gives the areas of
 * the whole unit. U = [0,100]^2 minus the hole [40,60]^2, plus a far part [1000,1010]^2
 * (9,700 in all). Z1 = [50,150]x[45,55]: U holds [50,100]x[45,55] = 500 less the hole's
 * [50,60]x[45,55] = 100: 400. Z2 = [-50,150]x[45,55], wider than U: [0,100]x[45,55] =
 * 1,000 less the hole's [40,60]x[45,55] = 200: 800. Z3 = [55,65]x[55,65] straddles the
 * hole's corner: 100 less the hole's [55,60]^2 = 25: 75. Z4 = [95,105]x[-5,5] meets U at
 * its corner only: [95,100]x[0,5] = 25. Z5 = [1005,1020]x[0,1005] meets the far part:
 * [1005,1010]x[1000,1005] = 25. Each is also the difference of two exact areas, so the
 * tolerance is that of doubles. */
static void test_overlay_cut_unit(void **state)
{
    ds_geom *geom = *state;
    double outer[10], hole[10], far[10];
    rectangle(outer, 0, 0, 100, 100, true);
    rectangle(hole, 40, 40, 60, 60, false);
    rectangle(far, 1000, 1000, 1010, 1010, true);
    ds_ring_view rings[3] = {{outer, 5}, {hole, 5}, {far, 5}};
    ds_polygon_view polygons[2] = {{rings, 2}, {rings + 2, 1}};
    ds_shape *unit;
    assert_int_equal(ds_shape_new(geom, polygons, 2, &unit, NULL, NULL), DS_OK);
    assert_close(ds_shape_area(unit), 9700.0, 1e-12);
    ds_shape *zones[5] = {rectangle_shape(geom, 50, 45, 150, 55),
                          rectangle_shape(geom, -50, 45, 150, 55),
                          rectangle_shape(geom, 55, 55, 65, 65),
                          rectangle_shape(geom, 95, -5, 105, 5),
                          rectangle_shape(geom, 1005, 0, 1020, 1005)};
    const double expected[5] = {400, 800, 75, 25, 25};
    ds_overlap *pairs;
    size_t n;
    ds_error err;
    assert_int_equal(ds_overlay(geom, &unit, 1, zones, 5, &pairs, &n, &err), DS_OK);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pairs[i].zone, i);
        assert_close(pairs[i].intersection_area, expected[i], 1e-12);
    }
    free(pairs);
    for (int i = 0; i < 5; i++)
        ds_shape_free(geom, zones[i]);
    ds_shape_free(geom, unit);
}

/* Whether an indexed unit meets a box: L = [0,100]^2 less its top-right quarter
 * [50,100]^2. A box in the missing quarter meets none though it lies inside L's bounds;
 * one touching L's inner edges meets it (boundary included), so does one across L's
 * corner; a box beyond every unit meets none; an index without units meets nothing. */
static void test_overlay_index_meets(void **state)
{
    ds_geom *geom = *state;
    double l[14] = {0, 0, 100, 0, 100, 50, 50, 50, 50, 100, 0, 100, 0, 0};
    ds_ring_view ring = {l, 7};
    ds_polygon_view polygon = {&ring, 1};
    ds_shape *units[2] = {NULL, NULL};
    assert_int_equal(ds_shape_new(geom, &polygon, 1, &units[1], NULL, NULL), DS_OK);
    assert_close(ds_shape_area(units[1]), 7500.0, 1e-12);
    ds_overlay_index *index;
    ds_error err;
    assert_int_equal(ds_overlay_index_new(geom, units, 2, &index, &err), DS_OK);
    const struct {
        double box[4];
        bool meets;
    } cases[] = {{{60, 60, 90, 90}, false}, {{50, 50, 90, 90}, true},  {{51, 50.5, 90, 90}, false},
                 {{-10, -10, 1, 1}, true},  {{200, 0, 300, 100}, false}, {{10, 10, 20, 20}, true}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool meets = !cases[i].meets;
        assert_int_equal(ds_overlay_index_meets(geom, index, cases[i].box, &meets, &err), DS_OK);
        if (meets != cases[i].meets)
            fail_msg("box %zu: meets %d, expected %d", i, meets, cases[i].meets);
    }
    ds_overlay_index_free(geom, index);
    ds_shape *none[1] = {NULL};
    assert_int_equal(ds_overlay_index_new(geom, none, 1, &index, &err), DS_OK);
    bool meets = true;
    assert_int_equal(ds_overlay_index_meets(geom, index, (double[4]){0, 0, 100, 100}, &meets, &err),
                     DS_OK);
    assert_false(meets);
    ds_overlay_index_free(geom, index);
    ds_shape_free(geom, units[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polygon_with_hole_both_orders),
        cmocka_unit_test(test_multipolygon_and_open_ring),
        cmocka_unit_test(test_bow_tie_is_repaired),
        cmocka_unit_test(test_bad_rings),
        cmocka_unit_test(test_overlay_pairs),
        cmocka_unit_test(test_overlay_triangle),
        cmocka_unit_test(test_overlay_zone_index),
        cmocka_unit_test(test_shape_bytes_round_trip),
        cmocka_unit_test(test_overlay_cut_unit),
        cmocka_unit_test(test_overlay_index_meets),
    };
    return cmocka_run_group_tests_name("geom", tests, setup, teardown);
}
