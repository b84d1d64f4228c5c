/* ablation.h - does a scenario's ablation contradict its claim? A claim that credits an algorithm
 * ("GCRA spaces requests evenly") is contradicted when, among copies of one API, the same
 * algorithm with another burst tolerance changes the outcome while two algorithms at the same
 * tolerance do not: the setting, not the algorithm, caused the effect.
 *
 * The outcome is the figure that matters for the API's kind (the 429 rate for a burst-intolerant
 * API, the wasted quota for a quota-bound one), as the mean and 95% interval over the
 * experiment's replications: two candidates differ when their intervals do not overlap, and
 * are alike when the gap is within the intervals (and half a percentage point). */
#ifndef RATELAB_ABLATION_H
#define RATELAB_ABLATION_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/experiment/experiment.h"

#define ABLATION_TEXT_BYTES 1024

typedef struct ablation_result {
    bool has_ablation;   /* two copies of one API with one algorithm and different tolerances */
    bool setting_decides; /* the same algorithm, two tolerances: the outcome differs */
    bool algorithm_erased; /* two algorithms, one tolerance: the outcome is alike */
    bool claim_credits_algorithm; /* the claim names an algorithm of those candidates */
    bool contradicts;    /* all of the three above */
    char text[ABLATION_TEXT_BYTES]; /* what was found, in sentences (Markdown-safe) */
} ablation_result;

/* Checks the experiment e (run, with its estimates; its first point, as written) against its
 * scenario's claim text. Fills out; never fails. */
void ablation_check(const experiment *e, ablation_result *out);

#endif
