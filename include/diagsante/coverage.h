/* diagsante — how much of the contrats de ville (CV) and of their QPV lies in a CLS
 * territory, by membership (codes) and by geometry (true areas).
 *
 * Inputs: the QPV polygons; the CLS and the CV, each given either as a territory file
 * (referential.h: a CLS or CV is a list of communes, EPCI or QPV) or as polygons; the
 * commune contours (optional, but needed for the geometric method with territory files
 * and for membership with polygons); QPV populations (optional).
 *
 * Definitions (min_share = 0.001 by default; "communes" are current communes of the
 * referential, contours of older vintages mapped through its history):
 *  - QPV communes: the communes covering at least min_share of the QPV's area, from the
 *    commune contours; without contours, the communes named by a QPV attribute.
 *  - A territory's communes: from its file (an EPCI stands for its communes); for
 *    polygons, the communes with at least half their area inside.
 *  - Membership: a QPV is in a territory when one of its communes is (or the file names
 *    the QPV itself).
 *  - Geometry: the share of the QPV's area inside the territory: through the contours of
 *    its communes for a territory file, through its polygon otherwise. For a set of CLS
 *    (all signed ones) the union counts: overlapping CLS count once.
 *  - A QPV's CV by geometry: the CV holding the largest share of it (at least min_share).
 *  - Scopes: "signed" = CLS with status signé; "signed_or_prefiguration" adds the CLS in
 *    préfiguration. CLS achevés are listed, never counted.
 *  - Per CV, scope and method: the QPV in scope (membership: in a CLS of the scope;
 *    geometry: share at least min_share), their population (geometry: population x
 *    share, an areal estimate) and area; class "none" (no QPV in scope), "full" (every
 *    QPV wholly in: membership, or share >= 1 - min_share) or "partial".
 *  - Summary: % of CV with at least one QPV in a CLS, % of CV entirely in CLS (class
 *    full), % of QPV, of QPV population and of QPV area in a CLS; for each scope and
 *    method; over all QPV and per région when there are several. */
#ifndef DIAGSANTE_COVERAGE_H
#define DIAGSANTE_COVERAGE_H

#include <stddef.h>

#include "diagsante/error.h"
#include "diagsante/layer.h"
#include "diagsante/referential.h"

/* Where territories (the CLS, or the CV) come from: a territory file of the
 * referential's format, or a polygon layer. */
typedef struct ds_coverage_territories {
    const char *path;       /* territory CSV (kind cls or cv), or NULL */
    const ds_layer *layer;  /* polygons, or NULL (exactly one of path and layer) */
    const char *id_field;   /* layer: the field naming each territory (required) */
    const char *name_field; /* layer: the field with its name, or NULL */
    const char *status_field; /* layer of CLS: the status field, or NULL = all signé */
} ds_coverage_territories;

typedef struct ds_coverage_input {
    ds_referential *referential; /* COG; the QPV and territories are added to it */
    const ds_layer *qpv;         /* QPV polygons (required) */
    const char *qpv_id;          /* the field with the QPV code (required) */
    const char *qpv_commune_field; /* field naming the QPV's commune(s), or NULL */
    const ds_layer *communes;    /* commune contours, or NULL */
    const char *commune_id;      /* the field with the commune code (with communes) */
    ds_coverage_territories cls, cv;
    size_t n_population;         /* QPV populations: codes and values */
    const char *const *population_qpv;
    const double *population;
    double min_share;            /* 0.001 */
} ds_coverage_input;

/* Sets every field to its default (NULL, 0; min_share 0.001). */
void ds_coverage_input_init(ds_coverage_input *input);

typedef struct ds_coverage ds_coverage;

/* Computes the coverage. DS_EUSAGE for a missing input, an unknown field (naming the
 * fields that exist), a territory file without CLS (or CV); DS_EDATA for a QPV code
 * that is not one or is repeated (naming the shape), a territory file error, a CLS
 * without a known status; DS_EINTERNAL, DS_ENOMEM. Shapes repaired or left out and
 * commune codes that cannot be mapped are not errors: they are listed (problems). */
ds_status ds_coverage_compute(const ds_coverage_input *input, ds_coverage **out, ds_error *err);
void ds_coverage_free(ds_coverage *coverage); /* accepts NULL */

/* Writes cv.csv, cls.csv, qpv.csv, summary.csv, discrepancies.csv and problems.csv in
 * dir (which must exist), each atomically. */
ds_status ds_coverage_write(const ds_coverage *coverage, const char *dir, ds_error *err);

/* The readable summary (several lines, UTF-8), owned by the coverage. */
const char *ds_coverage_summary_text(const ds_coverage *coverage);

/* One figure of the summary over all QPV: scope "signed" or "signed_or_prefiguration",
 * method "membership" or "geometry", measure "cv_with_qpv_in_cls",
 * "cv_entirely_in_cls", "qpv_in_cls", "qpv_population_in_cls" or "qpv_area_in_cls".
 * DS_EUSAGE for an unknown name; DS_ENOINPUT when the method could not be computed
 * (geometry of territory files without commune contours). */
ds_status ds_coverage_measure(const ds_coverage *coverage, const char *scope, const char *method,
                              const char *measure, double *numerator, double *denominator,
                              ds_error *err);

size_t ds_coverage_problem_count(const ds_coverage *coverage);
const char *ds_coverage_problem_at(const ds_coverage *coverage, size_t i);
size_t ds_coverage_discrepancy_count(const ds_coverage *coverage);

#endif
