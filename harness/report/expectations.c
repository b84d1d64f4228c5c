/* expectations.c - checking `expect:` claims and showing the outcome. */
#include "harness/report/expectations.h"

#include <math.h>

#include "harness/report/figures.h"
#include "harness/scenario/figure.h"

bool expectation_holds(expect_op op, double measured, double threshold) {
    switch (op) {
    case EXPECT_LT: return measured < threshold;
    case EXPECT_LE: return measured <= threshold;
    case EXPECT_GT: return measured > threshold;
    case EXPECT_GE: return measured >= threshold;
    case EXPECT_EQ: return fabs(measured - threshold) <= 1e-9 * fmax(1.0, fabs(threshold));
    }
    return false;
}

void expectations_measure(const scenario *s, const metrics *m, double *measured) {
    for (int i = 0; i < s->expectation_count; i++) {
        const scenario_expectation *e = &s->expectations[i];
        measured[i] = figures_value(m, e->api_index, (figure_id)e->figure);
    }
}

int expectations_check(const scenario *s, const double *measured, expectation_result *out) {
    int failed = 0;
    for (int i = 0; i < s->expectation_count; i++) {
        const scenario_expectation *e = &s->expectations[i];
        out[i].measured = measured[i];
        out[i].passed = expectation_holds(e->op, measured[i], e->threshold);
        failed += out[i].passed ? 0 : 1;
    }
    return failed;
}

void expectations_print(FILE *out, const scenario *s, const expectation_result *results) {
    for (int i = 0; i < s->expectation_count; i++) {
        const scenario_expectation *e = &s->expectations[i];
        char shown[48];
        figures_format((figure_id)e->figure, results[i].measured, shown, sizeof shown);
        fprintf(out, "  %s  %-40s measured %s\n", results[i].passed ? "PASS" : "FAIL", e->text,
                shown);
    }
}

void expectations_write_csv(FILE *out, const scenario *s, const expectation_result *results) {
    fputs("expression,subject,figure,op,threshold,measured,measured_value,passed\n", out);
    for (int i = 0; i < s->expectation_count; i++) {
        const scenario_expectation *e = &s->expectations[i];
        const char *subject = e->api_index < 0 ? "store" : s->apis[e->api_index].name;
        char shown[48];
        figures_format((figure_id)e->figure, results[i].measured, shown, sizeof shown);
        fprintf(out, "\"%s\",%s,%s,%s,%.17g,%s,%.17g,%s\n", e->text, subject,
                figure_info_of((figure_id)e->figure)->name, expect_op_text(e->op), e->threshold,
                shown, results[i].measured, results[i].passed ? "true" : "false");
    }
}
