/* scenario_schema.h - turning a YAML tree into a scenario, checking every key and value.
 *
 * Internal to the scenario loader. Knows the scenario format (scenarios/README.md): which keys
 * each mapping allows, their types, units, defaults and ranges, and which keys apply to which
 * API model, limiter algorithm, workload kind and distribution. */
#ifndef RATELAB_SCENARIO_SCHEMA_H
#define RATELAB_SCENARIO_SCHEMA_H

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/yaml_tree.h"

/* Fills out (every field, defaults included; source_path is left alone) from root, a mapping.
 * file names the source in messages. Returns 0 or RL_ERR_INVALID with one line in err:
 * "FILE:LINE: KEY.PATH: what was wrong; what is allowed", or "--set:KEY.PATH: ..." for a value
 * that came from an override (line 0). Allocates nothing. */
int scenario_schema_read(const ytree_node *root, const char *file, scenario *out, rl_error *err);

#endif
