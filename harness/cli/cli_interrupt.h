/* cli_interrupt.h - SIGINT and SIGTERM during a simulated run: the first one asks the run to
 * stop and write what it has (marked partial); a second one ends the process at once.
 *
 * A signal handler can only talk to the program through an object of static storage: the one
 * exception to "no global mutable state", kept in cli_interrupt.c and nowhere else. It is a
 * volatile sig_atomic_t, written by the handler and read (never written) by sim_run between
 * batches of events. The live world does not use it: it has its own libuv signal handles. */
#ifndef RATELAB_CLI_INTERRUPT_H
#define RATELAB_CLI_INTERRUPT_H

#include <signal.h>

/* Clears the flag and installs the handler for SIGINT and SIGTERM; each signal's default
 * action comes back once it has been caught once (SA_RESETHAND). Returns 0 or -1 (errno). */
int cli_interrupt_install(void);

/* Puts back the default action of SIGINT and SIGTERM. */
void cli_interrupt_restore(void);

/* The flag: 0, or the number of the signal caught. Static storage, owned by cli_interrupt.c. */
const volatile sig_atomic_t *cli_interrupt_flag(void);

#endif
