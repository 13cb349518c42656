/* diagsante — the portrait as one self-contained HTML page (first version: the tables;
 * charts and maps come next). */
#include <math.h>
#include <stdio.h>

#include "portrait_model.h"
#include "portrait_write.h"

static void html_text(FILE *f, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

bool ds_portrait_write_html(FILE *f, const void *data)
{
    const ds_portrait *p = data;
    const ds_config *c = ds_portrait_config(p);
    fputs("<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>", f);
    html_text(f, c->title);
    fputs(" — ", f), html_text(f, ds_portrait_name(p));
    fputs("</title></head><body><h1>", f);
    html_text(f, ds_portrait_name(p));
    fputs("</h1>\n", f);
    if (c->fictitious)
        fputs("<p><strong>Données fictives</strong></p>\n", f);
    for (int chapter = 1; chapter <= DS_CHAPTER_COUNT; chapter++) {
        fprintf(f, "<section><h2>%d. ", chapter);
        html_text(f, ds_chapter_name(chapter));
        fputs("</h2><table><tr><th>Indicateur</th><th>Valeur</th></tr>\n", f);
        for (size_t i = 0; i < ds_portrait_rows(p); i++) {
            const ds_portrait_row *row = ds_portrait_row_at(p, i);
            if (row->indicator->chapter != chapter)
                continue;
            char buf[40];
            fputs("<tr><td>", f), html_text(f, row->indicator->label);
            fputs("</td><td>", f);
            const ds_figure *t = &row->figure[DS_SCOPE_TERRITORY];
            if (t->withheld)
                fprintf(f, "&lt; %d", c->threshold);
            else
                html_text(f, ds_fmt_number(t->value, buf));
            fputs("</td></tr>\n", f);
        }
        fputs("</table></section>\n", f);
    }
    fputs("</body></html>\n", f);
    return true;
}
