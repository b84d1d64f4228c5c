/* serve_books.c - the server's books: inferred jobs fed to metrics, and figures per client. */
#include "harness/serve/serve_books.h"

#include <assert.h>
#include <inttypes.h>
#include <string.h>

#include "harness/core/rl_alloc.h"
#include "mock_api/api_sliding_count.h"

#define CLIENT_ARRIVALS_CAPACITY 16

int serve_books_init(serve_books *books, metrics *m, const scenario *s, int32_t clients_max) {
    memset(books, 0, sizeof *books);
    if (clients_max < 1 || clients_max > SERVE_CLIENTS_MAX_LIMIT) {
        return RL_ERR_INVALID;
    }
    assert(m->pod_count == (int64_t)clients_max + 1);
    books->metrics = m;
    books->scenario = s;
    books->clients_max = clients_max;
    books->slot_count = 4;
    while (books->slot_count < 2 * (clients_max + 1)) {
        books->slot_count *= 2;
    }
    books->clients = rl_calloc((size_t)clients_max + 1, sizeof *books->clients);
    books->slots = rl_calloc((size_t)books->slot_count, sizeof *books->slots);
    if (books->clients == NULL || books->slots == NULL) {
        serve_books_destroy(books);
        return RL_ERR_NOMEM;
    }
    for (int32_t i = 0; i < books->slot_count; i++) {
        books->slots[i] = -1;
    }
    return RL_OK;
}

void serve_books_destroy(serve_books *books) {
    for (int32_t c = 0; books->clients != NULL && c < books->client_count; c++) {
        for (int a = 0; a < SCENARIO_APIS_MAX; a++) {
            api_sliding_count_destroy(&books->clients[c]->apis[a].arrivals);
        }
        rl_free(books->clients[c]);
    }
    rl_free(books->clients);
    rl_free(books->slots);
    memset(books, 0, sizeof *books);
}

/* FNV-1a of text: where a client id starts looking in the table. */
static uint32_t id_hash(const char *text) {
    uint32_t hash = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        hash = (hash ^ *p) * 16777619u;
    }
    return hash;
}

/* Adds a client called id at index client_count; returns 0 or RL_ERR_NOMEM. */
static int client_add(serve_books *books, const char *id, int64_t now_us) {
    serve_client *c = rl_calloc(1, sizeof *c);
    if (c == NULL) {
        return RL_ERR_NOMEM;
    }
    snprintf(c->id, sizeof c->id, "%s", id);
    c->first_seen_us = now_us;
    for (int a = 0; a < SCENARIO_APIS_MAX; a++) {
        if (api_sliding_count_init(&c->apis[a].arrivals, CLIENT_ARRIVALS_CAPACITY) != RL_OK) {
            for (int b = 0; b < a; b++) {
                api_sliding_count_destroy(&c->apis[b].arrivals);
            }
            rl_free(c);
            return RL_ERR_NOMEM;
        }
    }
    books->clients[books->client_count++] = c;
    return RL_OK;
}

int serve_books_client(serve_books *books, const char *id, int64_t now_us, int32_t *out) {
    assert(strlen(id) < SERVE_CLIENT_ID_BYTES);
    uint32_t mask = (uint32_t)books->slot_count - 1;
    uint32_t slot = id_hash(id) & mask;
    while (books->slots[slot] >= 0) {
        if (strcmp(books->clients[books->slots[slot]]->id, id) == 0) {
            *out = books->slots[slot];
            books->clients[*out]->last_seen_us = now_us;
            return RL_OK;
        }
        slot = (slot + 1) & mask;
    }
    if (books->client_count < books->clients_max) {
        int rc = client_add(books, id, now_us);
        if (rc != RL_OK) {
            return rc;
        }
        books->slots[slot] = books->client_count - 1;
        *out = books->client_count - 1;
    } else {
        /* The shared "(other)" client: never in the table, always the last index. */
        if (books->client_count == books->clients_max) {
            int rc = client_add(books, SERVE_OTHER_CLIENT, now_us);
            if (rc != RL_OK) {
                return rc;
            }
        }
        *out = books->clients_max;
        books->requests_from_other++;
    }
    books->clients[*out]->last_seen_us = now_us;
    return RL_OK;
}

int serve_books_arrival(serve_books *books, int32_t client, int api, int64_t now_us,
                        int64_t in_burst_window, serve_job *job) {
    assert(client >= 0 && client < books->client_count);
    assert(api >= 0 && api < books->scenario->api_count);
    serve_client_api *ca = &books->clients[client]->apis[api];
    api_sliding_count_expire(&ca->arrivals, now_us,
                             books->scenario->apis[api].config.burst_window_us);
    int rc = api_sliding_count_add(&ca->arrivals, now_us);
    if (rc != RL_OK) {
        return rc;
    }
    int64_t held = api_sliding_count_count(&ca->arrivals);
    ca->max_burst = held > ca->max_burst ? held : ca->max_burst;
    ca->attempts++;
    metrics *m = books->metrics;
    if (ca->waiting_count > 0) {
        *job = ca->waiting[ca->waiting_head];
        ca->waiting_head = (ca->waiting_head + 1) % SERVE_WAITING_MAX;
        ca->waiting_count--;
    } else {
        memset(job, 0, sizeof *job);
        job->client = client;
        job->api = api;
        job->created_us = now_us;
        metrics_job_created(m, api, client, now_us, &job->quota);
    }
    job->sent_us = now_us;
    metrics_job_sent(m, api, now_us, &job->quota);
    metrics_api_arrival(m, api, now_us, in_burst_window);
    return RL_OK;
}

void serve_books_answered(serve_books *books, serve_job *job, api_status status, int64_t now_us) {
    assert(now_us >= job->sent_us);
    serve_client_api *ca = &books->clients[job->client]->apis[job->api];
    metrics *m = books->metrics;
    metrics_job_answered(m, job->api, job->client, job->sent_us, now_us, status, &job->quota);
    job->api_us += now_us - job->sent_us;
    switch (status) {
    case API_STATUS_ACCEPTED: {
        ca->accepted++;
        job_timing timing = {.created_us = job->created_us,
                             .api_us = job->api_us,
                             .backoff_us = now_us - job->created_us - job->api_us};
        assert(timing.backoff_us >= 0);
        metrics_job_completed(m, job->api, now_us, &timing);
        return;
    }
    case API_STATUS_REJECTED_429: ca->rejected_429++; break;
    case API_STATUS_DROPPED: ca->dropped++; break;
    }
    if (ca->waiting_count == SERVE_WAITING_MAX) {
        books->jobs_given_up++;
        metrics_job_abandoned(m, job->api, now_us, ABANDON_RETRIES_EXHAUSTED, &job->quota);
        return;
    }
    ca->waiting[(ca->waiting_head + ca->waiting_count) % SERVE_WAITING_MAX] = *job;
    ca->waiting_count++;
}

void serve_books_in_flight_at_end(serve_books *books, serve_job *job, int64_t end_us) {
    metrics_job_pending_at_end(books->metrics, job->api, end_us, true, &job->quota);
}

void serve_books_finish(serve_books *books, int64_t end_us) {
    for (int32_t c = 0; c < books->client_count; c++) {
        for (int a = 0; a < books->scenario->api_count; a++) {
            serve_client_api *ca = &books->clients[c]->apis[a];
            for (int k = 0; k < ca->waiting_count; k++) {
                serve_job *job = &ca->waiting[(ca->waiting_head + k) % SERVE_WAITING_MAX];
                metrics_job_pending_at_end(books->metrics, a, end_us, false, &job->quota);
            }
            ca->waiting_count = 0;
        }
    }
}

void serve_books_write_clients_csv(const serve_books *books, FILE *out) {
    const scenario *s = books->scenario;
    fputs("client,api,attempts,accepted,rejected_429,dropped,rate_429,max_burst,burst_ratio,"
          "first_seen_s,last_seen_s\n",
          out);
    for (int32_t c = 0; c < books->client_count; c++) {
        const serve_client *client = books->clients[c];
        for (int a = 0; a < s->api_count; a++) {
            const serve_client_api *ca = &client->apis[a];
            if (ca->attempts == 0) {
                continue;
            }
            double rate_429 = (double)ca->rejected_429 / (double)ca->attempts;
            double burst_ratio = (double)ca->max_burst /
                                 (double)api_config_burst_allowance(&s->apis[a].config);
            fprintf(out,
                    "%s,%s,%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%.6f,%" PRId64
                    ",%.6f,%.6f,%.6f\n",
                    client->id, s->apis[a].name, ca->attempts, ca->accepted, ca->rejected_429,
                    ca->dropped, rate_429, ca->max_burst, burst_ratio,
                    (double)client->first_seen_us / 1e6, (double)client->last_seen_us / 1e6);
        }
    }
}
