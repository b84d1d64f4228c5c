/* validation_row.c - formatting the machine-readable line of a validation check. */
#include "harness/validation/validation_row.h"

#include <stdio.h>
#include <string.h>

#include "harness/core/rl_error.h"

static bool field_ok(const char *field) {
    return field != NULL && strpbrk(field, "|\r\n") == NULL;
}

int validation_row_format(const validation_row *row, char *buf, size_t size) {
    const char *fields[] = {row->section,  row->check, row->formula,   row->expected,
                            row->measured, row->ci95,  row->tolerance, row->rerun};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (!field_ok(fields[i])) {
            return RL_ERR_INVALID;
        }
    }
    int written = snprintf(buf, size, "%s%s|%s|%s|%s|%s|%s|%s|%s|%s\n", VALIDATION_ROW_PREFIX,
                           row->section, row->check, row->formula, row->expected, row->measured,
                           row->ci95, row->tolerance, row->passed ? "pass" : "FAIL", row->rerun);
    if (written < 0 || (size_t)written >= size) {
        return RL_ERR_LIMIT;
    }
    return RL_OK;
}
