/* diagsante — coordinate reference systems and true areas (PROJ adapter).
 *
 * A ds_crs is the source CRS of one layer (from the WKT of its .prj, or from an
 * "EPSG:n" given on the command line when the .prj is missing) together with the
 * transforms the engine needs: to WGS84 longitude/latitude, and to an equal-area CRS
 * in which planar areas are true areas. Inputs in Lambert-93 (EPSG:2154) and in WGS84
 * (EPSG:4326) may be mixed in one run: each layer gets its own ds_crs, and both
 * choose EPSG:3035 (ETRS89-extended / LAEA Europe) when their data lie in
 * metropolitan France, so that their areas are comparable. Data outside EPSG:3035's
 * area of use (overseas territories) get a Lambert azimuthal equal-area projection
 * centred on the data, on the GRS80 ellipsoid.
 *
 * Coordinates are always passed in (x, y) = (easting, northing) or (longitude,
 * latitude) order, whatever the axis order of the CRS definition (EPSG:4326 is
 * latitude first and EPSG:3035 northing first by definition: the adapter normalises).
 *
 * A ds_crs holds its own PROJ context: use each ds_crs from one thread at a time. */
#ifndef DIAGSANTE_CRS_H
#define DIAGSANTE_CRS_H

#include <stddef.h>

#include "diagsante/error.h"

typedef struct ds_crs ds_crs;

/* Opens the CRS described by definition: the WKT text of a .prj (ESRI WKT1 or OGC
 * WKT), an authority code ("EPSG:2154"), a PROJ string with +type=crs or PROJJSON.
 * On success *out is a new ds_crs owned by the caller (ds_crs_free). DS_EDATA with
 * PROJ's message when the text is not a CRS (and *out = NULL); DS_ENOMEM. */
ds_status ds_crs_open(const char *definition, ds_crs **out, ds_error *err);

/* Reads the .prj file at path (at most 64 KiB; a UTF-8 BOM and surrounding white
 * space are ignored) and opens its CRS as ds_crs_open does. DS_ENOINPUT when the file
 * cannot be opened (the caller decides whether an --crs EPSG:n replaces it), DS_EIO
 * on a read error, DS_EDATA when it is empty, too long or not a CRS. */
ds_status ds_crs_open_file(const char *path, ds_crs **out, ds_error *err);

/* Frees crs, its transforms and its PROJ context. Accepts NULL. */
void ds_crs_free(ds_crs *crs);

/* A copy of crs (its name, transforms and equal-area choice) in a PROJ context of its
 * own, for use in another thread: cheaper than opening the CRS again (no database
 * search), and it transforms to the same numbers. Nothing may use crs during the call.
 * On success *out is owned by the caller (ds_crs_free). DS_ENOMEM, DS_EINTERNAL. */
ds_status ds_crs_clone(const ds_crs *crs, ds_crs **out, ds_error *err);

/* The CRS's name for messages and reports: the name of the EPSG CRS it was
 * identified as, followed by its code ("RGF93 v1 / Lambert-93 (EPSG:2154)"), or the
 * name from the definition when no EPSG CRS matches with confidence >= 90.
 * Owned by crs, valid until ds_crs_free. The identification (a search of PROJ's
 * database, about 10 ms) is done on the first call that needs it, hence no const. */
const char *ds_crs_name(ds_crs *crs);

/* The EPSG code the CRS was identified as (confidence >= 90), or 0. */
int ds_crs_epsg(ds_crs *crs);

/* 1 when the CRS is geographic (coordinates are longitude, latitude in degrees). */
int ds_crs_is_geographic(const ds_crs *crs);

/* Chooses the equal-area target CRS for data whose bounds are given in source
 * coordinates (xmin, ymin, xmax, ymax): EPSG:3035 when the bounds, converted to
 * longitude/latitude, lie inside EPSG:3035's area of use (from PROJ's database);
 * otherwise "+proj=laea +lat_0=<centre lat> +lon_0=<centre lon> +ellps=GRS80
 * +units=m", centred on the bounds. Replaces any previous choice (a failure keeps
 * it). DS_EDATA when the bounds are not finite, not ordered, out of range for a
 * geographic CRS, cannot be converted, or lie more than 2 degrees outside the source
 * CRS's area of use (a wrong .prj or --crs: PROJ would convert them silently into
 * nonsense); DS_EINTERNAL when PROJ cannot build the transform. Data crossing the
 * antimeridian are centred correctly (PROJ returns xmin > xmax for them). */
ds_status ds_crs_equal_area_for(ds_crs *crs, const double bounds[4], ds_error *err);

/* The equal-area target chosen by ds_crs_equal_area_for: "EPSG:3035" or the laea PROJ
 * string; NULL before any choice. Owned by crs, valid until the next choice. */
const char *ds_crs_equal_area_name(const ds_crs *crs);

/* Imposes the equal-area target (e.g. "EPSG:3035" or a "+proj=laea ... +type=crs"
 * string), so that several layers, or several groups of features, share one projection.
 * DS_EDATA (PROJ's message) when definition is no CRS; the previous choice then stays. */
ds_status ds_crs_set_equal_area(ds_crs *crs, const char *definition, ds_error *err);

/* 1 when the chosen target is EPSG:3035, 0 otherwise (local laea, or no choice). */
int ds_crs_equal_area_is_3035(const ds_crs *crs);

/* Transforms n points in place, interleaved (x0, y0, x1, y1, ...), from the source CRS
 * to the chosen equal-area CRS (easting, northing in metres). Points are transformed
 * vertex by vertex: an edge straight in the source stays straight in the target only
 * approximately, so densify long edges of geographic data first.
 * All or nothing: on failure xy is left unchanged. DS_EDATA naming the first bad
 * point's index and source coordinates when an input is not finite, out of
 * [-180, 180] x [-90, 90] for a geographic source, or a result is not finite (with
 * PROJ's reason); DS_EUSAGE before ds_crs_equal_area_for; DS_ENOMEM. n = 0 is OK. */
ds_status ds_crs_to_equal_area(ds_crs *crs, double *xy, size_t n, ds_error *err);

/* Transforms n points in place, as ds_crs_to_equal_area does, from the source CRS to
 * WGS84 longitude, latitude in degrees (EPSG:4326, normalised axis order). Same
 * failures, except DS_EUSAGE. */
ds_status ds_crs_to_lonlat(ds_crs *crs, double *xy, size_t n, ds_error *err);

/* The bounds in source coordinates (xmin, ymin, xmax, ymax) of the region that the
 * longitude/latitude box lonlat (west, south, east, north, degrees) covers: its edges are
 * sampled (21 points each, proj_trans_bounds) and transformed, so that a curved image is
 * bounded too, up to its bending between samples (pad the result to be sure). For a
 * geographic source crossing the antimeridian, out[0] > out[2]. DS_EDATA with PROJ's
 * reason when the box cannot be transformed. */
ds_status ds_crs_bounds_from_lonlat(ds_crs *crs, const double lonlat[4], double out[4],
                                    ds_error *err);

/* Geodesic area in m² of the polygon whose vertices are the n points (longitude,
 * latitude in degrees, interleaved) joined by geodesics on the GRS80 ellipsoid
 * (Karney's algorithm, geodesic.h of PROJ: the geod_polygonarea computation). The ring
 * may be closed (last point = first) or not. Positive whatever the orientation.
 * 0 when n < 3; NaN when a coordinate is not finite, a latitude is outside
 * [-90, 90] or a longitude outside [-540, 540]. */
double ds_geodesic_ring_area_m2(const double *lonlat, size_t n);

/* Planar area of the ring of n points (interleaved x, y), by the shoelace formula
 * computed relative to the first point: signed, positive when the ring turns
 * counter-clockwise (y up). The ring may be closed or not. 0 when n < 3. */
double ds_ring_area(const double *xy, size_t n);

#endif
