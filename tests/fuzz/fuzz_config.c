/* diagsante — fuzz target: the diagnostic.ini reader (ds_config_load, inih
 * underneath). Input: the file. Every string the configuration holds is read back. */
#include "diagsante/config.h"
#include "fuzz_common.h"

static void touch(const char *s)
{
    if (s != NULL)
        FUZZ_ASSERT(strlen(s) < (size_t)1 << 30);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[512];
    fuzz_write("diagnostic.ini", data, size, path);
    ds_config *c = NULL;
    ds_error err;
    ds_status st = ds_config_load(path, &c, &err);
    FUZZ_ASSERT((st == DS_OK) == (c != NULL));
    if (st != DS_OK) {
        FUZZ_ASSERT(err.message[0] != '\0');
        return 0;
    }
    touch(c->territory);
    touch(c->territory_name);
    touch(c->definitions);
    touch(c->referential_dir);
    touch(c->qpv_communes);
    touch(c->dictionary);
    touch(c->population_indicator);
    touch(c->title);
    for (size_t i = 0; i < c->n_select; i++)
        touch(c->select[i]);
    for (size_t i = 0; i < c->n_data; i++) {
        FUZZ_ASSERT(c->data[i].level < DS_DATA_LEVEL_COUNT);
        touch(c->data[i].path);
    }
    for (size_t i = 0; i < c->n_overrides; i++) {
        touch(c->overrides[i].indicator);
        touch(c->overrides[i].column);
    }
    FUZZ_ASSERT(c->confidence > 0 && c->confidence < 1);
    ds_config_free(c);
    return 0;
}
