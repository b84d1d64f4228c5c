/* test_retry_behaviour.c - the pods' retry logic (fleet.c, backoff.c) against published results
 * and against the arithmetic of retry amplification.
 *
 * Both checks run the real pod logic in a scripted world (the pod_env interface, as
 * tests/unit/test_fleet.c does), with a small event heap for time, and no simulation engine.
 *
 * 1. Contention with retries, after the AWS Architecture Blog's "Exponential Backoff And
 *    Jitter" (Marc Brooker, 2015). N clients (N pods, one job each, all starting at t = 0)
 *    each update one row guarded by optimistic concurrency: an attempt reads the row's version
 *    (one network delay to the server), then writes with that version (two more delays: the
 *    read's answer and the write); the write succeeds only if no other write succeeded since
 *    the read; its answer takes one more delay. A failed write is answered like a 429 without
 *    Retry-After, so the pod backs off with its policy and tries again. Network delays are
 *    |Normal(10 ms, 2 ms)|, backoff base 5 ms, cap 2 s, as in the post's simulator. Measured:
 *    total calls (writes) and the time until the last client succeeded, over 100 independent
 *    runs per point. The post's findings that must reappear, at 50 and 100 clients: every
 *    jittered policy makes fewer calls than no backoff and than exponential backoff without
 *    jitter (95% intervals apart), and exponential backoff without jitter takes at least
 *    twice as long to finish as any jittered policy. At 100 clients, the post's figures: full
 *    jitter needs less than half the calls of exponential without jitter; full and equal
 *    jitter about the same calls (within 5%), decorrelated more; equal jitter slower than
 *    full, decorrelated faster.
 *
 *    The orderings alone bound nothing: a decorrelated jitter drawing up to 2 x the previous
 *    sleep instead of 3 x kept them all. So the same experiment is also simulated here apart
 *    from ratelab (its own event loop, clients and backoff written from the post's formulas:
 *    no fleet, no backoff.c), and ratelab's mean calls and time to finish must equal that
 *    simulation's, per policy at 50 and 100 clients: the difference of the means inside its
 *    interval at the family's level, and within OCC_AGREEMENT of the independent mean.
 *
 * 2. Retry amplification: an API that fails each attempt independently with probability p,
 *    and pods allowed n retries. Attempts per job must average 1 + p + ... + p^n, and the
 *    share of jobs abandoned must be p^(n+1). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/model/fleet.h"
#include "harness/metrics/metrics.h"
#include "harness/validation/validation_row.h"
#include "harness/core/validation_stats.h"

#define RETRY_SEED UINT64_C(0x2e7a1b0ff)
#define WORLD_STREAM (UINT64_C(1) << 41)
#define OCC_RUNS 100
#define OCC_NETWORK_MEAN_US 10000.0
#define OCC_NETWORK_SD_US 2000.0
#define OCC_BASE_US 5000
#define OCC_CAP_US 2000000
#define OCC_FAR_FACTOR 2.0 /* "far longer": at least this ratio of the mean times */
#define OCC_AGREEMENT 0.10 /* ratelab's means within 10% of the independent simulation's */
#define OCC_AGREEMENT_FAMILY 20 /* calls and time, 5 policies, 50 and 100 clients */
#define AMPLIFICATION_RUNS 20
#define AMPLIFICATION_JOBS 5000
#define WORLD_DURATION_US (INT64_C(3600) * 1000000)
#define TEST_BINARY "build/validation_retry_behaviour"

static void emit_row(const validation_row *row) {
    char line[2048];
    assert_int_equal(validation_row_format(row, line, sizeof line), 0);
    fputs(line, stdout);
    fflush(stdout);
}

/* ---- the scripted world ---- */

typedef enum world_event_kind {
    WORLD_TIMER = 0, /* a fleet timer: target, timer_kind */
    WORLD_OCC_READ,  /* a read reaches the server */
    WORLD_OCC_WRITE, /* a write reaches the server, with the version it read (value) */
    WORLD_API_REPLY  /* the answer reaches the pod: value 1 success, 0 failure */
} world_event_kind;

typedef struct world_event {
    int64_t due_us;
    uint64_t seq; /* ties in time run in the order they were scheduled */
    world_event_kind kind;
    fleet_timer_kind timer_kind;
    uint64_t target; /* timer target, or job id */
    int64_t value;
} world_event;

typedef enum world_api {
    WORLD_API_OCC = 0,  /* the contended row */
    WORLD_API_BERNOULLI /* fails each attempt with probability failure_p */
} world_api;

typedef struct world {
    int64_t now_us;
    world_event *heap;
    size_t count, capacity;
    uint64_t next_seq;
    fleet *fleet;
    rng random;
    world_api api;
    double failure_p;
    int64_t row_version;
    int64_t calls;           /* writes (OCC) or attempts (Bernoulli) */
    int64_t last_success_us; /* when the last successful answer reached its pod */
} world;

static bool event_before(const world_event *a, const world_event *b) {
    return a->due_us != b->due_us ? a->due_us < b->due_us : a->seq < b->seq;
}

static void world_push(world *w, world_event e) {
    if (w->count == w->capacity) {
        w->capacity = w->capacity == 0 ? 1024 : 2 * w->capacity;
        w->heap = realloc(w->heap, w->capacity * sizeof *w->heap);
        assert_non_null(w->heap);
    }
    e.seq = w->next_seq++;
    size_t i = w->count++;
    while (i > 0 && event_before(&e, &w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = e;
}

static world_event world_pop(world *w) {
    world_event top = w->heap[0];
    world_event last = w->heap[--w->count];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= w->count) {
            break;
        }
        if (child + 1 < w->count && event_before(&w->heap[child + 1], &w->heap[child])) {
            child++;
        }
        if (!event_before(&w->heap[child], &last)) {
            break;
        }
        w->heap[i] = w->heap[child];
        i = child;
    }
    w->heap[i] = last;
    return top;
}

/* One network delay: |Normal(mean, sd)| by Box-Muller, in whole microseconds. */
static int64_t world_network_us(world *w) {
    double u1 = rng_uniform01_open0(&w->random);
    double u2 = rng_uniform01(&w->random);
    double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
    return llround(fabs(OCC_NETWORK_MEAN_US + OCC_NETWORK_SD_US * z));
}

static int64_t world_now(void *context) {
    return ((world *)context)->now_us;
}

static void world_timer(void *context, int64_t delay_us, fleet_timer_kind kind, uint64_t target) {
    world *w = context;
    assert_true(delay_us >= 0);
    world_event e = {
        .due_us = w->now_us + delay_us, .kind = WORLD_TIMER, .timer_kind = kind, .target = target};
    world_push(w, e);
}

static void world_store_call(void *context, uint64_t job_token, int limiter_index, int64_t cost) {
    (void)context;
    (void)job_token;
    (void)limiter_index;
    (void)cost;
    fail_msg("no shared limiter in this world");
}

static void world_store_command(void *context, uint64_t job_token, const store_command *command) {
    (void)context;
    (void)job_token;
    (void)command;
    fail_msg("no shared limiter in this world");
}

static void world_api_call(void *context, uint64_t job_id, int api_index) {
    world *w = context;
    (void)api_index;
    if (w->api == WORLD_API_OCC) {
        world_event e = {
            .due_us = w->now_us + world_network_us(w), .kind = WORLD_OCC_READ, .target = job_id};
        world_push(w, e);
        return;
    }
    w->calls++;
    world_event e = {.due_us = w->now_us + 1000,
                     .kind = WORLD_API_REPLY,
                     .target = job_id,
                     .value = rng_uniform01(&w->random) >= w->failure_p};
    world_push(w, e);
}

static const pod_env_ops world_ops = {
    .now_us = world_now,
    .timer_start = world_timer,
    .store_limiter_call = world_store_call,
    .store_command = world_store_command,
    .api_call = world_api_call,
};

static void world_dispatch(world *w, const world_event *e) {
    switch (e->kind) {
    case WORLD_TIMER: fleet_on_timer(w->fleet, e->timer_kind, e->target); break;
    case WORLD_OCC_READ: { /* the read's answer comes back, then the write goes out */
        int64_t delay_us = world_network_us(w) + world_network_us(w);
        world_event write = {.due_us = w->now_us + delay_us,
                             .kind = WORLD_OCC_WRITE,
                             .target = e->target,
                             .value = w->row_version};
        world_push(w, write);
        break;
    }
    case WORLD_OCC_WRITE: {
        w->calls++;
        bool success = e->value == w->row_version;
        w->row_version += success;
        world_event reply = {.due_us = w->now_us + world_network_us(w),
                             .kind = WORLD_API_REPLY,
                             .target = e->target,
                             .value = success};
        world_push(w, reply);
        break;
    }
    case WORLD_API_REPLY: {
        api_response response = {.status = e->value ? API_STATUS_ACCEPTED : API_STATUS_REJECTED_429,
                                 .latency_us = 0,
                                 .retry_after_us = 0,
                                 .cost_tokens = 0};
        if (e->value) {
            w->last_success_us = w->now_us;
        }
        fleet_on_api_reply(w->fleet, e->target, &response);
        break;
    }
    }
}

/* A scenario of pods pods, each with one traffic entry of jobs jobs (a gather, concurrency at
 * most concurrency) to one API, with the retry policy. */
static scenario *world_scenario(int64_t pods, int64_t jobs, int64_t concurrency,
                                retry_config retry) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    snprintf(s->name, sizeof s->name, "retry_validation");
    s->duration_us = WORLD_DURATION_US;
    s->bin_us = 1000000;
    s->api_count = 1;
    snprintf(s->apis[0].name, sizeof s->apis[0].name, "resource");
    s->apis[0].config = (api_config){.kind = API_MODEL_BURST_INTOLERANT,
                                     .limit = 1000000,
                                     .window_us = 1000000,
                                     .burst_window_us = 1000000};
    s->pod_group_count = 1;
    scenario_pod_group *g = &s->pod_groups[0];
    snprintf(g->name, sizeof g->name, "clients");
    g->count = pods;
    g->traffic_count = 1;
    g->traffic[0] = (scenario_traffic){
        .api_index = 0,
        .limiter_index = -1,
        .workload = {.kind = WORKLOAD_GATHER, .requests = jobs, .concurrency = concurrency},
        .retry = retry,
    };
    return s;
}

typedef struct world_outcome {
    int64_t calls;
    int64_t finish_us;
    int64_t created, completed, abandoned;
} world_outcome;

/* Runs s's fleet in a world w (api set by the caller) until nothing is left to happen. */
static world_outcome world_run(const scenario *s, world *w, uint64_t seed) {
    metrics *m = calloc(1, sizeof *m);
    fleet *f = calloc(1, sizeof *f);
    assert_true(m != NULL && f != NULL);
    assert_int_equal(metrics_init(m, s), 0);
    pod_env env = {&world_ops, w};
    rl_error err;
    assert_int_equal(fleet_init(f, s, env, metrics_observer(m), seed, &err), 0);
    w->fleet = f;
    rng_seed(&w->random, seed, WORLD_STREAM);
    fleet_start(f);
    while (w->count > 0) {
        world_event e = world_pop(w);
        assert_true(e.due_us >= w->now_us);
        w->now_us = e.due_us;
        world_dispatch(w, &e);
    }
    assert_true(w->now_us < s->duration_us);
    assert_int_equal(f->first_error, 0);
    const api_metrics *a = &m->apis[0];
    world_outcome out = {w->calls, w->last_success_us, a->jobs_created, a->jobs_completed,
                         a->abandoned[ABANDON_RETRIES_EXHAUSTED]};
    assert_int_equal(a->attempts, w->calls);
    fleet_destroy(f);
    metrics_destroy(m);
    free(f);
    free(m);
    free(w->heap);
    w->heap = NULL;
    w->count = w->capacity = 0;
    return out;
}

/* ---- 1. contention with retries ---- */

typedef struct occ_policy {
    const char *name;
    retry_config retry;
    bool jittered;
} occ_policy;

static const occ_policy occ_policies[] = {
    {"no backoff", {100, 0, 0, JITTER_NONE, false}, false},
    {"exponential, no jitter", {100, OCC_BASE_US, OCC_CAP_US, JITTER_NONE, false}, false},
    {"full jitter", {100, OCC_BASE_US, OCC_CAP_US, JITTER_FULL, false}, true},
    {"equal jitter", {100, OCC_BASE_US, OCC_CAP_US, JITTER_EQUAL, false}, true},
    {"decorrelated jitter", {100, OCC_BASE_US, OCC_CAP_US, JITTER_DECORRELATED, false}, true},
};

#define OCC_POLICY_COUNT ((int)(sizeof occ_policies / sizeof occ_policies[0]))
#define OCC_NO_BACKOFF 0
#define OCC_EXPONENTIAL 1
#define OCC_FULL 2
#define OCC_EQUAL 3
#define OCC_DECORRELATED 4

typedef struct occ_point {
    validation_interval calls, finish_s; /* 95% intervals of the means over OCC_RUNS runs */
} occ_point;

static occ_point occ_measure(int64_t clients, int policy) {
    validation_sample calls = {0}, finish_s = {0};
    for (int run = 0; run < OCC_RUNS; run++) {
        scenario *s = world_scenario(clients, 1, 0, occ_policies[policy].retry);
        world w;
        memset(&w, 0, sizeof w);
        w.api = WORLD_API_OCC;
        uint64_t seed = RETRY_SEED + (uint64_t)(clients * 1000000 + policy * 10000 + run);
        world_outcome out = world_run(s, &w, seed);
        assert_int_equal(out.completed, clients); /* every client got its write in */
        assert_int_equal(w.row_version, clients);
        validation_sample_add(&calls, (double)out.calls);
        validation_sample_add(&finish_s, (double)out.finish_us / 1e6);
        free(s);
    }
    occ_point p = {validation_sample_mean_interval(&calls, 0.95),
                   validation_sample_mean_interval(&finish_s, 0.95)};
    return p;
}

/* a's interval lies wholly below b's. */
static bool interval_below(validation_interval a, validation_interval b) {
    return a.high < b.low;
}

static void occ_assertion_row(const char *check, int64_t clients, const char *formula,
                              const char *expected, const char *measured, const char *tolerance,
                              bool passed) {
    char name[64], full_formula[256];
    snprintf(name, sizeof name, "%s_n%lld", check, (long long)clients);
    snprintf(full_formula, sizeof full_formula, "%s (%lld clients)", formula, (long long)clients);
    validation_row row = {"retry",   name,     full_formula,
                          expected,  measured, "95% CIs in the rows above",
                          tolerance, passed,   TEST_BINARY " occ_contention_orderings"};
    emit_row(&row);
}

/* The post's main findings: jitter makes far fewer calls than no jitter, and exponential
 * backoff without jitter takes far longer than any jittered policy. */
static int occ_main_findings(int64_t clients, const occ_point *points) {
    const int jittered[] = {OCC_FULL, OCC_EQUAL, OCC_DECORRELATED};
    bool calls_ok = true, time_ok = true;
    double calls_ratio = 1e300, time_ratio = 1e300;
    for (int i = 0; i < 3; i++) {
        const occ_point *j = &points[jittered[i]];
        for (int u = OCC_NO_BACKOFF; u <= OCC_EXPONENTIAL; u++) {
            calls_ok = calls_ok && interval_below(j->calls, points[u].calls);
            calls_ratio = fmin(calls_ratio, points[u].calls.estimate / j->calls.estimate);
        }
        const occ_point *e = &points[OCC_EXPONENTIAL];
        time_ok = time_ok && interval_below(j->finish_s, e->finish_s) &&
                  e->finish_s.estimate >= OCC_FAR_FACTOR * j->finish_s.estimate;
        time_ratio = fmin(time_ratio, e->finish_s.estimate / j->finish_s.estimate);
    }
    char measured[128];
    snprintf(measured, sizeof measured, "%s; unjittered / jittered calls >= %.2f",
             calls_ok ? "holds" : "does not hold", calls_ratio);
    occ_assertion_row("occ_calls_jitter_below_no_jitter", clients,
                      "calls: full, equal and decorrelated jitter each below no backoff and below "
                      "exponential without jitter",
                      "jitter far fewer calls", measured, "every pair's 95% CIs apart", calls_ok);
    snprintf(measured, sizeof measured, "%s; exponential / jittered time >= %.2f",
             time_ok ? "holds" : "does not hold", time_ratio);
    char tolerance[128];
    snprintf(tolerance, sizeof tolerance, "every pair's 95%% CIs apart and ratio of means >= %.0f",
             OCC_FAR_FACTOR);
    occ_assertion_row("occ_time_no_jitter_longest", clients,
                      "time to finish: exponential without jitter above full, equal and "
                      "decorrelated jitter",
                      "no-jitter far longer", measured, tolerance, time_ok);
    return !calls_ok + !time_ok;
}

/* The post's figures at 100 clients: full jitter "reduced our call count by more than half"
 * against exponential backoff without jitter; full and equal jitter make about the same
 * number of calls, decorrelated more; equal jitter takes longer than full jitter, and
 * decorrelated jitter a little less time than full jitter. */
static int occ_published_details(int64_t clients, const occ_point *points) {
    const occ_point *full = &points[OCC_FULL], *equal = &points[OCC_EQUAL];
    const occ_point *decorrelated = &points[OCC_DECORRELATED];
    double half_ratio = points[OCC_EXPONENTIAL].calls.estimate / full->calls.estimate;
    bool half_ok = half_ratio > 2.0;
    char measured[192];
    snprintf(measured, sizeof measured, "exponential / full jitter calls = %.2f", half_ratio);
    occ_assertion_row("occ_calls_full_jitter_half", clients,
                      "calls: full jitter vs exponential without jitter (\"reduced our call "
                      "count by more than half\")",
                      "ratio > 2", measured, "ratio of means > 2", half_ok);
    double equal_vs_full = equal->calls.estimate / full->calls.estimate;
    bool details_ok = fabs(equal_vs_full - 1.0) <= 0.05 &&
                      interval_below(full->calls, decorrelated->calls) &&
                      interval_below(full->finish_s, equal->finish_s) &&
                      interval_below(decorrelated->finish_s, full->finish_s);
    snprintf(measured, sizeof measured,
             "equal/full calls %.3f; decorrelated/full calls %.3f; equal/full time %.2f; "
             "decorrelated/full time %.2f",
             equal_vs_full, decorrelated->calls.estimate / full->calls.estimate,
             equal->finish_s.estimate / full->finish_s.estimate,
             decorrelated->finish_s.estimate / full->finish_s.estimate);
    occ_assertion_row("occ_jitter_variants", clients,
                      "calls: full ~ equal, decorrelated higher; time: equal > full > "
                      "decorrelated",
                      "as published", measured,
                      "equal/full calls within 5%; the other three by 95% CIs apart", details_ok);
    return !half_ok + !details_ok;
}

static const char *const occ_policy_keys[] = {"none", "exponential", "full", "equal",
                                              "decorrelated"};

static void occ_contention_orderings(void **state) {
    (void)state;
    printf("# seed 0x%llx, %d runs per point\n", (unsigned long long)RETRY_SEED, OCC_RUNS);
    const int64_t client_counts[] = {20, 50, 100};
    int failures = 0;
    for (int n = 0; n < 3; n++) {
        int64_t clients = client_counts[n];
        occ_point points[OCC_POLICY_COUNT];
        for (int p = 0; p < OCC_POLICY_COUNT; p++) {
            points[p] = occ_measure(clients, p);
            char check[64], formula[160], measured[96], ci[128];
            snprintf(check, sizeof check, "occ_n%lld_%s", (long long)clients, occ_policy_keys[p]);
            snprintf(formula, sizeof formula, "OCC contention, %lld clients: %s",
                     (long long)clients, occ_policies[p].name);
            snprintf(measured, sizeof measured, "%.0f calls, %.3f s", points[p].calls.estimate,
                     points[p].finish_s.estimate);
            snprintf(ci, sizeof ci, "calls [%.0f, %.0f], time [%.3f, %.3f] s", points[p].calls.low,
                     points[p].calls.high, points[p].finish_s.low, points[p].finish_s.high);
            validation_row row = {"retry_table",
                                  check,
                                  formula,
                                  "-",
                                  measured,
                                  ci,
                                  "reported; the orderings are asserted",
                                  true,
                                  TEST_BINARY " occ_contention_orderings"};
            emit_row(&row);
        }
        if (clients >= 50) {
            failures += occ_main_findings(clients, points);
        }
        if (clients == 100) {
            failures += occ_published_details(clients, points);
        }
    }
    assert_int_equal(failures, 0);
}

/* ---- 1b. the same experiment, simulated apart from ratelab ---- */

typedef enum occ_step { OCC_SEND = 0, OCC_READ, OCC_WRITE, OCC_REPLY } occ_step;

/* One client of the independent simulation. */
typedef struct occ_client {
    int64_t attempts;      /* writes sent so far */
    int64_t last_sleep_us; /* the sleep before the latest retry (0 before the first) */
    int64_t seen_version;  /* the version its read saw */
} occ_client;

/* The sleep before retry k (k from 0) after a sleep of previous_us, from the post's formulas
 * with ratelab's two definitions (section 4 of VALIDATION.md): base x 2^k from k = 0, and
 * decorrelated uniform on [base, min(cap, 3 x previous)], previous = base at first. */
static int64_t occ_textbook_sleep_us(int policy, int64_t k, int64_t previous_us, rng *r) {
    if (policy == OCC_NO_BACKOFF) {
        return 0;
    }
    int64_t ceiling_us = OCC_BASE_US;
    for (int64_t i = 0; i < k && ceiling_us < OCC_CAP_US; i++) {
        ceiling_us *= 2;
    }
    ceiling_us = ceiling_us < OCC_CAP_US ? ceiling_us : OCC_CAP_US;
    switch (policy) {
    case OCC_FULL: return (int64_t)rng_below(r, (uint64_t)ceiling_us + 1);
    case OCC_EQUAL:
        return ceiling_us / 2 + (int64_t)rng_below(r, (uint64_t)(ceiling_us - ceiling_us / 2) + 1);
    case OCC_DECORRELATED: {
        int64_t high_us = 3 * (previous_us > 0 ? previous_us : OCC_BASE_US);
        high_us = high_us < OCC_CAP_US ? high_us : OCC_CAP_US;
        return OCC_BASE_US + (int64_t)rng_below(r, (uint64_t)(high_us - OCC_BASE_US) + 1);
    }
    default: return ceiling_us; /* exponential without jitter */
    }
}

/* One run of the independent simulation: clients clients, all sending at t = 0. The world's
 * event heap orders events (a WORLD_TIMER slot carries the step in timer_kind's place). */
static world_outcome occ_independent_run(int64_t clients, int policy, uint64_t seed) {
    world w;
    memset(&w, 0, sizeof w);
    rng_seed(&w.random, seed, WORLD_STREAM + 1);
    occ_client *c = calloc((size_t)clients, sizeof *c);
    assert_non_null(c);
    for (int64_t i = 0; i < clients; i++) {
        world_push(&w, (world_event){.due_us = 0, .value = OCC_SEND, .target = (uint64_t)i});
    }
    int64_t completed = 0;
    while (w.count > 0) {
        world_event e = world_pop(&w);
        w.now_us = e.due_us;
        occ_client *client = &c[e.target];
        world_event next = {.target = e.target};
        switch ((occ_step)e.value) {
        case OCC_SEND: next.value = OCC_READ; next.due_us = w.now_us + world_network_us(&w); break;
        case OCC_READ:
            client->seen_version = w.row_version;
            next.value = OCC_WRITE;
            next.due_us = w.now_us + world_network_us(&w) + world_network_us(&w);
            break;
        case OCC_WRITE:
            w.calls++;
            client->attempts++;
            next.kind = client->seen_version == w.row_version; /* success, carried in kind */
            w.row_version += next.kind == 1;
            next.value = OCC_REPLY;
            next.due_us = w.now_us + world_network_us(&w);
            break;
        case OCC_REPLY:
            if (e.kind == 1) {
                completed++;
                w.last_success_us = w.now_us;
                continue;
            }
            client->last_sleep_us = occ_textbook_sleep_us(policy, client->attempts - 1,
                                                           client->last_sleep_us, &w.random);
            next.value = OCC_SEND;
            next.due_us = w.now_us + client->last_sleep_us;
            break;
        }
        world_push(&w, next);
    }
    assert_int_equal(completed, clients);
    free(c);
    free(w.heap);
    world_outcome out = {w.calls, w.last_success_us, clients, completed, 0};
    return out;
}

/* Is ratelab's mean (interval a, OCC_RUNS runs) that of the independent one (b)? Reports the
 * row; returns whether it held. */
static bool occ_agreement_row(const char *check, const char *formula, const char *unit,
                              validation_interval a, validation_interval b) {
    double t = validation_student_t_quantile(0.975, OCC_RUNS - 1);
    double se_a = (a.high - a.estimate) / t, se_b = (b.high - b.estimate) / t;
    double se = sqrt(se_a * se_a + se_b * se_b);
    double level = validation_bonferroni_level(0.95, OCC_AGREEMENT_FAMILY);
    double z = validation_normal_quantile(0.5 + level / 2.0);
    double difference = a.estimate - b.estimate;
    bool passed = fabs(difference) <= z * se && fabs(difference) <= OCC_AGREEMENT * b.estimate;
    char expected[96], measured[96], ci[96], tolerance[192];
    snprintf(expected, sizeof expected, "%.4g%s (independent, CI [%.4g, %.4g])", b.estimate, unit,
             b.low, b.high);
    snprintf(measured, sizeof measured, "%.4g%s (%+.1f%%)", a.estimate, unit,
             100.0 * difference / b.estimate);
    snprintf(ci, sizeof ci, "[%.4g, %.4g]", a.low, a.high);
    snprintf(tolerance, sizeof tolerance,
             "difference of the means inside its %.2f%% interval (+/-%.3g, family of %d) and "
             "within %.0f%%",
             100.0 * level, z * se, OCC_AGREEMENT_FAMILY, 100.0 * OCC_AGREEMENT);
    validation_row row = {"retry",   check,    formula, expected, measured, ci,
                          tolerance, passed,   TEST_BINARY " occ_matches_independent_simulation"};
    emit_row(&row);
    return passed;
}

static void occ_matches_independent_simulation(void **state) {
    (void)state;
    const int64_t client_counts[] = {50, 100};
    int failures = 0;
    for (int n = 0; n < 2; n++) {
        int64_t clients = client_counts[n];
        for (int p = 0; p < OCC_POLICY_COUNT; p++) {
            occ_point ratelab = occ_measure(clients, p);
            validation_sample calls = {0}, finish_s = {0};
            for (int run = 0; run < OCC_RUNS; run++) {
                uint64_t seed = RETRY_SEED + (uint64_t)(clients * 1000000 + p * 10000 + run) +
                                UINT64_C(0x1000000000);
                world_outcome out = occ_independent_run(clients, p, seed);
                validation_sample_add(&calls, (double)out.calls);
                validation_sample_add(&finish_s, (double)out.finish_us / 1e6);
            }
            validation_interval calls_ci = validation_sample_mean_interval(&calls, 0.95);
            validation_interval finish_ci = validation_sample_mean_interval(&finish_s, 0.95);
            char check[64], formula[192];
            snprintf(check, sizeof check, "occ_n%lld_%s_calls_bound", (long long)clients,
                     occ_policy_keys[p]);
            snprintf(formula, sizeof formula,
                     "OCC contention, %lld clients, %s: mean calls, ratelab vs an independent "
                     "simulation of the post's experiment",
                     (long long)clients, occ_policies[p].name);
            failures += !occ_agreement_row(check, formula, " calls", ratelab.calls, calls_ci);
            snprintf(check, sizeof check, "occ_n%lld_%s_time_bound", (long long)clients,
                     occ_policy_keys[p]);
            snprintf(formula, sizeof formula,
                     "OCC contention, %lld clients, %s: mean time to finish, ratelab vs the "
                     "independent simulation",
                     (long long)clients, occ_policies[p].name);
            failures += !occ_agreement_row(check, formula, " s", ratelab.finish_s, finish_ci);
        }
    }
    assert_int_equal(failures, 0);
}

/* ---- 2. retry amplification ---- */

typedef struct amplification_case {
    double p;
    int64_t retries;
} amplification_case;

static const amplification_case amplification_cases[] = {
    {0.1, 3}, {0.3, 5}, {0.5, 1}, {0.5, 10}, {0.9, 3}, {0.9, 20},
};

#define AMPLIFICATION_CASES ((int)(sizeof amplification_cases / sizeof amplification_cases[0]))
#define AMPLIFICATION_FAMILY (2 * AMPLIFICATION_CASES)

static bool amplification_row(const char *check, const char *formula, double theory,
                              const validation_sample *s) {
    double level = validation_bonferroni_level(0.95, AMPLIFICATION_FAMILY);
    validation_interval ci95 = validation_sample_mean_interval(s, 0.95);
    validation_interval wide = validation_sample_mean_interval(s, level);
    bool inside = validation_interval_contains(wide, theory);
    char expected[64], measured[64], ci[96], tolerance[192];
    snprintf(expected, sizeof expected, "%.6f", theory);
    snprintf(measured, sizeof measured, "%.6f", s->mean);
    snprintf(ci, sizeof ci, "[%.6f, %.6f]", ci95.low, ci95.high);
    snprintf(tolerance, sizeof tolerance,
             "inside the %.2f%% CI [%.6f, %.6f] (family of %d at 95%%)", 100.0 * level, wide.low,
             wide.high, AMPLIFICATION_FAMILY);
    validation_row row = {"amplification", check,    formula,
                          expected,        measured, ci,
                          tolerance,       inside,   TEST_BINARY " retry_amplification"};
    emit_row(&row);
    return inside;
}

static void retry_amplification(void **state) {
    (void)state;
    int failures = 0;
    for (int c = 0; c < AMPLIFICATION_CASES; c++) {
        double p = amplification_cases[c].p;
        int64_t n = amplification_cases[c].retries;
        retry_config retry = {n, 1000, 1000, JITTER_FULL, false};
        validation_sample attempts = {0}, abandoned = {0};
        for (int run = 0; run < AMPLIFICATION_RUNS; run++) {
            scenario *s = world_scenario(1, AMPLIFICATION_JOBS, 10, retry);
            world w;
            memset(&w, 0, sizeof w);
            w.api = WORLD_API_BERNOULLI;
            w.failure_p = p;
            world_outcome out = world_run(s, &w, RETRY_SEED + (uint64_t)(1000 * c + run));
            assert_int_equal(out.created, AMPLIFICATION_JOBS);
            assert_int_equal(out.completed + out.abandoned, AMPLIFICATION_JOBS);
            validation_sample_add(&attempts, (double)out.calls / AMPLIFICATION_JOBS);
            validation_sample_add(&abandoned, (double)out.abandoned / AMPLIFICATION_JOBS);
            free(s);
        }
        double mean_theory = 0.0;
        for (int64_t k = 0; k <= n; k++) {
            mean_theory += pow(p, (double)k);
        }
        char check[64], formula[160];
        snprintf(check, sizeof check, "amplification_p%.1f_n%lld_attempts", p, (long long)n);
        snprintf(formula, sizeof formula,
                 "attempts per job = 1 + p + ... + p^n, p %.1f, n %lld (%d x %d jobs)", p,
                 (long long)n, AMPLIFICATION_RUNS, AMPLIFICATION_JOBS);
        failures += !amplification_row(check, formula, mean_theory, &attempts);
        snprintf(check, sizeof check, "amplification_p%.1f_n%lld_abandoned", p, (long long)n);
        snprintf(formula, sizeof formula, "share of jobs abandoned = p^(n+1), p %.1f, n %lld", p,
                 (long long)n);
        failures += !amplification_row(check, formula, pow(p, (double)(n + 1)), &abandoned);
    }
    assert_int_equal(failures, 0);
}

int main(int argc, char **argv) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(occ_contention_orderings),
        cmocka_unit_test(occ_matches_independent_simulation),
        cmocka_unit_test(retry_amplification),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
