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
#define SCENARIO_FAULTS_MAX 16
#define SCENARIO_EXPECT_MAX 32
#define SCENARIO_EXPECT_TEXT_BYTES 128
#define SCENARIO_SWEEP_KEYS_MAX 4
#define SCENARIO_SWEEP_VALUES_MAX 16
#define SCENARIO_SWEEP_TEXT_BYTES 128

/* Where a limiter's state lives. */
typedef enum limiter_scope {
    LIMITER_SCOPE_LOCAL = 0, /* one limiter per pod, in the pod's memory */
    LIMITER_SCOPE_STORE,     /* "redis": one limiter shared by all pods, run atomically in the
                                store as one script call */
    LIMITER_SCOPE_STORE_LOCK /* "redis_lock": one shared state in the store, computed by the pods
                                under a lock: SET NX PX, GET, SET, compare-and-delete; four round
                                trips, retried while another pod holds the lock */
} limiter_scope;

/* What pods do when a shared limiter's store cannot answer (refused or timed out). */
typedef enum store_failure_mode {
    STORE_FAILURE_FAIL_CLOSED = 0, /* wait and ask the store again; send nothing meanwhile */
    STORE_FAILURE_FAIL_OPEN,       /* send at once, unlimited, while the store is away */
    STORE_FAILURE_LOCAL_FALLBACK   /* pace locally at the pod's share of the rate, from the last
                                      state the pod saw, until the store answers again */
} store_failure_mode;

typedef struct scenario_limiter {
    char name[SCENARIO_NAME_BYTES];
    limiter_config config;
    limiter_scope scope;
    store_failure_mode on_store_failure; /* shared scopes: when the store cannot answer */
    int64_t store_retry_us; /* shared scopes: after a store failure, a pod asks again after this */
    int64_t lock_ttl_us;    /* redis_lock: the lock's expiry (PX) */
    int64_t lock_retry_us;  /* redis_lock: a pod finding the lock held retries after a uniform
                               draw in [0, lock_retry_us] */
} scenario_limiter;

typedef struct scenario_api {
    char name[SCENARIO_NAME_BYTES];
    api_config config;
    int limit_line; /* where limit was written, for messages (0 when --set gave it) */
} scenario_api;

typedef enum workload_kind {
    WORKLOAD_GATHER = 0, /* `requests` jobs at once at wake-up (and every repeat_us, if set) */
    WORKLOAD_POISSON,    /* jobs arrive as a Poisson process at rate_count per rate_period_us */
    WORKLOAD_CONSTANT    /* jobs arrive evenly at rate_count per rate_period_us */
} workload_kind;

/* When a poisson or constant workload's first job arrives after its pod wakes. */
typedef enum workload_first {
    WORKLOAD_FIRST_NOW = 0, /* at wake-up (plus the traffic's start): every pod at once */
    WORKLOAD_FIRST_RANDOM   /* one gap later, drawn as the others are: constant, uniform in
                               [0, gap); poisson, exponential with the mean gap */
} workload_first;

typedef struct workload_config {
    workload_kind kind;
    int64_t requests;       /* gather: jobs per gather */
    int64_t repeat_us;      /* gather: period of further gathers; 0 = once */
    int64_t rate_count;     /* poisson, constant */
    int64_t rate_period_us; /* poisson, constant */
    int64_t concurrency;    /* jobs of this traffic a pod works on at once; 0 = no bound */
    workload_first first;   /* poisson, constant: when the first job comes after wake-up */
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
    int requests_line; /* where workload.requests was written (0: absent or from --set) */
} scenario_traffic;

typedef struct scenario_pod_group {
    char name[SCENARIO_NAME_BYTES];
    int64_t count;          /* pods in the group; >= 1 */
    int64_t start_us;       /* when the group's pods wake up */
    dist start_jitter_us;   /* added to start_us, drawn per pod */
    int count_line;         /* where count was written, for messages (0 when --set gave it) */
    int traffic_count;
    scenario_traffic traffic[SCENARIO_TRAFFIC_MAX];
} scenario_pod_group;

/* The simulated store: a single-threaded server behind a network. */
typedef struct store_config {
    dist network_us;           /* one-way network latency between a pod and the store */
    int64_t service_command_us; /* server time for a plain command (GET, SET, DEL, ...) */
    int64_t service_script_us;  /* server time for a limiter script (EVALSHA) */
    int64_t timeout_us;         /* a client gives up on a command after this long */
} store_config;

typedef enum fault_kind {
    FAULT_STORE_OUTAGE = 0, /* the store is away from at_us for for_us */
    FAULT_STORE_LATENCY,    /* extra_us added to each one-way trip to the store */
    FAULT_POD_RESTART,      /* `pods` pods of a group die at at_us and restart empty */
    FAULT_CLOCK_SKEW        /* each pod of a group reads a clock off by up to extra_us */
} fault_kind;

typedef enum outage_mode {
    OUTAGE_REFUSE = 0, /* connections refused at once (an error right away) */
    OUTAGE_BLACKHOLE   /* commands swallowed: no answer until the client's timeout */
} outage_mode;

/* One fault, in both worlds. Live: an outage is a fault proxy refusing or blackholing, or a
 * paused (CLIENT PAUSE / SIGSTOP) or killed server, as `live` says. */
typedef struct scenario_fault {
    fault_kind kind;
    int64_t at_us;
    int64_t for_us;    /* outage, latency: how long; restart: the pods are down this long */
    outage_mode mode;  /* outage */
    int64_t extra_us;  /* latency: added one-way delay; skew: largest offset either way */
    int group_index;   /* restart, skew: the pod group (-1 for every group) */
    int64_t pods;      /* restart: how many pods of the group restart */
    int line;          /* where it was written, for messages */
} scenario_fault;

/* How an expectation compares a measured figure with its threshold. */
typedef enum expect_op {
    EXPECT_LT = 0,
    EXPECT_LE,
    EXPECT_GT,
    EXPECT_GE,
    EXPECT_EQ
} expect_op;

/* One claim of an `expect:` block, such as "powerbi.rate_429 < 0.001". */
typedef struct scenario_expectation {
    int api_index; /* the API the figure is of, or -1 for the store */
    int figure;    /* a figure_id (figure.h) */
    expect_op op;
    double threshold; /* in the figure's unit (a ratio, us, or a count) */
    char text[SCENARIO_EXPECT_TEXT_BYTES]; /* as written, for the report */
    int line;
} scenario_expectation;

/* One key of a `sweep:` block: a --set path and the values it takes, as text. */
typedef struct scenario_sweep_key {
    char path[SCENARIO_SWEEP_TEXT_BYTES];
    int value_count;
    char values[SCENARIO_SWEEP_VALUES_MAX][SCENARIO_SWEEP_TEXT_BYTES];
    int line;
} scenario_sweep_key;

typedef struct scenario {
    char name[SCENARIO_NAME_BYTES];
    char description[SCENARIO_DESCRIPTION_BYTES];
    char claim[SCENARIO_DESCRIPTION_BYTES]; /* what the source claims, for docs/FINDINGS.md */
    char source_path[SCENARIO_PATH_BYTES]; /* the file it came from, for messages */
    uint64_t seed;
    int64_t duration_us; /* jobs are created until then; the run ends then */
    int64_t bin_us;      /* time-series bin */
    int duration_line;   /* where duration was written, for messages (0 when --set gave it) */
    store_config store;
    int api_count;
    scenario_api apis[SCENARIO_APIS_MAX];
    int limiter_count;
    scenario_limiter limiters[SCENARIO_LIMITERS_MAX];
    int pod_group_count;
    scenario_pod_group pod_groups[SCENARIO_POD_GROUPS_MAX];
    int fault_count;
    scenario_fault faults[SCENARIO_FAULTS_MAX];
    int expectation_count;
    scenario_expectation expectations[SCENARIO_EXPECT_MAX];
    int sweep_key_count; /* the grid is every combination of the keys' values */
    scenario_sweep_key sweep[SCENARIO_SWEEP_KEYS_MAX];
} scenario;

/* Total pods over all groups. */
int64_t scenario_pod_count(const scenario *s);

/* Index of the API called name, or -1. */
int scenario_find_api(const scenario *s, const char *name);

/* Index of the limiter called name, or -1. */
int scenario_find_limiter(const scenario *s, const char *name);

/* A static name of scope ("local", "redis", "redis_lock"). */
const char *limiter_scope_name(limiter_scope scope);

/* A static name of kind ("gather", "poisson", "constant"). */
const char *workload_kind_name(workload_kind kind);

/* A static name of mode ("fail_closed", "fail_open", "local_fallback"). */
const char *store_failure_mode_name(store_failure_mode mode);

/* A static text of op ("<", "<=", ">", ">=", "=="). */
const char *expect_op_text(expect_op op);

/* A static name of kind ("store_outage", "store_latency", "pod_restart", "clock_skew"). */
const char *fault_kind_name(fault_kind kind);

/* A static name of kind ("full", "equal", "decorrelated", "none"). */
const char *jitter_kind_name(jitter_kind kind);

#endif
