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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_polygon_with_hole_both_orders),
        cmocka_unit_test(test_multipolygon_and_open_ring),
        cmocka_unit_test(test_bow_tie_is_repaired),
        cmocka_unit_test(test_bad_rings),
        cmocka_unit_test(test_overlay_pairs),
        cmocka_unit_test(test_overlay_triangle),
    };
    return cmocka_run_group_tests_name("geom", tests, setup, teardown);
}
