/* diagsante — fuzz target: the shapefile reader (ds_layer_read_shapefile, shapelib
 * underneath).
 *
 * Input: one option byte, then the .shp, .shx, .dbf, .prj and .cpg contents separated
 * by the line "\n--diagsante-part--\n" (tests/fuzz/shp_pack.py packs a shapefile this
 * way). A part that is absent (fewer separators) is a missing file. Option byte: bit 0
 * passes a CRS (the .prj is then not needed), bits 1-2 an encoding override (none,
 * UTF-8, CP1252, an unknown name), bit 3 an id field. Every feature, ring and
 * attribute is then read back; rings must be closed, coordinates finite. */
#define _GNU_SOURCE /* memmem */
#include <math.h>

#include "diagsante/layer.h"
#include "fuzz_common.h"

#define SEPARATOR "\n--diagsante-part--\n"

static void walk(const ds_layer *layer)
{
    for (size_t f = 0; f < ds_layer_field_count(layer); f++) {
        const char *name = ds_layer_field_name(layer, f);
        FUZZ_ASSERT(name != NULL);
    }
    double bounds[4];
    ds_layer_bounds(layer, bounds);
    for (size_t i = 0; i < ds_layer_count(layer); i++) {
        for (size_t f = 0; f < ds_layer_field_count(layer); f++)
            FUZZ_ASSERT(ds_layer_attribute(layer, i, f) != NULL);
        (void)ds_layer_feature_valid(layer, i);
        size_t np = ds_layer_polygon_count(layer, i);
        FUZZ_ASSERT(ds_layer_feature_empty(layer, i) == (np == 0));
        for (size_t p = 0; p < np; p++) {
            size_t nr = ds_layer_ring_count(layer, i, p);
            FUZZ_ASSERT(nr >= 1);
            for (size_t r = 0; r < nr; r++) {
                size_t n;
                const double *xy = ds_layer_ring(layer, i, p, r, &n);
                FUZZ_ASSERT(n >= 4);
                FUZZ_ASSERT(xy[0] == xy[2 * n - 2] && xy[1] == xy[2 * n - 1]);
                for (size_t k = 0; k < 2 * n; k++) {
                    FUZZ_ASSERT(isfinite(xy[k]));
                    FUZZ_ASSERT(xy[k] >= bounds[k & 1] && xy[k] <= bounds[2 + (k & 1)]);
                }
            }
        }
    }
    for (size_t k = 0; k < ds_layer_problem_count(layer); k++) {
        const ds_layer_problem *problem = ds_layer_problem_at(layer, k);
        FUZZ_ASSERT(problem->shape < ds_layer_count(layer));
        FUZZ_ASSERT(problem->identifier != NULL && problem->reason != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const parts[] = {"layer.shp", "layer.shx", "layer.dbf", "layer.prj",
                                        "layer.cpg"};
    static const char *const encodings[] = {NULL, "UTF-8", "CP1252", "NO-SUCH-CODEPAGE"};
    uint8_t flags = data[0];
    const uint8_t *p = data + 1, *end = data + size;
    char path[512], shp[512];
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        if (p == NULL) {
            fuzz_remove(parts[i]);
            continue;
        }
        const uint8_t *sep = memmem(p, (size_t)(end - p), SEPARATOR, sizeof SEPARATOR - 1);
        const uint8_t *stop = sep ? sep : end;
        fuzz_write(parts[i], p, (size_t)(stop - p), path);
        if (i == 0)
            memcpy(shp, path, sizeof shp);
        p = sep ? sep + sizeof SEPARATOR - 1 : NULL;
    }
    ds_layer_options options;
    ds_layer_options_init(&options);
    if (flags & 1)
        options.crs = "EPSG:2154";
    options.encoding = encodings[(flags >> 1) & 3];
    if (flags & 8)
        options.id_field = "code";
    ds_layer *layer = NULL;
    ds_error err;
    ds_status st = ds_layer_read_shapefile(shp, &options, &layer, &err);
    FUZZ_ASSERT((st == DS_OK) == (layer != NULL));
    if (st == DS_OK)
        walk(layer);
    else
        FUZZ_ASSERT(err.message[0] != '\0');
    ds_layer_free(layer);
    return 0;
}
