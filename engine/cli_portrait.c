/* diagsante — `diagsante portrait`: the portrait de santé of a territory (or of every
 * commune and EPCI of a région in one batch) from a diagnostic.ini. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagsante/config.h"
#include "diagsante/output.h"
#include "diagsante/portrait.h"

#include "cli.h"

static const char PORTRAIT_USAGE[] =
    "Usage: diagsante portrait --config=diagnostic.ini --out=DIR [OPTIONS]\n"
    "\n"
    "Computes the portrait de santé of the territory the configuration names: every\n"
    "indicator of the dictionary with its confidence interval, compared with the\n"
    "département, the région and France, QPV versus the rest, the spread between\n"
    "member communes; counts under the disclosure threshold withheld. Writes\n"
    "DIR/portrait.html, DIR/portrait.json and DIR/tables/*.csv, and DIR/portrait.geojson\n"
    "when the configuration gives geometry.\n"
    "\n"
    "  --config=FILE        the diagnostic.ini (format: diagsante(1), README)\n"
    "  --out=DIR            the output folder (created)\n"
    "  --territory=CODE     another territory than the configuration's\n"
    "  --all=LEVELS         batch: the portraits of every territory of these levels\n"
    "                       (commune, epci, qpv; comma separated) in the région of the\n"
    "                       configured territory: DIR/LEVEL.csv (the long table of\n"
    "                       every portrait) and DIR/LEVEL.jsonl (one JSON portrait\n"
    "                       per line); --html adds DIR/LEVEL/CODE/portrait.html\n"
    "  --html               with --all: write the HTML reports too\n"
    "  --excel              also the French-Excel tables (DIR/tables/excel/*.csv: ';',\n"
    "                       decimal comma, BOM) and DIR/portrait.xlsx (as [outputs]\n"
    "                       excel = yes; not with --all)\n"
    "  --threads=N          with --all: threads computing the portraits, 1 to 8\n"
    "                       (default: one per CPU); the files are the same\n"
    "  -h, --help           this help\n"
    "\n"
    "Exit status: 0 ok, 64 usage, 65 data error, 66 missing input, 74 I/O error.\n";

static int fail(const ds_error *err)
{
    fprintf(stderr, "diagsante: %s\n", err->message);
    return ds_status_exit_code(err->status);
}

static void summary(const ds_portrait *p, const char *dir, const ds_portrait_outputs *what)
{
    size_t n = ds_portrait_rows(p), with = 0;
    for (size_t i = 0; i < n; i++)
        with += isfinite(ds_portrait_row_at(p, i)->figure[DS_SCOPE_TERRITORY].value);
    printf("portrait of %s %s (%s): %zu indicators, %zu with a value, %zu figures withheld "
           "(counts under %d)\n",
           ds_level_name(ds_portrait_level(p)), ds_portrait_code(p), ds_portrait_name(p), n,
           with, ds_portrait_withheld_count(p), ds_portrait_config(p)->threshold);
    double pop = ds_portrait_population(p), qpv = ds_portrait_qpv_population(p);
    if (isfinite(pop) && isfinite(qpv) && pop > 0)
        printf("population %.0f, of which %.0f in QPV (%.1f %%)\n", pop, qpv, 100 * qpv / pop);
    printf("written: %s/portrait.html, %s/portrait.json, %s/tables/", dir, dir, dir);
    if (what->excel)
        printf(", %s/tables/excel/, %s/portrait.xlsx", dir, dir);
    char geojson[4200];
    snprintf(geojson, sizeof geojson, "%s/portrait.geojson", dir);
    if (what->geojson && access(geojson, F_OK) == 0)
        printf(", %s", geojson);
    putchar('\n');
}

/* What the batch does with each portrait in order: the HTML report when asked, the
 * progress line on a terminal. */
typedef struct batch_each {
    ds_output_group *group; /* the batch's files, renamed together at the end */
    const char *out, *level_name;
    bool html, progress;
    size_t count;
} batch_each;

static ds_status each_portrait(const ds_portrait *p, size_t u, void *data, ds_error *err)
{
    batch_each *e = data;
    ds_status st = DS_OK;
    if (e->html) {
        char sub[4200];
        snprintf(sub, sizeof sub, "%s/%s", e->out, e->level_name);
        mkdir(sub, 0777);
        snprintf(sub, sizeof sub, "%s/%s/%s", e->out, e->level_name, ds_portrait_code(p));
        ds_portrait_outputs only_html = {.html = true};
        st = ds_portrait_write_in(e->group, p, sub, &only_html, err);
    }
    if (e->progress && ((u + 1) % 50 == 0 || u + 1 == e->count))
        fprintf(stderr, "\r%s: %zu/%zu", e->level_name, u + 1, e->count);
    return st;
}

/* --all: every territory of the levels in the configured territory's région. */
static int batch(ds_portrait_context *ctx, const ds_config *config, const char *levels,
                 const char *out, bool html, unsigned threads)
{
    const ds_referential *ref = ds_portrait_context_referential(ctx);
    ds_error err;
    ds_portrait *first;
    ds_status st = ds_portrait_compute(ctx, config->territory,
                                       config->level_given ? config->level : DS_LEVEL_COUNT,
                                       &first, &err);
    if (st != DS_OK)
        return fail(&err);
    char region[DS_CODE_MAX];
    if (ds_portrait_level(first) == DS_LEVEL_REGION)
        snprintf(region, sizeof region, "%s", ds_portrait_code(first));
    else if (ds_referential_parent(ref, ds_portrait_level(first), ds_portrait_code(first),
                                   DS_LEVEL_REGION, region, &err) != DS_OK) {
        ds_portrait_free(first);
        return fail(&err);
    }
    ds_portrait_free(first);
    char *list = strdup(levels);
    if (list == NULL)
        return fprintf(stderr, "diagsante: out of memory\n"), 70;
    bool progress = isatty(STDERR_FILENO);
    int code = 0;
    size_t done = 0;
    /* every file of the batch is renamed at the end: a failure (or a kill) halfway
     * leaves the previous outputs as they were */
    ds_output_group *group;
    if (ds_output_group_new(&group, &err) != DS_OK) {
        free(list);
        return fail(&err);
    }
    if (mkdir(out, 0777) != 0 && access(out, W_OK) != 0) {
        perror(out);
        free(list);
        ds_output_group_abort(group);
        return 73;
    }
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name != NULL && code == 0;
         name = strtok_r(NULL, ",", &save)) {
        ds_level level;
        if (!ds_level_from_name(name, &level) || level == DS_LEVEL_REGION ||
            level == DS_LEVEL_TERRITORY || level == DS_LEVEL_DEPARTEMENT) {
            code = usage_error("--all: '%s' is not commune, epci or qpv", name);
            break;
        }
        ds_code_list units = {0};
        if ((st = ds_referential_members(ref, DS_LEVEL_REGION, region, level, &units, &err)) !=
            DS_OK) {
            code = fail(&err);
            break;
        }
        char table_path[4096], json_path[4096];
        snprintf(table_path, sizeof table_path, "%s/%s.csv", out, name);
        snprintf(json_path, sizeof json_path, "%s/%s.jsonl", out, name);
        ds_output *table = NULL, *json = NULL;
        if (ds_output_group_open(group, table_path, &table, &err) != DS_OK ||
            ds_output_group_open(group, json_path, &json, &err) != DS_OK) {
            ds_code_list_free(&units);
            code = fail(&err);
            break;
        }
        batch_each each = {group, out, name, html, progress, units.count};
        ds_portrait_batch job = {level, &units, threads,
                                 ds_output_stream(table), ds_output_stream(json),
                                 table_path, json_path, each_portrait, &each};
        st = ds_portrait_batch_run(ctx, &job, &err);
        if (st != DS_OK)
            code = fail(&err);
        else
            done += units.count;
        if (progress)
            fputc('\n', stderr);
        if (code == 0 && (ds_output_commit(table, &err) != DS_OK ||
                          ds_output_commit(json, &err) != DS_OK))
            code = fail(&err);
        ds_code_list_free(&units);
    }
    free(list);
    if (code == 0 && ds_output_group_commit(group, &err) != DS_OK)
        code = fail(&err);
    else if (code != 0)
        ds_output_group_abort(group);
    if (code == 0)
        printf("%zu portraits of région %s written to %s/{%s}.{csv,jsonl}\n", done, region, out,
               levels);
    return code;
}

int command_portrait(int argc, char **argv)
{
    enum { OPT_CONFIG = 256, OPT_OUT, OPT_TERRITORY, OPT_ALL, OPT_HTML, OPT_EXCEL, OPT_THREADS };
    static const struct option options[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"out", required_argument, NULL, OPT_OUT},
        {"territory", required_argument, NULL, OPT_TERRITORY},
        {"all", required_argument, NULL, OPT_ALL},
        {"html", no_argument, NULL, OPT_HTML},
        {"excel", no_argument, NULL, OPT_EXCEL},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *config_path = NULL, *out = NULL, *territory = NULL, *all = NULL;
    bool html = false, excel = false;
    unsigned threads = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case OPT_CONFIG: config_path = optarg; break;
        case OPT_OUT: out = optarg; break;
        case OPT_TERRITORY: territory = optarg; break;
        case OPT_ALL: all = optarg; break;
        case OPT_HTML: html = true; break;
        case OPT_EXCEL: excel = true; break;
        case OPT_THREADS: {
            char *end;
            long n = strtol(optarg, &end, 10);
            _Static_assert(DS_PORTRAIT_MAX_THREADS == 8, "the messages say 8");
            if (*optarg == '\0' || *end != '\0' || n < 1 || n > DS_PORTRAIT_MAX_THREADS)
                return usage_error("--threads takes a number from 1 to 8, not '%s'", optarg);
            threads = (unsigned)n;
            break;
        }
        case 'h': fputs(PORTRAIT_USAGE, stdout); return 0;
        default: return usage_error("%s", "portrait: bad option");
        }
    }
    if (optind < argc)
        return usage_error("portrait: unexpected argument '%s'", argv[optind]);
    if (config_path == NULL || out == NULL)
        return usage_error("%s", "portrait: --config and --out are required");
    if (excel && all != NULL)
        return usage_error("%s", "portrait: --excel writes one portrait's tables, not --all");
    ds_error err;
    ds_config *config;
    if (ds_config_load(config_path, &config, &err) != DS_OK)
        return fail(&err);
    ds_portrait_context *ctx;
    if (ds_portrait_context_open(config, &ctx, &err) != DS_OK) {
        ds_config_free(config);
        return fail(&err);
    }
    if (excel)
        config->out_excel = true;
    int code = 0;
    if (all != NULL) {
        code = batch(ctx, config, all, out, html, threads);
    } else {
        ds_portrait *p;
        ds_level level = territory == NULL && config->level_given ? config->level
                                                                   : DS_LEVEL_COUNT;
        ds_status st = ds_portrait_compute(ctx, territory ? territory : config->territory,
                                           level, &p, &err);
        ds_portrait_outputs what = {config->out_csv, config->out_json, config->out_html,
                                    config->out_geojson, config->out_excel};
        if (st == DS_OK)
            st = ds_portrait_write(p, out, &what, &err);
        if (st == DS_OK)
            summary(p, out, &what);
        else
            code = fail(&err);
        ds_portrait_free(p);
    }
    ds_portrait_context_free(ctx);
    ds_config_free(config);
    return finish_stdout(code);
}
