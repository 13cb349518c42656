/* diagsante — coordinate reference systems and true areas (see include/diagsante/crs.h).
 *
 * PROJ traps handled here (docs/toolchain-notes.md, PROJ section):
 *  - axis order: every operation goes through proj_normalize_for_visualization, so
 *    that coordinates are (lon, lat) and (easting, northing) whatever the EPSG order;
 *  - failed points come back as HUGE_VAL while proj_trans_generic still returns n:
 *    every output coordinate is checked;
 *  - proj_context_errno is sticky: messages are captured through proj_log_func and
 *    the per-operation proj_errno, reset before each call;
 *  - lon = 200 is silently wrapped by PROJ: geographic inputs are range-checked
 *    before transforming. */
#include "diagsante/crs.h"

#include <geodesic.h>
#include <math.h>
#include <proj.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_MAX 512
#define PRJ_MAX (64 * 1024)
#define USE_MARGIN 2.0 /* degrees */

/* GRS80 (the ellipsoid of RGF93 and ETRS89). */
#define GRS80_A 6378137.0
#define GRS80_F (1.0 / 298.257222101)

struct ds_crs {
    PJ_CONTEXT *ctx;     /* owned; every PJ below was created in it */
    PJ *source;          /* the source CRS */
    PJ *to_lonlat;       /* source -> EPSG:4326, normalised axis order */
    PJ *to_equal_area;   /* source -> equal-area target, normalised; NULL before a choice */
    int identified;      /* name, epsg and use are known (identify: on first need) */
    char *name;          /* owned, see ds_crs_name; NULL before identify */
    char *equal_area;    /* owned target definition; NULL before a choice */
    int epsg;            /* identified EPSG code or 0 */
    int geographic;      /* source coordinates are lon/lat degrees */
    int is_3035;         /* the target is EPSG:3035 */
    int has_use;         /* use[] holds the source CRS's area of use */
    double use[4];       /* west, south, east, north in degrees */
    char log[LOG_MAX];   /* last error message PROJ logged in ctx */
};

/* PROJ's log hook: keeps the last error-level message (never prints). */
static void capture_log(void *data, int level, const char *message)
{
    ds_crs *crs = data;
    if (level > PJ_LOG_ERROR || message == NULL)
        return;
    snprintf(crs->log, sizeof crs->log, "%s", message);
}

/* The last PROJ message, or a fallback when PROJ logged nothing. */
static const char *last_log(const ds_crs *crs, const char *fallback)
{
    return crs->log[0] != '\0' ? crs->log : fallback;
}

static char *copy_string(const char *text)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (copy != NULL)
        memcpy(copy, text, len + 1);
    return copy;
}

void ds_crs_free(ds_crs *crs)
{
    if (crs == NULL)
        return;
    proj_destroy(crs->to_equal_area);
    proj_destroy(crs->to_lonlat);
    proj_destroy(crs->source);
    if (crs->ctx != NULL)
        proj_context_destroy(crs->ctx);
    free(crs->name);
    free(crs->equal_area);
    free(crs);
}

ds_status ds_crs_clone(const ds_crs *crs, ds_crs **out, ds_error *err)
{
    *out = NULL;
    ds_crs *copy = calloc(1, sizeof *copy);
    if (copy == NULL)
        return ds_error_set(err, DS_ENOMEM, "CRS: out of memory");
    copy->ctx = proj_context_create();
    if (copy->ctx == NULL) {
        free(copy);
        return ds_error_set(err, DS_ENOMEM, "CRS: cannot create a PROJ context");
    }
    proj_log_func(copy->ctx, copy, capture_log);
    /* proj_clone copies an object into another context without the database. */
    copy->source = proj_clone(copy->ctx, crs->source);
    copy->to_lonlat = proj_clone(copy->ctx, crs->to_lonlat);
    if (crs->to_equal_area != NULL)
        copy->to_equal_area = proj_clone(copy->ctx, crs->to_equal_area);
    copy->identified = crs->identified; /* else the copy identifies itself when needed */
    if (crs->name != NULL)
        copy->name = copy_string(crs->name);
    if (crs->equal_area != NULL)
        copy->equal_area = copy_string(crs->equal_area);
    copy->epsg = crs->epsg;
    copy->geographic = crs->geographic;
    copy->is_3035 = crs->is_3035;
    copy->has_use = crs->has_use;
    memcpy(copy->use, crs->use, sizeof copy->use);
    if ((crs->name != NULL && copy->name == NULL) ||
        (crs->equal_area != NULL && copy->equal_area == NULL)) {
        ds_crs_free(copy);
        return ds_error_set(err, DS_ENOMEM, "CRS: out of memory");
    }
    if (copy->source == NULL || copy->to_lonlat == NULL ||
        (crs->to_equal_area != NULL && copy->to_equal_area == NULL)) {
        const char *name = crs->name != NULL ? crs->name : proj_get_name(crs->source);
        ds_status status = ds_error_set(err, DS_EINTERNAL, "%s: cannot copy the CRS: %s",
                                        name != NULL ? name : "a CRS",
                                        last_log(copy, "PROJ gave no reason"));
        ds_crs_free(copy);
        return status;
    }
    *out = copy;
    return DS_OK;
}

/* Builds the operation source -> target (a CRS object of crs->ctx) with normalised
 * axis order. NULL on failure, with PROJ's message in crs->log. */
static PJ *normalized_operation(ds_crs *crs, const PJ *target)
{
    PJ *raw = proj_create_crs_to_crs_from_pj(crs->ctx, crs->source, target, NULL, NULL);
    if (raw == NULL)
        return NULL;
    PJ *normalized = proj_normalize_for_visualization(crs->ctx, raw);
    proj_destroy(raw);
    return normalized;
}

/* The horizontal CRS type of source (a bound CRS is judged by its source CRS). */
static int is_geographic(PJ_CONTEXT *ctx, const PJ *source)
{
    PJ_TYPE type = proj_get_type(source);
    if (type == PJ_TYPE_BOUND_CRS) {
        PJ *base = proj_get_source_crs(ctx, source);
        if (base == NULL)
            return 0;
        type = proj_get_type(base);
        proj_destroy(base);
    }
    return type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS;
}

/* Sets crs->name, crs->epsg and the area of use from proj_identify (confidence >= 90)
 * or from the definition's own name, once: a search of PROJ's database (about 10 ms),
 * done on first need only (messages, ds_crs_name, ds_crs_epsg, ds_crs_equal_area_for).
 * Leaves the last PROJ message (crs->log) as it was. */
static void identify(ds_crs *crs)
{
    if (crs->identified)
        return;
    crs->identified = 1;
    char saved_log[LOG_MAX];
    memcpy(saved_log, crs->log, sizeof saved_log);
    int *confidence = NULL;
    PJ_OBJ_LIST *list = proj_identify(crs->ctx, crs->source, "EPSG", NULL, &confidence);
    char buffer[512];
    buffer[0] = '\0';
    if (list != NULL && confidence != NULL) {
        int count = proj_list_get_count(list);
        for (int i = 0; i < count && buffer[0] == '\0'; i++) {
            if (confidence[i] < 90)
                continue;
            PJ *match = proj_list_get(crs->ctx, list, i);
            const char *code = match != NULL ? proj_get_id_code(match, 0) : NULL;
            const char *name = match != NULL ? proj_get_name(match) : NULL;
            if (code != NULL) {
                crs->epsg = atoi(code);
                crs->has_use = proj_get_area_of_use(crs->ctx, match, &crs->use[0], &crs->use[1],
                                                    &crs->use[2], &crs->use[3], NULL);
                snprintf(buffer, sizeof buffer, "%s (EPSG:%s)", name != NULL ? name : "?",
                         code);
            }
            proj_destroy(match);
        }
    }
    proj_int_list_destroy(confidence);
    proj_list_destroy(list);
    if (buffer[0] == '\0') {
        crs->has_use = proj_get_area_of_use(crs->ctx, crs->source, &crs->use[0], &crs->use[1],
                                            &crs->use[2], &crs->use[3], NULL);
        const char *name = proj_get_name(crs->source);
        snprintf(buffer, sizeof buffer, "%s", name != NULL ? name : "unnamed CRS");
    }
    memcpy(crs->log, saved_log, sizeof saved_log); /* identification failures are not errors */
    crs->name = copy_string(buffer); /* NULL when out of memory: crs_name says so */
}

/* The CRS's name for messages (identified on first need). */
static const char *crs_name(ds_crs *crs)
{
    identify(crs);
    return crs->name != NULL ? crs->name : "a CRS (out of memory for its name)";
}

ds_status ds_crs_open(const char *definition, ds_crs **out, ds_error *err)
{
    *out = NULL;
    ds_crs *crs = calloc(1, sizeof *crs);
    if (crs == NULL)
        return ds_error_set(err, DS_ENOMEM, "CRS: out of memory");
    crs->ctx = proj_context_create();
    if (crs->ctx == NULL) {
        free(crs);
        return ds_error_set(err, DS_ENOMEM, "CRS: cannot create a PROJ context");
    }
    proj_log_func(crs->ctx, crs, capture_log);

    ds_status status;
    crs->source = proj_create(crs->ctx, definition);
    if (crs->source == NULL || !proj_is_crs(crs->source)) {
        status = ds_error_set(err, DS_EDATA, "not a coordinate reference system (%.60s%s): %s",
                              definition, strlen(definition) > 60 ? "..." : "",
                              last_log(crs, "PROJ does not describe it as a CRS"));
        goto fail;
    }
    crs->geographic = is_geographic(crs->ctx, crs->source);

    PJ *wgs84 = proj_create(crs->ctx, "EPSG:4326");
    if (wgs84 != NULL)
        crs->to_lonlat = normalized_operation(crs, wgs84);
    proj_destroy(wgs84);
    if (crs->to_lonlat == NULL) {
        const char *reason = last_log(crs, "PROJ gave no reason");
        status = ds_error_set(err, DS_EINTERNAL, "%s: no transformation to WGS84: %s",
                              crs_name(crs), reason);
        goto fail;
    }
    *out = crs;
    return DS_OK;
fail:
    ds_crs_free(crs);
    return status;
}

ds_status ds_crs_open_file(const char *path, ds_crs **out, ds_error *err)
{
    *out = NULL;
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return ds_error_set(err, DS_ENOINPUT, "%s: cannot open the CRS file", path);
    char *text = malloc(PRJ_MAX + 2);
    if (text == NULL) {
        fclose(file);
        return ds_error_set(err, DS_ENOMEM, "%s: out of memory", path);
    }
    size_t len = fread(text, 1, PRJ_MAX + 1, file);
    int failed = ferror(file);
    fclose(file);
    ds_status status = DS_OK;
    if (failed)
        status = ds_error_set(err, DS_EIO, "%s: read error", path);
    else if (len > PRJ_MAX)
        status = ds_error_set(err, DS_EDATA, "%s: longer than %d bytes, not a .prj", path,
                              PRJ_MAX);
    if (status != DS_OK) {
        free(text);
        return status;
    }
    text[len] = '\0';
    char *start = text;
    if (len >= 3 && memcmp(start, "\xEF\xBB\xBF", 3) == 0)
        start += 3;
    while (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n')
        start++;
    char *end = text + len;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
                           end[-1] == '\n'))
        *--end = '\0';
    if (*start == '\0') {
        free(text);
        return ds_error_set(err, DS_EDATA, "%s: empty CRS file", path);
    }
    ds_error local;
    ds_error_clear(&local);
    status = ds_crs_open(start, out, &local);
    free(text);
    if (status != DS_OK)
        return ds_error_set(err, status, "%s: %s", path, local.message);
    return DS_OK;
}

const char *ds_crs_name(ds_crs *crs)
{
    return crs_name(crs);
}

int ds_crs_epsg(ds_crs *crs)
{
    identify(crs);
    return crs->epsg;
}

int ds_crs_is_geographic(const ds_crs *crs)
{
    return crs->geographic;
}

const char *ds_crs_equal_area_name(const ds_crs *crs)
{
    return crs->equal_area;
}

int ds_crs_equal_area_is_3035(const ds_crs *crs)
{
    return crs->to_equal_area != NULL && crs->is_3035;
}

/* Writes value rounded to 1e-6 as a decimal number into out, without the locale
 * (snprintf's %f would follow LC_NUMERIC). */
static void format_micro(char *out, size_t size, double value)
{
    long long micro = llround(value * 1e6);
    const char *sign = micro < 0 ? "-" : "";
    if (micro < 0)
        micro = -micro;
    snprintf(out, size, "%s%lld.%06lld", sign, micro / 1000000, micro % 1000000);
}


/* Makes target (created in crs->ctx; destroyed here) the equal-area CRS of crs, named
 * definition. On failure the previous choice stays. */
static ds_status install_target(ds_crs *crs, PJ *target, const char *definition, int is_3035,
                                ds_error *err)
{
    PJ *operation = target != NULL ? normalized_operation(crs, target) : NULL;
    proj_destroy(target);
    if (operation == NULL) {
        const char *name = crs_name(crs);
        return ds_error_set(err, DS_EINTERNAL, "%s: no transformation to %s: %s", name,
                            definition, last_log(crs, "PROJ gave no reason"));
    }
    char *name = copy_string(definition);
    if (name == NULL) {
        proj_destroy(operation);
        return ds_error_set(err, DS_ENOMEM, "CRS: out of memory");
    }
    proj_destroy(crs->to_equal_area);
    free(crs->equal_area);
    crs->to_equal_area = operation;
    crs->equal_area = name;
    crs->is_3035 = is_3035;
    return DS_OK;
}

/* Longitude wrapped into [-180, 180). */
static double wrap_longitude(double lon)
{
    lon = fmod(lon + 180.0, 360.0);
    if (lon < 0)
        lon += 360.0;
    return lon - 180.0;
}

ds_status ds_crs_equal_area_for(ds_crs *crs, const double bounds[4], ds_error *err)
{
    identify(crs); /* its area of use is needed */
    double xmin = bounds[0], ymin = bounds[1], xmax = bounds[2], ymax = bounds[3];
    if (!isfinite(xmin) || !isfinite(ymin) || !isfinite(xmax) || !isfinite(ymax) ||
        xmin > xmax || ymin > ymax)
        return ds_error_set(err, DS_EDATA,
                            "%s: bounds (%.17g %.17g, %.17g %.17g) are not finite and ordered",
                            crs_name(crs), xmin, ymin, xmax, ymax);
    if (crs->geographic && (xmin < -180 || xmax > 180 || ymin < -90 || ymax > 90))
        return ds_error_set(err, DS_EDATA,
                            "%s: bounds (%.17g %.17g, %.17g %.17g) are outside longitude "
                            "[-180, 180] and latitude [-90, 90]",
                            crs_name(crs), xmin, ymin, xmax, ymax);

    /* The bounds in lon/lat: PROJ densifies the edges (21 points each) and returns
     * west > east for data crossing the antimeridian. */
    double west, south, east, north;
    crs->log[0] = '\0';
    proj_errno_reset(crs->to_lonlat);
    if (!proj_trans_bounds(crs->ctx, crs->to_lonlat, PJ_FWD, xmin, ymin, xmax, ymax, &west,
                           &south, &east, &north, 21) ||
        !isfinite(west) || !isfinite(south) || !isfinite(east) || !isfinite(north))
        return ds_error_set(err, DS_EDATA,
                            "%s: bounds (%.17g %.17g, %.17g %.17g) cannot be converted to "
                            "longitude/latitude: %s",
                            crs_name(crs), xmin, ymin, xmax, ymax,
                            last_log(crs, "PROJ gave no reason"));
    int crosses = west > east;
    /* Coordinates far outside the source CRS's area of use are converted silently into
     * nonsense (Lambert-93 y = 1e12 gives latitude -90): most often a wrong .prj or
     * --crs. A margin of USE_MARGIN degrees keeps neighbouring data usable. */
    const double *use = crs->use;
    if (crs->has_use && !crosses && use[0] <= use[2] && use[0] >= -180 && use[2] <= 180 &&
        use[1] >= -90 && use[3] <= 90 &&
        (west < use[0] - USE_MARGIN || east > use[2] + USE_MARGIN ||
         south < use[1] - USE_MARGIN || north > use[3] + USE_MARGIN))
        return ds_error_set(err, DS_EDATA,
                            "%s: bounds (%.17g %.17g, %.17g %.17g), i.e. longitude %.6g..%.6g "
                            "latitude %.6g..%.6g, lie outside the CRS's area of use "
                            "(longitude %.6g..%.6g, latitude %.6g..%.6g): wrong .prj or --crs?",
                            crs_name(crs), xmin, ymin, xmax, ymax, west, east, south, north, use[0],
                            use[2], use[1], use[3]);

    PJ *europe = proj_create(crs->ctx, "EPSG:3035");
    double a_west, a_south, a_east, a_north;
    if (europe == NULL ||
        !proj_get_area_of_use(crs->ctx, europe, &a_west, &a_south, &a_east, &a_north, NULL)) {
        ds_status status = ds_error_set(err, DS_EINTERNAL,
                                        "EPSG:3035 or its area of use is not in PROJ's database: %s",
                                        last_log(crs, "PROJ gave no reason"));
        proj_destroy(europe);
        return status;
    }
    int inside = !crosses && west >= a_west && east <= a_east && south >= a_south &&
                 north <= a_north;

    char definition[160];
    PJ *target = NULL;
    if (inside) {
        snprintf(definition, sizeof definition, "EPSG:3035");
        target = europe;
    } else {
        proj_destroy(europe);
        double lon0 = crosses ? wrap_longitude((west + east + 360.0) / 2) : (west + east) / 2;
        char lat_text[32], lon_text[32];
        format_micro(lat_text, sizeof lat_text, (south + north) / 2);
        format_micro(lon_text, sizeof lon_text, lon0);
        snprintf(definition, sizeof definition,
                 "+proj=laea +lat_0=%s +lon_0=%s +x_0=0 +y_0=0 +ellps=GRS80 +units=m "
                 "+no_defs +type=crs",
                 lat_text, lon_text);
        target = proj_create(crs->ctx, definition);
    }
    return install_target(crs, target, definition, inside, err);
}

ds_status ds_crs_set_equal_area(ds_crs *crs, const char *definition, ds_error *err)
{
    if (crs == NULL || definition == NULL)
        return ds_error_set(err, DS_EUSAGE, "ds_crs_set_equal_area: invalid arguments");
    crs->log[0] = '\0';
    PJ *target = proj_create(crs->ctx, definition);
    if (target == NULL)
        return ds_error_set(err, DS_EDATA, "not a coordinate reference system (%s): %s",
                            definition, last_log(crs, "PROJ gave no reason"));
    return install_target(crs, target, definition, strcmp(definition, "EPSG:3035") == 0, err);
}

/* Transforms n interleaved points of xy in place with operation (of crs->ctx),
 * all or nothing; target names the destination in messages. */
static ds_status transform(ds_crs *crs, PJ *operation, const char *target, double *xy,
                           size_t n, ds_error *err)
{
    if (n == 0)
        return DS_OK;
    for (size_t i = 0; i < n; i++) {
        double x = xy[2 * i], y = xy[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) {
            const char *name = crs_name(crs);
            return ds_error_set(err, DS_EDATA, "%s: point %zu (%.17g %.17g) is not finite",
                                name, i, x, y);
        }
        if (crs->geographic && (x < -180 || x > 180 || y < -90 || y > 90)) {
            const char *name = crs_name(crs);
            return ds_error_set(err, DS_EDATA,
                                "%s: point %zu (%.17g %.17g) is outside longitude [-180, "
                                "180] and latitude [-90, 90]",
                                name, i, x, y);
        }
    }
    double *copy = n <= SIZE_MAX / (2 * sizeof(double)) ? malloc(2 * n * sizeof(double)) : NULL;
    if (copy == NULL) {
        const char *name = crs_name(crs);
        return ds_error_set(err, DS_ENOMEM, "%s: %zu points: out of memory", name, n);
    }
    memcpy(copy, xy, 2 * n * sizeof(double));

    crs->log[0] = '\0';
    proj_errno_reset(operation);
    size_t stride = 2 * sizeof(double);
    proj_trans_generic(operation, PJ_FWD, copy, stride, n, copy + 1, stride, n, NULL, 0, 0,
                       NULL, 0, 0);
    int code = proj_errno(operation);
    for (size_t i = 0; i < n; i++) {
        if (isfinite(copy[2 * i]) && isfinite(copy[2 * i + 1]))
            continue;
        const char *name = crs_name(crs); /* before the reason: it may search PROJ's database */
        const char *reason = code != 0 ? proj_context_errno_string(crs->ctx, code) : NULL;
        ds_status status = ds_error_set(
            err, DS_EDATA, "%s: point %zu (%.17g %.17g) cannot be transformed to %s: %s",
            name, i, xy[2 * i], xy[2 * i + 1], target,
            reason != NULL ? reason : last_log(crs, "PROJ gave no reason"));
        proj_errno_reset(operation);
        free(copy);
        return status;
    }
    memcpy(xy, copy, 2 * n * sizeof(double));
    free(copy);
    return DS_OK;
}

ds_status ds_crs_to_equal_area(ds_crs *crs, double *xy, size_t n, ds_error *err)
{
    if (crs->to_equal_area == NULL)
        return ds_error_set(err, DS_EUSAGE,
                            "%s: no equal-area CRS chosen (call ds_crs_equal_area_for first)",
                            crs_name(crs));
    return transform(crs, crs->to_equal_area, crs->equal_area, xy, n, err);
}

ds_status ds_crs_to_lonlat(ds_crs *crs, double *xy, size_t n, ds_error *err)
{
    return transform(crs, crs->to_lonlat, "WGS84 longitude/latitude", xy, n, err);
}

ds_status ds_crs_bounds_from_lonlat(ds_crs *crs, const double lonlat[4], double out[4],
                                    ds_error *err)
{
    crs->log[0] = '\0';
    proj_errno_reset(crs->to_lonlat);
    if (!proj_trans_bounds(crs->ctx, crs->to_lonlat, PJ_INV, lonlat[0], lonlat[1], lonlat[2],
                           lonlat[3], &out[0], &out[1], &out[2], &out[3], 21) ||
        !isfinite(out[0]) || !isfinite(out[1]) || !isfinite(out[2]) || !isfinite(out[3])) {
        int code = proj_errno(crs->to_lonlat);
        const char *name = crs_name(crs);
        const char *reason = code != 0 ? proj_context_errno_string(crs->ctx, code) : NULL;
        proj_errno_reset(crs->to_lonlat);
        return ds_error_set(err, DS_EDATA,
                            "%s: longitude/latitude bounds (%.17g %.17g, %.17g %.17g) cannot be "
                            "converted: %s",
                            name, lonlat[0], lonlat[1], lonlat[2], lonlat[3],
                            reason != NULL ? reason : last_log(crs, "PROJ gave no reason"));
    }
    return DS_OK;
}

double ds_geodesic_ring_area_m2(const double *lonlat, size_t n)
{
    /* A closing point equal to the first adds nothing: drop it. */
    if (n >= 2 && lonlat[0] == lonlat[2 * n - 2] && lonlat[1] == lonlat[2 * n - 1])
        n--;
    if (n < 3)
        return 0.0;
    struct geod_geodesic geod;
    struct geod_polygon polygon;
    geod_init(&geod, GRS80_A, GRS80_F);
    geod_polygon_init(&polygon, 0);
    for (size_t i = 0; i < n; i++) {
        double lon = lonlat[2 * i], lat = lonlat[2 * i + 1];
        if (!isfinite(lon) || !isfinite(lat) || lon < -540 || lon > 540 || lat < -90 ||
            lat > 90)
            return NAN;
        geod_polygon_addpoint(&geod, &polygon, lat, lon);
    }
    double area = 0.0;
    /* reverse = 0, sign = 1: signed area (counter-clockwise positive) rather than the
     * area of the rest of the earth for a clockwise ring. */
    geod_polygon_compute(&geod, &polygon, 0, 1, &area, NULL);
    return fabs(area);
}

double ds_ring_area(const double *xy, size_t n)
{
    if (n < 3)
        return 0.0;
    double x0 = xy[0], y0 = xy[1];
    double twice = 0.0;
    for (size_t i = 1; i + 1 < n; i++) {
        double xa = xy[2 * i] - x0, ya = xy[2 * i + 1] - y0;
        double xb = xy[2 * i + 2] - x0, yb = xy[2 * i + 3] - y0;
        twice += xa * yb - xb * ya;
    }
    return twice / 2;
}
