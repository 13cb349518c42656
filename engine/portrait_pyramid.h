/* diagsante (private) — the age pyramid of the HTML report (portrait_pyramid.c). */
#ifndef DIAGSANTE_PORTRAIT_PYRAMID_H
#define DIAGSANTE_PORTRAIT_PYRAMID_H

#include <stdio.h>

#include "diagsante/portrait.h"

/* Writes the pyramid of p (a <figure>: the SVG with title and description, a legend
 * and the data table) when the configuration has [ages]; nothing otherwise. threshold
 * is the disclosure threshold as printed ("5"). */
void ds_portrait_pyramid_html(FILE *f, const ds_portrait *p, const char *threshold);

/* The scale of the bars: the smallest 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k at
 * least max_percent (1 when max_percent <= 0); a bar of share v is
 * v / scale x ds_pyramid_half_width(sexes) units long (the SVG is 640 units wide). */
double ds_pyramid_scale(double max_percent);
double ds_pyramid_half_width(int sexes);

#endif
