/* scenario_blocks.h - the scenario's optional lists: faults, expectations and the sweep.
 *
 * Internal to the scenario loader; each reader fills its part of the scenario (count 0 when the
 * block is absent) and reports the first problem as schema_fail does. The APIs and pod groups
 * must be read first: faults and expectations refer to them by name. */
#ifndef RATELAB_SCENARIO_BLOCKS_H
#define RATELAB_SCENARIO_BLOCKS_H

#include "harness/scenario/schema_read.h"

/* Reads `faults:` (a list of fault mappings) into out->faults. */
int scenario_faults_read(const schema_ctx *c, const schema_map *root, scenario *out);

/* Reads `expect:` (a list of "SUBJECT.FIGURE OP VALUE" conditions) into out->expectations. */
int scenario_expect_read(const schema_ctx *c, const schema_map *root, scenario *out);

/* Parses one condition text into out (api names resolved against s); line for messages. */
int scenario_expect_parse(const schema_ctx *c, int line, const char *path, const char *text,
                          const scenario *s, scenario_expectation *out);

/* Reads `sweep:` (a mapping of --set paths to lists of values) into out->sweep. */
int scenario_sweep_read(const schema_ctx *c, const schema_map *root, scenario *out);

#endif
