/* redis_server.h - a redis-server that ratelab starts, pauses, kills, restarts and stops.
 *
 * The server listens on 127.0.0.1 only, at a free port found by binding port 0, with no
 * persistence (--save '' --appendonly no) and its working folder in a fresh temporary folder.
 * It runs in its own process group (a Ctrl-C at the terminal reaches ratelab, which stops the
 * server itself) and dies with ratelab if ratelab dies (PR_SET_PDEATHSIG). */
#ifndef RATELAB_REDIS_SERVER_H
#define RATELAB_REDIS_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

#include "harness/core/rl_error.h"

#define REDIS_SERVER_PATH_BYTES 256

typedef struct redis_server {
    pid_t pid;  /* 0 when not running */
    int port;
    bool paused; /* stopped with SIGSTOP */
    char dir[REDIS_SERVER_PATH_BYTES];    /* temporary working folder ("" when none) */
    char binary[REDIS_SERVER_PATH_BYTES]; /* what was executed ("redis-server" from PATH) */
} redis_server;

/* Starts binary (NULL: "redis-server" from PATH) on a free loopback port and waits until it
 * answers PING (at most about 5 s). srv is the caller's; on success redis_server_stop must be
 * called. Returns 0, or RL_ERR_IO with a message (binary missing, no port, no answer). */
int redis_server_start(redis_server *srv, const char *binary, rl_error *err);

/* Stops the server (SIGCONT if paused, SIGTERM, then SIGKILL after 5 s), reaps it and removes
 * its temporary folder. Safe to call twice or after a failed start. */
void redis_server_stop(redis_server *srv);

/* Freezes the server with SIGSTOP (it accepts connections but answers nothing). Returns 0 or
 * RL_ERR_IO. */
int redis_server_pause(redis_server *srv, rl_error *err);

/* Thaws a paused server with SIGCONT. Returns 0 or RL_ERR_IO. */
int redis_server_resume(redis_server *srv, rl_error *err);

/* Kills the server with SIGKILL and reaps it: its data is lost. The folder stays for a restart.
 * Returns 0 or RL_ERR_IO. */
int redis_server_kill(redis_server *srv, rl_error *err);

/* Starts a killed server again on the same port, empty, without waiting for it to answer (the
 * caller's event loop must not block). Returns 0 or RL_ERR_IO. */
int redis_server_restart(redis_server *srv, rl_error *err);

/* Waits (blocking, at most timeout_ms) until the server answers PING. Returns 0 or RL_ERR_IO. */
int redis_server_wait_ready(const redis_server *srv, int timeout_ms, rl_error *err);

#endif
