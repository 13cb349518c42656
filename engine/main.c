/* diagsante — the command-line tool. Parses arguments, calls the library, prints.
 * Exit codes follow sysexits(3): 64 usage, 65 data error, 66 missing input, 74 I/O. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diagsante/csv_table.h"
#include "diagsante/error.h"

#ifndef DS_VERSION
#define DS_VERSION "dev"
#endif

#define EXIT_USAGE 64

static const char USAGE[] =
    "Usage: diagsante COMMAND [OPTIONS] ...\n"
    "\n"
    "Territorial health diagnostics: indicator tables, territories, statistics.\n"
    "\n"
    "Commands:\n"
    "  check FILE...    load CSV indicator tables and print what was read: separator,\n"
    "                   encoding, header, columns with their type and code kind,\n"
    "                   missing and secret cells, rejected rows with their reasons\n"
    "\n"
    "Options:\n"
    "  -h, --help       this help (also: diagsante COMMAND --help)\n"
    "  -V, --version    the version\n"
    "\n"
    "Exit status: 0 ok, 64 usage, 65 data error, 66 missing input, 74 I/O error.\n";

static const char CHECK_USAGE[] =
    "Usage: diagsante check [OPTIONS] FILE...\n"
    "\n"
    "Loads each CSV file and prints its load report.\n"
    "\n"
    "  --separator=SEP      ';', ',' or 'tab' (default: detected)\n"
    "  --encoding=ENC       utf-8, windows-1252 or latin1 (default: detected)\n"
    "  --skip=N             N lines above the header (default: detected)\n"
    "  --on-error=POLICY    stop (default: the first bad row fails the load, exit 65)\n"
    "                       or skip (bad rows are skipped, counted and listed)\n"
    "  --layout=LAYOUT      wide or long (default: detected from the column names)\n"
    "  --max-listed=N       rejected rows listed per file (default 20; all are counted)\n"
    "  -h, --help           this help\n";

static const char *type_name(ds_column_type type)
{
    switch (type) {
    case DS_COLUMN_NUMBER: return "number";
    case DS_COLUMN_CODE: return "code";
    case DS_COLUMN_TEXT: return "text";
    }
    return "?";
}

static const char *separator_name(char separator)
{
    switch (separator) {
    case ';': return "';'";
    case ',': return "','";
    case '\t': return "tab";
    }
    return "?";
}

/* Prints text left-aligned in a field of `width` characters (UTF-8 code points, not
 * bytes, so that accented names line up). */
static void print_padded(const char *text, int width)
{
    int chars = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
        chars += (*p & 0xC0) != 0x80;
    fputs(text, stdout);
    for (; chars < width; chars++)
        putchar(' ');
}

static void print_report(const ds_table *table, size_t max_listed)
{
    const ds_load_report *r = ds_table_report(table);
    printf("%s\n", r->path);
    printf("  separator     %s%s\n", separator_name(r->separator),
           r->separator_detected ? " (detected)" : "");
    printf("  encoding      %s%s\n", r->encoding, r->encoding_detected ? " (detected)" : "");
    printf("  decimal mark  %s%s\n",
           r->decimal_mark == ',' ? "','" : r->decimal_mark == '.' ? "'.'" : "none",
           r->mixed_decimal_marks ? " (both marks seen)" : "");
    printf("  header        line %zu (%zu title line%s above)\n", r->header_line, r->title_lines,
           r->title_lines == 1 ? "" : "s");
    printf("  layout        %s", r->layout == DS_LAYOUT_LONG ? "long" : "wide");
    if (r->territory_column >= 0)
        printf(", territory column %s", ds_table_column_name(table, (size_t)r->territory_column));
    if (r->layout == DS_LAYOUT_LONG && r->indicator_column >= 0)
        printf(", indicator column %s", ds_table_column_name(table, (size_t)r->indicator_column));
    printf("\n");
    printf("  rows          %zu loaded, %zu rejected, %zu blank ignored (%zu lines read)\n",
           r->rows_loaded, r->rows_rejected, r->blank_records, r->lines);
    printf("  columns       %zu", ds_table_columns(table));
    if (r->empty_unnamed_columns_dropped > 0)
        printf(" (%zu empty unnamed columns dropped)", r->empty_unnamed_columns_dropped);
    printf("\n");
    printf("    %-4s %-28s %-8s %-12s %9s %9s %9s %9s\n", "#", "name", "type", "code kind",
           "values", "missing", "secret", "n/a");
    for (size_t c = 0; c < ds_table_columns(table); c++) {
        ds_column_counts counts;
        ds_table_column_counts(table, c, &counts);
        ds_column_type type = ds_table_column_type(table, c);
        printf("    %-4zu ", c + 1);
        print_padded(ds_table_column_name(table, c), 28);
        printf(" %-8s %-12s %9zu %9zu %9zu %9zu", type_name(type),
               type == DS_COLUMN_CODE ? ds_code_kind_name(ds_table_column_code_kind(table, c))
                                      : "-",
               counts.by_status[DS_CELL_VALUE], counts.by_status[DS_CELL_MISSING],
               counts.by_status[DS_CELL_SECRET], counts.by_status[DS_CELL_NOT_APPLICABLE]);
        if (type == DS_COLUMN_CODE && counts.invalid_codes > 0)
            printf("  (%zu not codes)", counts.invalid_codes);
        printf("\n");
    }
    if (r->n_rejected > 0) {
        printf("  rejected rows\n");
        for (size_t i = 0; i < r->n_rejected && i < max_listed; i++) {
            const ds_rejected_row *row = &r->rejected[i];
            if (row->column > 0)
                printf("    line %zu, field %zu: %s\n", row->line, row->column, row->reason);
            else
                printf("    line %zu: %s\n", row->line, row->reason);
        }
        if (r->n_rejected > max_listed)
            printf("    ... and %zu more\n", r->n_rejected - max_listed);
    }
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "diagsante: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'diagsante --help'.\n");
    return EXIT_USAGE;
}

static int command_check(int argc, char **argv)
{
    enum { OPT_SEPARATOR = 256, OPT_ENCODING, OPT_SKIP, OPT_ON_ERROR, OPT_LAYOUT, OPT_MAX_LISTED };
    static const struct option options[] = {
        {"separator", required_argument, NULL, OPT_SEPARATOR},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"skip", required_argument, NULL, OPT_SKIP},
        {"on-error", required_argument, NULL, OPT_ON_ERROR},
        {"layout", required_argument, NULL, OPT_LAYOUT},
        {"max-listed", required_argument, NULL, OPT_MAX_LISTED},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    ds_csv_options csv;
    ds_csv_options_init(&csv);
    size_t max_listed = 20;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_SEPARATOR:
            if (strcmp(optarg, ";") == 0 || strcmp(optarg, ",") == 0)
                csv.separator = optarg[0];
            else if (strcmp(optarg, "tab") == 0 || strcmp(optarg, "\t") == 0)
                csv.separator = '\t';
            else
                return usage_error("--separator must be ';', ',' or tab, not '%s'", optarg);
            break;
        case OPT_ENCODING:
            if (strcasecmp(optarg, "utf-8") == 0 || strcasecmp(optarg, "utf8") == 0)
                csv.encoding = DS_ENCODING_UTF8;
            else if (strcasecmp(optarg, "windows-1252") == 0 || strcasecmp(optarg, "cp1252") == 0)
                csv.encoding = DS_ENCODING_WINDOWS_1252;
            else if (strcasecmp(optarg, "latin1") == 0 || strcasecmp(optarg, "iso-8859-1") == 0)
                csv.encoding = DS_ENCODING_LATIN1;
            else
                return usage_error("unknown --encoding '%s' (utf-8, windows-1252, latin1)", optarg);
            break;
        case OPT_SKIP: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 0)
                return usage_error("--skip takes a number of lines, not '%s'", optarg);
            csv.skip_lines = n;
            break;
        }
        case OPT_ON_ERROR:
            if (strcmp(optarg, "stop") == 0)
                csv.on_error = DS_ON_ERROR_STOP;
            else if (strcmp(optarg, "skip") == 0)
                csv.on_error = DS_ON_ERROR_SKIP;
            else
                return usage_error("--on-error is stop or skip, not '%s'", optarg);
            break;
        case OPT_LAYOUT:
            if (strcmp(optarg, "wide") == 0)
                csv.layout = DS_LAYOUT_WIDE;
            else if (strcmp(optarg, "long") == 0)
                csv.layout = DS_LAYOUT_LONG;
            else
                return usage_error("--layout is wide or long, not '%s'", optarg);
            break;
        case OPT_MAX_LISTED: {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || n < 0)
                return usage_error("--max-listed takes a number, not '%s'", optarg);
            max_listed = (size_t)n;
            break;
        }
        case 'h':
            fputs(CHECK_USAGE, stdout);
            return 0;
        default:
            fputs(CHECK_USAGE, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return usage_error("%s", "check needs at least one FILE");
    int exit_code = 0;
    for (int i = optind; i < argc; i++) {
        ds_table *table = NULL;
        ds_error err;
        ds_error_clear(&err);
        ds_status status = ds_table_load(argv[i], &csv, &table, &err);
        if (status != DS_OK) {
            fprintf(stderr, "diagsante: %s\n", err.message);
            int code = ds_status_exit_code(status);
            if (exit_code == 0)
                exit_code = code;
            continue;
        }
        if (i > optind)
            printf("\n");
        print_report(table, max_listed);
        ds_table_free(table);
    }
    if (fflush(stdout) != 0) {
        perror("diagsante: stdout");
        return 74;
    }
    return exit_code;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(USAGE, stderr);
        return EXIT_USAGE;
    }
    const char *command = argv[1];
    if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0 ||
        strcmp(command, "help") == 0) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (strcmp(command, "-V") == 0 || strcmp(command, "--version") == 0) {
        printf("diagsante %s\n", DS_VERSION);
        return 0;
    }
    if (strcmp(command, "check") == 0)
        return command_check(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", command);
}
