/* scenario_load.h - reading a scenario from a YAML file, with --set overrides, strictly. */
#ifndef RATELAB_SCENARIO_LOAD_H
#define RATELAB_SCENARIO_LOAD_H

#include <stddef.h>

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"

/* One `--set path=value` override, e.g. path "limiters.shared.rate", value "10/s". The strings
 * are borrowed from the caller for the duration of the call. */
typedef struct scenario_override {
    const char *path;
    const char *value;
} scenario_override;

/* Parses "path=value" (as given to --set) into out, pointing into text (which must outlive out).
 * Returns 0 or RL_ERR_INVALID with a message. */
int scenario_override_parse(const char *text, scenario_override *out, rl_error *err);

/* Loads the scenario in path into out, applying overrides (in order) before validation.
 * On error returns RL_ERR_INVALID (bad content), RL_ERR_IO (unreadable file) or RL_ERR_NOMEM,
 * with one line in err: "FILE:LINE: KEY: what was wrong; what is allowed". out is then
 * unspecified. Nothing is allocated that outlives the call. */
int scenario_load_file(const char *path, const scenario_override *overrides, size_t override_count,
                       scenario *out, rl_error *err);

/* The same from text in memory; name stands for the file in messages. */
int scenario_load_text(const char *text, size_t length, const char *name,
                       const scenario_override *overrides, size_t override_count, scenario *out,
                       rl_error *err);

/* The effective scenario of a run: the file at path with overrides applied (in order) and its
 * `sweep:` block replaced by sweep[0..sweep_count) (removed when sweep_count is 0), written as
 * YAML into a new NUL-terminated buffer in *out_text (*out_length bytes) that the caller frees
 * with rl_free. Loading that text gives the same scenario as loading path with the overrides:
 * the file a results folder keeps so that the run can be repeated from it. Returns 0 or the
 * loader's errors (the same message as scenario_load_file), or RL_ERR_NOMEM. */
int scenario_effective_yaml(const char *path, const scenario_override *overrides,
                            size_t override_count, const scenario_sweep_key *sweep,
                            int sweep_count, char **out_text, size_t *out_length, rl_error *err);

#endif
