/* figure.h - the headline figures a scenario can make claims about, by name.
 *
 * The names are part of the scenario format (`expect:` conditions, `ratelab compare` columns,
 * baseline files). Values come from a finished run (harness/report/figures.h). */
#ifndef RATELAB_FIGURE_H
#define RATELAB_FIGURE_H

#include <stdbool.h>

typedef enum figure_id {
    /* per API */
    FIGURE_RATE_429 = 0,     /* 429s / attempts */
    FIGURE_LATENCY_P50,      /* us, created to completed */
    FIGURE_LATENCY_P99,      /* us */
    FIGURE_WASTED_QUOTA,     /* unused quota in windows while jobs waited / quota */
    FIGURE_BURST_RATIO,      /* the peak in the API's burst window / its allowance */
    FIGURE_FAIRNESS,         /* Jain's index of accepted requests over pods with demand */
    FIGURE_DONE_RATIO,       /* jobs completed / jobs created */
    FIGURE_ABANDONED_RATIO,  /* jobs abandoned / jobs created */
    FIGURE_ATTEMPTS_PER_JOB, /* attempts / jobs created */
    /* the store */
    FIGURE_STORE_OPS,        /* commands served */
    FIGURE_STORE_RTT_P99,    /* us */
    FIGURE_STORE_LOCK_RETRIES,
    FIGURE_STORE_ERRORS,     /* refused + timed out round trips */
    FIGURE_COUNT
} figure_id;

/* How a figure's value is written and read. */
typedef enum figure_unit {
    FIGURE_UNIT_RATIO = 0, /* a fraction; a threshold may be written 0.1% */
    FIGURE_UNIT_TIME_US,   /* microseconds; a threshold may be written 250ms */
    FIGURE_UNIT_COUNT      /* a plain number */
} figure_unit;

/* One figure's description. */
typedef struct figure_info {
    const char *name;     /* as written after "API." or "store." */
    bool of_store;        /* a store figure (subject "store"), else per API */
    figure_unit unit;
    bool higher_is_better; /* fairness, done_ratio; for the others lower is better */
} figure_info;

/* The description of id (static). */
const figure_info *figure_info_of(figure_id id);

/* The figure called name for a store (of_store) or an API subject, or -1. */
int figure_find(const char *name, bool of_store);

/* Writes the names of the figures of a store (of_store) or of an API into buf as one
 * ", "-separated list. */
void figure_names_join(bool of_store, char *buf, unsigned long size);

#endif
