/* gnuplot_text.h - writing gnuplot assignments safely: any text becomes a double-quoted gnuplot
 * string with its quotes, backslashes and line ends escaped, so no data can end a string early. */
#ifndef RATELAB_GNUPLOT_TEXT_H
#define RATELAB_GNUPLOT_TEXT_H

#include <stdio.h>

/* Writes text to out as a gnuplot string literal ("..."); '\n' becomes a line break in the
 * figure, other control characters are dropped. */
void gnuplot_write_string(FILE *out, const char *text);

/* Writes `name = "text"` and a line end. */
void gnuplot_assign_string(FILE *out, const char *name, const char *text);

/* Writes `name = value` (a number) and a line end. */
void gnuplot_assign_number(FILE *out, const char *name, double value);

/* Writes `array name[count] = ["a", "b", ...]` and a line end; nothing when count is 0
 * (gnuplot has no empty arrays). */
void gnuplot_assign_strings(FILE *out, const char *name, const char *const *texts, int count);

/* Writes `array name[count] = [1, 2.5, ...]` and a line end; nothing when count is 0. */
void gnuplot_assign_numbers(FILE *out, const char *name, const double *values, int count);

#endif
