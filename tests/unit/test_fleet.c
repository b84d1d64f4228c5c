/* test_fleet.c - pod logic in a scripted world: the test plays the clock, the store and the API.
 * It also shows that pod logic needs nothing but pod_env.h: no simulation engine here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter_registry.h"
#include "harness/model/fleet.h"
#include "harness/metrics/metrics.h"

#define SCRIPT_MAX 2048

typedef struct pending_timer {
    int64_t due_us;
    fleet_timer_kind kind;
    uint64_t target;
    bool fired;
} pending_timer;

/* The scripted world: records what pods ask for; the test answers. */
typedef struct script_world {
    int64_t now_us;
    pending_timer timers[SCRIPT_MAX];
    int timer_count;
    uint64_t api_calls[SCRIPT_MAX]; /* job tokens, in order */
    int api_call_count;
    uint64_t store_calls[SCRIPT_MAX]; /* limiter calls and plain commands, in order */
    store_command commands[SCRIPT_MAX]; /* the plain command of store_calls[i], if one */
    bool is_command[SCRIPT_MAX];
    int store_call_count;
    int store_observe_count;          /* store_limiter_observe calls, in order: */
    limiter_outcome store_observes[SCRIPT_MAX];
    fleet *fleet;
} script_world;

static int64_t script_now(void *world) {
    return ((script_world *)world)->now_us;
}

static void script_timer(void *world, int64_t delay_us, fleet_timer_kind kind, uint64_t target) {
    script_world *w = world;
    assert_true(w->timer_count < SCRIPT_MAX);
    w->timers[w->timer_count++] = (pending_timer){w->now_us + delay_us, kind, target, false};
}

static void script_store(void *world, uint64_t job_token, int limiter_index, int64_t cost) {
    (void)limiter_index;
    (void)cost;
    script_world *w = world;
    assert_true(w->store_call_count < SCRIPT_MAX);
    w->is_command[w->store_call_count] = false;
    w->store_calls[w->store_call_count++] = job_token;
}

static void script_command(void *world, uint64_t job_token, const store_command *command) {
    script_world *w = world;
    assert_true(w->store_call_count < SCRIPT_MAX);
    w->is_command[w->store_call_count] = true;
    w->commands[w->store_call_count] = *command;
    w->store_calls[w->store_call_count++] = job_token;
}

static void script_api(void *world, uint64_t job_token, int api_index) {
    (void)api_index;
    script_world *w = world;
    assert_true(w->api_call_count < SCRIPT_MAX);
    w->api_calls[w->api_call_count++] = job_token;
}

static void script_store_observe(void *world, int limiter_index,
                                 const limiter_outcome *outcome) {
    script_world *w = world;
    assert_int_equal(limiter_index, 0);
    assert_true(w->store_observe_count < SCRIPT_MAX);
    w->store_observes[w->store_observe_count++] = *outcome;
}

static const pod_env_ops script_ops = {
    .now_us = script_now,
    .timer_start = script_timer,
    .store_limiter_call = script_store,
    .store_command = script_command,
    .api_call = script_api,
    .store_limiter_observe = script_store_observe,
};

/* Fires, in time order, every timer due up to until_us, moving the clock along. */
static void advance_to(script_world *w, int64_t until_us) {
    for (;;) {
        int next = -1;
        for (int i = 0; i < w->timer_count; i++) {
            if (!w->timers[i].fired && w->timers[i].due_us <= until_us &&
                (next < 0 || w->timers[i].due_us < w->timers[next].due_us)) {
                next = i;
            }
        }
        if (next < 0) {
            break;
        }
        w->timers[next].fired = true;
        w->now_us = w->timers[next].due_us;
        fleet_on_timer(w->fleet, w->timers[next].kind, w->timers[next].target);
    }
    w->now_us = until_us;
}

static void answer(script_world *w, uint64_t job, api_status status, int64_t retry_after_us) {
    api_response response = {.status = status, .retry_after_us = retry_after_us};
    fleet_on_api_reply(w->fleet, job, &response);
}

typedef struct fixture {
    scenario s;
    metrics m;
    fleet f;
    script_world w;
} fixture;

/* `pods` pods, one API, each pod a gather of `requests` jobs with the given concurrency and no
 * limiter; with fault (copied) when not NULL. */
static fixture *fixture_new_fleet(int64_t pods, int64_t requests, int64_t concurrency,
                                  int64_t ttl_us, const scenario_fault *fault) {
    fixture *x = calloc(1, sizeof *x);
    assert_non_null(x);
    scenario *s = &x->s;
    strcpy(s->name, "script");
    s->seed = 1;
    s->duration_us = 10000000;
    s->bin_us = 100000;
    s->api_count = 1;
    strcpy(s->apis[0].name, "api");
    s->apis[0].config = (api_config){.kind = API_MODEL_BURST_INTOLERANT, .limit = 100,
                                     .window_us = 1000000, .burst_window_us = 1000000};
    s->pod_group_count = 1;
    scenario_pod_group *g = &s->pod_groups[0];
    strcpy(g->name, "pods");
    g->count = pods;
    g->traffic_count = 1;
    g->traffic[0] = (scenario_traffic){
        .api_index = 0,
        .limiter_index = -1,
        .workload = {.kind = WORKLOAD_GATHER, .requests = requests, .concurrency = concurrency},
        .retry = {.max_retries = 1, .backoff_base_us = 1000, .backoff_cap_us = 1000,
                  .jitter = JITTER_NONE, .honour_retry_after = true},
        .ttl_us = ttl_us,
    };
    if (fault != NULL) {
        s->fault_count = 1;
        s->faults[0] = *fault;
    }
    assert_int_equal(metrics_init(&x->m, s), 0);
    pod_env env = {.ops = &script_ops, .world = &x->w};
    rl_error err;
    assert_int_equal(fleet_init(&x->f, s, env, metrics_observer(&x->m), 1, &err), 0);
    x->w.fleet = &x->f;
    return x;
}

/* One pod, one API, a gather of `requests` jobs with the given concurrency and no limiter. */
static fixture *fixture_new(int64_t requests, int64_t concurrency, int64_t ttl_us) {
    return fixture_new_fleet(1, requests, concurrency, ttl_us, NULL);
}

static void fixture_free(fixture *x) {
    fleet_destroy(&x->f);
    metrics_destroy(&x->m);
    free(x);
}

static void concurrency_429_retry_after_and_completion(void **state) {
    (void)state;
    fixture *x = fixture_new(3, 1, 0);
    script_world *w = &x->w;
    fleet_start(&x->f);
    advance_to(w, 0);
    /* Wake, arrival: job 0 goes out; jobs 1 and 2 wait for the single slot. */
    assert_int_equal(w->api_call_count, 1);
    uint64_t first = w->api_calls[0];
    /* t=100: 429 with Retry-After 500 us: the job sleeps exactly that long, then resends. */
    advance_to(w, 100);
    answer(w, first, API_STATUS_REJECTED_429, 500);
    advance_to(w, 599);
    assert_int_equal(w->api_call_count, 1);
    advance_to(w, 600);
    assert_int_equal(w->api_call_count, 2);
    assert_int_equal(w->api_calls[1], first);
    /* t=700: accepted. Its latency is 700 = api 100 + backoff 500 + api 100. */
    advance_to(w, 700);
    answer(w, first, API_STATUS_ACCEPTED, 0);
    assert_int_equal(w->api_call_count, 3); /* the next queued job took the slot */
    const api_metrics *a = &x->m.apis[0];
    assert_int_equal(a->jobs_completed, 1);
    assert_int_equal(a->latency.max, 700);
    assert_int_equal((int64_t)a->backoff.sum, 500);
    assert_int_equal((int64_t)a->api.sum, 200);
    /* The second job waited 700 us for the slot. */
    uint64_t second = w->api_calls[2];
    advance_to(w, 800);
    answer(w, second, API_STATUS_DROPPED, 0);
    /* Dropped: no Retry-After, so the backoff (1000 us, no jitter) applies. */
    advance_to(w, 1799);
    assert_int_equal(w->api_call_count, 3);
    advance_to(w, 1800);
    assert_int_equal(w->api_call_count, 4);
    /* Second failure with max_retries 1: abandoned, and the last job gets the slot. */
    advance_to(w, 1900);
    answer(w, second, API_STATUS_REJECTED_429, 10);
    assert_int_equal(a->abandoned[ABANDON_RETRIES_EXHAUSTED], 1);
    assert_int_equal(w->api_call_count, 5);
    fleet_finish(&x->f, 2000);
    rl_error err;
    assert_int_equal(metrics_finish(&x->m, 2000, (api_model[1]){{.config = x->s.apis[0].config}},
                                    (store_world_figures){0}, &err),
                     0);
    assert_int_equal(a->summary.jobs_created, 3);
    assert_int_equal(a->summary.jobs_pending, 1);
    assert_int_equal(a->summary.attempts, 5);
    assert_int_equal(a->summary.rejected_429, 2);
    assert_int_equal(a->summary.dropped, 1);
    fixture_free(x);
}

static void queued_jobs_expire_on_time(void **state) {
    (void)state;
    fixture *x = fixture_new(2, 1, 5000);
    script_world *w = &x->w;
    fleet_start(&x->f);
    advance_to(w, 0);
    assert_int_equal(w->api_call_count, 1);
    /* The queued job's time-to-live runs out at 5000 while the first is still in its call. */
    advance_to(w, 4999);
    assert_int_equal(x->m.apis[0].abandoned[ABANDON_TTL_EXPIRED], 0);
    advance_to(w, 5000);
    assert_int_equal(x->m.apis[0].abandoned[ABANDON_TTL_EXPIRED], 1);
    /* The first job answers late: it completes (the call was in flight) and nothing is sent. */
    advance_to(w, 6000);
    answer(w, w->api_calls[0], API_STATUS_ACCEPTED, 0);
    assert_int_equal(w->api_call_count, 1);
    assert_int_equal(x->m.apis[0].jobs_completed, 1);
    fixture_free(x);
}

static void stale_timer_of_a_requeued_job_is_ignored(void **state) {
    (void)state;
    /* Job B waits in the queue with a TTL timer due at 9000; it gets the slot at 100, then
     * backs off for 10000 after a 429. The old TTL timer at 9000 must not send it early. */
    fixture *x = fixture_new(2, 1, 9000);
    x->s.pod_groups[0].traffic[0].retry.max_retries = 3;
    script_world *w = &x->w;
    fleet_start(&x->f);
    advance_to(w, 100);
    answer(w, w->api_calls[0], API_STATUS_ACCEPTED, 0);
    assert_int_equal(w->api_call_count, 2);
    uint64_t b = w->api_calls[1];
    advance_to(w, 200);
    answer(w, b, API_STATUS_REJECTED_429, 10000);
    advance_to(w, 9000);
    /* At 9000 its deadline is reached while it sleeps: abandoned, not resent. */
    assert_int_equal(w->api_call_count, 2);
    assert_int_equal(x->m.apis[0].abandoned[ABANDON_TTL_EXPIRED], 1);
    fixture_free(x);
}

/* The pod restarts at 100 us while its three jobs are in their API calls, and wakes at 1100 with
 * three new ones, which are in their calls when the first bin (100 ms) closes: nothing waits, so
 * the bin's jobs_waiting is exactly 0, and once all have answered nothing is in flight. */
static void restart_during_api_calls_leaves_nothing_in_flight(void **state) {
    (void)state;
    scenario_fault restart = {.kind = FAULT_POD_RESTART, .at_us = 100, .for_us = 1000,
                              .group_index = -1, .pods = 1};
    fixture *x = fixture_new_fleet(1, 3, 0, 0, &restart);
    script_world *w = &x->w;
    const api_metrics *a = &x->m.apis[0];
    fleet_start(&x->f);
    advance_to(w, 100);
    assert_int_equal(w->api_call_count, 3);
    assert_int_equal(a->abandoned[ABANDON_POD_RESTARTED], 3);
    assert_int_equal(a->jobs_alive, 0);
    assert_int_equal(a->jobs_in_flight, 0);
    advance_to(w, 1100);
    assert_int_equal(w->api_call_count, 6);
    assert_int_equal(a->jobs_in_flight, 3);
    advance_to(w, 150000);
    for (int i = 0; i < 6; i++) { /* the dead jobs' late answers are dropped */
        answer(w, w->api_calls[i], API_STATUS_ACCEPTED, 0);
    }
    assert_int_equal(a->jobs_completed, 3);
    assert_int_equal(a->jobs_in_flight, 0);
    assert_int_equal(a->bins[0].jobs_waiting, 0);
    fleet_finish(&x->f, 200000);
    rl_error err;
    assert_int_equal(metrics_finish(&x->m, 200000,
                                    (api_model[1]){{.config = x->s.apis[0].config}},
                                    (store_world_figures){0}, &err),
                     0);
    assert_int_equal(a->bins[1].jobs_waiting, 0);
    fixture_free(x);
}

/* A restart gives up the pod's queued jobs too: one job in its call and two waiting for its
 * single worker slot are all abandoned as pod_restarted, and the pod comes back with an empty
 * queue (the next gather's first job goes out at once). */
static void restart_gives_up_queued_jobs_too(void **state) {
    (void)state;
    scenario_fault restart = {.kind = FAULT_POD_RESTART, .at_us = 100, .for_us = 1000,
                              .group_index = -1, .pods = 1};
    fixture *x = fixture_new_fleet(1, 3, 1, 0, &restart);
    const api_metrics *a = &x->m.apis[0];
    fleet_start(&x->f);
    advance_to(&x->w, 100);
    assert_int_equal(x->w.api_call_count, 1);
    assert_int_equal(a->abandoned[ABANDON_POD_RESTARTED], 3);
    assert_int_equal(a->jobs_alive, 0);
    assert_int_equal(x->f.jobs_alive, 0);
    advance_to(&x->w, 1100);
    assert_int_equal(x->w.api_call_count, 2);
    assert_int_equal(a->jobs_created, 6);
    fixture_free(x);
}

/* Restarting one pod of 100 (ten jobs each, 1000 alive) examines that pod's ten jobs only, not
 * every job record of the fleet: restarting every pod costs about what running them costs. */
static void restart_examines_only_the_restarted_pods_jobs(void **state) {
    (void)state;
    scenario_fault restart = {.kind = FAULT_POD_RESTART, .at_us = 100, .for_us = 1000,
                              .group_index = -1, .pods = 1};
    fixture *x = fixture_new_fleet(100, 10, 0, 0, &restart);
    fleet_start(&x->f);
    advance_to(&x->w, 100);
    assert_int_equal(x->w.api_call_count, 1000);
    assert_int_equal(x->m.apis[0].abandoned[ABANDON_POD_RESTARTED], 10);
    assert_int_equal(x->f.restart_jobs_examined, 10);
    fixture_free(x);
}

/* ---- the outcome of every attempt a limiter allowed reaches that limiter, once ---- */

/* What the spy limiter heard, in order (a test's own log: the spy is a pure function of its
 * settings otherwise, and the fleet owns its state). */
typedef struct spy_heard {
    limiter_outcome outcome;
    int64_t now_us;
} spy_heard;
static spy_heard spy_log[64];
static int spy_log_count;

/* Allows every request but each fourth (slot 0 counts decisions; a refusal waits 1000 us);
 * slot 1 counts the requests allowed. */
static void spy_decide(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                       int64_t cost, limiter_decision *out) {
    (void)cfg;
    (void)now_us;
    assert_int_equal(cost, 1);
    bool allowed = state->slot[0] % 4 != 3;
    state->slot[0]++;
    state->slot[1] += allowed;
    *out = (limiter_decision){.allowed = allowed, .wait_us = allowed ? 0 : 1000};
}

static void spy_observe(const limiter_config *cfg, limiter_state *state, int64_t now_us,
                        const limiter_outcome *outcome) {
    (void)cfg;
    (void)state;
    assert_true(spy_log_count < 64);
    spy_log[spy_log_count++] = (spy_heard){*outcome, now_us};
}

static int spy_validate(const limiter_config *cfg, rl_error *err) {
    (void)cfg;
    (void)err;
    return RL_OK;
}

static const limiter_algorithm spy_algorithm = {.name = "spy", .summary = "records outcomes",
                                                .validate = spy_validate,
                                                .decide = spy_decide,
                                                .observe = spy_observe};

/* One pod, a gather of `requests` jobs behind limiter 0 of algorithm and scope. */
static fixture *fixture_new_limited(const limiter_algorithm *algorithm, limiter_scope scope,
                                    int64_t requests, const scenario_fault *fault) {
    fixture *x = fixture_new_fleet(1, requests, 0, 0, fault);
    fleet_destroy(&x->f); /* again, with the limiter */
    metrics_destroy(&x->m);
    x->s.limiter_count = 1;
    x->s.limiters[0] = (scenario_limiter){
        .name = "spied",
        .config = {.algorithm = algorithm, .limit = 10, .period_us = 1000000, .burst = 5},
        .scope = scope,
        .on_store_failure = STORE_FAILURE_FAIL_OPEN,
        .store_retry_us = 1000};
    x->s.pod_groups[0].traffic[0].limiter_index = 0;
    assert_int_equal(metrics_init(&x->m, &x->s), 0);
    pod_env env = {.ops = &script_ops, .world = &x->w};
    rl_error err;
    assert_int_equal(fleet_init(&x->f, &x->s, env, metrics_observer(&x->m), 1, &err), 0);
    x->w.fleet = &x->f;
    spy_log_count = 0;
    return x;
}

static void assert_heard(int index, limiter_outcome_kind kind, int64_t retry_after_us,
                         int64_t latency_us, int64_t now_us) {
    assert_int_equal(spy_log[index].outcome.kind, kind);
    assert_int_equal(spy_log[index].outcome.retry_after_us, retry_after_us);
    assert_int_equal(spy_log[index].outcome.latency_us, latency_us);
    assert_int_equal(spy_log[index].outcome.cost, 1);
    assert_int_equal(spy_log[index].now_us, now_us);
}

/* A local limiter hears each answer (accepted, a 429 with its Retry-After, a drop) once, with
 * the call's latency, before the retry; a refused decision is never heard of; calls killed by a
 * pod restart are heard of as drops with the latency so far, and their late answers not again. */
static void local_limiter_hears_every_allowed_attempt_once(void **state) {
    (void)state;
    scenario_fault restart = {.kind = FAULT_POD_RESTART, .at_us = 2000, .for_us = 100000000,
                              .group_index = -1, .pods = 1};
    fixture *x = fixture_new_limited(&spy_algorithm, LIMITER_SCOPE_LOCAL, 4, &restart);
    script_world *w = &x->w;
    fleet_start(&x->f);
    advance_to(w, 0);
    assert_int_equal(w->api_call_count, 3); /* the fourth decision refuses: retry at 1000 */
    assert_int_equal(spy_log_count, 0);
    advance_to(w, 100);
    answer(w, w->api_calls[0], API_STATUS_ACCEPTED, 0);
    assert_int_equal(spy_log_count, 1);
    assert_heard(0, LIMITER_OUTCOME_ACCEPTED, 0, 100, 100);
    advance_to(w, 200);
    answer(w, w->api_calls[1], API_STATUS_REJECTED_429, 500);
    assert_heard(1, LIMITER_OUTCOME_REFUSED, 500, 200, 200);
    advance_to(w, 300);
    answer(w, w->api_calls[2], API_STATUS_DROPPED, 0);
    assert_heard(2, LIMITER_OUTCOME_DROPPED, 0, 300, 300);
    /* 700: the 429's job is allowed again; 1000: the refused one; 1300: the dropped one. */
    advance_to(w, 1999);
    assert_int_equal(w->api_call_count, 6);
    assert_int_equal(spy_log_count, 3);
    assert_int_equal(x->f.streams[0].local_limiter.slot[1], 6); /* allowed attempts */
    advance_to(w, 2000); /* the restart kills the three calls in flight */
    assert_int_equal(spy_log_count, 6);
    assert_heard(3, LIMITER_OUTCOME_DROPPED, 0, 2000 - 1000, 2000);
    assert_heard(4, LIMITER_OUTCOME_DROPPED, 0, 2000 - 1300, 2000);
    assert_heard(5, LIMITER_OUTCOME_DROPPED, 0, 2000 - 700, 2000);
    for (int i = 3; i < 6; i++) {
        answer(w, w->api_calls[i], API_STATUS_ACCEPTED, 0);
    }
    assert_int_equal(spy_log_count, 6); /* once per allowed attempt: 6 allowed, 6 heard */
    fixture_free(x);
}

/* A shared limiter (scope redis) hears through the store, fire-and-forget, when its algorithm
 * learns; a static one (gcra) costs the store nothing more; an attempt the limiter did not allow
 * (fail_open while the store is down) is heard of by nobody. */
static void shared_limiter_hears_through_the_store(void **state) {
    (void)state;
    fixture *x = fixture_new_limited(&spy_algorithm, LIMITER_SCOPE_STORE, 2, NULL);
    script_world *w = &x->w;
    fleet_start(&x->f);
    advance_to(w, 0);
    assert_int_equal(w->store_call_count, 2);
    store_reply allowed = {.status = STORE_REPLY_OK, .decision = {.allowed = true},
                           .decided_at_us = 0};
    store_reply down = {.status = STORE_REPLY_REFUSED};
    advance_to(w, 50);
    fleet_on_store_reply(&x->f, w->store_calls[0], &allowed);
    fleet_on_store_reply(&x->f, w->store_calls[1], &down); /* fail_open: sent unlimited */
    assert_int_equal(w->api_call_count, 2);
    advance_to(w, 250);
    answer(w, w->api_calls[0], API_STATUS_REJECTED_429, 300);
    answer(w, w->api_calls[1], API_STATUS_ACCEPTED, 0);
    assert_int_equal(w->store_observe_count, 1);
    assert_int_equal(w->store_observes[0].kind, LIMITER_OUTCOME_REFUSED);
    assert_int_equal(w->store_observes[0].retry_after_us, 300);
    assert_int_equal(w->store_observes[0].latency_us, 200);
    assert_int_equal(w->store_observes[0].cost, 1);
    assert_int_equal(spy_log_count, 0); /* the pod ran nothing itself */
    /* 550: the 429's job tries again; the store is still taken for down (until 1050): fail_open
     * sends it with no limiter's leave, so its answer is heard of by nobody. */
    advance_to(w, 550);
    assert_int_equal(w->api_call_count, 3);
    assert_int_equal(w->store_call_count, 2);
    advance_to(w, 600);
    answer(w, w->api_calls[2], API_STATUS_DROPPED, 0);
    assert_int_equal(w->store_observe_count, 1);
    fixture_free(x);

    x = fixture_new_limited(&limiter_gcra, LIMITER_SCOPE_STORE, 1, NULL);
    w = &x->w;
    fleet_start(&x->f);
    advance_to(w, 0);
    fleet_on_store_reply(&x->f, w->store_calls[0], &allowed);
    advance_to(w, 100);
    answer(w, w->api_calls[0], API_STATUS_ACCEPTED, 0);
    assert_int_equal(x->m.apis[0].jobs_completed, 1);
    assert_int_equal(w->store_observe_count, 0);
    fixture_free(x);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(concurrency_429_retry_after_and_completion),
        cmocka_unit_test(queued_jobs_expire_on_time),
        cmocka_unit_test(stale_timer_of_a_requeued_job_is_ignored),
        cmocka_unit_test(restart_during_api_calls_leaves_nothing_in_flight),
        cmocka_unit_test(restart_examines_only_the_restarted_pods_jobs),
        cmocka_unit_test(restart_gives_up_queued_jobs_too),
        cmocka_unit_test(local_limiter_hears_every_allowed_attempt_once),
        cmocka_unit_test(shared_limiter_hears_through_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
