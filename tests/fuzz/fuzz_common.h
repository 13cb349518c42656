/* diagsante — what the fuzz targets share: a private scratch folder for the files the
 * path-based readers need (in /dev/shm when it exists, so that a million writes cost no
 * disk), removed at exit. The targets are built with libFuzzer (make fuzz) and, for the
 * regression corpora, with tests/fuzz/replay.c (make test). */
#ifndef DIAGSANTE_FUZZ_COMMON_H
#define DIAGSANTE_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_dir[256];

static inline void fuzz_cleanup(void)
{
    char cmd[300];
    if (fuzz_dir[0] != '\0') {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "fuzz: could not remove %s\n", fuzz_dir);
    }
}

/* The scratch folder, created on first use. Aborts when it cannot (a harness bug). */
static inline const char *fuzz_scratch(void)
{
    if (fuzz_dir[0] == '\0') {
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(fuzz_dir, sizeof fuzz_dir, "%s/diagsante-fuzz.XXXXXX", base);
        if (mkdtemp(fuzz_dir) == NULL) {
            perror(fuzz_dir);
            abort();
        }
        atexit(fuzz_cleanup);
    }
    return fuzz_dir;
}

/* Writes n bytes to dir/name (replacing it); the path goes to path (size 512). */
static inline void fuzz_write(const char *name, const void *data, size_t n, char path[512])
{
    snprintf(path, 512, "%s/%s", fuzz_scratch(), name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (n > 0 && fwrite(data, 1, n, f) != n) || fclose(f) != 0) {
        perror(path);
        abort();
    }
}

/* Removes dir/name when it exists. */
static inline void fuzz_remove(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", fuzz_scratch(), name);
    unlink(path);
}

/* The check a target makes on an invariant: a crash libFuzzer records as a finding. */
#define FUZZ_ASSERT(cond)                                                               \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

#endif
