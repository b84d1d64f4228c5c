/* rl_error.h - error codes and the error context that carries a message to the CLI. */
#ifndef RATELAB_RL_ERROR_H
#define RATELAB_RL_ERROR_H

#include <stdarg.h>

/* Every fallible function returns 0 or one of these negative codes. */
enum {
    RL_OK = 0,
    RL_ERR_INVALID = -1,  /* bad input: a scenario, a flag, a value out of range */
    RL_ERR_NOMEM = -2,    /* an allocation failed */
    RL_ERR_IO = -3,       /* a file could not be read or written */
    RL_ERR_UNKNOWN = -4,  /* a name (algorithm, API model, key) that does not exist */
    RL_ERR_LIMIT = -5,    /* a request beyond a stated bound (too many pods, runs, ...) */
    RL_ERR_INVARIANT = -6, /* a run's results failed a consistency check */
    RL_ERR_TOOL_MISSING = -7, /* an external program (gnuplot) is not installed */
    RL_ERR_TOOL_FAILED = -8   /* an external program ran and reported an error */
};

#define RL_ERROR_MESSAGE_BYTES 512

/* The first error of an operation, with a one-line message for the CLI to print. */
typedef struct rl_error {
    int code;
    char message[RL_ERROR_MESSAGE_BYTES];
} rl_error;

/* Records code and a printf-style message in err (if err is not NULL); returns code. */
int rl_error_set(rl_error *err, int code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Replaces each control byte of err's message by '?' (when code is an error), so a message that
 * quotes a file ratelab did not write stays one printable line. Returns code. */
int rl_error_printable(rl_error *err, int code);

/* Clears err to RL_OK with an empty message. */
void rl_error_clear(rl_error *err);

/* A static string naming code; never NULL. */
const char *rl_strerror(int code);

#endif
