/* scenario_condition.h - one condition on a headline figure, "SUBJECT.FIGURE OP VALUE", read from
 * text that is not in a scenario file (such as `ratelab tune --constraint`). The `expect:` block
 * reads its items with the same parser and adds the file, line and key to its messages. */
#ifndef RATELAB_SCENARIO_CONDITION_H
#define RATELAB_SCENARIO_CONDITION_H

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"

/* Parses text into out, resolving the subject against s's APIs (or `store`); out->line is 0.
 * Returns 0 or RL_ERR_INVALID with the reason and what is allowed in err (no file:line prefix).
 * Nothing is allocated. */
int scenario_condition_parse(const scenario *s, const char *text, scenario_expectation *out,
                             rl_error *err);

#endif
