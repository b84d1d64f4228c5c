/* fleet.c - pod logic: jobs from creation to completion or abandonment. */
#include "harness/model/fleet.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "harness/core/rl_error.h"
#include "harness/model/backoff.h"

/* Random stream ids: pods use 1..pod_count; other entities use ids above 2^40. */
#define FLEET_JOBS_INITIAL 1024
#define FLEET_JOBS_MAX (UINT32_MAX - 1)

static int64_t env_now(const fleet *f) {
    return f->env.ops->now_us(f->env.world);
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

int fleet_job_api(const fleet *f, uint32_t job_id) {
    return job_traffic(f, &f->jobs[job_id])->api_index;
}

int fleet_init(fleet *f, const scenario *s, pod_env env, metrics *m, uint64_t seed) {
    memset(f, 0, sizeof *f);
    f->scenario = s;
    f->env = env;
    f->metrics = m;
    f->pod_count = scenario_pod_count(s);
    for (int g = 0; g < s->pod_group_count; g++) {
        f->stream_count += s->pod_groups[g].count * s->pod_groups[g].traffic_count;
    }
    if (f->stream_count >= (int64_t)UINT32_MAX) {
        return RL_ERR_LIMIT;
    }
    f->pods = rl_calloc((size_t)f->pod_count, sizeof *f->pods);
    f->streams = rl_calloc((size_t)f->stream_count, sizeof *f->streams);
    f->jobs = rl_calloc(FLEET_JOBS_INITIAL, sizeof *f->jobs);
    if (f->pods == NULL || f->streams == NULL || f->jobs == NULL) {
        fleet_destroy(f);
        return RL_ERR_NOMEM;
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
            rng_seed(&p->random, seed, (uint64_t)pod + 1);
            p->group = (uint32_t)g;
            p->first_stream = (uint32_t)stream;
            p->wake_us = group->start_us + dist_sample(&group->start_jitter_us, &p->random);
            for (int t = 0; t < group->traffic_count; t++, stream++) {
                fleet_stream *st = &f->streams[stream];
                st->pod = (uint32_t)pod;
                st->traffic = (uint16_t)t;
                st->queue_head = st->queue_tail = FLEET_NIL;
            }
        }
    }
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
                                (uint32_t)p);
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

static void job_free(fleet *f, uint32_t id) {
    f->jobs[id].state = JOB_FREE;
    f->jobs[id].timer_seq++; /* any timer still pending for it is stale */
    f->jobs[id].next = f->free_jobs;
    f->free_jobs = id;
    f->jobs_alive--;
}

/* Adds the time spent in the job's current state to the matching part of its timing. */
static void job_close_phase(fleet_job *job, int64_t now_us) {
    int64_t spent_us = now_us - job->phase_start_us;
    switch ((job_state)job->state) {
    case JOB_QUEUED: job->timing.queue_wait_us += spent_us; break;
    case JOB_STORE: job->timing.store_us += spent_us; break;
    case JOB_PACED:
    case JOB_LIMITER_DENIED: job->timing.limiter_wait_us += spent_us; break;
    case JOB_API: job->timing.api_us += spent_us; break;
    case JOB_BACKOFF: job->timing.backoff_us += spent_us; break;
    case JOB_FREE: break;
    }
    job->phase_start_us = now_us;
}

static void job_acquire(fleet *f, uint32_t id);

/* A job left its worker slot: the next queued job of the stream (if any) takes it. */
static void stream_release_slot(fleet *f, uint32_t stream_index) {
    fleet_stream *st = &f->streams[stream_index];
    st->in_progress--;
    if (st->queue_head == FLEET_NIL) {
        return;
    }
    uint32_t next = st->queue_head;
    st->queue_head = f->jobs[next].next;
    if (st->queue_head == FLEET_NIL) {
        st->queue_tail = FLEET_NIL;
    }
    st->in_progress++;
    f->jobs[next].timer_seq++; /* its expiry timer for the queue is no longer needed */
    job_close_phase(&f->jobs[next], env_now(f));
    job_acquire(f, next);
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

static void job_abandon(fleet *f, uint32_t id, abandon_reason reason) {
    fleet_job *job = &f->jobs[id];
    int64_t now_us = env_now(f);
    uint32_t stream = job->stream;
    bool held_slot = job->state != JOB_QUEUED;
    if (!held_slot) {
        stream_unqueue(f, id);
    }
    job_close_phase(job, now_us);
    metrics_job_abandoned(f->metrics, job_traffic(f, job)->api_index, now_us, reason, &job->quota);
    job_free(f, id);
    if (held_slot) {
        stream_release_slot(f, stream);
    }
}

static int64_t job_deadline_us(const fleet *f, const fleet_job *job) {
    int64_t ttl_us = job_traffic(f, job)->ttl_us;
    return ttl_us > 0 ? job->timing.created_us + ttl_us : INT64_MAX;
}

/* Starts the job's one timer; any earlier timer of the job becomes stale. */
static void job_timer_start(fleet *f, uint32_t id, int64_t delay_us) {
    fleet_job *job = &f->jobs[id];
    job->timer_seq++;
    uint64_t target = (uint64_t)id | ((uint64_t)job->timer_seq << 32);
    f->env.ops->timer_start(f->env.world, delay_us, FLEET_TIMER_JOB, target);
}

/* Waits delay_us in state, or until the job's deadline if that comes first. */
static void job_sleep(fleet *f, uint32_t id, job_state state, int64_t delay_us) {
    fleet_job *job = &f->jobs[id];
    int64_t now_us = env_now(f);
    int64_t until_deadline_us = job_deadline_us(f, job) - now_us;
    if (delay_us > until_deadline_us) {
        delay_us = until_deadline_us;
    }
    job->state = (uint8_t)state;
    job->phase_start_us = now_us;
    job_timer_start(f, id, delay_us);
}

static void job_send(fleet *f, uint32_t id) {
    fleet_job *job = &f->jobs[id];
    int64_t now_us = env_now(f);
    int api = job_traffic(f, job)->api_index;
    job->state = JOB_API;
    job->phase_start_us = now_us;
    job->sent_us = now_us;
    job->attempts++;
    metrics_job_sent(f->metrics, api, now_us, &job->quota);
    f->env.ops->api_call(f->env.world, id, api);
}

/* Acts on a limiter's decision taken at decided_at_us. */
static void job_apply_decision(fleet *f, uint32_t id, const limiter_config *config,
                               const limiter_decision *decision, int64_t decided_at_us) {
    int64_t now_us = env_now(f);
    int64_t remaining_us = decided_at_us + decision->wait_us - now_us;
    if (decision->allowed) {
        if (remaining_us <= 0) {
            job_send(f, id);
        } else {
            job_sleep(f, id, JOB_PACED, remaining_us);
        }
        return;
    }
    if (config->algorithm->paces) {
        /* A pacing limiter refuses only when the wait would exceed its bound: give up. */
        job_abandon(f, id, ABANDON_LIMITER_REJECTED);
        return;
    }
    job_sleep(f, id, JOB_LIMITER_DENIED, remaining_us > 1 ? remaining_us : 1);
}

static void job_acquire(fleet *f, uint32_t id) {
    fleet_job *job = &f->jobs[id];
    const scenario_traffic *traffic = job_traffic(f, job);
    int64_t now_us = env_now(f);
    if (now_us >= job_deadline_us(f, job)) {
        job_abandon(f, id, ABANDON_TTL_EXPIRED);
        return;
    }
    if (traffic->limiter_index < 0) {
        job_send(f, id);
        return;
    }
    const scenario_limiter *limiter = &f->scenario->limiters[traffic->limiter_index];
    if (limiter->scope == LIMITER_SCOPE_STORE) {
        job->state = JOB_STORE;
        job->phase_start_us = now_us;
        f->env.ops->store_limiter_call(f->env.world, id, traffic->limiter_index, 1);
        return;
    }
    limiter_decision decision;
    limiter->config.algorithm->decide(&limiter->config, &f->streams[job->stream].local_limiter,
                                      now_us, 1, &decision);
    job_apply_decision(f, id, &limiter->config, &decision, now_us);
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
    uint32_t timer_seq = job->timer_seq; /* survives reuse, so a dead job's timer stays stale */
    memset(job, 0, sizeof *job);
    job->timer_seq = timer_seq;
    job->stream = stream_index;
    job->traffic = traffic;
    job->next = FLEET_NIL;
    job->timing.created_us = now_us;
    job->phase_start_us = now_us;
    metrics_job_created(f->metrics, traffic->api_index, st->pod, now_us, &job->quota);
    int64_t concurrency = traffic->workload.concurrency;
    if (concurrency > 0 && st->in_progress >= concurrency) {
        job->state = JOB_QUEUED;
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

static void stream_on_arrival(fleet *f, uint32_t stream_index) {
    fleet_stream *st = &f->streams[stream_index];
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
        f->env.ops->timer_start(f->env.world, delay_us, FLEET_TIMER_ARRIVAL, stream_index);
    }
}

static void pod_on_wake(fleet *f, uint32_t pod_index) {
    const fleet_pod *p = &f->pods[pod_index];
    const scenario_pod_group *group = &f->scenario->pod_groups[p->group];
    int64_t now_us = env_now(f);
    for (int t = 0; t < group->traffic_count; t++) {
        const scenario_traffic *traffic = &group->traffic[t];
        int64_t first_us = now_us + traffic->start_us;
        int64_t stop_us = traffic->stop_us > 0 ? traffic->stop_us : f->scenario->duration_us;
        if (first_us >= stop_us || first_us >= f->scenario->duration_us) {
            continue;
        }
        f->env.ops->timer_start(f->env.world, traffic->start_us, FLEET_TIMER_ARRIVAL,
                                p->first_stream + (uint32_t)t);
    }
}

static void job_on_timer(fleet *f, uint64_t target) {
    uint32_t id = (uint32_t)(target & UINT32_MAX);
    fleet_job *job = &f->jobs[id];
    int64_t now_us = env_now(f);
    if (job->state == JOB_FREE || job->timer_seq != (uint32_t)(target >> 32)) {
        return; /* stale: the job has finished or started another wait since */
    }
    if (job->state == JOB_QUEUED) { /* its time-to-live ran out while waiting for a slot */
        job_abandon(f, id, ABANDON_TTL_EXPIRED);
        return;
    }
    assert(job->state == JOB_PACED || job->state == JOB_LIMITER_DENIED ||
           job->state == JOB_BACKOFF);
    job_close_phase(job, now_us);
    if (now_us >= job_deadline_us(f, job)) {
        job_abandon(f, id, ABANDON_TTL_EXPIRED);
    } else if (job->state == JOB_PACED) {
        job_send(f, id);
    } else {
        job_acquire(f, id);
    }
}

void fleet_on_timer(fleet *f, fleet_timer_kind kind, uint64_t target) {
    switch (kind) {
    case FLEET_TIMER_POD_WAKE: pod_on_wake(f, (uint32_t)target); break;
    case FLEET_TIMER_ARRIVAL: stream_on_arrival(f, (uint32_t)target); break;
    case FLEET_TIMER_JOB: job_on_timer(f, target); break;
    }
}

void fleet_on_store_reply(fleet *f, uint32_t job_id, const store_reply *reply) {
    fleet_job *job = &f->jobs[job_id];
    assert(job->state == JOB_STORE);
    int64_t now_us = env_now(f);
    metrics_store_round_trip(f->metrics, now_us, now_us - job->phase_start_us, (int)reply->status);
    job_close_phase(job, now_us);
    const scenario_traffic *traffic = job_traffic(f, job);
    if (now_us >= job_deadline_us(f, job)) {
        job_abandon(f, job_id, ABANDON_TTL_EXPIRED);
        return;
    }
    if (reply->status != STORE_REPLY_OK) {
        /* The store could not answer: wait as after a refusal and ask again. */
        int64_t delay_us = backoff_delay_us(&traffic->retry, 0, 0, &f->pods[f->streams[job->stream].pod].random);
        job_sleep(f, job_id, JOB_LIMITER_DENIED, delay_us > 0 ? delay_us : 1);
        return;
    }
    const limiter_config *config = &f->scenario->limiters[traffic->limiter_index].config;
    job_apply_decision(f, job_id, config, &reply->decision, reply->decided_at_us);
}

void fleet_on_api_reply(fleet *f, uint32_t job_id, const api_response *response) {
    fleet_job *job = &f->jobs[job_id];
    assert(job->state == JOB_API);
    int64_t now_us = env_now(f);
    fleet_stream *st = &f->streams[job->stream];
    const scenario_traffic *traffic = job_traffic(f, job);
    job_close_phase(job, now_us);
    metrics_job_answered(f->metrics, traffic->api_index, st->pod, job->sent_us, now_us,
                         response->status, &job->quota);
    if (response->status == API_STATUS_ACCEPTED) {
        uint32_t stream = job->stream;
        metrics_job_completed(f->metrics, traffic->api_index, now_us, &job->timing);
        job_free(f, job_id);
        stream_release_slot(f, stream);
        return;
    }
    if ((int64_t)job->attempts > traffic->retry.max_retries) {
        job_abandon(f, job_id, ABANDON_RETRIES_EXHAUSTED);
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
    if (now_us >= job_deadline_us(f, job)) {
        job_abandon(f, job_id, ABANDON_TTL_EXPIRED);
        return;
    }
    job_sleep(f, job_id, JOB_BACKOFF, sleep_us);
}

void fleet_finish(fleet *f, int64_t end_us) {
    for (uint32_t id = 0; id < f->job_capacity; id++) {
        fleet_job *job = &f->jobs[id];
        if (job->state == JOB_FREE) {
            continue;
        }
        metrics_job_pending_at_end(f->metrics, job_traffic(f, job)->api_index, end_us, &job->quota);
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
        metrics_prefetch_pod(f->metrics, (int64_t)stream_index);
    }
}

void fleet_prefetch_timer(const fleet *f, fleet_timer_kind kind, uint64_t target) {
    switch (kind) {
    case FLEET_TIMER_POD_WAKE: break;
    case FLEET_TIMER_ARRIVAL: stream_prefetch(f, target); break;
    case FLEET_TIMER_JOB: fleet_prefetch_job(f, (uint32_t)(target & UINT32_MAX)); break;
    }
}

void fleet_prefetch_job(const fleet *f, uint32_t job_id) {
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
