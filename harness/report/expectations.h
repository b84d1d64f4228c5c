/* expectations.h - a scenario's `expect:` claims checked against what a run measured. */
#ifndef RATELAB_EXPECTATIONS_H
#define RATELAB_EXPECTATIONS_H

#include <stdbool.h>
#include <stdio.h>

#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"

/* One claim's outcome. */
typedef struct expectation_result {
    double measured; /* in the figure's unit */
    bool passed;
} expectation_result;

/* Whether measured op threshold holds; == allows a relative difference of 1e-9. */
bool expectation_holds(expect_op op, double measured, double threshold);

/* Fills measured[i] with the figure of s's expectation i from m (finished). */
void expectations_measure(const scenario *s, const metrics *m, double *measured);

/* Checks s's expectations against measured[i] (one per expectation) into out; returns how many
 * failed. */
int expectations_check(const scenario *s, const double *measured, expectation_result *out);

/* Writes one line per expectation: PASS or FAIL, the condition, the measured value. */
void expectations_print(FILE *out, const scenario *s, const expectation_result *results);

/* Writes the outcomes as CSV: expression, subject, figure, op, threshold, measured (as shown),
 * measured_value (a number in the figure's unit), passed (true or false): the columns the
 * report page reads (expression, measured, passed). */
void expectations_write_csv(FILE *out, const scenario *s, const expectation_result *results);

#endif
