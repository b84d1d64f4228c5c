/* test_summary_table.c - the console table's limiter labels: algorithm@scope for every scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness/report/summary_table.h"
#include "harness/scenario/scenario_load.h"

static const char YAML[] =
    "name: labels\n"
    "duration: 1s\n"
    "apis:\n"
    "  a: {model: burst_intolerant, limit: 10/s}\n"
    "  b: {model: burst_intolerant, limit: 10/s}\n"
    "  c: {model: burst_intolerant, limit: 10/s}\n"
    "limiters:\n"
    "  own: {algorithm: gcra, scope: local, rate: 5/s}\n"
    "  script: {algorithm: gcra, scope: redis, rate: 5/s}\n"
    "  locked: {algorithm: leaky_bucket_meter, scope: redis_lock, rate: 5/s}\n"
    "pods:\n"
    "  g:\n"
    "    count: 1\n"
    "    traffic:\n"
    "      - {api: a, limiter: own, workload: {kind: gather, requests: 1}}\n"
    "      - {api: b, limiter: script, workload: {kind: gather, requests: 1}}\n"
    "      - {api: c, limiter: locked, workload: {kind: gather, requests: 1}}\n"
    "      - {api: c, workload: {kind: gather, requests: 1}}\n";

static void labels_name_every_scope(void **state) {
    (void)state;
    scenario *s = calloc(1, sizeof *s);
    assert_non_null(s);
    rl_error err;
    assert_int_equal(scenario_load_text(YAML, strlen(YAML), "labels.yaml", NULL, 0, s, &err), 0);
    char label[96];
    summary_api_limiters(s, 0, label, sizeof label);
    assert_string_equal(label, "gcra@local");
    summary_api_limiters(s, 1, label, sizeof label);
    assert_string_equal(label, "gcra@redis");
    summary_api_limiters(s, 2, label, sizeof label);
    assert_string_equal(label, "leaky_bucket_meter@redis_lock+none");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(labels_name_every_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
