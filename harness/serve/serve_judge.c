/* serve_judge.c - one complete request put to its API: routing by path prefix, the client's
 * id and cost, the model's decision in wall-clock time, the books' arrival. */
#include <assert.h>
#include <string.h>

#include "harness/serve/serve_world.h"
#include "mock_api/api_sliding_count.h"

/* The API named by the path's first segment (/<api>/... or /<api>), or -1. */
static int route(const scenario *s, const char *url) {
    if (url[0] != '/') {
        return -1;
    }
    const char *name = url + 1;
    size_t length = strcspn(name, "/?#");
    for (int i = 0; i < s->api_count; i++) {
        if (strlen(s->apis[i].name) == length && strncmp(s->apis[i].name, name, length) == 0) {
            return i;
        }
    }
    return -1;
}

/* Queues an error answer with status for reason (static text). */
static int enqueue_error(serve_conn *c, int64_t now_us, int status, const char *reason,
                         bool close_after) {
    serve_request *r = serve_request_take(c->world);
    if (r == NULL) {
        return RL_ERR_NOMEM;
    }
    r->kind = SERVE_REQUEST_ERROR;
    r->due_us = now_us;
    r->error_status = status;
    r->error_reason = reason;
    r->close_after = close_after;
    serve_conn_enqueue(c, r);
    return RL_OK;
}

int serve_judge_request(serve_conn *c, int64_t now_us) {
    serve_world *w = c->world;
    bool keep_alive = http_should_keep_alive(&c->parser) != 0;
    int api = route(w->scenario, c->url);
    if (api < 0) {
        w->stats->refused_not_found++;
        return enqueue_error(c, now_us, 404, "no API under this path; use /<api name>/...",
                             !keep_alive);
    }
    if (c->client_id_bad || c->cost_bad) {
        w->stats->refused_bad_client_id++;
        return enqueue_error(c, now_us, 400,
                             c->client_id_bad ? "X-Client-Id: 1 to 64 of A-Z a-z 0-9 . _ : -"
                                              : "X-Ratelab-Cost: a whole number 0 to 2^40",
                             !keep_alive);
    }
    serve_request *r = serve_request_take(w);
    if (r == NULL) {
        return RL_ERR_NOMEM;
    }
    api_model *model = &w->apis[api];
    int rc = api_model_call_cost(model, now_us, c->cost_tokens, &r->response);
    int32_t client = 0;
    if (rc == RL_OK) {
        rc = serve_books_client(w->books, c->client_id[0] != '\0' ? c->client_id : c->peer,
                                now_us, &client);
    }
    if (rc == RL_OK) {
        int64_t in_window = api_sliding_count_count(&model->arrivals_in_burst_window);
        rc = serve_books_arrival(w->books, client, api, now_us, in_window, &r->job);
    }
    if (rc != RL_OK) {
        r->next = w->free_requests;
        w->free_requests = r;
        return rc;
    }
    w->stats->requests++;
    r->kind = SERVE_REQUEST_JUDGED;
    r->due_us = now_us + r->response.latency_us;
    r->close_after = !keep_alive;
    if (model->config.kind == API_MODEL_LEAKY_BUCKET) {
        /* The bucket's room after this request, and the time until it is empty. */
        r->remaining = r->response.bucket_size - r->response.bucket_fill;
        int64_t drain_us = api_model_bucket_drain_us(model);
        r->reset_us = drain_us > 0 ? drain_us : 1;
    } else {
        int64_t remaining = model->config.limit - model->window_accepted;
        r->remaining = remaining > 0 ? remaining : 0;
        r->reset_us = model->window_start_us + model->config.window_us - now_us;
    }
    assert(r->remaining >= 0);
    assert(r->reset_us > 0);
    serve_conn_enqueue(c, r);
    return RL_OK;
}
