/* serve_books.h - what `ratelab serve` records, seen from the API: the run's metrics (the same
 * books as a simulated or live run) fed by requests instead of pods, and figures per client.
 *
 * The server cannot see a client's jobs, only its requests, so it infers them: a request from a
 * client that has a refused request not yet followed up is taken as that job's retry; any other
 * request starts a new job. A job completes when a request of it is accepted; its latency runs
 * from its first request's arrival to that answer, split into time at the API (arrival to
 * answer, summed over its requests) and backoff (the rest). Refused jobs wait, per client and
 * API, in a FIFO of SERVE_WAITING_MAX: a refusal beyond that is taken as a job the client gave
 * up (abandoned, reason retries_exhausted). Jobs still waiting or in flight at the end are
 * pending. Clients are told apart by their id (X-Client-Id, or the peer address); the first
 * clients_max ids get their own figures and later ones share the client "(other)".
 *
 * No I/O and no clock: the caller passes the time, so tests drive it with hand-picked instants. */
#ifndef RATELAB_SERVE_BOOKS_H
#define RATELAB_SERVE_BOOKS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/core/rl_error.h"
#include "harness/metrics/metrics.h"
#include "harness/scenario/scenario.h"
#include "mock_api/api_model.h"

#define SERVE_CLIENT_ID_BYTES 65 /* 64 characters and the NUL */
#define SERVE_WAITING_MAX 8
#define SERVE_CLIENTS_MAX_LIMIT 10000 /* about 5 KiB each: 50 MiB at most */
#define SERVE_OTHER_CLIENT "(other)"

/* One job as the server infers it: carried by the request in flight, or waiting for a retry. */
typedef struct serve_job {
    job_books quota;
    int64_t created_us; /* its first request's arrival */
    int64_t sent_us;    /* its current request's arrival */
    int64_t api_us;     /* summed time at the API of its earlier requests */
    int32_t client;
    int32_t api;
} serve_job;

/* One client's figures for one API. */
typedef struct serve_client_api {
    int64_t attempts, accepted, rejected_429, dropped;
    int64_t max_burst; /* most of its requests in any sliding burst window of the API */
    api_sliding_count arrivals;
    serve_job waiting[SERVE_WAITING_MAX]; /* FIFO of refused jobs, oldest at waiting_head */
    int waiting_head, waiting_count;
} serve_client_api;

typedef struct serve_client {
    char id[SERVE_CLIENT_ID_BYTES];
    int64_t first_seen_us, last_seen_us;
    serve_client_api apis[SCENARIO_APIS_MAX];
} serve_client;

typedef struct serve_books {
    metrics *metrics;          /* borrowed; its pod count must be clients_max + 1 */
    const scenario *scenario;  /* borrowed */
    serve_client **clients;    /* clients_max + 1 slots, filled in order of first sight */
    int32_t client_count;
    int32_t clients_max;
    int32_t *slots;            /* open-addressing table of client indexes (-1: empty) */
    int32_t slot_count;        /* a power of two, at least twice clients_max + 1 */
    int64_t requests_from_other; /* requests counted under "(other)" */
    int64_t jobs_given_up;     /* refusals beyond a full waiting FIFO */
} serve_books;

/* Prepares books over m (initialised for s with clients_max + 1 pods; borrowed, as s is).
 * Returns 0, RL_ERR_INVALID (clients_max outside 1..SERVE_CLIENTS_MAX_LIMIT) or RL_ERR_NOMEM. */
int serve_books_init(serve_books *books, metrics *m, const scenario *s, int32_t clients_max);

/* Frees what books allocated. */
void serve_books_destroy(serve_books *books);

/* The index of the client called id (seen at now_us), added on first sight; "(other)" once
 * clients_max are known. Returns 0 or RL_ERR_NOMEM; the index goes to *out. */
int serve_books_client(serve_books *books, const char *id, int64_t now_us, int32_t *out);

/* A request of client for api arrived at now_us (the API model has decided it, leaving
 * in_burst_window arrivals in the API's burst window). Fills job: the waiting job it retries,
 * or a new one. Returns 0 or RL_ERR_NOMEM. */
int serve_books_arrival(serve_books *books, int32_t client, int api, int64_t now_us,
                        int64_t in_burst_window, serve_job *job);

/* The request carrying job was answered with status at now_us (a dropped one: its connection
 * closed). Accepted: the job completes; otherwise it waits for the client's retry. */
void serve_books_answered(serve_books *books, serve_job *job, api_status status, int64_t now_us);

/* The request carrying job was still in flight when the run ended at end_us: pending. */
void serve_books_in_flight_at_end(serve_books *books, serve_job *job, int64_t end_us);

/* Counts every waiting job as pending at end_us; call once, before metrics_finish. */
void serve_books_finish(serve_books *books, int64_t end_us);

/* Writes clients.csv: one row per client and API it called (client, api, attempts, accepted,
 * rejected_429, dropped, rate_429, max_burst, burst_ratio, first_seen_s, last_seen_s). */
void serve_books_write_clients_csv(const serve_books *books, FILE *out);

#endif
