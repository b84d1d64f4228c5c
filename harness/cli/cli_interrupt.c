/* cli_interrupt.c - the SIGINT/SIGTERM flag of simulated runs (see cli_interrupt.h). */
#include "harness/cli/cli_interrupt.h"

#include <string.h>

/* The only mutable object of static storage outside rl_alloc's counters: a signal handler has
 * no other way to reach the run. Written only by on_signal and cli_interrupt_install. */
static volatile sig_atomic_t caught_signal;

static void on_signal(int signum) {
    caught_signal = signum;
}

int cli_interrupt_install(void) {
    caught_signal = 0;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESETHAND; /* a second Ctrl-C stops at once */
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGINT, &action, NULL) != 0 || sigaction(SIGTERM, &action, NULL) != 0) {
        return -1;
    }
    return 0;
}

void cli_interrupt_restore(void) {
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

const volatile sig_atomic_t *cli_interrupt_flag(void) {
    return &caught_signal;
}
