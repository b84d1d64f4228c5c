/* test_store_model.c - the simulated store: a FIFO single server; contention from the model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/sim/store_model.h"

static scenario *scenario_with_store(int64_t network_us) {
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->store.network_us = dist_constant(network_us);
    s->store.service_command_us = 10;
    s->store.service_script_us = 25;
    return s;
}

static void idle_server_starts_at_arrival(void **state) {
    (void)state;
    scenario *s = scenario_with_store(250);
    store_model store;
    assert_int_equal(store_model_init(&store, s, 1, 1), 0);
    assert_int_equal(store_model_network_us(&store, 0), 250);
    int64_t start, end;
    assert_int_equal(store_model_serve(&store, 1000, 25, &start, &end), 0);
    assert_int_equal(start, 1000);
    assert_int_equal(end, 1025);
    /* After it finished, the next command also starts at once. */
    assert_int_equal(store_model_serve(&store, 2000, 25, &start, &end), 0);
    assert_int_equal(start, 2000);
    assert_int_equal(store.queue_max, 1);
    store_model_destroy(&store);
    free(s);
}

static void simultaneous_commands_queue_in_order(void **state) {
    (void)state;
    scenario *s = scenario_with_store(0);
    store_model store;
    assert_int_equal(store_model_init(&store, s, 1, 1), 0);
    /* 1000 commands arrive at the same instant: the k-th starts after k services. */
    for (int64_t k = 0; k < 1000; k++) {
        int64_t start, end;
        assert_int_equal(store_model_serve(&store, 500, 25, &start, &end), 0);
        assert_int_equal(start, 500 + 25 * k);
        assert_int_equal(end, 500 + 25 * (k + 1));
    }
    assert_int_equal(store.queue_max, 1000);
    assert_int_equal(store.ops, 1000);
    /* Arriving after the first 400 finished: 600 still in the server, it makes 601. */
    int64_t start, end;
    assert_int_equal(store_model_serve(&store, 500 + 25 * 400, 25, &start, &end), 0);
    assert_int_equal(start, 500 + 25 * 1000);
    store_model_destroy(&store);
    free(s);
}

/* Property: for random arrivals, start = max(arrival, previous end) and queue length matches a
 * brute-force count of commands whose end is after the arrival. */
static void random_arrivals_match_fifo_model(void **state) {
    (void)state;
    scenario *s = scenario_with_store(0);
    store_model store;
    assert_int_equal(store_model_init(&store, s, 1, 1), 0);
    rng r;
    rng_seed(&r, 4242, 1);
    enum { N = 20000 };
    int64_t *ends = calloc(N, sizeof *ends);
    int64_t arrival = 0, previous_end = 0, queue_max = 0;
    for (int i = 0; i < N; i++) {
        arrival += (int64_t)rng_below(&r, 40);
        int64_t service = 1 + (int64_t)rng_below(&r, 40);
        int64_t start, end;
        assert_int_equal(store_model_serve(&store, arrival, service, &start, &end), 0);
        assert_int_equal(start, arrival > previous_end ? arrival : previous_end);
        assert_int_equal(end, start + service);
        ends[i] = end;
        previous_end = end;
        int64_t in_server = 0;
        for (int j = i; j >= 0 && j > i - 2000; j--) {
            in_server += ends[j] > arrival;
        }
        if (in_server > queue_max) {
            queue_max = in_server;
        }
    }
    assert_int_equal(store.queue_max, queue_max);
    free(ends);
    store_model_destroy(&store);
    free(s);
}

static void shared_limiter_state_lives_in_the_store(void **state) {
    (void)state;
    scenario *s = scenario_with_store(0);
    s->limiter_count = 1;
    limiter_config config = {.algorithm = limiter_algorithm_find("gcra"), .limit = 10,
                             .period_us = 1000000, .burst = 1};
    assert_non_null(config.algorithm);
    store_model store;
    assert_int_equal(store_model_init(&store, s, 1, 1), 0);
    limiter_decision d;
    store_model_limiter_decide(&store, &config, 0, 0, 1, &d);
    assert_true(d.allowed);
    store_model_limiter_decide(&store, &config, 0, 1000, 1, &d);
    assert_false(d.allowed);
    assert_int_equal(d.wait_us, 99000);
    store_model_destroy(&store);
    free(s);
}

static store_reply execute(store_model *store, store_op op, uint64_t owner, int64_t now_us) {
    store_command command = {.op = op, .limiter_index = 0, .owner = owner, .lock_ttl_us = 100};
    command.state.slot[0] = (int64_t)owner + 1000;
    store_reply out;
    memset(&out, 0, sizeof out);
    store_model_execute(store, &command, now_us, &out);
    return out;
}

/* The lock (SET NX PX, compare-and-delete) by hand: held until released or expired, released
 * only by its owner; owner 0 (the first job's token) holds it like any other. */
static void lock_commands_by_hand(void **state) {
    (void)state;
    scenario *s = scenario_with_store(0);
    s->limiter_count = 1;
    store_model store;
    assert_int_equal(store_model_init(&store, s, 1, 1), 0);
    assert_true(execute(&store, STORE_OP_LOCK, 0, 0).ok);
    assert_false(execute(&store, STORE_OP_LOCK, 5, 10).ok);  /* held by owner 0 */
    assert_false(execute(&store, STORE_OP_LOCK, 0, 20).ok);  /* even for its owner: NX */
    assert_false(execute(&store, STORE_OP_UNLOCK, 5, 30).ok); /* not 5's */
    assert_true(execute(&store, STORE_OP_UNLOCK, 0, 40).ok);
    assert_false(execute(&store, STORE_OP_UNLOCK, 0, 41).ok); /* already released */
    assert_true(execute(&store, STORE_OP_LOCK, 5, 50).ok);
    assert_false(execute(&store, STORE_OP_LOCK, 6, 149).ok); /* expires at 50 + 100 */
    assert_true(execute(&store, STORE_OP_LOCK, 6, 150).ok);  /* expired: free */
    assert_false(execute(&store, STORE_OP_UNLOCK, 5, 160).ok); /* 5's lock is gone */
    assert_false(execute(&store, STORE_OP_UNLOCK, 6, 250).ok); /* 6's expired too */
    /* The state: zero until written, then what was written, whoever holds the lock. */
    store_reply read = execute(&store, STORE_OP_READ, 1, 300);
    assert_true(read.ok);
    assert_true(read.state.slot[0] == 0 && read.state.slot[3] == 0);
    assert_true(execute(&store, STORE_OP_WRITE, 7, 310).ok); /* slot 0 = 1007 */
    read = execute(&store, STORE_OP_READ, 1, 320);
    assert_true(read.ok && read.state.slot[0] == 1007);
    store_model_destroy(&store);
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_commands_by_hand),
        cmocka_unit_test(idle_server_starts_at_arrival),
        cmocka_unit_test(simultaneous_commands_queue_in_order),
        cmocka_unit_test(random_arrivals_match_fifo_model),
        cmocka_unit_test(shared_limiter_state_lives_in_the_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
