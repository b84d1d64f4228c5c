/* hostile_redis.h - a hostile Redis for the live tests: a child process on a free loopback port
 * that forwards to a real server (or to nothing) and then turns hostile on a connection:
 *
 * - HOSTILE_DRIBBLE: the server's replies go back one byte every 1.5 s (each read sees a byte
 *   before any per-read timeout of 2 s, so only a deadline per step ends the wait);
 * - HOSTILE_HUGE_BULK: `$99999999999` and then bytes as fast as the socket takes them;
 * - HOSTILE_HUGE_ARRAY: `*2000000000` and then `:1` elements as fast as the socket takes them.
 *
 * A connection turns hostile when it is the from_connection-th accepted or later (1-based) and a
 * chunk from the client contains one of the trigger words ("|"-separated; "" = any chunk).
 * Test fixture only: static functions, included by the test files that use it. */
#ifndef RATELAB_TEST_HOSTILE_REDIS_H
#define RATELAB_TEST_HOSTILE_REDIS_H

#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef enum hostile_kind { HOSTILE_DRIBBLE, HOSTILE_HUGE_BULK, HOSTILE_HUGE_ARRAY } hostile_kind;

typedef struct hostile_config {
    hostile_kind kind;
    int upstream_port;   /* the real server; 0: none (every connection is hostile at once) */
    int from_connection; /* 1-based accept order of the first connection that may turn */
    const char *trigger; /* words that turn it, "|"-separated; "" for any chunk */
} hostile_config;

#define HOSTILE_PAIRS_MAX 64
#define HOSTILE_PENDING_BYTES 65536
#define HOSTILE_DRIBBLE_MS 1500

typedef struct hostile_pair {
    int client, upstream; /* upstream -1: none */
    bool may_turn; /* accepted at from_connection or later */
    bool hostile;
    char pending[HOSTILE_PENDING_BYTES]; /* the server's bytes not yet passed on */
    size_t pending_bytes;
    int64_t next_byte_ms; /* dribble: when the next byte may go */
    bool header_sent;     /* flood: the huge header went */
} hostile_pair;

static int64_t hostile_now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static bool hostile_triggered(const hostile_config *cfg, const char *chunk, size_t length) {
    if (cfg->trigger[0] == '\0') {
        return true;
    }
    const char *word = cfg->trigger;
    while (*word != '\0') {
        size_t word_length = strcspn(word, "|");
        for (size_t i = 0; i + word_length <= length; i++) {
            if (memcmp(chunk + i, word, word_length) == 0) {
                return true;
            }
        }
        word += word_length + (word[word_length] == '|' ? 1 : 0);
    }
    return false;
}

static int hostile_connect_upstream(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        _exit(3);
    }
    return fd;
}

/* Writes what a hostile pair sends now (non-blocking client socket). */
static void hostile_send(const hostile_config *cfg, hostile_pair *p) {
    static const char FILLER[4096] = {0};
    if (cfg->kind == HOSTILE_DRIBBLE || !p->hostile) {
        size_t n = p->pending_bytes;
        if (p->hostile) {
            if (n == 0 || hostile_now_ms() < p->next_byte_ms) {
                return;
            }
            n = 1;
            p->next_byte_ms = hostile_now_ms() + HOSTILE_DRIBBLE_MS;
        }
        ssize_t w = n > 0 ? send(p->client, p->pending, n, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;
        if (w > 0) {
            memmove(p->pending, p->pending + w, p->pending_bytes - (size_t)w);
            p->pending_bytes -= (size_t)w;
        }
        return;
    }
    if (!p->header_sent) {
        const char *header =
            cfg->kind == HOSTILE_HUGE_BULK ? "$99999999999\r\n" : "*2000000000\r\n";
        (void)!send(p->client, header, strlen(header), MSG_NOSIGNAL);
        p->header_sent = true;
    }
    char elements[4096];
    for (size_t i = 0; i + 4 <= sizeof elements; i += 4) {
        memcpy(elements + i, ":1\r\n", 4);
    }
    const char *body = cfg->kind == HOSTILE_HUGE_BULK ? FILLER : elements;
    (void)!send(p->client, body, sizeof elements, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void hostile_pair_close(hostile_pair *pairs, int *count, int i) {
    close(pairs[i].client);
    if (pairs[i].upstream >= 0) {
        close(pairs[i].upstream);
    }
    pairs[i] = pairs[--*count];
}

/* Reads from fd into p's pending (upstream) or forwards to upstream (client); false at EOF. */
static bool hostile_read(const hostile_config *cfg, hostile_pair *p, bool from_client) {
    char buffer[16384];
    if (!from_client) {
        size_t room = sizeof p->pending - p->pending_bytes;
        if (room == 0) {
            return true; /* dribbling: the server's bytes wait in its socket */
        }
        ssize_t n = read(p->upstream, p->pending + p->pending_bytes, room);
        bool flooding = p->hostile && cfg->kind != HOSTILE_DRIBBLE;
        p->pending_bytes += n > 0 && !flooding ? (size_t)n : 0; /* a flood drops them */
        return n > 0;
    }
    ssize_t n = read(p->client, buffer, sizeof buffer);
    if (n <= 0) {
        return false;
    }
    if (p->may_turn && !p->hostile && hostile_triggered(cfg, buffer, (size_t)n)) {
        p->hostile = true;
        p->next_byte_ms = hostile_now_ms() + HOSTILE_DRIBBLE_MS;
    }
    if (p->upstream >= 0) {
        (void)!write(p->upstream, buffer, (size_t)n);
    }
    return true;
}

static _Noreturn void hostile_serve(int listener, const hostile_config *cfg) {
    static hostile_pair pairs[HOSTILE_PAIRS_MAX];
    int count = 0;
    int accepted = 0;
    for (;;) {
        struct pollfd fds[1 + 2 * HOSTILE_PAIRS_MAX] = {{.fd = listener, .events = POLLIN}};
        for (int i = 0; i < count; i++) {
            bool flood = pairs[i].hostile && cfg->kind != HOSTILE_DRIBBLE;
            fds[1 + 2 * i] = (struct pollfd){.fd = pairs[i].client,
                                             .events = (short)(POLLIN | (flood ? POLLOUT : 0))};
            bool full = pairs[i].pending_bytes == sizeof pairs[i].pending;
            fds[2 + 2 * i] = (struct pollfd){.fd = pairs[i].upstream,
                                             .events = (short)(full ? 0 : POLLIN)};
        }
        if (poll(fds, (nfds_t)(1 + 2 * count), 50) < 0) {
            _exit(1);
        }
        int before = count;
        for (int i = before - 1; i >= 0; i--) {
            bool open = true;
            if ((fds[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                open = hostile_read(cfg, &pairs[i], true);
            }
            if (open && pairs[i].upstream >= 0 &&
                (fds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                open = hostile_read(cfg, &pairs[i], false);
            }
            if (open) {
                hostile_send(cfg, &pairs[i]);
            } else {
                hostile_pair_close(pairs, &count, i);
            }
        }
        if ((fds[0].revents & POLLIN) != 0 && count < HOSTILE_PAIRS_MAX) {
            int fd = accept(listener, NULL, NULL);
            if (fd >= 0) {
                accepted++;
                hostile_pair *p = &pairs[count++];
                memset(p, 0, sizeof *p);
                p->client = fd;
                p->upstream = cfg->upstream_port > 0 ? hostile_connect_upstream(cfg->upstream_port)
                                                     : -1;
                p->may_turn = accepted >= cfg->from_connection;
            }
        }
    }
}

/* Starts the hostile server (cfg copied into the child); its port goes to *port, its pid is
 * returned. It dies with the test process, or with hostile_stop. */
static pid_t hostile_start(const hostile_config *cfg, int *port) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(listener, 64) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &length) != 0) {
        return -1;
    }
    *port = ntohs(addr.sin_port);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        hostile_serve(listener, cfg);
    }
    close(listener);
    return pid;
}

static void hostile_stop(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

#endif
