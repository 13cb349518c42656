/* diagsante (private) — helpers shared by the portrait writers (portrait_write.c,
 * portrait_html.c). */
#ifndef DIAGSANTE_PORTRAIT_WRITE_H
#define DIAGSANTE_PORTRAIT_WRITE_H

#include <stdbool.h>
#include <stdio.h>

#include "diagsante/portrait.h"
#include "textbuf.h"

/* The shortest decimal form that reads back exactly; "" for NaN. */
const char *ds_fmt_number(double v, char buf[40]);
/* "supérieur", "inférieur", "similaire", "non testé", "" (not available). */
const char *ds_direction_fr(const ds_versus *v);
/* "meilleur", "moins bon", "similaire", "sans objet", "". */
const char *ds_judgement_fr(const ds_versus *v);
/* A JSON string literal (null for NULL). */
void ds_json_string(FILE *f, const char *s);
/* SHA-256 of a file as 64 hex digits + NUL; false when it cannot be read. */
bool ds_sha256_file(const char *path, char hex[65]);
/* The input files of a portrait with their role, for provenance; returns how many. */
size_t ds_portrait_inputs(const ds_portrait *p, const char *kinds[], const char *paths[],
                          size_t max);
/* tables/portrait.csv and tables/chapitre_N.csv (UTF-8, ','); false on a write error. */
bool ds_portrait_write_long_csv(FILE *f, const ds_portrait *p);
bool ds_portrait_write_chapter_csv(FILE *f, const ds_portrait *p, int chapter);
/* True when some indicator of the portrait is in chapter. */
bool ds_portrait_has_chapter(const ds_portrait *p, int chapter);
/* The French-Excel tables (tables/excel/NAME.csv) and portrait.xlsx (portrait_excel.c),
 * opened in group (renamed when the group is committed). */
ds_status ds_portrait_write_excel(ds_output_group *group, const ds_portrait *p, const char *dir,
                                  ds_error *err);
/* portrait.geojson when the configuration gives geometry; nothing otherwise
 * (portrait_geojson.c). */
ds_status ds_portrait_write_geojson(ds_output_group *group, const ds_portrait *p, const char *dir,
                                    ds_error *err);
/* What ds_portrait_write_table and ds_portrait_write_json_line write, appended to b
 * (check b->failed); safe from several threads on different buffers. */
void ds_portrait_format_table(ds_textbuf *b, const ds_portrait *p, bool header);
void ds_portrait_format_json_line(ds_textbuf *b, const ds_portrait *p);
/* portrait.html (portrait_html.c); data is the ds_portrait. */
bool ds_portrait_write_html(FILE *f, const void *data);

#endif
