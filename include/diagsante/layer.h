/* diagsante — polygon layers read from shapefiles (the shapelib adapter).
 *
 * A layer holds the features of one polygon shapefile (QPV perimeters, contrats de
 * ville, communes, EPCI): for each record of the .shp/.dbf pair, its attributes as
 * UTF-8 text and its (multi)polygon geometry in the SOURCE coordinates (reprojection is
 * crs.h's job). The CRS is kept as the text of the .prj (ESRI WKT), or the caller's
 * override, for the crs module to hand to PROJ.
 *
 * Geometry: the shapefile format says outer rings are clockwise and holes
 * counter-clockwise (y up), but many files break that rule, so roles are decided by
 * containment: a ring lying inside another ring of the same shape is a hole of the
 * smallest such ring when that ring is an outer ring, otherwise it is an outer ring
 * (an island in a lake). A feature is a list of polygons, each an outer ring followed by
 * its holes; rings are interleaved x,y arrays, always closed (first point == last point),
 * in the orientation the file gave them. Polygons come in the order of their outer ring
 * in the record, holes in record order.
 *
 * Problems of single shapes do not fail the read: they are listed (ds_layer_problem)
 * with the shape number, and the shape is marked empty and/or invalid. A shape is
 * EMPTY when it has no usable ring (SHPT_NULL record, no parts, not a polygon record,
 * every ring rejected); it is INVALID when something was rejected (a ring with NaN or
 * infinite coordinates, a ring with fewer than 4 points, a ring of zero area, a record
 * that is not a polygon). An unclosed ring is closed by repeating its first point and
 * reported, but the shape stays valid. Problems of the file as a whole (missing
 * .shx/.dbf/.prj, a .dbf whose header does not match its size, record counts that
 * differ, an unreadable record, a non-polygon layer) fail the read.
 *
 * Shape numbers are 0-based record indexes (shapelib's iShape, ogrinfo's FID). */
#ifndef DIAGSANTE_LAYER_H
#define DIAGSANTE_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"

typedef struct ds_layer ds_layer;

typedef struct ds_layer_options {
    /* The CRS to use instead of the .prj ("EPSG:2154", WKT, PROJJSON); required when
     * the .prj is missing; NULL = read the .prj. Copied. */
    const char *crs;
    /* The encoding of the .dbf text (an iconv(3) name: "UTF-8", "CP1252",
     * "ISO-8859-1"), overriding the .cpg and the language byte; NULL = detect. */
    const char *encoding;
    /* The field whose value names a shape in problem reports (case-insensitive);
     * NULL = the first field. An unknown name is DS_EUSAGE. */
    const char *id_field;
} ds_layer_options;

/* Sets every option to its default (NULL). */
void ds_layer_options_init(ds_layer_options *options);

/* Reads a polygon shapefile. path is the .shp file (".shp" or ".SHP") or its name
 * without extension; the .shx, .dbf, .prj and .cpg next to it are found in lower or
 * upper case. options may be NULL (all defaults).
 *
 * Encoding of the attributes: options->encoding, else the .cpg ("UTF-8", "1252",
 * "ISO-8859-1", ...), else the dBASE language byte (87 = Windows-1252), else
 * Windows-1252, the usual encoding of French legacy data. Every attribute is read as
 * text, so codes such as 01001 keep their zeros; numeric fields keep the text of the
 * file, trimmed.
 *
 * On success *out receives a layer the caller frees with ds_layer_free. On failure *out
 * is NULL and err names the file (and the shape or record): DS_ENOINPUT for a missing
 * .shp/.shx/.dbf, DS_EDATA for a missing .prj without options->crs, an unknown
 * encoding, text that is not valid in its encoding, a non-polygon layer, a .dbf header
 * that claims more bytes than the file holds, .shx and .dbf record counts that differ,
 * an unreadable record; DS_EUSAGE for a bad option (empty CRS, encoding iconv does not
 * know, unknown id field); DS_EIO; DS_ENOMEM.
 *
 * shapelib's error messages are captured into err through its error hook; the hook has
 * no user pointer, so the message goes through a thread-local buffer: concurrent reads
 * in different threads are safe. */
ds_status ds_layer_read_shapefile(const char *path, const ds_layer_options *options,
                                  ds_layer **out, ds_error *err);

/* Frees the layer and everything it handed out. Accepts NULL. */
void ds_layer_free(ds_layer *layer);

/* Number of features (= records of the .shp, including empty ones). */
size_t ds_layer_count(const ds_layer *layer);

/* The CRS text: the .prj content (trailing blanks removed) or the override. Owned by
 * the layer. */
const char *ds_layer_crs(const ds_layer *layer);

/* Where the CRS text came from, for messages: the .prj path, or "the CRS option".
 * Owned by the layer. */
const char *ds_layer_crs_source(const ds_layer *layer);

/* The path of the .shp the layer was read from. Owned by the layer. */
const char *ds_layer_path(const ds_layer *layer);

/* The iconv name of the encoding the attributes were decoded from ("UTF-8",
 * "CP1252", ...). Owned by the layer. */
const char *ds_layer_encoding(const ds_layer *layer);

/* Attribute fields, in .dbf order. Names are UTF-8 and owned by the layer. */
size_t ds_layer_field_count(const ds_layer *layer);
const char *ds_layer_field_name(const ds_layer *layer, size_t field);
/* Index of the field named name (case-insensitive, ASCII), or -1 when absent. */
long ds_layer_field_index(const ds_layer *layer, const char *name);

/* The value of a field of a feature, UTF-8, trimmed; "" for an empty or NULL value.
 * Owned by the layer, valid until ds_layer_free. */
const char *ds_layer_attribute(const ds_layer *layer, size_t feature, size_t field);

/* Geometry of a feature: polygons, each of rings (ring 0 = the outer ring, then the
 * holes). ds_layer_ring returns n_points interleaved points (x = xy[2*i],
 * y = xy[2*i+1]), closed (xy of the last point == xy of the first), owned by the layer.
 * Indexes must be in range (asserted). */
size_t ds_layer_polygon_count(const ds_layer *layer, size_t feature);
size_t ds_layer_ring_count(const ds_layer *layer, size_t feature, size_t polygon);
const double *ds_layer_ring(const ds_layer *layer, size_t feature, size_t polygon,
                            size_t ring, size_t *n_points);

/* True when the feature has no polygon (see the top of this file). */
bool ds_layer_feature_empty(const ds_layer *layer, size_t feature);
/* False when something of the shape was rejected (a problem was listed for it and its
 * geometry is partial). An empty but well-formed shape (SHPT_NULL) is valid. */
bool ds_layer_feature_valid(const ds_layer *layer, size_t feature);

/* Bounds of the coordinates kept, xmin, ymin, xmax, ymax; all NaN when the layer has
 * no polygon. */
void ds_layer_bounds(const ds_layer *layer, double bounds[4]);

/* One problem of one shape. The strings are owned by the layer. */
typedef struct ds_layer_problem {
    size_t shape;           /* 0-based record index */
    const char *identifier; /* value of the id field for that record, "" if none */
    const char *reason;     /* English sentence, e.g. "ring 1 is not closed (closed)" */
} ds_layer_problem;

/* Problems in shape order (several per shape are possible). */
size_t ds_layer_problem_count(const ds_layer *layer);
const ds_layer_problem *ds_layer_problem_at(const ds_layer *layer, size_t index);

#endif
