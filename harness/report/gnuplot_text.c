/* gnuplot_text.c - writing gnuplot assignments safely. */
#include "harness/report/gnuplot_text.h"

void gnuplot_write_string(FILE *out, const char *text) {
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c == '"' || *c == '\\') {
            fputc('\\', out);
            fputc(*c, out);
        } else if (*c == '\n') {
            fputs("\\n", out);
        } else if (*c >= 0x20 && *c != 0x7f) {
            fputc(*c, out);
        }
    }
    fputc('"', out);
}

void gnuplot_assign_string(FILE *out, const char *name, const char *text) {
    fprintf(out, "%s = ", name);
    gnuplot_write_string(out, text);
    fputc('\n', out);
}

void gnuplot_assign_number(FILE *out, const char *name, double value) {
    fprintf(out, "%s = %.10g\n", name, value);
}

void gnuplot_assign_strings(FILE *out, const char *name, const char *const *texts, int count) {
    if (count <= 0) {
        return;
    }
    fprintf(out, "array %s[%d] = [", name, count);
    for (int i = 0; i < count; i++) {
        fputs(i > 0 ? ", " : "", out);
        gnuplot_write_string(out, texts[i]);
    }
    fputs("]\n", out);
}

void gnuplot_assign_numbers(FILE *out, const char *name, const double *values, int count) {
    if (count <= 0) {
        return;
    }
    fprintf(out, "array %s[%d] = [", name, count);
    for (int i = 0; i < count; i++) {
        fprintf(out, "%s%.10g", i > 0 ? ", " : "", values[i]);
    }
    fputs("]\n", out);
}
