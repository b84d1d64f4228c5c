/* test_rl_alloc.c - the allocation wrapper: what it returns, and the counts it keeps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "harness/core/rl_alloc.h"

static void every_allocation_is_counted_with_its_bytes(void **state) {
    (void)state;
    rl_alloc_counts before = rl_alloc_counts_get();
    int *numbers = rl_calloc(10, sizeof *numbers);
    assert_non_null(numbers);
    numbers = rl_reallocarray(numbers, 20, sizeof *numbers);
    assert_non_null(numbers);
    char *copy = rl_strdup("ratelab");
    assert_string_equal(copy, "ratelab");
    rl_alloc_counts after = rl_alloc_counts_get();
    assert_int_equal(after.allocations - before.allocations, 3);
    assert_int_equal(after.bytes - before.bytes, 10 * sizeof(int) + 20 * sizeof(int) + 8);
    rl_free(numbers);
    rl_free(copy);
    /* Freeing is not an allocation. */
    assert_int_equal(rl_alloc_counts_get().allocations, after.allocations);
}

static void zero_sizes_and_overflow(void **state) {
    (void)state;
    void *p = rl_calloc(0, 8);
    assert_non_null(p); /* a zero-size request still gives a pointer to free */
    rl_free(p);
    assert_null(rl_reallocarray(NULL, SIZE_MAX / 2, 4));
    rl_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_allocation_is_counted_with_its_bytes),
        cmocka_unit_test(zero_sizes_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
