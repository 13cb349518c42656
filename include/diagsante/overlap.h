/* diagsante — areal overlap of two polygon layers (units × zones): which zones each
 * unit lies in, and how much of it.
 *
 * Every feature is projected to an equal-area CRS chosen for where it lies: EPSG:3035
 * for metropolitan France, a fixed local Lambert azimuthal equal-area projection for
 * each overseas département (971 Guadeloupe, 972 Martinique, 973 Guyane, 974 La
 * Réunion, 976 Mayotte), a local one centred on the feature elsewhere; units and zones
 * of the same place share it, so layers in Lambert-93 and in WGS84 mix. Invalid
 * polygons are repaired and reported; empty shapes are reported; nothing is dropped
 * silently. Zones that no unit can reach (their bounds, in their own coordinates, miss
 * the padded bounds of every unit converted to those coordinates) are skipped before
 * any projection: they can have no pair, and they are checked only when in reach (an
 * invalid polygon far from every unit is not reported; empty shapes and the layer's own
 * problems always are). */
#ifndef DIAGSANTE_OVERLAP_H
#define DIAGSANTE_OVERLAP_H

#include <stdbool.h>
#include <stddef.h>

#include "diagsante/error.h"
#include "diagsante/layer.h"

typedef struct ds_overlap_options {
    const char *unit_id; /* attribute naming each unit (required) */
    const char *zone_id; /* attribute naming each zone (required) */
    double min_share;    /* pairs covering less of the unit go to the slivers (0.001) */
    /* When not NULL, one flag per zone feature (shape number): only the zones flagged
     * true take part; the others are neither built nor reported. */
    const bool *zone_keep;
    /* When not NULL, the zones taking part are dissolved into one zone of this id (their
     * union, per place), so that where they overlap the area counts once: the share of
     * a unit in "the signed CLS" rather than in each of them. */
    const char *dissolve_as;
    /* Threads overlaying the zones: 1 (the default) works in the calling thread only,
     * 0 means one per online CPU; at most DS_OVERLAP_MAX_THREADS. The result is the same
     * whatever the number. With dissolve_as, one. */
    unsigned threads;
} ds_overlap_options;

#define DS_OVERLAP_MAX_THREADS 8

void ds_overlap_options_init(ds_overlap_options *options);

typedef struct ds_overlap_row {
    const char *unit_id, *zone_id; /* owned by the result */
    double unit_area_m2, zone_area_m2, inter_area_m2;
    double share_of_unit, share_of_zone;
    double unit_weight;            /* NAN unless ds_overlap_set_weights gave one */
} ds_overlap_row;

typedef struct ds_overlap_result ds_overlap_result;

/* Overlays units and zones. DS_EUSAGE for an unknown id field (naming the fields that
 * exist), DS_EDATA when a CRS or a shape cannot be used (naming layer and shape). */
ds_status ds_overlap_layers(const ds_layer *units, const ds_layer *zones,
                            const ds_overlap_options *options, ds_overlap_result **out,
                            ds_error *err);
void ds_overlap_result_free(ds_overlap_result *result); /* accepts NULL */

/* Pairs at or above min_share of the unit, sorted by unit id then zone id. */
size_t ds_overlap_row_count(const ds_overlap_result *result);
const ds_overlap_row *ds_overlap_row_at(const ds_overlap_result *result, size_t i);
/* Pairs below min_share (boundaries from different sources never match exactly). */
size_t ds_overlap_sliver_count(const ds_overlap_result *result);
const ds_overlap_row *ds_overlap_sliver_at(const ds_overlap_result *result, size_t i);
/* Units with no pair at or above min_share, sorted; their area in *area_m2 (may be NULL). */
size_t ds_overlap_unmatched_count(const ds_overlap_result *result);
const char *ds_overlap_unmatched_at(const ds_overlap_result *result, size_t i, double *area_m2);
/* Problems met ("units shape 12 (QP031001): repaired: Self-intersection[...]"). */
size_t ds_overlap_problem_count(const ds_overlap_result *result);
const char *ds_overlap_problem_at(const ds_overlap_result *result, size_t i);

/* The true area in m² of each feature of layer (areas holds ds_layer_count values),
 * projected as ds_overlap_layers does; NAN for a feature that is empty or cannot be
 * used. DS_EUSAGE for a layer without fields, DS_EINTERNAL, DS_ENOMEM. */
ds_status ds_overlap_feature_areas(const ds_layer *layer, double *areas, ds_error *err);

/* Attaches a weight (a population) to the units named in unit_ids; the written tables
 * then add pop_in_zone = weight x share_of_unit, an areal estimate (it assumes the
 * population spread evenly over the unit), and pop_method = "areal_estimate", or an
 * empty pop_in_zone and "no_weight" for a unit without one. *unused (may be NULL)
 * receives how many weights apply to no pair (a unit in no zone, or no such unit).
 * DS_EDATA when a unit is given two weights. */
ds_status ds_overlap_set_weights(ds_overlap_result *result, size_t n, const char *const *unit_ids,
                                 const double *weights, size_t *unused, ds_error *err);

/* Writes dir/overlap.csv, dir/slivers.csv, dir/units_unmatched.csv and
 * dir/problems.csv, each atomically (output.h). dir must exist. */
ds_status ds_overlap_write(const ds_overlap_result *result, const char *dir, ds_error *err);

#endif
