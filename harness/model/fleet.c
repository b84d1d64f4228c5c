/* fleet.c - pod logic: jobs from creation to completion or abandonment. */
#include "harness/model/fleet.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"
#include "harness/core/rng_streams.h"
#include "harness/model/backoff.h"

#define FLEET_JOBS_INITIAL 1024
#define FLEET_JOBS_MAX (UINT32_MAX - 1)
#define JOB_ATTEMPT_COST 1 /* every attempt is one request: the cost limiters decide and learn */

static int64_t env_now(const fleet *f) {
    return f->env.ops->now_us(f->env.world);
}

static uint64_t job_token(const fleet *f, uint32_t id) {
    return (uint64_t)id | ((uint64_t)f->jobs[id].life << 32);
}

/* The live job a token names, or FLEET_NIL when it has died since. */
static uint32_t job_from_token(const fleet *f, uint64_t token) {
    uint32_t id = (uint32_t)(token & UINT32_MAX);
    if (id >= f->job_capacity || f->jobs[id].state == JOB_FREE ||
        f->jobs[id].life != (uint32_t)(token >> 32)) {
        return FLEET_NIL;
    }
    return id;
}

static const scenario_traffic *stream_traffic(const fleet *f, const fleet_stream *st) {
    return &f->scenario->pod_groups[f->pods[st->pod].group].traffic[st->traffic];
}

/* The job's stream's traffic, kept in the job when it is created: the stream and pod records it
 * comes from are cold at a million pods, and every step of a job reads it. */
static const scenario_traffic *job_traffic(const fleet *f, const fleet_job *job) {
    (void)f;
    assert(job->traffic != NULL);
    return job->traffic;
}

static rng *job_random(fleet *f, const fleet_job *job) {
    return &f->pods[f->streams[job->stream].pod].random;
}

/* The time on the pod's own clock: what local limiters and the lock protocol read. */
static int64_t pod_clock_us(const fleet *f, uint32_t pod) {
    int64_t t = env_now(f) + f->pods[pod].clock_offset_us;
    return t > 0 ? t : 0;
}

int fleet_job_api(const fleet *f, uint64_t token) {
    return job_traffic(f, &f->jobs[token & UINT32_MAX])->api_index;
}

/* Each shared limiter's per-pod share, used by local_fallback: the same algorithm with the
 * period stretched by the number of streams that share it, and the burst divided. */
static int fleet_prepare_fallbacks(fleet *f, rl_error *err) {
    const scenario *s = f->scenario;
    int64_t sharers[SCENARIO_LIMITERS_MAX] = {0};
    for (int g = 0; g < s->pod_group_count; g++) {
        for (int t = 0; t < s->pod_groups[g].traffic_count; t++) {
            int l = s->pod_groups[g].traffic[t].limiter_index;
            if (l >= 0) {
                sharers[l] += s->pod_groups[g].count;
            }
        }
    }
    for (int l = 0; l < s->limiter_count; l++) {
        const scenario_limiter *limiter = &s->limiters[l];
        f->fallback[l] = limiter->config;
        if (limiter->scope == LIMITER_SCOPE_LOCAL ||
            limiter->on_store_failure != STORE_FAILURE_LOCAL_FALLBACK || sharers[l] == 0) {
            continue;
        }
        limiter_config *share = &f->fallback[l];
        share->period_us = limiter->config.period_us * sharers[l];
        share->burst = limiter->config.burst / sharers[l] > 1 ? limiter->config.burst / sharers[l]
                                                               : 1;
        rl_error why;
        if (limiter_config_validate(share, &why) != RL_OK) {
            return rl_error_set(err, RL_ERR_INVALID,
                                "limiters.%s: its local_fallback share for each of %lld pods is "
                                "not a valid limiter: %s",
                                limiter->name, (long long)sharers[l], why.message);
        }
    }
    return RL_OK;
}

static void fleet_draw_clock_skew(fleet *f, uint64_t seed) {
    const scenario *s = f->scenario;
    rng skew_random;
    rng_seed(&skew_random, seed, RNG_STREAM_CLOCK_SKEW);
    for (int i = 0; i < s->fault_count; i++) {
        const scenario_fault *fault = &s->faults[i];
        if (fault->kind != FAULT_CLOCK_SKEW) {
            continue;
        }
        for (int64_t p = 0; p < f->pod_count; p++) {
            if (fault->group_index >= 0 && f->pods[p].group != (uint32_t)fault->group_index) {
                continue;
            }
            uint64_t span = (uint64_t)(2 * fault->extra_us) + 1;
            f->pods[p].clock_offset_us = (int64_t)rng_below(&skew_random, span) - fault->extra_us;
        }
    }
}

int fleet_init(fleet *f, const scenario *s, pod_env env, job_observer observer, uint64_t seed,
               rl_error *err) {
    memset(f, 0, sizeof *f);
    f->scenario = s;
    f->env = env;
    f->observer = observer;
    f->pod_count = scenario_pod_count(s);
    for (int g = 0; g < s->pod_group_count; g++) {
        f->stream_count += s->pod_groups[g].count * s->pod_groups[g].traffic_count;
    }
    if (f->stream_count >= (int64_t)UINT32_MAX) {
        return rl_error_set(err, RL_ERR_LIMIT, "too many pods x traffic entries (%lld)",
                            (long long)f->stream_count);
    }
    int rc = fleet_prepare_fallbacks(f, err);
    if (rc != RL_OK) {
        return rc;
    }
    f->pods = rl_calloc((size_t)f->pod_count, sizeof *f->pods);
    f->streams = rl_calloc((size_t)f->stream_count, sizeof *f->streams);
    f->jobs = rl_calloc(FLEET_JOBS_INITIAL, sizeof *f->jobs);
    if (f->pods == NULL || f->streams == NULL || f->jobs == NULL) {
        fleet_destroy(f);
        return rl_error_set(err, RL_ERR_NOMEM, "not enough memory for %lld pods",
                            (long long)f->pod_count);
    }
    f->job_capacity = FLEET_JOBS_INITIAL;
    for (uint32_t j = 0; j < f->job_capacity; j++) {
        f->jobs[j].next = j + 1 < f->job_capacity ? j + 1 : FLEET_NIL;
    }
    f->free_jobs = 0;
    int64_t pod = 0, stream = 0;
    for (int g = 0; g < s->pod_group_count; g++) {
        const scenario_pod_group *group = &s->pod_groups[g];
        for (int64_t i = 0; i < group->count; i++, pod++) {
            fleet_pod *p = &f->pods[pod];
            rng_seed(&p->random, seed, rng_stream_pod(pod));
            p->group = (uint32_t)g;
            p->first_stream = (uint32_t)stream;
            p->wake_us = group->start_us + dist_sample(&group->start_jitter_us, &p->random);
            for (int t = 0; t < group->traffic_count; t++, stream++) {
                fleet_stream *st = &f->streams[stream];
                st->pod = (uint32_t)pod;
                st->traffic = (uint16_t)t;
                st->queue_head = st->queue_tail = FLEET_NIL;
                st->jobs_head = FLEET_NIL;
            }
        }
    }
    fleet_draw_clock_skew(f, seed);
    return RL_OK;
}

void fleet_destroy(fleet *f) {
    rl_free(f->pods);
    rl_free(f->streams);
    rl_free(f->jobs);
    f->pods = NULL;
    f->streams = NULL;
    f->jobs = NULL;
}

void fleet_start(fleet *f) {
    int64_t now_us = env_now(f);
    for (int64_t p = 0; p < f->pod_count; p++) {
        int64_t delay_us = f->pods[p].wake_us - now_us;
        f->env.ops->timer_start(f->env.world, delay_us > 0 ? delay_us : 0, FLEET_TIMER_POD_WAKE,
                                (uint64_t)p);
    }
    for (int i = 0; i < f->scenario->fault_count; i++) {
        const scenario_fault *fault = &f->scenario->faults[i];
        if (fault->kind == FAULT_POD_RESTART && fault->at_us >= now_us) {
            f->env.ops->timer_start(f->env.world, fault->at_us - now_us, FLEET_TIMER_FAULT,
                                    (uint64_t)i);
        }
    }
}

/* Takes a job from the free list, growing the pool when empty; FLEET_NIL on failure. */
static uint32_t job_alloc(fleet *f) {
    if (f->free_jobs == FLEET_NIL) {
        if (f->job_capacity >= FLEET_JOBS_MAX / 2) {
            f->first_error = RL_ERR_LIMIT;
            return FLEET_NIL;
        }
        uint32_t grown = f->job_capacity * 2;
        fleet_job *jobs = rl_reallocarray(f->jobs, grown, sizeof *jobs);
        if (jobs == NULL) {
            f->first_error = RL_ERR_NOMEM;
            return FLEET_NIL;
        }
        memset(&jobs[f->job_capacity], 0, (size_t)(grown - f->job_capacity) * sizeof *jobs);
        for (uint32_t j = f->job_capacity; j < grown; j++) {
            jobs[j].next = j + 1 < grown ? j + 1 : FLEET_NIL;
        }
        f->free_jobs = f->job_capacity;
        f->jobs = jobs;
        f->job_capacity = grown;
    }
    uint32_t id = f->free_jobs;
    f->free_jobs = f->jobs[id].next;
    f->jobs_alive++;
    if (f->jobs_alive > f->jobs_alive_max) {
        f->jobs_alive_max = f->jobs_alive;
    }
    return id;
}

/* Adds the job to its stream's list of live jobs. */
static void stream_link_job(fleet *f, uint32_t id) {
    fleet_job *job = &f->jobs[id];
    fleet_stream *st = &f->streams[job->stream];
    job->peer_prev = FLEET_NIL;
    job->peer_next = st->jobs_head;
    if (st->jobs_head != FLEET_NIL) {
        f->jobs[st->jobs_head].peer_prev = id;
    }
    st->jobs_head = id;
}

/* Removes the job from its stream's list of live jobs. */
static void stream_unlink_job(fleet *f, uint32_t id) {
    fleet_job *job = &f->jobs[id];
    fleet_stream *st = &f->streams[job->stream];
    if (job->peer_prev == FLEET_NIL) {
        assert(st->jobs_head == id);
        st->jobs_head = job->peer_next;
    } else {
        f->jobs[job->peer_prev].peer_next = job->peer_next;
    }
    if (job->peer_next != FLEET_NIL) {
        f->jobs[job->peer_next].peer_prev = job->peer_prev;
    }
    job->peer_prev = job->peer_next = FLEET_NIL;
}

static void job_free(fleet *f, uint32_t id) {
    fleet_job *job = &f->jobs[id];
    assert(job->state == JOB_FREE); /* the door has moved it there */
    stream_unlink_job(f, id);
    job->holds_slot = false;
    job->timer_seq++; /* any timer still pending for it is stale */
    job->life++;      /* and so is any answer still on its way */
    job->next = f->free_jobs;
    f->free_jobs = id;
    f->jobs_alive--;
}

/* Adds the time spent in the job's current state to the matching part of its timing. */
static void job_close_phase(fleet_job *job, int64_t now_us) {
    int64_t spent_us = now_us - job->phase_start_us;
    assert(spent_us >= 0);
    switch ((job_state)job->state) {
    case JOB_QUEUED: job->timing.queue_wait_us += spent_us; break;
    case JOB_STORE:
    case JOB_LOCK_WAIT: job->timing.store_us += spent_us; break;
    case JOB_PACED:
    case JOB_LIMITER_DENIED: job->timing.limiter_wait_us += spent_us; break;
    case JOB_API: job->timing.api_us += spent_us; break;
    case JOB_BACKOFF: job->timing.backoff_us += spent_us; break;
    case JOB_READY: break; /* no wait: no time in the simulation, a few us of work live */
    case JOB_FREE:
    case JOB_STATE_COUNT: break;
    }
    job->phase_start_us = now_us;
}

static int64_t job_deadline_us(const fleet *f, const fleet_job *job) {
    int64_t ttl_us = job_traffic(f, job)->ttl_us;
    return ttl_us > 0 ? job->timing.created_us + ttl_us : INT64_MAX;
}

static void job_abandon(fleet *f, uint32_t id, abandon_reason reason);

/* Why a job moves: the cause, and for some causes a detail. */
typedef struct move_why {
    job_cause cause;
    abandon_reason reason; /* JOB_CAUSE_ABANDONED */
    api_status status;     /* JOB_CAUSE_API_ANSWER */
} move_why;

/* The one door through which a job changes state. Checks the move against the table of legal
 * moves (job_moves.c), closes the timing of the state it leaves, changes the state and tells the
 * observer. A move that ends a wait past the job's deadline (the table says which) gives the job
 * up as ttl_expired instead, and returns false: the caller must not touch the job again. A move
 * to JOB_FREE leaves freeing the record (and the worker slot) to the caller. */
static bool job_door(fleet *f, uint32_t id, job_state to, move_why why) {
    fleet_job *job = &f->jobs[id];
    job_state from = (job_state)job->state;
    assert(job_move_legal(from, to));
    assert((to == JOB_FREE) == (why.cause == JOB_CAUSE_COMPLETED ||
                                why.cause == JOB_CAUSE_ABANDONED));
    int64_t now_us = env_now(f);
    if (job_move_checks_deadline(from, to) && now_us >= job_deadline_us(f, job)) {
        job_abandon(f, id, ABANDON_TTL_EXPIRED);
        return false;
    }
    int64_t since_us = job->phase_start_us;
    job_close_phase(job, now_us);
    job->state = (uint8_t)to;
    const job_move move = {.from = from, .to = to, .cause = why.cause, .reason = why.reason,
                           .status = why.status, .api_index = job_traffic(f, job)->api_index,
                           .pod = job->pod, .now_us = now_us,
                           .from_since_us = since_us, .timing = &job->timing,
                           .books = &job->books};
    f->observer.ops->job_moved(f->observer.books, &move);
    return true;
}

/* Moves the job to `to` for cause; false when its deadline gave it up instead (see job_door). */
static bool job_move_to(fleet *f, uint32_t id, job_state to, job_cause cause) {
    return job_door(f, id, to, (move_why){.cause = cause});
}

/* Moves the job to `to` for cause, a move the table never checks against the deadline (so it
 * always happens). */
static void job_enter(fleet *f, uint32_t id, job_state to, job_cause cause) {
    assert(!job_move_checks_deadline((job_state)f->jobs[id].state, to));
    bool moved = job_move_to(f, id, to, cause);
    assert(moved);
    (void)moved;
}

static void job_acquire(fleet *f, uint32_t id);

/* A job left its worker slot: the next queued job of the stream (if any) takes it. */
static void stream_release_slot(fleet *f, uint32_t stream_index) {
    fleet_stream *st = &f->streams[stream_index];
    st->in_progress--;
    assert(st->in_progress >= 0);
    if (st->queue_head == FLEET_NIL) {
        return;
    }
    uint32_t next = st->queue_head;
    st->queue_head = f->jobs[next].next;
    if (st->queue_head == FLEET_NIL) {
        st->queue_tail = FLEET_NIL;
    }
    st->in_progress++;
    f->jobs[next].holds_slot = true;
    f->jobs[next].timer_seq++; /* its expiry timer for the queue is no longer needed */
    if (job_move_to(f, next, JOB_READY, JOB_CAUSE_SLOT_FREED)) {
        job_acquire(f, next);
    }
}

/* Removes a queued job from its stream's queue (it expired while queued). */
static void stream_unqueue(fleet *f, uint32_t id) {
    fleet_stream *st = &f->streams[f->jobs[id].stream];
    uint32_t previous = FLEET_NIL;
    for (uint32_t j = st->queue_head; j != FLEET_NIL; previous = j, j = f->jobs[j].next) {
        if (j != id) {
            continue;
        }
        if (previous == FLEET_NIL) {
            st->queue_head = f->jobs[j].next;
        } else {
            f->jobs[previous].next = f->jobs[j].next;
        }
        if (st->queue_tail == id) {
            st->queue_tail = previous;
        }
        return;
    }
    assert(!"queued job not in its stream's queue");
}

/* Tells the limiter that allowed the job's current attempt what became of it (kind, the 429's
 * Retry-After, latency since the request was sent), exactly once: an attempt no limiter allowed
 * (no limiter, fail_open) tells nobody. The pod's own limiters learn on the pod's clock, as they
 * decide; a shared limiter (scope redis) learns in the store, and only when its algorithm
 * learns at all (a static one would only load the store). */
static void job_report_outcome(fleet *f, uint32_t id, limiter_outcome_kind kind,
                               int64_t retry_after_us, int64_t latency_us) {
    fleet_job *job = &f->jobs[id];
    job_allower by = (job_allower)job->allowed_by;
    job->allowed_by = JOB_ALLOWED_BY_NONE;
    if (by == JOB_ALLOWED_BY_NONE) {
        return;
    }
    int limiter_index = job_traffic(f, job)->limiter_index;
    assert(limiter_index >= 0);
    const scenario_limiter *limiter = &f->scenario->limiters[limiter_index];
    fleet_stream *st = &f->streams[job->stream];
    const limiter_outcome outcome = {.kind = kind, .retry_after_us = retry_after_us,
                                     .latency_us = latency_us, .cost = JOB_ATTEMPT_COST};
    switch (by) {
    case JOB_ALLOWED_BY_POD:
        limiter_algorithm_observe(&limiter->config, &st->local_limiter, pod_clock_us(f, st->pod),
                                  &outcome);
        return;
    case JOB_ALLOWED_BY_FALLBACK:
        if (st->fallback_active) { /* else the state that allowed it is gone: nobody to tell */
            limiter_algorithm_observe(&f->fallback[limiter_index], &st->local_limiter,
                                      pod_clock_us(f, st->pod), &outcome);
        }
        return;
    case JOB_ALLOWED_BY_STORE:
        if (limiter->config.algorithm->observe != NULL) {
            f->env.ops->store_limiter_observe(f->env.world, limiter_index, &outcome);
        }
        return;
    case JOB_ALLOWED_BY_LOCK:
        /* the scenario loader refuses a learning algorithm under redis_lock */
        assert(limiter->config.algorithm->observe == NULL);
        return;
    case JOB_ALLOWED_BY_NONE: return;
    }
}

/* Gives the job up for reason; release_slot false when its stream is being reset anyway. */
static void job_abandon_ex(fleet *f, uint32_t id, abandon_reason reason, bool release_slot) {
    fleet_job *job = &f->jobs[id];
    uint32_t stream = job->stream;
    bool held_slot = job->holds_slot;
    if (job->state == JOB_API) { /* killed mid-call: its limiter hears of a drop */
        job_report_outcome(f, id, LIMITER_OUTCOME_DROPPED, 0, env_now(f) - job->phase_start_us);
    }
    if (!held_slot && release_slot) {
        assert(job->state == JOB_QUEUED);
        stream_unqueue(f, id);
    }
    bool moved = job_door(f, id, JOB_FREE,
                          (move_why){.cause = JOB_CAUSE_ABANDONED, .reason = reason});
    assert(moved); /* a move to FREE never checks the deadline */
    (void)moved;
    job_free(f, id);
    if (held_slot && release_slot) {
        stream_release_slot(f, stream);
    }
}

static void job_abandon(fleet *f, uint32_t id, abandon_reason reason) {
    job_abandon_ex(f, id, reason, true);
}

/* The API accepted the job: it completes and leaves its worker slot. */
static void job_complete(fleet *f, uint32_t id) {
    uint32_t stream = f->jobs[id].stream;
    assert(f->jobs[id].holds_slot);
    job_enter(f, id, JOB_FREE, JOB_CAUSE_COMPLETED);
    job_free(f, id);
    stream_release_slot(f, stream);
}

/* Starts the job's one timer; any earlier timer of the job becomes stale. */
static void job_timer_start(fleet *f, uint32_t id, int64_t delay_us) {
    fleet_job *job = &f->jobs[id];
    job->timer_seq++;
    uint64_t target = (uint64_t)id | ((uint64_t)job->timer_seq << 32);
    f->env.ops->timer_start(f->env.world, delay_us, FLEET_TIMER_JOB, target);
}

/* Moves the job into the waiting state for cause, for delay_us or until its deadline if that
 * comes first. */
static void job_sleep(fleet *f, uint32_t id, job_state state, job_cause cause, int64_t delay_us) {
    if (!job_move_to(f, id, state, cause)) {
        return;
    }
    int64_t until_deadline_us = job_deadline_us(f, &f->jobs[id]) - env_now(f);
    if (delay_us > until_deadline_us) { /* live, the clock may have passed it since the check */
        delay_us = until_deadline_us > 0 ? until_deadline_us : 0;
    }
    job_timer_start(f, id, delay_us);
}

static void job_send(fleet *f, uint32_t id) {
    fleet_job *job = &f->jobs[id];
    job_enter(f, id, JOB_API, JOB_CAUSE_SENT);
    job->attempts++;
    f->env.ops->api_call(f->env.world, job_token(f, id), job_traffic(f, job)->api_index);
}

/* Acts on a limiter's decision taken at decided_at_us; by says whose limiter it was, the one
 * that hears the outcome of the attempt when it is allowed. */
static void job_apply_decision(fleet *f, uint32_t id, const limiter_config *config,
                               const limiter_decision *decision, int64_t decided_at_us,
                               job_allower by) {
    int64_t now_us = env_now(f);
    int64_t remaining_us = decided_at_us + decision->wait_us - now_us;
    if (decision->allowed) {
        f->jobs[id].allowed_by = (uint8_t)by;
        if (remaining_us <= 0) {
            job_send(f, id);
        } else {
            job_sleep(f, id, JOB_PACED, JOB_CAUSE_PACED, remaining_us);
        }
        return;
    }
    if (config->algorithm->paces) {
        /* A pacing limiter refuses only when the wait would exceed its bound: give up. */
        job_abandon(f, id, ABANDON_LIMITER_REJECTED);
        return;
    }
    job_sleep(f, id, JOB_LIMITER_DENIED, JOB_CAUSE_DENIED, remaining_us > 1 ? remaining_us : 1);
}

/* Decides with a limiter held in the pod: by is JOB_ALLOWED_BY_POD (local scope) or
 * JOB_ALLOWED_BY_FALLBACK (a shared limiter's fallback). */
static void job_decide_in_pod(fleet *f, uint32_t id, const limiter_config *config,
                              job_allower by) {
    fleet_stream *st = &f->streams[f->jobs[id].stream];
    limiter_decision decision;
    config->algorithm->decide(config, &st->local_limiter, pod_clock_us(f, st->pod),
                              JOB_ATTEMPT_COST, &decision);
    job_apply_decision(f, id, config, &decision, env_now(f), by);
}

/* The store cannot answer now (it just failed, or failed recently): act as the limiter says. */
static void job_store_unavailable(fleet *f, uint32_t id, int limiter_index) {
    fleet_job *job = &f->jobs[id];
    fleet_stream *st = &f->streams[job->stream];
    const scenario_limiter *limiter = &f->scenario->limiters[limiter_index];
    int64_t now_us = env_now(f);
    switch (limiter->on_store_failure) {
    case STORE_FAILURE_FAIL_OPEN:
        job_send(f, id);
        return;
    case STORE_FAILURE_LOCAL_FALLBACK:
        if (!st->fallback_active) {
            /* Start from the last state the pod saw: as if its last granted request had gone
             * through its local share of the limiter. */
            memset(&st->local_limiter, 0, sizeof st->local_limiter);
            if (st->last_grant_us > 0) {
                limiter_decision ignored;
                f->fallback[limiter_index].algorithm->decide(&f->fallback[limiter_index],
                                                             &st->local_limiter, st->last_grant_us,
                                                             1, &ignored);
            }
            st->fallback_active = true;
        }
        job_decide_in_pod(f, id, &f->fallback[limiter_index], JOB_ALLOWED_BY_FALLBACK);
        return;
    case STORE_FAILURE_FAIL_CLOSED:
        if ((int64_t)job->store_failures > job_traffic(f, job)->retry.max_retries) {
            job_abandon(f, id, ABANDON_STORE_UNAVAILABLE);
            return;
        }
        job_sleep(f, id, JOB_LIMITER_DENIED, JOB_CAUSE_DENIED,
                  st->store_down_until_us > now_us ? st->store_down_until_us - now_us : 1);
        return;
    }
}

static void job_store_command(fleet *f, uint32_t id, store_op op) {
    fleet_job *job = &f->jobs[id];
    const scenario_traffic *traffic = job_traffic(f, job);
    const scenario_limiter *limiter = &f->scenario->limiters[traffic->limiter_index];
    store_command command = {.op = op, .limiter_index = traffic->limiter_index,
                             .owner = job_token(f, id), .lock_ttl_us = limiter->lock_ttl_us};
    if (op == STORE_OP_WRITE) {
        command.state = job->lock.state;
    }
    job->lock.step = (uint8_t)op;
    job_enter(f, id, JOB_STORE, JOB_CAUSE_STORE_CALL);
    f->env.ops->store_command(f->env.world, job_token(f, id), &command);
}

static void job_acquire(fleet *f, uint32_t id) {
    fleet_job *job = &f->jobs[id];
    const scenario_traffic *traffic = job_traffic(f, job);
    assert(job->state == JOB_READY);
    if (traffic->limiter_index < 0) {
        job_send(f, id);
        return;
    }
    const scenario_limiter *limiter = &f->scenario->limiters[traffic->limiter_index];
    if (limiter->scope == LIMITER_SCOPE_LOCAL) {
        job_decide_in_pod(f, id, &limiter->config, JOB_ALLOWED_BY_POD);
        return;
    }
    if (env_now(f) < f->streams[job->stream].store_down_until_us) {
        job_store_unavailable(f, id, traffic->limiter_index);
        return;
    }
    if (limiter->scope == LIMITER_SCOPE_STORE_LOCK) {
        job_store_command(f, id, STORE_OP_LOCK);
        return;
    }
    job_enter(f, id, JOB_STORE, JOB_CAUSE_STORE_CALL);
    f->env.ops->store_limiter_call(f->env.world, job_token(f, id), traffic->limiter_index,
                                   JOB_ATTEMPT_COST);
}

/* Creates one job on stream_index at now. */
static void stream_create_job(fleet *f, uint32_t stream_index) {
    uint32_t id = job_alloc(f);
    if (id == FLEET_NIL) {
        return;
    }
    fleet_stream *st = &f->streams[stream_index];
    const scenario_traffic *traffic = stream_traffic(f, st);
    fleet_job *job = &f->jobs[id];
    int64_t now_us = env_now(f);
    uint32_t timer_seq = job->timer_seq; /* both survive reuse, so that a dead job's timers */
    uint32_t life = job->life;           /* and answers stay stale */
    memset(job, 0, sizeof *job);
    job->timer_seq = timer_seq;
    job->life = life;
    job->stream = stream_index;
    job->pod = st->pod;
    job->traffic = traffic;
    job->next = FLEET_NIL;
    stream_link_job(f, id);
    job->timing.created_us = now_us;
    job->phase_start_us = now_us;
    int64_t concurrency = traffic->workload.concurrency;
    if (concurrency > 0 && st->in_progress >= concurrency) {
        job_enter(f, id, JOB_QUEUED, JOB_CAUSE_CREATED);
        if (st->queue_tail == FLEET_NIL) {
            st->queue_head = id;
        } else {
            f->jobs[st->queue_tail].next = id;
        }
        st->queue_tail = id;
        if (traffic->ttl_us > 0) { /* so that it expires on time even while queued */
            job_timer_start(f, id, traffic->ttl_us);
        }
        return;
    }
    st->in_progress++;
    job->holds_slot = true;
    job_enter(f, id, JOB_READY, JOB_CAUSE_CREATED);
    job_acquire(f, id);
}

/* The delay from now to the stream's next arrival, or -1 when the workload is done. */
static int64_t stream_next_arrival_delay(fleet *f, uint32_t stream_index, int64_t now_us) {
    fleet_stream *st = &f->streams[stream_index];
    const scenario_traffic *traffic = stream_traffic(f, st);
    const workload_config *w = &traffic->workload;
    int64_t next_us;
    switch (w->kind) {
    case WORKLOAD_GATHER:
        if (w->repeat_us <= 0) {
            return -1;
        }
        next_us = now_us + w->repeat_us;
        break;
    case WORKLOAD_POISSON: {
        rng *r = &f->pods[st->pod].random;
        double mean_us = (double)w->rate_period_us / (double)w->rate_count;
        next_us = now_us + dist_round_nonnegative(-mean_us * log(rng_uniform01_open0(r)));
        break;
    }
    case WORKLOAD_CONSTANT:
        next_us = st->first_arrival_us +
                  (int64_t)((__int128)st->arrivals * w->rate_period_us / w->rate_count);
        break;
    default:
        return -1;
    }
    int64_t stop_us = traffic->stop_us > 0 ? traffic->stop_us : f->scenario->duration_us;
    if (next_us >= stop_us || next_us >= f->scenario->duration_us) {
        return -1;
    }
    return next_us - now_us;
}

static void stream_start_arrivals(fleet *f, uint32_t stream_index, int64_t delay_us) {
    fleet_stream *st = &f->streams[stream_index];
    uint64_t target = (uint64_t)stream_index | ((uint64_t)st->arrival_chain << 32);
    f->env.ops->timer_start(f->env.world, delay_us, FLEET_TIMER_ARRIVAL, target);
}

static void stream_on_arrival(fleet *f, uint64_t target) {
    uint32_t stream_index = (uint32_t)(target & UINT32_MAX);
    fleet_stream *st = &f->streams[stream_index];
    if (st->arrival_chain != (uint32_t)(target >> 32)) {
        return; /* a chain of a pod that has restarted since */
    }
    const workload_config *w = &stream_traffic(f, st)->workload;
    int64_t now_us = env_now(f);
    if (st->arrivals == 0) {
        st->first_arrival_us = now_us;
    }
    st->arrivals++;
    int64_t jobs = w->kind == WORKLOAD_GATHER ? w->requests : 1;
    for (int64_t i = 0; i < jobs && f->first_error == RL_OK; i++) {
        stream_create_job(f, stream_index);
    }
    int64_t delay_us = stream_next_arrival_delay(f, stream_index, now_us);
    if (delay_us >= 0) {
        stream_start_arrivals(f, stream_index, delay_us);
    }
}

/* How long after the traffic's start its first job comes: 0 (first: now), or one gap drawn from
 * the pod's stream (first: random): uniform in [0, gap) for constant traffic, exponential with
 * the mean gap for Poisson traffic (as if the process had been running before). */
static int64_t first_arrival_offset(fleet *f, uint32_t pod_index,
                                    const scenario_traffic *traffic) {
    const workload_config *w = &traffic->workload;
    if (w->kind == WORKLOAD_GATHER || w->first == WORKLOAD_FIRST_NOW) {
        return 0;
    }
    rng *r = &f->pods[pod_index].random;
    if (w->kind == WORKLOAD_CONSTANT) {
        uint64_t gap_us = (uint64_t)(w->rate_period_us / w->rate_count);
        return gap_us > 0 ? (int64_t)rng_below(r, gap_us) : 0;
    }
    double mean_us = (double)w->rate_period_us / (double)w->rate_count;
    return dist_round_nonnegative(-mean_us * log(rng_uniform01_open0(r)));
}

static void pod_on_wake(fleet *f, uint64_t target) {
    uint32_t pod_index = (uint32_t)(target & UINT32_MAX);
    const fleet_pod *p = &f->pods[pod_index];
    if (p->wake_generation != (uint32_t)(target >> 32)) {
        return; /* scheduled before the pod restarted */
    }
    const scenario_pod_group *group = &f->scenario->pod_groups[p->group];
    int64_t now_us = env_now(f);
    for (int t = 0; t < group->traffic_count; t++) {
        const scenario_traffic *traffic = &group->traffic[t];
        int64_t delay_us = traffic->start_us + first_arrival_offset(f, pod_index, traffic);
        int64_t first_us = now_us + delay_us;
        int64_t stop_us = traffic->stop_us > 0 ? traffic->stop_us : f->scenario->duration_us;
        if (first_us >= stop_us || first_us >= f->scenario->duration_us) {
            continue;
        }
        stream_start_arrivals(f, p->first_stream + (uint32_t)t, delay_us);
    }
}

/* A pod dies: its jobs are lost, its streams forget everything; it wakes again after down_us
 * with empty local state and starts its workload afresh. */
static void pod_restart(fleet *f, uint32_t pod_index, int64_t down_us) {
    fleet_pod *p = &f->pods[pod_index];
    uint32_t traffic_count = (uint32_t)f->scenario->pod_groups[p->group].traffic_count;
    uint32_t first = p->first_stream, last = p->first_stream + traffic_count;
    for (uint32_t s = first; s < last; s++) {
        uint32_t id = f->streams[s].jobs_head;
        while (id != FLEET_NIL) {
            uint32_t next = f->jobs[id].peer_next;
            f->restart_jobs_examined++;
            assert(f->jobs[id].state != JOB_FREE);
            assert(f->jobs[id].stream == s);
            job_abandon_ex(f, id, ABANDON_POD_RESTARTED, false);
            id = next;
        }
    }
    for (uint32_t s = first; s < last; s++) {
        fleet_stream *st = &f->streams[s];
        assert(st->jobs_head == FLEET_NIL);
        uint32_t chain = st->arrival_chain + 1;
        uint32_t pod = st->pod;
        uint16_t traffic = st->traffic;
        memset(st, 0, sizeof *st);
        st->pod = pod;
        st->traffic = traffic;
        st->arrival_chain = chain;
        st->queue_head = st->queue_tail = FLEET_NIL;
        st->jobs_head = FLEET_NIL;
    }
    p->wake_generation++;
    f->env.ops->timer_start(f->env.world, down_us, FLEET_TIMER_POD_WAKE,
                            (uint64_t)pod_index | ((uint64_t)p->wake_generation << 32));
}

static void fault_on_start(fleet *f, uint32_t fault_index) {
    const scenario_fault *fault = &f->scenario->faults[fault_index];
    assert(fault->kind == FAULT_POD_RESTART);
    int64_t restarted = 0;
    for (int64_t p = 0; p < f->pod_count && restarted < fault->pods; p++) {
        if (fault->group_index >= 0 && f->pods[p].group != (uint32_t)fault->group_index) {
            continue;
        }
        pod_restart(f, (uint32_t)p, fault->for_us);
        restarted++;
    }
}

static void job_on_timer(fleet *f, uint64_t target) {
    uint32_t id = (uint32_t)(target & UINT32_MAX);
    fleet_job *job = &f->jobs[id];
    if (job->state == JOB_FREE || job->timer_seq != (uint32_t)(target >> 32)) {
        return; /* stale: the job has finished or started another wait since */
    }
    if (job->state == JOB_QUEUED) { /* its time-to-live ran out while waiting for a slot */
        job_abandon(f, id, ABANDON_TTL_EXPIRED);
        return;
    }
    assert(job->state == JOB_PACED || job->state == JOB_LIMITER_DENIED ||
           job->state == JOB_BACKOFF || job->state == JOB_LOCK_WAIT);
    job_state was = (job_state)job->state;
    if (!job_move_to(f, id, JOB_READY, JOB_CAUSE_WAIT_OVER)) {
        return; /* its time-to-live ran out */
    }
    if (was == JOB_PACED) {
        job_send(f, id);
    } else if (was == JOB_LOCK_WAIT) {
        job_store_command(f, id, STORE_OP_LOCK);
    } else {
        job_acquire(f, id);
    }
}

void fleet_on_timer(fleet *f, fleet_timer_kind kind, uint64_t target) {
    switch (kind) {
    case FLEET_TIMER_POD_WAKE: pod_on_wake(f, target); break;
    case FLEET_TIMER_ARRIVAL: stream_on_arrival(f, target); break;
    case FLEET_TIMER_JOB: job_on_timer(f, target); break;
    case FLEET_TIMER_FAULT: fault_on_start(f, (uint32_t)target); break;
    }
}

/* The next step of the lock protocol after a successful store answer. */
static void job_lock_step(fleet *f, uint32_t id, const store_reply *reply) {
    fleet_job *job = &f->jobs[id];
    const scenario_traffic *traffic = job_traffic(f, job);
    const scenario_limiter *limiter = &f->scenario->limiters[traffic->limiter_index];
    switch ((store_op)job->lock.step) {
    case STORE_OP_LOCK:
        if (!reply->ok) {
            f->observer.ops->lock_retry(f->observer.books);
            int64_t delay_us = (int64_t)rng_below(job_random(f, job),
                                                  (uint64_t)limiter->lock_retry_us + 1);
            job_sleep(f, id, JOB_LOCK_WAIT, JOB_CAUSE_LOCK_HELD, delay_us > 0 ? delay_us : 1);
            return;
        }
        job_store_command(f, id, STORE_OP_READ);
        return;
    case STORE_OP_READ:
        /* The pod computes the decision on the state it read, with its own clock. */
        job->lock.state = reply->state;
        limiter->config.algorithm->decide(&limiter->config, &job->lock.state,
                                          pod_clock_us(f, f->streams[job->stream].pod),
                                          JOB_ATTEMPT_COST, &job->lock.decision);
        job->lock.decided_at_us = env_now(f);
        job_store_command(f, id, STORE_OP_WRITE);
        return;
    case STORE_OP_WRITE:
        job_store_command(f, id, STORE_OP_UNLOCK);
        return;
    case STORE_OP_UNLOCK: {
        limiter_decision decision = job->lock.decision;
        if (decision.allowed) {
            f->streams[job->stream].last_grant_us = job->lock.decided_at_us + decision.wait_us;
        }
        job_apply_decision(f, id, &limiter->config, &decision, job->lock.decided_at_us,
                           JOB_ALLOWED_BY_LOCK);
        return;
    }
    }
}

void fleet_on_store_reply(fleet *f, uint64_t token, const store_reply *reply) {
    uint32_t id = job_from_token(f, token);
    if (id == FLEET_NIL) {
        return; /* the job died (pod restart) while the store worked on it */
    }
    fleet_job *job = &f->jobs[id];
    assert(job->state == JOB_STORE);
    int64_t now_us = env_now(f);
    f->observer.ops->store_round_trip(f->observer.books, now_us, now_us - job->phase_start_us,
                                      reply->status);
    if (!job_move_to(f, id, JOB_READY, JOB_CAUSE_STORE_ANSWER)) {
        return; /* its time-to-live ran out */
    }
    const scenario_traffic *traffic = job_traffic(f, job);
    fleet_stream *st = &f->streams[job->stream];
    if (reply->status != STORE_REPLY_OK) {
        const scenario_limiter *limiter = &f->scenario->limiters[traffic->limiter_index];
        job->store_failures++;
        st->store_down_until_us = now_us + limiter->store_retry_us;
        job_store_unavailable(f, id, traffic->limiter_index);
        return;
    }
    st->fallback_active = false; /* the store answers: back to the shared limiter */
    if (f->scenario->limiters[traffic->limiter_index].scope == LIMITER_SCOPE_STORE_LOCK) {
        job_lock_step(f, id, reply);
        return;
    }
    if (reply->decision.allowed) {
        st->last_grant_us = reply->decided_at_us + reply->decision.wait_us;
    }
    const limiter_config *config = &f->scenario->limiters[traffic->limiter_index].config;
    job_apply_decision(f, id, config, &reply->decision, reply->decided_at_us,
                       JOB_ALLOWED_BY_STORE);
}

/* What a limiter learns from an API status. */
static limiter_outcome_kind limiter_outcome_kind_of(api_status status) {
    switch (status) {
    case API_STATUS_ACCEPTED: return LIMITER_OUTCOME_ACCEPTED;
    case API_STATUS_REJECTED_429: return LIMITER_OUTCOME_REFUSED;
    case API_STATUS_DROPPED: return LIMITER_OUTCOME_DROPPED;
    }
    assert(!"unknown api_status");
    return LIMITER_OUTCOME_DROPPED;
}

void fleet_on_api_reply(fleet *f, uint64_t token, const api_response *response) {
    uint32_t id = job_from_token(f, token);
    if (id == FLEET_NIL) {
        return; /* the job died (pod restart) while its request was out */
    }
    fleet_job *job = &f->jobs[id];
    assert(job->state == JOB_API);
    fleet_stream *st = &f->streams[job->stream];
    const scenario_traffic *traffic = job_traffic(f, job);
    int64_t latency_us = env_now(f) - job->phase_start_us; /* since it was sent */
    bool moved = job_door(f, id, JOB_READY,
                          (move_why){.cause = JOB_CAUSE_API_ANSWER, .status = response->status});
    assert(moved); /* an answer is read before the deadline is checked */
    (void)moved;
    job_report_outcome(f, id, limiter_outcome_kind_of(response->status),
                       response->status == API_STATUS_REJECTED_429 ? response->retry_after_us : 0,
                       latency_us);
    if (response->status == API_STATUS_ACCEPTED) {
        job_complete(f, id);
        return;
    }
    if ((int64_t)job->attempts > traffic->retry.max_retries) {
        job_abandon(f, id, ABANDON_RETRIES_EXHAUSTED);
        return;
    }
    int64_t sleep_us;
    if (response->status == API_STATUS_REJECTED_429 && traffic->retry.honour_retry_after &&
        response->retry_after_us > 0) {
        sleep_us = response->retry_after_us;
    } else {
        sleep_us = backoff_delay_us(&traffic->retry, (int64_t)job->attempts - 1,
                                    job->last_sleep_us, &f->pods[st->pod].random);
    }
    job->last_sleep_us = sleep_us;
    job_sleep(f, id, JOB_BACKOFF, JOB_CAUSE_BACKOFF, sleep_us);
}

void fleet_finish(fleet *f, int64_t end_us) {
    for (uint32_t id = 0; id < f->job_capacity; id++) {
        fleet_job *job = &f->jobs[id];
        if (job->state == JOB_FREE) {
            continue;
        }
        f->observer.ops->job_pending_at_end(f->observer.books, job_traffic(f, job)->api_index,
                                            (job_state)job->state, end_us, &job->books);
    }
}

/* Prefetches the records of stream_index's pod: the stream, and when every pod has one stream
 * (stream i is pod i), the pod and its per-pod metrics. */
static void stream_prefetch(const fleet *f, uint64_t stream_index) {
    if (stream_index >= (uint64_t)f->stream_count) {
        return;
    }
    const fleet_stream *st = &f->streams[stream_index];
    __builtin_prefetch(st);
    __builtin_prefetch((const char *)(st + 1) - 1);
    if (f->stream_count == f->pod_count) {
        const fleet_pod *p = &f->pods[stream_index];
        __builtin_prefetch(p);
        __builtin_prefetch((const char *)(p + 1) - 1);
        if (f->observer.ops->prefetch_pod != NULL) {
            f->observer.ops->prefetch_pod(f->observer.books, (int64_t)stream_index);
        }
    }
}

void fleet_prefetch_timer(const fleet *f, fleet_timer_kind kind, uint64_t target) {
    switch (kind) {
    case FLEET_TIMER_POD_WAKE: break;
    case FLEET_TIMER_ARRIVAL: stream_prefetch(f, target & UINT32_MAX); break;
    case FLEET_TIMER_JOB: fleet_prefetch_job(f, target); break;
    case FLEET_TIMER_FAULT: break;
    }
}

void fleet_prefetch_job(const fleet *f, uint64_t job_token) {
    uint32_t job_id = (uint32_t)(job_token & UINT32_MAX);
    if (job_id >= f->job_capacity) {
        return;
    }
    const fleet_job *job = &f->jobs[job_id];
    __builtin_prefetch(job);
    __builtin_prefetch((const char *)(job + 1) - 1);
    if (job->state != JOB_FREE) {
        stream_prefetch(f, job->stream); /* reads the job: usually in cache, one step behind */
    }
}
