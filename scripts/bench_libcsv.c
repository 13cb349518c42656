/* The floor set by libcsv on this machine, for `make bench`: parses FILE with libcsv
 * (';' separator) and counts fields and records, nothing else (no typing, no storage).
 * Usage: bench_libcsv FILE */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>

static size_t fields, records;

static void on_field(void *data, size_t len, void *user)
{
    (void)data, (void)len, (void)user;
    fields++;
}

static void on_record(int terminator, void *user)
{
    (void)terminator, (void)user;
    records++;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench_libcsv FILE\n");
        return 64;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 66;
    }
    struct csv_parser parser;
    if (csv_init(&parser, 0) != 0)
        return 71;
    csv_set_delim(&parser, ';');
    static char buffer[1 << 20];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, f)) > 0)
        if (csv_parse(&parser, buffer, n, on_field, on_record, NULL) != n) {
            fprintf(stderr, "%s: %s\n", argv[1], csv_strerror(csv_error(&parser)));
            return 65;
        }
    csv_fini(&parser, on_field, on_record, NULL);
    csv_free(&parser);
    fclose(f);
    printf("%zu fields, %zu records\n", fields, records);
    return 0;
}
