/* scenario.h - a scenario as ratelab runs it: APIs, limiters, pod groups, the store, the clock.
 *
 * A scenario is plain data with fixed bounds (no pointers), so it can be copied, overridden
 * for a sweep point and compared. The loader (scenario_load.h) fills it from YAML. */
#ifndef RATELAB_SCENARIO_H
#define RATELAB_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "algorithms/limiter.h"
#include "harness/core/dist.h"
#include "mock_api/api_model.h"

#define SCENARIO_NAME_BYTES 64
#define SCENARIO_DESCRIPTION_BYTES 2048
#define SCENARIO_PATH_BYTES 512
#define SCENARIO_APIS_MAX 8
#define SCENARIO_LIMITERS_MAX 16
#define SCENARIO_POD_GROUPS_MAX 16
#define SCENARIO_TRAFFIC_MAX 4          /* traffic entries per pod group */
#define SCENARIO_PODS_MAX 10000000      /* pods over all groups */
#define SCENARIO_GATHER_REQUESTS_MAX 1000000
#define SCENARIO_RETRIES_MAX 100
#define SCENARIO_DURATION_MAX_US (INT64_C(7) * 24 * 3600 * 1000000) /* one week */
#define SCENARIO_BINS_MAX 1000000       /* duration / bin */

/* Where a limiter's state lives. */
typedef enum limiter_scope {
    LIMITER_SCOPE_LOCAL = 0, /* one limiter per pod, in the pod's memory */
    LIMITER_SCOPE_STORE      /* one limiter shared by all pods, run atomically in the store */
} limiter_scope;

typedef struct scenario_limiter {
    char name[SCENARIO_NAME_BYTES];
    limiter_config config;
    limiter_scope scope;
} scenario_limiter;

typedef struct scenario_api {
    char name[SCENARIO_NAME_BYTES];
    api_config config;
} scenario_api;

typedef enum workload_kind {
    WORKLOAD_GATHER = 0, /* `requests` jobs at once at wake-up (and every repeat_us, if set) */
    WORKLOAD_POISSON,    /* jobs arrive as a Poisson process at rate_count per rate_period_us */
    WORKLOAD_CONSTANT    /* jobs arrive evenly at rate_count per rate_period_us */
} workload_kind;

typedef struct workload_config {
    workload_kind kind;
    int64_t requests;       /* gather: jobs per gather */
    int64_t repeat_us;      /* gather: period of further gathers; 0 = once */
    int64_t rate_count;     /* poisson, constant */
    int64_t rate_period_us; /* poisson, constant */
    int64_t concurrency;    /* jobs of this traffic a pod works on at once; 0 = no bound */
} workload_config;

typedef enum jitter_kind {
    JITTER_FULL = 0,     /* sleep uniform in [0, backoff] (the default) */
    JITTER_EQUAL,        /* backoff/2 + uniform in [0, backoff/2] */
    JITTER_DECORRELATED, /* uniform in [base, 3 x previous sleep], capped */
    JITTER_NONE          /* sleep exactly backoff */
} jitter_kind;

/* What a pod does after a 429 or a dropped connection. */
typedef struct retry_config {
    int64_t max_retries;      /* retries per job after the first attempt; then it is abandoned */
    int64_t backoff_base_us;  /* backoff before retry k (k from 0) is base x 2^k, capped */
    int64_t backoff_cap_us;
    jitter_kind jitter;
    bool honour_retry_after;  /* sleep for a 429's Retry-After instead of the backoff */
} retry_config;

/* One stream of jobs from every pod of a group to one API, through one limiter (or none). */
typedef struct scenario_traffic {
    int api_index;     /* into scenario.apis */
    int limiter_index; /* into scenario.limiters; -1 for no limiter */
    workload_config workload;
    retry_config retry;
    int64_t ttl_us;    /* a job not completed this long after creation is abandoned; 0 = never */
    int64_t start_us;  /* jobs are created from the pod's wake-up plus this */
    int64_t stop_us;   /* ... until this run-relative instant; 0 = the run's end */
} scenario_traffic;

typedef struct scenario_pod_group {
    char name[SCENARIO_NAME_BYTES];
    int64_t count;          /* pods in the group; >= 1 */
    int64_t start_us;       /* when the group's pods wake up */
    dist start_jitter_us;   /* added to start_us, drawn per pod */
    int traffic_count;
    scenario_traffic traffic[SCENARIO_TRAFFIC_MAX];
} scenario_pod_group;

/* The simulated store: a single-threaded server behind a network. */
typedef struct store_config {
    dist network_us;           /* one-way network latency between a pod and the store */
    int64_t service_command_us; /* server time for a plain command (GET, SET, DEL, ...) */
    int64_t service_script_us;  /* server time for a limiter script (EVALSHA) */
} store_config;

typedef struct scenario {
    char name[SCENARIO_NAME_BYTES];
    char description[SCENARIO_DESCRIPTION_BYTES];
    char source_path[SCENARIO_PATH_BYTES]; /* the file it came from, for messages */
    uint64_t seed;
    int64_t duration_us; /* jobs are created until then; the run ends then */
    int64_t bin_us;      /* time-series bin */
    store_config store;
    int api_count;
    scenario_api apis[SCENARIO_APIS_MAX];
    int limiter_count;
    scenario_limiter limiters[SCENARIO_LIMITERS_MAX];
    int pod_group_count;
    scenario_pod_group pod_groups[SCENARIO_POD_GROUPS_MAX];
} scenario;

/* Total pods over all groups. */
int64_t scenario_pod_count(const scenario *s);

/* Index of the API called name, or -1. */
int scenario_find_api(const scenario *s, const char *name);

/* Index of the limiter called name, or -1. */
int scenario_find_limiter(const scenario *s, const char *name);

/* A static name of scope ("local", "redis"). */
const char *limiter_scope_name(limiter_scope scope);

/* A static name of kind ("gather", "poisson", "constant"). */
const char *workload_kind_name(workload_kind kind);

/* A static name of kind ("full", "equal", "decorrelated", "none"). */
const char *jitter_kind_name(jitter_kind kind);

#endif
