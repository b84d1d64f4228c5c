/* fuzz_check.h - what every load must give, whatever the input: the fuzz targets' oracle.
 *
 * A load either succeeds with a scenario inside every documented bound, or fails with
 * RL_ERR_INVALID (or RL_ERR_NOMEM) and one printable line that starts with the file's name or
 * "--set". Anything else aborts, which libFuzzer reports as a crash with its input. */
#ifndef RATELAB_FUZZ_CHECK_H
#define RATELAB_FUZZ_CHECK_H

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"

/* The name the fuzz targets give the text in messages. */
#define FUZZ_FILE_NAME "fuzz.yaml"

/* Checks the outcome of one scenario_load_text call (rc, and s or err); aborts with a message on
 * stderr when it breaks a promise of the loader. */
void fuzz_check_load(int rc, const scenario *s, const rl_error *err);

/* Checks the outcome of one scenario_override_parse call that failed: rc and err as above. */
void fuzz_check_override_error(int rc, const rl_error *err);

#endif
