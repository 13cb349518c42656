/* diagsante — the command-line tool. Parses arguments, calls the library, prints.
 * Exit codes follow sysexits(3): 64 usage, 65 data error, 66 missing input, 74 I/O. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/stat.h>
#include <unistd.h>

#include "diagsante/codes.h"
#include "diagsante/csv_table.h"
#include "diagsante/error.h"
#include "diagsante/layer.h"
#include "diagsante/coverage.h"
#include "diagsante/output.h"
#include "diagsante/overlap.h"
#include "diagsante/referential.h"

#include "cli.h"

#ifndef DS_VERSION
#define DS_VERSION "dev"
#endif
#ifndef DS_DATADIR
#define DS_DATADIR "/usr/local/share/diagsante"
#endif

static const char USAGE[] =
    "Usage: diagsante COMMAND [OPTIONS] ...\n"
    "\n"
    "Territorial health diagnostics: indicator tables, territories, statistics.\n"
    "\n"
    "Commands:\n"
    "  check FILE...    load CSV indicator tables and print what was read: separator,\n"
    "                   encoding, header, columns with their type and code kind,\n"
    "                   missing and secret cells, rejected rows with their reasons\n"
    "  territory CODE...\n"
    "                   what the referential knows of a territory: name, population,\n"
    "                   the EPCI, département and région above it, its members, the\n"
    "                   territories that contain it; former commune codes are mapped\n"
    "  overlap          which zones (communes, CLS...) each unit (QPV...) lies in, by\n"
    "                   true area: overlap.csv, slivers.csv, units_unmatched.csv\n"
    "  remap FILE       puts counts by commune of an older geography onto today's\n"
    "                   communes (merged communes summed), listing the codes it\n"
    "                   cannot map\n"
    "  coverage         which contrats de ville and QPV lie in a CLS territory, in\n"
    "                   count, population and area, by membership and by geometry\n"
    "  stats METHOD     proportions, rates, means, standardised rates (dsr, isr),\n"
    "                   comparisons, inequality measures, quantiles, FDep, empirical\n"
    "                   Bayes, from a CSV of counts by group, with confidence intervals\n"
    "  portrait         the portrait de santé of a territory from a diagnostic.ini:\n"
    "                   indicators with intervals, comparisons with the département,\n"
    "                   the région and France, QPV versus the rest; HTML, JSON, CSV\n"
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
    for (size_t k = 0; k < r->n_dimension_columns; k++)
        printf("%s%s", k ? ", " : ", other dimensions: ",
               ds_table_column_name(table, r->dimension_columns[k]));
    printf("\n");
    printf("  rows          %zu loaded, %zu rejected, %zu blank ignored (%zu lines read)\n",
           r->rows_loaded, r->rows_rejected, r->blank_records, r->lines);
    if (r->repeated_territories > 0)
        printf("  warning       %zu territor%s on more than one row (first %s, lines %zu and %zu)\n",
               r->repeated_territories, r->repeated_territories == 1 ? "y" : "ies",
               r->first_repeated, r->first_repeated_lines[0], r->first_repeated_lines[1]);
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
            printf("  (%zu not %s, first '%s' line %zu)", counts.invalid_codes,
                   counts.invalid_codes == 1 ? "a code" : "codes", counts.first_invalid_code,
                   counts.first_invalid_line);
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

/* Sets csv->on_error from "stop" or "skip"; false for anything else. */
static bool parse_on_error(const char *arg, ds_csv_options *csv)
{
    if (strcmp(arg, "stop") == 0)
        csv->on_error = DS_ON_ERROR_STOP;
    else if (strcmp(arg, "skip") == 0)
        csv->on_error = DS_ON_ERROR_SKIP;
    else
        return false;
    return true;
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
            if (!parse_on_error(optarg, &csv))
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
    return finish_stdout(exit_code);
}

static const char TERRITORY_USAGE[] =
    "Usage: diagsante territory [OPTIONS] CODE...\n"
    "\n"
    "Prints what the referential knows of each CODE: a commune (31555, 2A004, a former\n"
    "code such as 12076), an EPCI SIREN, a département, a région, a QPV or the id of a\n"
    "custom territory (CLS, contrat de ville).\n"
    "\n"
    "  --referential=DIR    referential tables (default: $DIAGSANTE_REFERENTIEL, else\n"
    "                       datasets/referentiel, else " DS_DATADIR "/referentiel)\n"
    "  --qpv=FILE           QPV -> commune pairs (CSV), with --qpv-column and\n"
    "                       --commune-column (default: code_qp and code_commune)\n"
    "  --territories=FILE   custom territories (CSV: territory_id, name, kind,\n"
    "                       member_kind, member_code[, status, start, end])\n"
    "  -h, --help           this help\n";

/* The referential folder: the option, the environment, the source tree, the install. */
static const char *referential_dir(const char *option)
{
    if (option != NULL)
        return option;
    const char *env = getenv("DIAGSANTE_REFERENTIEL");
    if (env != NULL && *env != '\0')
        return env;
    if (access("datasets/referentiel/communes.csv", R_OK) == 0)
        return "datasets/referentiel";
    return DS_DATADIR "/referentiel";
}

/* Prints "  label  code  name" for the parent of (level, code) at parent_level. */
static void print_parent(const ds_referential *ref, ds_level level, const char *code,
                         ds_level parent_level)
{
    char parent[DS_CODE_MAX];
    ds_error err;
    printf("  %-12s ", ds_level_name(parent_level));
    if (ds_referential_parent(ref, level, code, parent_level, parent, &err) == DS_OK)
        printf("%-10s %s\n", parent, ds_referential_name(ref, parent_level, parent));
    else
        printf("-          (%s)\n", err.message);
}

/* Prints the count of members at member_level, and their codes when few. */
static void print_members(const ds_referential *ref, ds_level level, const char *code,
                          ds_level member_level)
{
    ds_code_list members = {0, NULL};
    ds_error err;
    if (ds_referential_members(ref, level, code, member_level, &members, &err) != DS_OK)
        return;
    printf("  %-12s %zu", member_level == DS_LEVEL_COMMUNE ? "communes" : ds_level_name(member_level),
           members.count);
    for (size_t i = 0; i < members.count && members.count <= 12; i++)
        printf("%s%s", i ? " " : ": ", members.items[i]);
    printf("\n");
    ds_code_list_free(&members);
}

static void print_entity(const ds_referential *ref, ds_level level, const char *code)
{
    const char *name = ds_referential_name(ref, level, code);
    printf("%s %s%s%s\n", ds_level_name(level), code, *name ? "  " : "", name);
    long long population = ds_referential_population(ref, level, code);
    if (population >= 0)
        printf("  %-12s %lld (population municipale)\n", "population", population);
    switch (level) {
    case DS_LEVEL_COMMUNE: {
        print_parent(ref, level, code, DS_LEVEL_EPCI);
        print_parent(ref, level, code, DS_LEVEL_DEPARTEMENT);
        print_parent(ref, level, code, DS_LEVEL_REGION);
        ds_code_list in = {0, NULL};
        ds_error err;
        if (ds_referential_containing(ref, code, &in, &err) == DS_OK) {
            printf("  %-12s", "contained in");
            for (size_t i = 0; i < in.count; i++)
                printf(" %s", in.items[i]);
            printf("\n");
        }
        ds_code_list_free(&in);
        break;
    }
    case DS_LEVEL_EPCI:
        print_parent(ref, level, code, DS_LEVEL_REGION);
        print_members(ref, level, code, DS_LEVEL_COMMUNE);
        break;
    case DS_LEVEL_DEPARTEMENT:
        print_parent(ref, level, code, DS_LEVEL_REGION);
        print_members(ref, level, code, DS_LEVEL_EPCI);
        print_members(ref, level, code, DS_LEVEL_COMMUNE);
        break;
    case DS_LEVEL_REGION:
        print_members(ref, level, code, DS_LEVEL_DEPARTEMENT);
        print_members(ref, level, code, DS_LEVEL_EPCI);
        print_members(ref, level, code, DS_LEVEL_COMMUNE);
        break;
    case DS_LEVEL_QPV:
        print_members(ref, level, code, DS_LEVEL_COMMUNE);
        break;
    case DS_LEVEL_TERRITORY: {
        ds_territory_info info;
        if (ds_referential_territory(ref, code, &info))
            printf("  %-12s %s%s%s\n", "kind", info.kind, info.status ? ", " : "",
                   info.status ? info.status : "");
        print_members(ref, level, code, DS_LEVEL_EPCI);
        print_members(ref, level, code, DS_LEVEL_QPV);
        print_members(ref, level, code, DS_LEVEL_COMMUNE);
        break;
    }
    case DS_LEVEL_COUNT:
        break;
    }
}

/* Starts the description of one more entity: a blank line after the previous one. */
static void begin_entity(bool *printed)
{
    if (*printed)
        printf("\n");
    *printed = true;
}

/* Prints every entity CODE can name; false when it names none. *printed tells whether
 * anything was printed before (for the blank lines between entities). */
static bool describe(const ds_referential *ref, const char *text, bool *printed)
{
    bool found = false;
    if (ds_referential_name(ref, DS_LEVEL_TERRITORY, text) != NULL) {
        begin_entity(printed);
        print_entity(ref, DS_LEVEL_TERRITORY, text);
        found = true;
    }
    static const struct { ds_code_kind kind; ds_level level; } kinds[] = {
        {DS_CODE_COMMUNE, DS_LEVEL_COMMUNE}, {DS_CODE_EPCI, DS_LEVEL_EPCI},
        {DS_CODE_DEPARTEMENT, DS_LEVEL_DEPARTEMENT}, {DS_CODE_REGION, DS_LEVEL_REGION},
        {DS_CODE_QPV2015, DS_LEVEL_QPV}, {DS_CODE_QPV2024, DS_LEVEL_QPV}};
    unsigned candidates = ds_code_candidates(text);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        char code[DS_CODE_MAX];
        if (!(candidates & DS_CODE_BIT(kinds[i].kind)) ||
            ds_code_normalize(kinds[i].kind, text, code, NULL) != DS_OK)
            continue;
        if (ds_referential_name(ref, kinds[i].level, code) != NULL) {
            begin_entity(printed);
            print_entity(ref, kinds[i].level, code);
            found = true;
        } else if (kinds[i].level == DS_LEVEL_COMMUNE) {
            char current[DS_CODE_MAX];
            ds_commune_mapping how = ds_referential_map_commune(ref, code, current);
            if (how == DS_MAP_MERGED || how == DS_MAP_ARRONDISSEMENT) {
                begin_entity(printed);
                printf("commune %s  former code, now %s %s\n", code, current,
                       ds_referential_name(ref, DS_LEVEL_COMMUNE, current));
                found = true;
            }
        }
    }
    if (!found && (candidates & DS_CODE_BIT(DS_CODE_IRIS))) {
        char commune[DS_CODE_MAX];
        if (ds_code_departement_of(DS_CODE_IRIS, text, commune, NULL) == DS_OK) {
            snprintf(commune, sizeof commune, "%.5s", text);
            if (ds_referential_name(ref, DS_LEVEL_COMMUNE, commune) != NULL) {
                begin_entity(printed);
                printf("iris %s  in commune %s %s (the referential has no IRIS table)\n", text,
                       commune, ds_referential_name(ref, DS_LEVEL_COMMUNE, commune));
                found = true;
            }
        }
    }
    return found;
}

static int command_territory(int argc, char **argv)
{
    enum { OPT_REFERENTIAL = 256, OPT_QPV, OPT_QPV_COLUMN, OPT_COMMUNE_COLUMN, OPT_TERRITORIES };
    static const struct option options[] = {
        {"referential", required_argument, NULL, OPT_REFERENTIAL},
        {"qpv", required_argument, NULL, OPT_QPV},
        {"qpv-column", required_argument, NULL, OPT_QPV_COLUMN},
        {"commune-column", required_argument, NULL, OPT_COMMUNE_COLUMN},
        {"territories", required_argument, NULL, OPT_TERRITORIES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *dir = NULL, *qpv = NULL, *territories = NULL;
    const char *qpv_column = "code_qp", *commune_column = "code_commune";
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_REFERENTIAL: dir = optarg; break;
        case OPT_QPV: qpv = optarg; break;
        case OPT_QPV_COLUMN: qpv_column = optarg; break;
        case OPT_COMMUNE_COLUMN: commune_column = optarg; break;
        case OPT_TERRITORIES: territories = optarg; break;
        case 'h':
            fputs(TERRITORY_USAGE, stdout);
            return 0;
        default:
            fputs(TERRITORY_USAGE, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return usage_error("%s", "territory needs at least one CODE");
    ds_referential *ref = NULL;
    ds_error err;
    ds_status status = ds_referential_open(referential_dir(dir), &ref, &err);
    if (status == DS_OK && qpv != NULL)
        status = ds_referential_load_qpv(ref, qpv, qpv_column, commune_column, &err);
    if (status == DS_OK && territories != NULL)
        status = ds_referential_load_territories(ref, territories, &err);
    if (status != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        ds_referential_free(ref);
        return ds_status_exit_code(status);
    }
    int exit_code = 0;
    bool printed = false;
    for (int i = optind; i < argc; i++) {
        if (!describe(ref, argv[i], &printed)) {
            fprintf(stderr, "diagsante: '%s' is no territory of the referential (%s)\n", argv[i],
                    ds_referential_vintage(ref));
            exit_code = 65;
        }
    }
    ds_referential_free(ref);
    return finish_stdout(exit_code);
}

static const char REMAP_USAGE[] =
    "Usage: diagsante remap --columns=A,B,... [OPTIONS] FILE\n"
    "\n"
    "Reads a CSV of counts by commune coded in any vintage of the official geography\n"
    "(a 2018 file: 4,485 Occitanie communes) and writes them on today's communes (4,446\n"
    "in 2026): a former commune's counts go to the commune nouvelle it joined, an\n"
    "arrondissement's to its city. Only counts can be added up: name the count columns.\n"
    "A sum that includes a missing or secret cell is written NA, never as a partial\n"
    "total. Codes that cannot be mapped are listed on stderr, never dropped silently.\n"
    "\n"
    "  --columns=A,B,...    the count columns to add up (required)\n"
    "  --code-column=NAME   the commune code column (default: the first code column)\n"
    "  --out=FILE           output CSV, written atomically (default: stdout)\n"
    "  --referential=DIR    as for 'diagsante territory'\n"
    "  --on-error=POLICY    stop (default) or skip, as for 'diagsante check'\n"
    "  -h, --help           this help\n";

/* Splits a comma-separated list of column names into table column indices. */
static bool parse_columns(const ds_table *table, const char *list, size_t **indices, size_t *n)
{
    *n = 0;
    *indices = malloc((strlen(list) + 1) * sizeof **indices);
    if (*indices == NULL)
        return false;
    const char *p = list;
    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(len < 255 ? len : 255), p);
        long c = ds_table_column_index(table, name);
        if (c < 0) {
            fprintf(stderr, "diagsante: %s: no column '%s'\n", ds_table_report(table)->path, name);
            return false;
        }
        if (ds_table_column_type(table, (size_t)c) != DS_COLUMN_NUMBER) {
            fprintf(stderr, "diagsante: %s: column '%s' is not numeric: only counts are added up\n",
                    ds_table_report(table)->path, name);
            return false;
        }
        (*indices)[(*n)++] = (size_t)c;
        for (size_t row = 0; row < ds_table_rows(table); row++) {
            double v;
            if (ds_table_number(table, row, (size_t)c, &v) == DS_CELL_VALUE && v != floor(v)) {
                fprintf(stderr,
                        "diagsante: warning: column '%s' holds non-integer values (%g on line "
                        "%zu): adding up rates or averages gives meaningless totals\n",
                        name, v, ds_table_row_line(table, row));
                break;
            }
        }
        p += len + (comma != NULL);
    }
    return *n > 0;
}

/* Writes the remapped counts as CSV: code, name, then the count columns. */
static void write_remapped(FILE *f, const ds_referential *ref, const ds_table *table,
                           const size_t *columns, size_t n_columns, const ds_remap_result *result)
{
    fputs("code,name", f);
    for (size_t k = 0; k < n_columns; k++) {
        fputc(',', f);
        ds_output_csv_field(f, ds_table_column_name(table, columns[k]), ',');
    }
    fputc('\n', f);
    for (size_t i = 0; i < result->n_communes; i++) {
        fprintf(f, "%s,", result->communes[i]);
        ds_output_csv_field(f, ds_referential_name(ref, DS_LEVEL_COMMUNE, result->communes[i]), ',');
        for (size_t k = 0; k < n_columns; k++) {
            if (result->status[i * n_columns + k] != 0)
                fputs(",NA", f);
            else
                fprintf(f, ",%.17g", result->sums[i * n_columns + k]);
        }
        fputc('\n', f);
    }
}

static int command_remap(int argc, char **argv)
{
    enum { OPT_COLUMNS = 256, OPT_CODE_COLUMN, OPT_OUT, OPT_REFERENTIAL, OPT_ON_ERROR };
    static const struct option options[] = {
        {"columns", required_argument, NULL, OPT_COLUMNS},
        {"code-column", required_argument, NULL, OPT_CODE_COLUMN},
        {"out", required_argument, NULL, OPT_OUT},
        {"referential", required_argument, NULL, OPT_REFERENTIAL},
        {"on-error", required_argument, NULL, OPT_ON_ERROR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *column_list = NULL, *code_column = NULL, *out_path = NULL, *dir = NULL;
    ds_csv_options csv;
    ds_csv_options_init(&csv);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_COLUMNS: column_list = optarg; break;
        case OPT_CODE_COLUMN: code_column = optarg; break;
        case OPT_OUT: out_path = optarg; break;
        case OPT_REFERENTIAL: dir = optarg; break;
        case OPT_ON_ERROR:
            if (!parse_on_error(optarg, &csv))
                return usage_error("--on-error is stop or skip, not '%s'", optarg);
            break;
        case 'h':
            fputs(REMAP_USAGE, stdout);
            return 0;
        default:
            fputs(REMAP_USAGE, stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc)
        return usage_error("%s", "remap needs one FILE");
    if (column_list == NULL)
        return usage_error("%s", "remap needs --columns: the count columns to add up");

    ds_error err;
    ds_referential *ref = NULL;
    ds_table *table = NULL;
    size_t *columns = NULL, n_columns = 0;
    const char **codes = NULL;
    char *code_texts = NULL;
    double *counts = NULL;
    unsigned char *status = NULL;
    ds_remap_result result;
    memset(&result, 0, sizeof result);
    int exit_code = 0;
    ds_status st = ds_table_load(argv[optind], &csv, &table, &err);
    if (st == DS_OK)
        st = ds_referential_open(referential_dir(dir), &ref, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        exit_code = ds_status_exit_code(st);
        goto done;
    }
    long code = code_column ? ds_table_column_index(table, code_column)
                            : ds_table_report(table)->territory_column;
    if (code < 0) {
        fprintf(stderr, "diagsante: %s: %s\n", argv[optind],
                code_column ? "no such code column" : "no code column found (use --code-column)");
        exit_code = EXIT_USAGE;
        goto done;
    }
    if (!parse_columns(table, column_list, &columns, &n_columns)) {
        exit_code = EXIT_USAGE;
        goto done;
    }
    size_t rows = ds_table_rows(table);
    size_t cells = rows * n_columns + 1; /* + 1: never malloc(0) */
    codes = malloc((rows + 1) * sizeof *codes);
    counts = malloc(cells * sizeof *counts);
    status = malloc(cells);
    if (codes == NULL || counts == NULL || status == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        exit_code = 71;
        goto done;
    }
    code_texts = calloc(rows + 1, DS_CELL_TEXT_MAX);
    if (code_texts == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        exit_code = 71;
        goto done;
    }
    for (size_t r = 0; r < rows; r++) {
        const char *text = ds_table_cell_text(table, r, (size_t)code, code_texts + r * DS_CELL_TEXT_MAX);
        codes[r] = text != NULL ? text : "";
        for (size_t k = 0; k < n_columns; k++) {
            double v = 0;
            status[r * n_columns + k] =
                ds_table_number(table, r, columns[k], &v) == DS_CELL_VALUE ? 0 : 1;
            counts[r * n_columns + k] = v;
        }
    }
    st = ds_referential_remap_counts(ref, rows, codes, n_columns, counts, status, &result, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        exit_code = ds_status_exit_code(st);
        goto done;
    }
    ds_output *output = NULL;
    FILE *f = stdout;
    if (out_path != NULL) {
        if ((st = ds_output_open(out_path, &output, &err)) != DS_OK) {
            fprintf(stderr, "diagsante: %s\n", err.message);
            exit_code = ds_status_exit_code(st);
            goto done;
        }
        f = ds_output_stream(output);
    }
    write_remapped(f, ref, table, columns, n_columns, &result);
    if (output != NULL && (st = ds_output_commit(output, &err)) != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        exit_code = ds_status_exit_code(st);
        goto done;
    }
    fprintf(stderr,
            "remap: %zu rows -> %zu communes of %s: %zu current codes, %zu former codes, "
            "%zu arrondissements, %zu not mapped\n",
            rows, result.n_communes, ds_referential_vintage(ref), result.rows_current,
            result.rows_merged, result.rows_arrondissement, result.n_unmapped);
    for (size_t i = 0; i < result.n_unmapped; i++) {
        size_t r = result.unmapped_rows[i];
        fprintf(stderr, "  not mapped: line %zu, code '%s'\n", ds_table_row_line(table, r), codes[r]);
    }
done:
    ds_remap_result_free(&result);
    free(codes);
    free(code_texts);
    free(counts);
    free(status);
    free(columns);
    ds_table_free(table);
    ds_referential_free(ref);
    return finish_stdout(exit_code);
}

/* Creates the output folder when it does not exist (its parent must). Prints the error. */
static int make_out_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (mkdir(dir, 0777) == 0)
        return 0;
    fprintf(stderr, "diagsante: %s: cannot create the output folder: %s\n", dir, strerror(errno));
    return 73; /* EX_CANTCREAT */
}

static const char OVERLAP_USAGE[] =
    "Usage: diagsante overlap --units=A.shp --unit-id=FIELD --zones=B.shp --zone-id=FIELD\n"
    "                         --out=DIR [OPTIONS]\n"
    "\n"
    "Overlays two polygon layers by true area (EPSG:3035 in metropolitan France, a local\n"
    "Lambert azimuthal equal-area projection overseas) and writes in DIR:\n"
    "  overlap.csv          unit_id, zone_id, unit_area_m2, zone_area_m2, inter_area_m2,\n"
    "                       share_of_unit, share_of_zone, sorted by unit then zone\n"
    "  slivers.csv          the pairs below --min-share of the unit (boundaries from\n"
    "                       different sources never match exactly)\n"
    "  units_unmatched.csv  units in no zone\n"
    "  problems.csv         shapes repaired or left out, with the reason\n"
    "\n"
    "  --min-share=S        smallest share of a unit kept in overlap.csv (default 0.001)\n"
    "  --crs=EPSG:N         CRS of a layer without .prj (--units-crs, --zones-crs: one)\n"
    "  --encoding=ENC       attribute encoding when the .cpg is missing or wrong\n"
    "  --weights=FILE.csv   a population (or any count) per unit, with --weight-id=COL\n"
    "                       (the unit id) and --weight-col=COL: adds pop_in_zone =\n"
    "                       population x share of the unit, an areal estimate\n"
    "  --threads=N          threads overlaying the zones, 1 to 8 (default: one per\n"
    "                       online CPU, at most 8); the result does not depend on it\n"
    "  -h, --help           this help\n";

/* Reads the weights file: unit ids and counts. Cells that are missing or secret give no
 * weight (counted in *skipped). Prints its own errors; returns an exit code. */
static int read_weights(const char *path, const char *id_col, const char *weight_col,
                        ds_overlap_result *result, size_t *skipped, size_t *unused)
{
    ds_table *table = NULL;
    ds_error err;
    ds_status st = ds_table_load(path, NULL, &table, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        return ds_status_exit_code(st);
    }
    long ic = id_col ? ds_table_column_index(table, id_col) : -1;
    long wc = weight_col ? ds_table_column_index(table, weight_col) : -1;
    if (ic < 0 || wc < 0 || ds_table_column_type(table, (size_t)wc) != DS_COLUMN_NUMBER) {
        fprintf(stderr, "diagsante: %s: --weight-id and --weight-col must name columns, the "
                        "second numeric\n", path);
        ds_table_free(table);
        return EXIT_USAGE;
    }
    size_t rows = ds_table_rows(table), n = 0;
    const char **ids = malloc((rows + 1) * sizeof *ids);
    double *weights = malloc((rows + 1) * sizeof *weights);
    char *numbers = calloc(rows + 1, DS_CELL_TEXT_MAX);
    int code = 0;
    if (ids == NULL || weights == NULL || numbers == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        code = 71;
        goto done;
    }
    *skipped = 0;
    for (size_t r = 0; r < rows; r++) {
        double w;
        const char *id = ds_table_cell_text(table, r, (size_t)ic, numbers + r * DS_CELL_TEXT_MAX);
        if (id == NULL || ds_table_number(table, r, (size_t)wc, &w) != DS_CELL_VALUE) {
            (*skipped)++;
            continue;
        }
        ids[n] = id;
        weights[n++] = w;
    }
    st = ds_overlap_set_weights(result, n, ids, weights, unused, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s: %s\n", path, err.message);
        code = ds_status_exit_code(st);
    }
done:
    free(ids);
    free(weights);
    free(numbers);
    ds_table_free(table);
    return code;
}

static int command_overlap(int argc, char **argv)
{
    enum { OPT_UNITS = 256, OPT_UNIT_ID, OPT_ZONES, OPT_ZONE_ID, OPT_OUT, OPT_MIN_SHARE, OPT_CRS,
           OPT_UNITS_CRS, OPT_ZONES_CRS, OPT_ENCODING, OPT_WEIGHTS, OPT_WEIGHT_ID, OPT_WEIGHT_COL,
           OPT_THREADS };
    static const struct option options[] = {
        {"units", required_argument, NULL, OPT_UNITS},
        {"unit-id", required_argument, NULL, OPT_UNIT_ID},
        {"zones", required_argument, NULL, OPT_ZONES},
        {"zone-id", required_argument, NULL, OPT_ZONE_ID},
        {"out", required_argument, NULL, OPT_OUT},
        {"min-share", required_argument, NULL, OPT_MIN_SHARE},
        {"crs", required_argument, NULL, OPT_CRS},
        {"units-crs", required_argument, NULL, OPT_UNITS_CRS},
        {"zones-crs", required_argument, NULL, OPT_ZONES_CRS},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"weights", required_argument, NULL, OPT_WEIGHTS},
        {"weight-id", required_argument, NULL, OPT_WEIGHT_ID},
        {"weight-col", required_argument, NULL, OPT_WEIGHT_COL},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *units_path = NULL, *zones_path = NULL, *out_dir = NULL;
    const char *weights_path = NULL, *weight_id = NULL, *weight_col = NULL;
    ds_overlap_options overlap;
    ds_overlap_options_init(&overlap);
    overlap.threads = 0; /* one per online CPU, unless --threads says */
    ds_layer_options unit_options, zone_options;
    ds_layer_options_init(&unit_options);
    ds_layer_options_init(&zone_options);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_UNITS: units_path = optarg; break;
        case OPT_UNIT_ID: overlap.unit_id = optarg; break;
        case OPT_ZONES: zones_path = optarg; break;
        case OPT_ZONE_ID: overlap.zone_id = optarg; break;
        case OPT_OUT: out_dir = optarg; break;
        case OPT_MIN_SHARE: {
            char *end;
            overlap.min_share = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || !(overlap.min_share >= 0 && overlap.min_share < 1))
                return usage_error("--min-share is a share in [0, 1), not '%s'", optarg);
            break;
        }
        case OPT_CRS: unit_options.crs = zone_options.crs = optarg; break;
        case OPT_UNITS_CRS: unit_options.crs = optarg; break;
        case OPT_ZONES_CRS: zone_options.crs = optarg; break;
        case OPT_ENCODING: unit_options.encoding = zone_options.encoding = optarg; break;
        case OPT_WEIGHTS: weights_path = optarg; break;
        case OPT_WEIGHT_ID: weight_id = optarg; break;
        case OPT_WEIGHT_COL: weight_col = optarg; break;
        case OPT_THREADS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            _Static_assert(DS_OVERLAP_MAX_THREADS == 8, "the messages say 8");
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > DS_OVERLAP_MAX_THREADS)
                return usage_error("--threads takes a number from 1 to 8, not '%s'", optarg);
            overlap.threads = (unsigned)n;
            break;
        }
        case 'h':
            fputs(OVERLAP_USAGE, stdout);
            return 0;
        default:
            fputs(OVERLAP_USAGE, stderr);
            return EXIT_USAGE;
        }
    }
    if (units_path == NULL || zones_path == NULL || overlap.unit_id == NULL ||
        overlap.zone_id == NULL || out_dir == NULL)
        return usage_error("%s", "overlap needs --units, --unit-id, --zones, --zone-id and --out");
    if (optind != argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    ds_error err;
    ds_layer *units = NULL, *zones = NULL;
    ds_overlap_result *result = NULL;
    ds_status st = ds_layer_read_shapefile(units_path, &unit_options, &units, &err);
    if (st == DS_OK)
        st = ds_layer_read_shapefile(zones_path, &zone_options, &zones, &err);
    if (st == DS_OK)
        st = ds_overlap_layers(units, zones, &overlap, &result, &err);
    int exit_code = 0;
    size_t skipped = 0, unused = 0;
    if (st == DS_OK && weights_path != NULL &&
        (exit_code = read_weights(weights_path, weight_id, weight_col, result, &skipped, &unused)) != 0) {
        ds_overlap_result_free(result);
        ds_layer_free(units);
        ds_layer_free(zones);
        return exit_code;
    }
    if (st == DS_OK && (exit_code = make_out_dir(out_dir)) != 0) {
        ds_overlap_result_free(result);
        ds_layer_free(units);
        ds_layer_free(zones);
        return exit_code;
    }
    if (st == DS_OK)
        st = ds_overlap_write(result, out_dir, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        exit_code = ds_status_exit_code(st);
    } else {
        printf("overlap: %zu units x %zu zones: %zu pairs, %zu slivers under %g of the unit, "
               "%zu units in no zone, %zu problems (see %s/problems.csv)\n",
               ds_layer_count(units), ds_layer_count(zones), ds_overlap_row_count(result),
               ds_overlap_sliver_count(result), overlap.min_share,
               ds_overlap_unmatched_count(result), ds_overlap_problem_count(result), out_dir);
        if (weights_path != NULL)
            printf("weights: pop_in_zone is an areal estimate; %zu rows without a weight "
                   "(missing or secret), %zu weights apply to no pair\n", skipped, unused);
        for (size_t i = 0; i < ds_overlap_problem_count(result) && i < 10; i++)
            printf("  %s\n", ds_overlap_problem_at(result, i));
    }
    ds_overlap_result_free(result);
    ds_layer_free(units);
    ds_layer_free(zones);
    return finish_stdout(exit_code);
}

static const char COVERAGE_USAGE[] =
    "Usage: diagsante coverage --cls=CLS.csv|CLS.shp --cv=CV.csv|CV.shp --qpv=QPV.shp\n"
    "                          --qpv-id=FIELD --out=DIR [OPTIONS]\n"
    "\n"
    "Which contrats de ville (CV) and QPV lie in a CLS territory, in count, population\n"
    "and area, by membership (communes and EPCI of the territory files) and by geometry\n"
    "(true areas), for the signed CLS and for signed + préfiguration. Writes in DIR:\n"
    "  summary.csv        % of CV with at least one QPV in a CLS, % of CV entirely in CLS,\n"
    "                     % of QPV, of QPV population, of QPV area; per scope and method\n"
    "  cv.csv             per CV and method: QPV, population, how many and how much in a\n"
    "                     CLS, area share, class full|partial|none\n"
    "  cls.csv            per CLS: its communes, QPV and CV\n"
    "  qpv.csv            per QPV: communes, CV, CLS (with status), shares\n"
    "  discrepancies.csv  where membership and geometry disagree, with the reason\n"
    "  problems.csv       shapes repaired or left out, codes that could not be mapped\n"
    "and the summary on standard output.\n"
    "\n"
    "  --cls=PATH           CLS: a territory file (territory_id, name, kind=cls, status\n"
    "                       signé|préfiguration|achevé, start, end, member_kind\n"
    "                       commune|epci|qpv, member_code) or polygons (.shp) with\n"
    "                       --cls-id=FIELD [--cls-name=FIELD] [--cls-status=FIELD: without\n"
    "                       it every CLS of the layer is taken as signé]\n"
    "  --cv=PATH            contrats de ville: a territory file (kind=cv) or polygons with\n"
    "                       --cv-id=FIELD [--cv-name=FIELD]\n"
    "  --qpv-commune=FIELD  the QPV attribute naming its commune(s); compared with the\n"
    "                       commune contours, or used alone without them\n"
    "  --communes=C.shp     commune contours (any vintage) with --commune-id=FIELD: gives\n"
    "                       each QPV its communes by overlay, and the geometric method\n"
    "  --qpv-pop=FILE.csv   QPV populations: --qpv-pop-col=COL (default pop_mun) and\n"
    "                       --qpv-pop-id=COL (default: the column of QPV codes)\n"
    "  --referential=DIR    referential tables (default as for 'territory')\n"
    "  --min-share=S        smallest share of a QPV counted in a commune or CLS (0.001)\n"
    "  --crs=EPSG:N         CRS of the layers without .prj\n"
    "  -h, --help           this help\n";

static bool is_shapefile(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && (strcmp(path + n - 4, ".shp") == 0 || strcmp(path + n - 4, ".SHP") == 0);
}

/* Reads the QPV populations: codes and values, owned by *table. Prints its errors. */
static int read_qpv_population(const char *path, const char *id_col, const char *pop_col,
                               ds_table **table, const char ***ids, double **values, size_t *n,
                               size_t *skipped)
{
    ds_error err;
    ds_status st = ds_table_load(path, NULL, table, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        return ds_status_exit_code(st);
    }
    long ic = -1, pc = ds_table_column_index(*table, pop_col ? pop_col : "pop_mun");
    if (id_col != NULL)
        ic = ds_table_column_index(*table, id_col);
    else
        for (size_t k = 0; k < ds_table_columns(*table) && ic < 0; k++) {
            ds_code_kind kind = ds_table_column_code_kind(*table, k);
            if (kind == DS_CODE_QPV2015 || kind == DS_CODE_QPV2024)
                ic = (long)k;
        }
    if (ic < 0 || pc < 0 || ds_table_column_type(*table, (size_t)pc) != DS_COLUMN_NUMBER) {
        fprintf(stderr, "diagsante: %s: no %s column, or no numeric %s column (--qpv-pop-id, "
                        "--qpv-pop-col)\n", path, id_col ? id_col : "QPV code",
                pop_col ? pop_col : "pop_mun");
        return EXIT_USAGE;
    }
    size_t rows = ds_table_rows(*table);
    *ids = malloc((rows + 1) * sizeof **ids);
    *values = malloc((rows + 1) * sizeof **values);
    if (*ids == NULL || *values == NULL) {
        fprintf(stderr, "diagsante: out of memory\n");
        return 71;
    }
    *n = *skipped = 0;
    for (size_t r = 0; r < rows; r++) {
        double v;
        const char *id = ds_table_text(*table, r, (size_t)ic);
        if (id == NULL || ds_table_number(*table, r, (size_t)pc, &v) != DS_CELL_VALUE) {
            (*skipped)++;
            continue;
        }
        (*ids)[*n] = id;
        (*values)[(*n)++] = v;
    }
    return 0;
}

static int command_coverage(int argc, char **argv)
{
    enum { OPT_CLS = 256, OPT_CLS_ID, OPT_CLS_NAME, OPT_CLS_STATUS, OPT_CV, OPT_CV_ID, OPT_CV_NAME,
           OPT_QPV, OPT_QPV_ID, OPT_QPV_COMMUNE, OPT_QPV_POP, OPT_QPV_POP_ID, OPT_QPV_POP_COL,
           OPT_COMMUNES, OPT_COMMUNE_ID, OPT_REFERENTIAL, OPT_MIN_SHARE, OPT_CRS, OPT_OUT };
    static const struct option options[] = {
        {"cls", required_argument, NULL, OPT_CLS},
        {"cls-id", required_argument, NULL, OPT_CLS_ID},
        {"cls-name", required_argument, NULL, OPT_CLS_NAME},
        {"cls-status", required_argument, NULL, OPT_CLS_STATUS},
        {"cv", required_argument, NULL, OPT_CV},
        {"cv-id", required_argument, NULL, OPT_CV_ID},
        {"cv-name", required_argument, NULL, OPT_CV_NAME},
        {"qpv", required_argument, NULL, OPT_QPV},
        {"qpv-id", required_argument, NULL, OPT_QPV_ID},
        {"qpv-commune", required_argument, NULL, OPT_QPV_COMMUNE},
        {"qpv-pop", required_argument, NULL, OPT_QPV_POP},
        {"qpv-pop-id", required_argument, NULL, OPT_QPV_POP_ID},
        {"qpv-pop-col", required_argument, NULL, OPT_QPV_POP_COL},
        {"communes", required_argument, NULL, OPT_COMMUNES},
        {"commune-id", required_argument, NULL, OPT_COMMUNE_ID},
        {"referential", required_argument, NULL, OPT_REFERENTIAL},
        {"min-share", required_argument, NULL, OPT_MIN_SHARE},
        {"crs", required_argument, NULL, OPT_CRS},
        {"out", required_argument, NULL, OPT_OUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *cls_path = NULL, *cv_path = NULL, *qpv_path = NULL, *communes_path = NULL;
    const char *pop_path = NULL, *pop_id = NULL, *pop_col = NULL, *dir = NULL, *out_dir = NULL;
    ds_coverage_input in;
    ds_coverage_input_init(&in);
    ds_layer_options layer_options;
    ds_layer_options_init(&layer_options);
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (opt) {
        case OPT_CLS: cls_path = optarg; break;
        case OPT_CLS_ID: in.cls.id_field = optarg; break;
        case OPT_CLS_NAME: in.cls.name_field = optarg; break;
        case OPT_CLS_STATUS: in.cls.status_field = optarg; break;
        case OPT_CV: cv_path = optarg; break;
        case OPT_CV_ID: in.cv.id_field = optarg; break;
        case OPT_CV_NAME: in.cv.name_field = optarg; break;
        case OPT_QPV: qpv_path = optarg; break;
        case OPT_QPV_ID: in.qpv_id = optarg; break;
        case OPT_QPV_COMMUNE: in.qpv_commune_field = optarg; break;
        case OPT_QPV_POP: pop_path = optarg; break;
        case OPT_QPV_POP_ID: pop_id = optarg; break;
        case OPT_QPV_POP_COL: pop_col = optarg; break;
        case OPT_COMMUNES: communes_path = optarg; break;
        case OPT_COMMUNE_ID: in.commune_id = optarg; break;
        case OPT_REFERENTIAL: dir = optarg; break;
        case OPT_MIN_SHARE: {
            char *end;
            in.min_share = strtod(optarg, &end);
            if (*optarg == '\0' || *end != '\0' || !(in.min_share >= 0 && in.min_share < 0.5))
                return usage_error("--min-share is a share in [0, 0.5), not '%s'", optarg);
            break;
        }
        case OPT_CRS: layer_options.crs = optarg; break;
        case OPT_OUT: out_dir = optarg; break;
        case 'h':
            fputs(COVERAGE_USAGE, stdout);
            return 0;
        default:
            fputs(COVERAGE_USAGE, stderr);
            return EXIT_USAGE;
        }
    }
    if (cls_path == NULL || cv_path == NULL || qpv_path == NULL || in.qpv_id == NULL ||
        out_dir == NULL)
        return usage_error("%s", "coverage needs --cls, --cv, --qpv, --qpv-id and --out");
    if (optind != argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (communes_path != NULL && in.commune_id == NULL)
        return usage_error("%s", "--communes needs --commune-id");
    if (is_shapefile(cls_path) && in.cls.id_field == NULL)
        return usage_error("%s", "a CLS layer needs --cls-id");
    if (is_shapefile(cv_path) && in.cv.id_field == NULL)
        return usage_error("%s", "a CV layer needs --cv-id");

    ds_error err;
    ds_status st = DS_OK;
    ds_referential *ref = NULL;
    ds_layer *qpv = NULL, *communes = NULL, *cls_layer = NULL, *cv_layer = NULL;
    ds_table *pop_table = NULL;
    const char **pop_ids = NULL;
    double *pop_values = NULL;
    ds_coverage *coverage = NULL;
    size_t pop_skipped = 0;
    int exit_code = 0;
    layer_options.id_field = in.qpv_id;
    st = ds_referential_open(referential_dir(dir), &ref, &err);
    if (st == DS_OK)
        st = ds_layer_read_shapefile(qpv_path, &layer_options, &qpv, &err);
    layer_options.id_field = in.commune_id;
    if (st == DS_OK && communes_path != NULL)
        st = ds_layer_read_shapefile(communes_path, &layer_options, &communes, &err);
    layer_options.id_field = in.cls.id_field;
    if (st == DS_OK && is_shapefile(cls_path))
        st = ds_layer_read_shapefile(cls_path, &layer_options, &cls_layer, &err);
    layer_options.id_field = in.cv.id_field;
    if (st == DS_OK && is_shapefile(cv_path))
        st = ds_layer_read_shapefile(cv_path, &layer_options, &cv_layer, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        exit_code = ds_status_exit_code(st);
        goto done;
    }
    if (pop_path != NULL &&
        (exit_code = read_qpv_population(pop_path, pop_id, pop_col, &pop_table, &pop_ids,
                                         &pop_values, &in.n_population, &pop_skipped)) != 0)
        goto done;
    in.referential = ref;
    in.qpv = qpv;
    in.communes = communes;
    in.cls.layer = cls_layer;
    in.cls.path = cls_layer ? NULL : cls_path;
    in.cv.layer = cv_layer;
    in.cv.path = cv_layer ? NULL : cv_path;
    in.population_qpv = pop_ids;
    in.population = pop_values;
    st = ds_coverage_compute(&in, &coverage, &err);
    if (st == DS_OK && (exit_code = make_out_dir(out_dir)) != 0)
        goto done;
    if (st == DS_OK)
        st = ds_coverage_write(coverage, out_dir, &err);
    if (st != DS_OK) {
        fprintf(stderr, "diagsante: %s\n", err.message);
        exit_code = ds_status_exit_code(st);
        goto done;
    }
    fputs(ds_coverage_summary_text(coverage), stdout);
    if (pop_path != NULL)
        printf("populations: %zu read from %s, %zu rows without a value (missing or secret)\n",
               in.n_population, pop_path, pop_skipped);
    for (size_t i = 0; i < ds_coverage_problem_count(coverage) && i < 10; i++)
        printf("  %s\n", ds_coverage_problem_at(coverage, i));
    if (ds_coverage_problem_count(coverage) > 10)
        printf("  ... (%zu in all, see %s/problems.csv)\n", ds_coverage_problem_count(coverage),
               out_dir);
    printf("written: %s/{summary,cv,cls,qpv,discrepancies,problems}.csv\n", out_dir);
done:
    ds_coverage_free(coverage);
    free(pop_ids);
    free(pop_values);
    ds_table_free(pop_table);
    ds_layer_free(qpv);
    ds_layer_free(communes);
    ds_layer_free(cls_layer);
    ds_layer_free(cv_layer);
    ds_referential_free(ref);
    return finish_stdout(exit_code);
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
    if (strcmp(command, "territory") == 0)
        return command_territory(argc - 1, argv + 1);
    if (strcmp(command, "remap") == 0)
        return command_remap(argc - 1, argv + 1);
    if (strcmp(command, "overlap") == 0)
        return command_overlap(argc - 1, argv + 1);
    if (strcmp(command, "coverage") == 0)
        return command_coverage(argc - 1, argv + 1);
    if (strcmp(command, "stats") == 0)
        return command_stats(argc - 1, argv + 1);
    if (strcmp(command, "portrait") == 0)
        return command_portrait(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", command);
}
