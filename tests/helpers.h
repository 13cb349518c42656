/* diagsante — helpers shared by the cmocka tests. Include after <cmocka.h>. */
#ifndef DIAGSANTE_TEST_HELPERS_H
#define DIAGSANTE_TEST_HELPERS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* cmocka 1.1.5 has no double assertion (assert_float_equal casts to float):
 * |a - b| <= rel * max(|a|, |b|), or both NaN. */
#define assert_close(a, b, rel)                                                        \
    do {                                                                               \
        double a_ = (a), b_ = (b), r_ = (rel);                                         \
        double m_ = fabs(a_) > fabs(b_) ? fabs(a_) : fabs(b_);                         \
        if (!((isnan(a_) && isnan(b_)) || fabs(a_ - b_) <= r_ * m_))                   \
            fail_msg("%s = %.17g, expected %s = %.17g (relative tolerance %g)", #a, a_, \
                     #b, b_, r_);                                                      \
    } while (0)

/* The .prj text of Lambert-93 (EPSG:2154) as ESRI tools write it, for test shapefiles. */
#define LAMBERT93_WKT                                                                       \
    "PROJCS[\"RGF_1993_Lambert_93\",GEOGCS[\"GCS_RGF_1993\",DATUM[\"D_RGF_1993\","          \
    "SPHEROID[\"GRS_1980\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0],"            \
    "UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Lambert_Conformal_Conic\"],"         \
    "PARAMETER[\"False_Easting\",700000.0],PARAMETER[\"False_Northing\",6600000.0],"        \
    "PARAMETER[\"Central_Meridian\",3.0],PARAMETER[\"Standard_Parallel_1\",49.0],"          \
    "PARAMETER[\"Standard_Parallel_2\",44.0],PARAMETER[\"Latitude_Of_Origin\",46.5],"       \
    "UNIT[\"Meter\",1.0]]"

/* Path of a file of the shared real data (../shared/data), or skip the test when the
 * folder is not there (a clone without the shared data). */
#define SHARED_DATA "../shared/data/"
#define require_shared(path)                                                          \
    do {                                                                               \
        if (access(SHARED_DATA path, R_OK) != 0) {                                     \
            fprintf(stderr, "skipped: " SHARED_DATA path " not readable\n");           \
            skip();                                                                    \
        }                                                                              \
    } while (0)

/* A temporary folder for the files a test group writes: test_dir_create and
 * test_dir_remove are the group's setup and teardown (cmocka_run_group_tests_name). */
static char test_dir[64];

static inline int test_dir_create(void **state)
{
    (void)state;
    strcpy(test_dir, "/tmp/diagsante_test_XXXXXX");
    return mkdtemp(test_dir) == NULL ? -1 : 0;
}

static inline int test_dir_remove(void **state)
{
    (void)state;
    char command[128];
    snprintf(command, sizeof command, "rm -rf '%s'", test_dir);
    return system(command);
}

#endif
