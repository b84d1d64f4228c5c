/* test_plot_palette.c - one colour per algorithm, the same in every figure; local limiters in a
 * lighter tint of it, drawn dashed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "algorithms/limiter.h"
#include "harness/report/plot_palette.h"

static void fixed_colours(void **state) {
    (void)state;
    char color[PLOT_COLOR_BYTES];
    plot_palette_color("gcra", color);
    assert_string_equal(color, "#1f77b4");
    plot_palette_color("gcra_pace@redis", color);
    assert_string_equal(color, "#6a3d9a");
    plot_palette_color("gcra_pace", color);
    assert_string_equal(color, "#6a3d9a");
    /* 45% towards white: 0x6a + (0xff - 0x6a) * 45 / 100 = 106 + 67 = 0xad, and so on. */
    plot_palette_color("gcra_pace@local", color);
    assert_string_equal(color, "#ad94c7");
    plot_palette_color("gcra@redis+none", color);
    assert_string_equal(color, "#1f77b4");
}

static void local_means_dashed(void **state) {
    (void)state;
    assert_true(plot_palette_is_local("gcra@local"));
    assert_true(plot_palette_is_local("gcra@local+none"));
    assert_false(plot_palette_is_local("gcra@redis"));
    assert_false(plot_palette_is_local("gcra@redis+token_bucket@local"));
    assert_false(plot_palette_is_local("gcra@localhost"));
    assert_false(plot_palette_is_local("none"));
}

/* Property: every algorithm ratelab knows has its own colour, and the same one each time. */
static void every_algorithm_distinct(void **state) {
    (void)state;
    char colors[64][PLOT_COLOR_BYTES];
    size_t count = limiter_algorithm_count();
    assert_true(count > 0 && count <= 64);
    for (size_t i = 0; i < count; i++) {
        const char *name = limiter_algorithm_at(i)->name;
        plot_palette_color(name, colors[i]);
        char again[PLOT_COLOR_BYTES];
        plot_palette_color(name, again);
        assert_string_equal(colors[i], again);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(colors[i], colors[j]) == 0) {
                fail_msg("%s and %s share %s", name, limiter_algorithm_at(j)->name, colors[i]);
            }
        }
    }
}

static void unknown_names_keep_a_colour(void **state) {
    (void)state;
    char a[PLOT_COLOR_BYTES], b[PLOT_COLOR_BYTES];
    plot_palette_color("my_new_algorithm@redis", a);
    plot_palette_color("my_new_algorithm", b);
    assert_string_equal(a, b);
    assert_int_equal(strlen(a), 7);
    assert_int_equal(a[0], '#');
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_colours),
        cmocka_unit_test(local_means_dashed),
        cmocka_unit_test(every_algorithm_distinct),
        cmocka_unit_test(unknown_names_keep_a_colour),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
