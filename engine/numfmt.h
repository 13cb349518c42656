/* diagsante (private) — formatting doubles fast, byte for byte as the reference rule. */
#ifndef DIAGSANTE_NUMFMT_H
#define DIAGSANTE_NUMFMT_H

#include <stddef.h>

/* Room ds_fmt_double needs (sign, 17 digits, point, exponent, NUL). */
#define DS_FMT_DOUBLE_MAX 40

/* Writes v into buf exactly as the reference rule does: the first of snprintf "%.15g",
 * "%.16g", "%.17g" that strtod reads back as v (so "%.17g" when neither shorter one does);
 * "" for NaN and infinities. Returns the length written (without the NUL).
 * Integers below 1e15 and values of 1e-6..1e15 are formatted with exact 128-bit integer
 * arithmetic (correct rounding, ties to even, and an exact round-trip test, as glibc's
 * printf and strtod do); other values go through snprintf and strtod themselves.
 * Thread-safe. The fast cases always write a '.' point: like the reference in the "C"
 * locale, the only one the tool runs in (it never calls setlocale). */
size_t ds_fmt_double(double v, char buf[DS_FMT_DOUBLE_MAX]);

#endif
