/* validation_row.h - one row of docs/VALIDATION.md, as a validation test reports it.
 *
 * A validation test prints each check it makes as one machine-readable line:
 *
 *   VALIDATION|section|check|formula|expected|measured|ci95|tolerance|result|rerun
 *
 * scripts/validation_report.sh runs the validation tests, collects these lines and writes the
 * document's tables from them, so the document cannot drift from what the tests measure. */
#ifndef RATELAB_VALIDATION_ROW_H
#define RATELAB_VALIDATION_ROW_H

#include <stdbool.h>
#include <stddef.h>

/* The text fields of a row (borrowed strings; none may contain '|' or a line break). */
typedef struct validation_row {
    const char *section;   /* which part of the document: "store", "generators", ... */
    const char *check;     /* a short name, unique in the document: "mm1_rho0.9_wq" */
    const char *formula;   /* the formula or reference the check compares with */
    const char *expected;  /* what theory or the other implementation says, with its unit */
    const char *measured;  /* what the model gave */
    const char *ci95;      /* the measured value's 95% confidence interval, or "exact" */
    const char *tolerance; /* what the test asserts */
    bool passed;           /* whether the assertion held */
    const char *rerun;     /* the command that reruns the check from the repository's root */
} validation_row;

/* The first word of every row line. */
#define VALIDATION_ROW_PREFIX "VALIDATION|"

/* Writes row as one line (with its newline) into buf of size bytes. Returns 0, or RL_ERR_INVALID
 * when a field is NULL or holds '|' or a line break, or RL_ERR_LIMIT when buf is too small. */
int validation_row_format(const validation_row *row, char *buf, size_t size);

#endif
