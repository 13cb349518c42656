/* diagsante (private) — the geometry of a portrait's maps, for the HTML report.
 *
 * The members of a portrait (its communes, or the IRIS of a commune: ds_portrait_row
 * members, in the same order for every row) are read from the shapefile the
 * configuration's [geometry] names for their level (communes = FILE.shp with the field
 * commune_id, or iris = FILE.shp with iris_id), and the portrait's QPV from qpv =
 * FILE.shp with qpv_id. Commune codes of older vintages are put on today's commune
 * (ds_referential_map_commune): several shapes of merged communes draw one member.
 * Coordinates are projected (crs.h) to a Lambert azimuthal equal-area centred on the
 * members' bounds (true areas, north up; the QPV in the same one), then scaled into
 * an SVG view box DS_MAP_WIDTH wide (at most as high),
 * y pointing down, and simplified for it: a vertex closer than 0.6 unit to the last one
 * kept is dropped, a ring with fewer than 3 vertices left is dropped. Paths are SVG
 * "d" texts ("M12.3 45.6L...Z"), with one decimal. */
#ifndef DIAGSANTE_PORTRAIT_MAP_H
#define DIAGSANTE_PORTRAIT_MAP_H

#include <stddef.h>

#include "diagsante/error.h"
#include "diagsante/portrait.h"

#define DS_MAP_WIDTH 300.0

typedef struct ds_portrait_map ds_portrait_map;

/* Reads the geometry of p's members and QPV. *out is NULL with DS_OK when there is
 * nothing to map: no member, or no [geometry] file for the members' level. A QPV
 * layer is optional (no outlines without it). Errors (the message names the file):
 * what ds_layer_read_shapefile and crs.h return (DS_ENOINPUT, DS_EDATA...), DS_EUSAGE
 * when the id field is not in the layer, DS_EDATA when no shape matches a member,
 * DS_ENOMEM. */
ds_status ds_portrait_map_open(const ds_portrait *p, ds_portrait_map **out, ds_error *err);
void ds_portrait_map_free(ds_portrait_map *map); /* accepts NULL */

/* The view box: DS_MAP_WIDTH by height. */
double ds_portrait_map_height(const ds_portrait_map *map);

/* The path of member k (the index in ds_portrait_row.members), NULL when it has no
 * shape in the layer. Owned by the map. */
const char *ds_portrait_map_member_path(const ds_portrait_map *map, size_t k);
/* How many members have a path. */
size_t ds_portrait_map_members_drawn(const ds_portrait_map *map);

/* The QPV outlines drawn (QPV of the portrait found in the QPV layer), their code and
 * path. Owned by the map. */
size_t ds_portrait_map_qpv_count(const ds_portrait_map *map);
const char *ds_portrait_map_qpv_code(const ds_portrait_map *map, size_t i);
const char *ds_portrait_map_qpv_path(const ds_portrait_map *map, size_t i);

#endif
