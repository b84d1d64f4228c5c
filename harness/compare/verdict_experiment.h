/* verdict_experiment.h - "which limiter?" over an experiment's replications: the copies of one
 * API in a scenario, ranked as the report page ranks them (verdict.h), with the 95% intervals of
 * the replications, for `ratelab findings`. */
#ifndef RATELAB_VERDICT_EXPERIMENT_H
#define RATELAB_VERDICT_EXPERIMENT_H

#include <stdio.h>

#include "harness/experiment/experiment.h"

/* Writes one Markdown bullet per group of copies of one API (point 0 of e, run and summarised):
 * the API's kind and limits, then the verdict. Refusals here are 429s (the experiment's figures
 * do not count drops apart). */
void verdict_experiment_write(FILE *out, const experiment *e);

#endif
