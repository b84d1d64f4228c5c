/* redis_benchmark.c - redis-benchmark as a child process: posix_spawnp with an argument vector,
 * its output read through a pipe, its rate parsed. */
#include "harness/live/redis_benchmark.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void redis_benchmark_command_init(redis_benchmark_command *c, const char *program) {
    memset(c, 0, sizeof *c);
    (void)redis_benchmark_command_add(c, program);
}

bool redis_benchmark_command_add(redis_benchmark_command *c, const char *arg) {
    size_t length = strlen(arg);
    if (c->count >= REDIS_BENCHMARK_ARGS_MAX || length >= REDIS_BENCHMARK_ARG_BYTES) {
        return false;
    }
    memcpy(c->text[c->count], arg, length + 1);
    c->argv[c->count] = c->text[c->count];
    c->count++;
    c->argv[c->count] = NULL;
    return true;
}

bool redis_benchmark_command_add_i64(redis_benchmark_command *c, int64_t value) {
    char text[24];
    snprintf(text, sizeof text, "%lld", (long long)value);
    return redis_benchmark_command_add(c, text);
}

double redis_benchmark_parse_rate(const char *line) {
    const char *found = NULL;
    for (const char *p = strstr(line, "requests per second"); p != NULL;
         p = strstr(p + 1, "requests per second")) {
        found = p;
    }
    if (found == NULL) {
        return 0;
    }
    const char *colon = NULL;
    for (const char *p = line; p < found; p++) {
        if (*p == ':') {
            colon = p;
        }
    }
    if (colon == NULL) {
        return 0;
    }
    double rate = strtod(colon + 1, NULL);
    return rate > 0 ? rate : 0;
}

/* Reads out to its end, one \r- or \n-separated update at a time (the first 511 bytes of each
 * are looked at); returns the last rate found, or 0. */
static double read_rate(FILE *out) {
    char segment[512];
    size_t used = 0;
    double rate = 0;
    for (int ch = getc(out);; ch = getc(out)) {
        if (ch == EOF || ch == '\r' || ch == '\n') {
            segment[used] = '\0';
            double found = redis_benchmark_parse_rate(segment);
            rate = found > 0 ? found : rate;
            used = 0;
            if (ch == EOF) {
                return rate;
            }
        } else if (used < sizeof segment - 1) {
            segment[used++] = (char)ch;
        }
    }
}

/* Starts c with stdout on out_fd (close-on-exec itself: only the copy on stdout stays in the
 * child), stdin and stderr on /dev/null. Returns 0 or an errno. */
static int spawn(const redis_benchmark_command *c, int out_fd, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) {
        return rc;
    }
    rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (rc == 0) {
        rc = posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
    }
    if (rc == 0) {
        rc = posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    }
    if (rc == 0) {
        rc = posix_spawnp(pid, c->argv[0], &actions, NULL, c->argv, environ);
    }
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

double redis_benchmark_run(const redis_benchmark_command *c, char *note, size_t note_size) {
    int fds[2];
    if (c->count < 1 || pipe(fds) != 0) {
        snprintf(note, note_size, "redis-benchmark could not run");
        return 0;
    }
    /* Neither end leaks into the child (or any other child) beyond its stdout. */
    int rc = fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0 && fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0
                 ? 0
                 : errno;
    pid_t pid = 0;
    if (rc == 0) {
        rc = spawn(c, fds[1], &pid);
    }
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        snprintf(note, note_size, "%s: %s", c->argv[0],
                 rc == ENOENT ? "not installed" : strerror(rc));
        return 0;
    }
    FILE *out = fdopen(fds[0], "r");
    double rate = 0;
    if (out == NULL) {
        close(fds[0]);
    } else {
        rate = read_rate(out);
        fclose(out);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (!ok) {
        snprintf(note, note_size, "%s failed (%s %d)", c->argv[0],
                 WIFEXITED(status) ? "exit status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return 0;
    }
    if (rate <= 0) {
        snprintf(note, note_size, "%s printed no rate", c->argv[0]);
    }
    return rate;
}
