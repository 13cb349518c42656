/* diagsante — fuzz target: the territory code normaliser (codes.h), with the cell
 * helpers of the CSV loader (ds_cell_marker, ds_parse_number).
 *
 * Input: a text (cut at the first NUL). Invariants: a code that normalises as a kind
 * is among ds_code_candidates, normalising it again gives itself, it fits DS_CODE_MAX;
 * a kind it does not normalise as leaves out "" and a message. */
#include <math.h>

#include "diagsante/codes.h"
#include "diagsante/csv_table.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[256];
    size_t n = size < sizeof text - 1 ? size : sizeof text - 1;
    memcpy(text, data, n);
    text[n] = '\0';
    size_t len = strlen(text);

    unsigned candidates = ds_code_candidates(text);
    ds_code_votes votes;
    ds_code_votes_init(&votes);
    ds_code_votes_add(&votes, text);
    for (int k = DS_CODE_COMMUNE; k < DS_CODE_KIND_COUNT; k++) {
        char out[DS_CODE_MAX], again[DS_CODE_MAX], dep[DS_CODE_MAX], parent[DS_CODE_MAX];
        ds_error err;
        ds_status st = ds_code_normalize((ds_code_kind)k, text, out, &err);
        FUZZ_ASSERT(st == DS_OK || st == DS_EDATA);
        if (st != DS_OK) {
            FUZZ_ASSERT(out[0] == '\0' && err.message[0] != '\0');
            FUZZ_ASSERT(!(candidates & DS_CODE_BIT(k)));
            continue;
        }
        FUZZ_ASSERT(candidates & DS_CODE_BIT(k));
        FUZZ_ASSERT(strlen(out) > 0 && strlen(out) < DS_CODE_MAX);
        FUZZ_ASSERT(ds_code_normalize((ds_code_kind)k, out, again, &err) == DS_OK);
        FUZZ_ASSERT(strcmp(out, again) == 0);
        FUZZ_ASSERT(ds_code_candidates(out) & DS_CODE_BIT(k));
        (void)ds_code_departement_of((ds_code_kind)k, out, dep, NULL);
        if (k == DS_CODE_COMMUNE && ds_code_is_arrondissement(out, parent))
            FUZZ_ASSERT(strlen(parent) == 5);
        ds_code_votes_add(&votes, out);
    }
    (void)ds_code_luhn_valid(text);
    (void)ds_code_kind_name(ds_code_kind_from_name(text));
    static const char *const headers[] = {"code", "CODGEO", "dep", "reg", "iris", "siren", "x"};
    for (size_t h = 0; h < sizeof headers / sizeof *headers; h++) {
        ds_code_kind kind = ds_code_votes_decide(&votes, headers[h]);
        FUZZ_ASSERT(kind >= DS_CODE_NONE && kind < DS_CODE_KIND_COUNT);
    }
    (void)ds_code_votes_decide(&votes, text);

    (void)ds_cell_marker(text, len);
    double value;
    char mark = 0;
    if (ds_parse_number(text, len, &value, &mark))
        FUZZ_ASSERT(isfinite(value) && (mark == 0 || mark == ',' || mark == '.'));
    return 0;
}
