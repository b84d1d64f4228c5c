/* memory_estimate.h - how much memory a run needs at least, known before it starts, and how
 * much the machine has; so that a run too big for it is refused at once, with the estimate,
 * instead of being killed (or swapping) half way.
 *
 * The estimate counts what a run certainly allocates, from the sizes of the structures it
 * allocates them as: every pod and stream with its per-pod metrics and first event; the jobs of
 * one gather of every pod, alive at once (pods of a group wake together, give or take their
 * jitter: the stampede this tool is about); every time-series bin and quota window of every
 * API; and the fixed part (the metrics' histograms, the world). Jobs of Poisson and constant
 * workloads are not counted: how many wait at once depends on the run. */
#ifndef RATELAB_MEMORY_ESTIMATE_H
#define RATELAB_MEMORY_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "harness/core/rl_error.h"
#include "harness/scenario/scenario.h"

/* The parts of the estimate. */
typedef enum memory_part {
    MEMORY_PART_FIXED = 0, /* whatever the scenario's size */
    MEMORY_PART_PODS,      /* per pod and per stream */
    MEMORY_PART_JOBS,      /* the jobs of one gather of every pod */
    MEMORY_PART_BINS,      /* time-series bins of every API */
    MEMORY_PART_WINDOWS,   /* quota windows of every API */
    MEMORY_PART_COUNT
} memory_part;

typedef struct memory_estimate {
    uint64_t part_bytes[MEMORY_PART_COUNT];
    uint64_t total_bytes;
    memory_part largest;  /* the part that weighs most */
    int group_index;      /* pods: the largest group */
    int gather_group;     /* jobs: the group and traffic entry of the largest gather */
    int gather_traffic;
    int api_index;        /* windows: the API with the most quota windows */
} memory_estimate;

/* Fills out with the estimate for s (a loaded scenario). Never fails; sums saturate at
 * UINT64_MAX. */
void memory_estimate_scenario(const scenario *s, memory_estimate *out);

/* A static name of part ("pods", "jobs", "time series", "quota windows", "fixed"). */
const char *memory_part_name(memory_part part);

/* Reads the MemAvailable line of text in /proc/meminfo's format ("MemAvailable: 123 kB") into
 * *out_bytes. Returns 0 or RL_ERR_INVALID when there is no such line. */
int memory_available_parse(const char *meminfo_text, uint64_t *out_bytes);

/* Reads MemAvailable from the file at meminfo_path (normally /proc/meminfo) into *out_bytes.
 * Returns 0, or RL_ERR_IO / RL_ERR_INVALID with a message. */
int memory_available_read(const char *meminfo_path, uint64_t *out_bytes, rl_error *err);

/* Parses a size with its unit: a whole number followed by B, KiB, MiB, GiB or TiB ("512MiB",
 * "8GiB"), into *out_bytes. Returns 0 or RL_ERR_INVALID with a message. */
int memory_size_parse(const char *text, uint64_t *out_bytes, rl_error *err);

/* Formats bytes with a binary unit ("512 B", "3.2 MiB", "1.5 GiB") into buf of size bytes. */
void memory_size_format(uint64_t bytes, char *buf, size_t size);

/* Refuses s when its estimate exceeds available_bytes: returns RL_ERR_LIMIT with one line
 * "FILE:LINE: KEY: the run needs about X ...; ..." naming the key of the largest part (or
 * "--set:KEY: ..." when --set gave it), the parts, what is available (available_source says
 * where that figure came from, such as "MemAvailable") and what would fit. Returns 0 when it
 * fits. */
int memory_estimate_check(const scenario *s, uint64_t available_bytes,
                          const char *available_source, rl_error *err);

#endif
