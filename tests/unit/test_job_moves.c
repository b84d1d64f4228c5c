/* test_job_moves.c - the table of a job's legal moves (harness/model/job_moves.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness/model/job_observer.h"

/* The states a job waits in (each ends with a timer, an answer or a freed worker slot). */
static const job_state WAITS[] = {JOB_QUEUED, JOB_STORE, JOB_LOCK_WAIT, JOB_PACED,
                                  JOB_LIMITER_DENIED, JOB_API, JOB_BACKOFF};
#define WAIT_COUNT (sizeof WAITS / sizeof WAITS[0])

/* A job is born into READY or, with no free worker slot, QUEUED; nothing else leaves FREE. */
static void a_job_is_born_ready_or_queued(void **state) {
    (void)state;
    for (int to = 0; to < JOB_STATE_COUNT; to++) {
        bool expected = to == JOB_READY || to == JOB_QUEUED;
        assert_int_equal(job_move_legal(JOB_FREE, (job_state)to), expected);
        assert_false(job_move_checks_deadline(JOB_FREE, (job_state)to));
    }
}

/* Every wait ends in READY (or FREE: given up, or its pod restarted), and goes nowhere else:
 * in particular never straight from one wait into another. */
static void every_wait_ends_in_ready_or_free(void **state) {
    (void)state;
    for (size_t i = 0; i < WAIT_COUNT; i++) {
        for (int to = 0; to < JOB_STATE_COUNT; to++) {
            bool expected = to == JOB_READY || to == JOB_FREE;
            assert_int_equal(job_move_legal(WAITS[i], (job_state)to), expected);
        }
    }
}

/* READY goes into any wait but the queue (a job keeps its worker slot until it dies), or FREE. */
static void ready_goes_into_any_wait_but_the_queue(void **state) {
    (void)state;
    for (int to = 0; to < JOB_STATE_COUNT; to++) {
        bool expected = to != JOB_READY && to != JOB_QUEUED;
        assert_int_equal(job_move_legal(JOB_READY, (job_state)to), expected);
    }
}

/* The time-to-live is checked where a wait ends, except an API call's (its answer is read
 * first), and on the move into a backoff; nowhere else. */
static void the_deadline_is_checked_where_the_table_says(void **state) {
    (void)state;
    for (int from = 0; from < JOB_STATE_COUNT; from++) {
        for (int to = 0; to < JOB_STATE_COUNT; to++) {
            bool wait_ends = from != JOB_FREE && from != JOB_READY && from != JOB_API &&
                             to == JOB_READY;
            bool backoff = from == JOB_READY && to == JOB_BACKOFF;
            assert_int_equal(job_move_checks_deadline((job_state)from, (job_state)to),
                             wait_ends || backoff);
        }
    }
}

static void names(void **state) {
    (void)state;
    assert_string_equal(job_state_name(JOB_LIMITER_DENIED), "limiter_denied");
    assert_string_equal(abandon_reason_name(ABANDON_POD_RESTARTED), "pod_restarted");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_job_is_born_ready_or_queued),
        cmocka_unit_test(every_wait_ends_in_ready_or_free),
        cmocka_unit_test(ready_goes_into_any_wait_but_the_queue),
        cmocka_unit_test(the_deadline_is_checked_where_the_table_says),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
