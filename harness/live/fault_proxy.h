/* fault_proxy.h - a TCP proxy on the libuv loop between the pods and Redis, that can fail.
 *
 * Listens on a free loopback port and forwards each accepted connection to the upstream
 * address. Modes: PASS forwards; REFUSE resets every connection (existing ones at once, new
 * ones as soon as they are accepted: the client sees its connection reset); BLACKHOLE keeps
 * connections open and swallows everything in both directions (the client sees no answer
 * until its timeout). Leaving BLACKHOLE resets the connections it held. A delay adds delay_us
 * (rounded up to a millisecond) to every chunk in each direction. */
#ifndef RATELAB_FAULT_PROXY_H
#define RATELAB_FAULT_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "harness/core/rl_error.h"

typedef enum fault_proxy_mode {
    FAULT_PROXY_PASS = 0,
    FAULT_PROXY_REFUSE,
    FAULT_PROXY_BLACKHOLE
} fault_proxy_mode;

struct fault_proxy_pair;

typedef struct fault_proxy {
    uv_loop_t *loop; /* borrowed */
    uv_tcp_t listener;
    int port;
    struct sockaddr_storage upstream; /* IPv4 or IPv6 */
    fault_proxy_mode mode;
    int64_t delay_us;
    struct fault_proxy_pair *pairs; /* every connection pair, in a doubly linked list */
    int64_t accepted, reset;        /* connections accepted, connections reset */
    bool closing;
    int handles_open;
} fault_proxy;

/* Starts p on loop (borrowed), forwarding to upstream_ip:upstream_port (numeric IPv4 or IPv6).
 * Returns 0 or RL_ERR_IO with a message. After success: fault_proxy_close, then run the loop. */
int fault_proxy_start(fault_proxy *p, uv_loop_t *loop, const char *upstream_ip,
                      int upstream_port, rl_error *err);

/* Switches to mode (see the file comment). */
void fault_proxy_set_mode(fault_proxy *p, fault_proxy_mode mode);

/* Sets the added one-way delay of every chunk (0: none). */
void fault_proxy_set_delay(fault_proxy *p, int64_t delay_us);

/* Closes the listener and every connection; memory is freed as the handles close. */
void fault_proxy_close(fault_proxy *p);

#endif
