/* rl_error.c - error codes and the error context. */
#include "harness/core/rl_error.h"

#include <stdio.h>

int rl_error_set(rl_error *err, int code, const char *format, ...) {
    if (err == NULL) {
        return code;
    }
    err->code = code;
    va_list args;
    va_start(args, format);
    vsnprintf(err->message, sizeof err->message, format, args);
    va_end(args);
    return code;
}

int rl_error_printable(rl_error *err, int code) {
    if (err == NULL || code == RL_OK) {
        return code;
    }
    for (char *c = err->message; *c != '\0'; c++) {
        unsigned char byte = (unsigned char)*c;
        if (byte < 0x20u || byte == 0x7Fu) {
            *c = '?';
        }
    }
    return code;
}

void rl_error_clear(rl_error *err) {
    if (err == NULL) {
        return;
    }
    err->code = RL_OK;
    err->message[0] = '\0';
}

const char *rl_strerror(int code) {
    switch (code) {
    case RL_OK: return "ok";
    case RL_ERR_INVALID: return "invalid input";
    case RL_ERR_NOMEM: return "out of memory";
    case RL_ERR_IO: return "input/output error";
    case RL_ERR_UNKNOWN: return "unknown name";
    case RL_ERR_LIMIT: return "beyond a stated limit";
    case RL_ERR_INVARIANT: return "consistency check failed";
    case RL_ERR_TOOL_MISSING: return "external program not installed";
    case RL_ERR_TOOL_FAILED: return "external program failed";
    default: return "unknown error";
    }
}
