/* test_serve_books.c - the server's books on hand-built request sequences: jobs inferred from
 * retries, clients told apart and bounded, the waiting FIFO's bound, and the accounting check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/serve/serve_books.h"

/* One API limited to 10 per 1 s window with a 1 s burst window, 3 s run, clients_max + 1 pods. */
static scenario *books_scenario(int32_t clients_max) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    strcpy(s->name, "b");
    s->duration_us = 3000000;
    s->bin_us = 500000;
    s->api_count = 1;
    strcpy(s->apis[0].name, "api");
    s->apis[0].config = (api_config){.kind = API_MODEL_BURST_INTOLERANT, .limit = 10,
                                     .window_us = 1000000, .burst_window_us = 1000000};
    s->pod_group_count = 1;
    s->pod_groups[0].count = clients_max + 1;
    s->pod_groups[0].traffic_count = 1;
    s->pod_groups[0].traffic[0].api_index = 0;
    s->pod_groups[0].traffic[0].limiter_index = -1;
    return s;
}

typedef struct fixture {
    scenario *s;
    metrics *m;
    serve_books books;
    api_model model; /* max_burst for metrics_finish */
} fixture;

static fixture *fixture_new(int32_t clients_max) {
    fixture *f = calloc(1, sizeof *f);
    f->s = books_scenario(clients_max);
    f->m = calloc(1, sizeof *f->m);
    assert_int_equal(metrics_init(f->m, f->s), 0);
    assert_int_equal(serve_books_init(&f->books, f->m, f->s, clients_max), 0);
    assert_int_equal(api_model_init(&f->model, &f->s->apis[0].config, 1, 1), 0);
    return f;
}

static void fixture_free(fixture *f) {
    api_model_destroy(&f->model);
    serve_books_destroy(&f->books);
    metrics_destroy(f->m);
    free(f->m);
    free(f->s);
    free(f);
}

static int32_t client(fixture *f, const char *id, int64_t now_us) {
    int32_t index = -1;
    assert_int_equal(serve_books_client(&f->books, id, now_us, &index), 0);
    return index;
}

static void finish(fixture *f, int64_t end_us) {
    rl_error err;
    serve_books_finish(&f->books, end_us);
    assert_int_equal(metrics_finish(f->m, end_us, &f->model, (store_world_figures){0, 0}, &err), 0);
}

/* A refused request followed by another from the same client is one job, retried. */
static void retry_after_refusal_is_the_same_job(void **state) {
    (void)state;
    fixture *f = fixture_new(4);
    serve_job a, b;
    int32_t ca = client(f, "a", 0);
    assert_int_equal(serve_books_arrival(&f->books, ca, 0, 0, 1, &a), 0);
    serve_books_answered(&f->books, &a, API_STATUS_REJECTED_429, 10000);
    int32_t cb = client(f, "b", 100000);
    assert_int_equal(serve_books_arrival(&f->books, cb, 0, 100000, 1, &b), 0);
    serve_books_answered(&f->books, &b, API_STATUS_ACCEPTED, 110000);
    assert_int_equal(client(f, "a", 500000), ca);
    assert_int_equal(serve_books_arrival(&f->books, ca, 0, 500000, 2, &a), 0);
    assert_int_equal(a.created_us, 0); /* the job of the first request */
    serve_books_answered(&f->books, &a, API_STATUS_ACCEPTED, 510000);
    finish(f, 3000000);
    const api_summary *sum = &f->m->apis[0].summary;
    assert_int_equal(sum->jobs_created, 2);
    assert_int_equal(sum->jobs_completed, 2);
    assert_int_equal(sum->attempts, 3);
    assert_int_equal(sum->rejected_429, 1);
    assert_int_equal(sum->latency_max_us, 510000); /* first arrival to the accepted answer */
    assert_int_equal(sum->api_p99_us > 0, 1);
    assert_int_equal(sum->backoff_p99_us >= 489000 && sum->backoff_p99_us <= 491000, 1);
    const serve_client_api *row = &f->books.clients[ca]->apis[0];
    assert_int_equal(row->attempts, 2);
    assert_int_equal(row->accepted, 1);
    assert_int_equal(row->rejected_429, 1);
    assert_int_equal(row->max_burst, 2);
    fixture_free(f);
}

/* The first clients_max ids get their own slot; later ones share "(other)". */
static void clients_beyond_the_bound_share_other(void **state) {
    (void)state;
    fixture *f = fixture_new(2);
    assert_int_equal(client(f, "x", 0), 0);
    assert_int_equal(client(f, "y", 1), 1);
    assert_int_equal(client(f, "x", 2), 0);
    assert_int_equal(client(f, "z", 3), 2);
    assert_int_equal(client(f, "w", 4), 2);
    assert_string_equal(f->books.clients[2]->id, SERVE_OTHER_CLIENT);
    assert_int_equal(f->books.client_count, 3);
    assert_int_equal(f->books.requests_from_other, 2);
    assert_int_equal(f->books.clients[0]->first_seen_us, 0);
    assert_int_equal(f->books.clients[0]->last_seen_us, 2);
    fixture_free(f);
}

/* Nine refusals in flight at once: eight wait, the ninth is a job given up; at the end the
 * eight are pending and the books balance. */
static void waiting_fifo_is_bounded(void **state) {
    (void)state;
    fixture *f = fixture_new(1);
    serve_job jobs[SERVE_WAITING_MAX + 1];
    int32_t c = client(f, "c", 0);
    for (int i = 0; i < SERVE_WAITING_MAX + 1; i++) {
        assert_int_equal(serve_books_arrival(&f->books, c, 0, i, i + 1, &jobs[i]), 0);
    }
    for (int i = 0; i < SERVE_WAITING_MAX + 1; i++) {
        serve_books_answered(&f->books, &jobs[i], API_STATUS_REJECTED_429, 100 + i);
    }
    assert_int_equal(f->books.jobs_given_up, 1);
    finish(f, 3000000);
    const api_summary *sum = &f->m->apis[0].summary;
    assert_int_equal(sum->jobs_created, SERVE_WAITING_MAX + 1);
    assert_int_equal(sum->abandoned[ABANDON_RETRIES_EXHAUSTED], 1);
    assert_int_equal(sum->jobs_pending, SERVE_WAITING_MAX);
    assert_int_equal(sum->rejected_429, SERVE_WAITING_MAX + 1);
    fixture_free(f);
}

/* A request still in flight at the end is pending; a dropped one waits like a refusal. */
static void in_flight_at_end_is_pending(void **state) {
    (void)state;
    fixture *f = fixture_new(1);
    serve_job j1, j2;
    int32_t c = client(f, "c", 0);
    assert_int_equal(serve_books_arrival(&f->books, c, 0, 0, 1, &j1), 0);
    serve_books_answered(&f->books, &j1, API_STATUS_DROPPED, 5000);
    assert_int_equal(serve_books_arrival(&f->books, c, 0, 2999000, 1, &j2), 0);
    assert_int_equal(j2.created_us, 0); /* the dropped job, retried */
    serve_books_in_flight_at_end(&f->books, &j2, 3000000);
    finish(f, 3000000);
    const api_summary *sum = &f->m->apis[0].summary;
    assert_int_equal(sum->jobs_created, 1);
    assert_int_equal(sum->jobs_pending, 1);
    assert_int_equal(sum->dropped, 1);
    assert_int_equal(sum->attempts, 2);
    fixture_free(f);
}

/* clients.csv, exactly. */
static void clients_csv_rows(void **state) {
    (void)state;
    fixture *f = fixture_new(4);
    serve_job j;
    int32_t c = client(f, "fleet-1", 250000);
    for (int i = 0; i < 3; i++) {
        int64_t at_us = 250000 + 20000 * i;
        assert_int_equal(serve_books_arrival(&f->books, c, 0, at_us, i + 1, &j), 0);
        serve_books_answered(&f->books, &j, i == 1 ? API_STATUS_REJECTED_429 : API_STATUS_ACCEPTED,
                             at_us + 10000);
    }
    (void)client(f, "idle", 300000); /* seen, never called an API: no row */
    char text[1024] = {0};
    FILE *out = fmemopen(text, sizeof text - 1, "w");
    serve_books_write_clients_csv(&f->books, out);
    fclose(out);
    assert_string_equal(text,
                        "client,api,attempts,accepted,rejected_429,dropped,rate_429,max_burst,"
                        "burst_ratio,first_seen_s,last_seen_s\n"
                        "fleet-1,api,3,2,1,0,0.333333,3,0.300000,0.250000,0.250000\n");
    fixture_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(retry_after_refusal_is_the_same_job),
        cmocka_unit_test(clients_beyond_the_bound_share_other),
        cmocka_unit_test(waiting_fifo_is_bounded),
        cmocka_unit_test(in_flight_at_end_is_pending),
        cmocka_unit_test(clients_csv_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
