/* gnuplot_run.c - running gnuplot as a child process: fork, chdir, exec; its exit status and the
 * first error line it printed come back to the caller. */
#include "harness/report/gnuplot_run.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define GNUPLOT_STDERR_BYTES 8192 /* what is kept of gnuplot's stderr; the rest is read and dropped */

/* Reads fd to its end, keeping the first size - 1 bytes in buf (NUL-terminated). */
static void read_all(int fd, char *buf, size_t size) {
    size_t used = 0;
    char scratch[512];
    for (;;) {
        ssize_t n = read(fd, scratch, sizeof scratch);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        size_t keep = (size_t)n;
        if (keep > size - 1 - used) {
            keep = size - 1 - used;
        }
        memcpy(buf + used, scratch, keep);
        used += keep;
    }
    buf[used] = '\0';
}

/* What the child reports on its status pipe when it cannot exec gnuplot. */
typedef struct child_failure {
    int exec_failed; /* 0: setting up (chdir, /dev/null) failed; 1: exec itself failed */
    int code;        /* errno */
} child_failure;

static _Noreturn void report_failure(int status_fd, int exec_failed) {
    child_failure failure = {.exec_failed = exec_failed, .code = errno};
    (void)!write(status_fd, &failure, sizeof failure);
    _exit(127);
}

/* In the child: where the output goes, then exec. Reports a child_failure on status_fd if
 * anything fails (the parent reads nothing there when exec succeeds: it closes on exec). */
static _Noreturn void child_exec(const char *program, const char *dir, char *const *argv,
                                 int stderr_fd, int status_fd) {
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0 || chdir(dir) != 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
        dup2(null_fd, STDOUT_FILENO) < 0 || dup2(stderr_fd, STDERR_FILENO) < 0) {
        report_failure(status_fd, 0);
    }
    alarm(GNUPLOT_TIMEOUT_S);
    execvp(program, argv);
    report_failure(status_fd, 1);
}

static bool is_blank_line(const char *line, size_t length) {
    for (size_t i = 0; i < length; i++) {
        if (!isspace((unsigned char)line[i]) && line[i] != '^') {
            return false;
        }
    }
    return true;
}

/* True when line (length bytes) reads `... line N: ...` and is not a warning. */
static bool is_error_location(const char *line, size_t length) {
    char copy[512];
    size_t n = length < sizeof copy - 1 ? length : sizeof copy - 1;
    memcpy(copy, line, n);
    copy[n] = '\0';
    if (strstr(copy, "warning:") != NULL) {
        return false;
    }
    for (const char *at = strstr(copy, "line "); at != NULL; at = strstr(at + 1, "line ")) {
        const char *digit = at + 5;
        if (!isdigit((unsigned char)*digit)) {
            continue;
        }
        while (isdigit((unsigned char)*digit)) {
            digit++;
        }
        if (*digit == ':') {
            return true;
        }
    }
    return false;
}

static void copy_trimmed(const char *line, size_t length, char *out, int out_size) {
    while (length > 0 && isspace((unsigned char)*line)) {
        line++;
        length--;
    }
    while (length > 0 && isspace((unsigned char)line[length - 1])) {
        length--;
    }
    snprintf(out, (size_t)out_size, "%.*s", (int)length, line);
}

void gnuplot_first_error_line(const char *text, char *out, int out_size) {
    const char *first_text = NULL;
    size_t first_length = 0;
    for (const char *line = text; *line != '\0';) {
        size_t length = strcspn(line, "\n");
        if (is_error_location(line, length)) {
            copy_trimmed(line, length, out, out_size);
            return;
        }
        if (first_text == NULL && !is_blank_line(line, length)) {
            first_text = line;
            first_length = length;
        }
        line += length + (line[length] == '\n' ? 1 : 0);
    }
    if (first_text == NULL) {
        out[0] = '\0';
        return;
    }
    copy_trimmed(first_text, first_length, out, out_size);
}

static int wait_child(pid_t pid, int *status) {
    while (waitpid(pid, status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return 0;
}

/* Reports how a started gnuplot ended. */
static int child_outcome(int status, const char *stderr_text, rl_error *err) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return RL_OK;
    }
    char first[400];
    gnuplot_first_error_line(stderr_text, first, sizeof first);
    if (WIFSIGNALED(status)) {
        return rl_error_set(err, RL_ERR_TOOL_FAILED, "gnuplot stopped by signal %d%s",
                            WTERMSIG(status),
                            WTERMSIG(status) == SIGALRM ? " (took too long)" : "");
    }
    return rl_error_set(err, RL_ERR_TOOL_FAILED, "gnuplot failed (exit %d): %s",
                        WEXITSTATUS(status), first[0] != '\0' ? first : "no message");
}

int gnuplot_run(const char *program, const char *dir, const char *const *scripts,
                int script_count, rl_error *err) {
    if (script_count < 1 || script_count > GNUPLOT_SCRIPTS_MAX) {
        return rl_error_set(err, RL_ERR_LIMIT, "gnuplot runs 1 to %d scripts at once, not %d",
                            GNUPLOT_SCRIPTS_MAX, script_count);
    }
    char *argv[GNUPLOT_SCRIPTS_MAX + 2];
    argv[0] = (char *)program;
    for (int i = 0; i < script_count; i++) {
        argv[i + 1] = (char *)scripts[i];
    }
    argv[script_count + 1] = NULL;
    int stderr_pipe[2], status_pipe[2];
    if (pipe(stderr_pipe) != 0) {
        return rl_error_set(err, RL_ERR_IO, "cannot start gnuplot: pipe: %s", strerror(errno));
    }
    if (pipe(status_pipe) != 0) {
        close(stderr_pipe[0]);
        close(stderr_pipe[1]);
        return rl_error_set(err, RL_ERR_IO, "cannot start gnuplot: pipe: %s", strerror(errno));
    }
    fcntl(status_pipe[1], F_SETFD, FD_CLOEXEC);
    fcntl(stderr_pipe[0], F_SETFD, FD_CLOEXEC);
    fflush(NULL); /* nothing buffered may be written twice by the child */
    pid_t pid = fork();
    if (pid == 0) {
        close(stderr_pipe[0]);
        close(status_pipe[0]);
        child_exec(program, dir, argv, stderr_pipe[1], status_pipe[1]);
    }
    int fork_errno = errno;
    close(stderr_pipe[1]);
    close(status_pipe[1]);
    if (pid < 0) {
        close(stderr_pipe[0]);
        close(status_pipe[0]);
        return rl_error_set(err, RL_ERR_IO, "cannot start gnuplot: fork: %s",
                            strerror(fork_errno));
    }
    child_failure failure = {0, 0};
    ssize_t got;
    do {
        got = read(status_pipe[0], &failure, sizeof failure);
    } while (got < 0 && errno == EINTR);
    close(status_pipe[0]);
    char stderr_text[GNUPLOT_STDERR_BYTES];
    read_all(stderr_pipe[0], stderr_text, sizeof stderr_text);
    close(stderr_pipe[0]);
    int status = 0;
    if (wait_child(pid, &status) != 0) {
        return rl_error_set(err, RL_ERR_IO, "gnuplot: waitpid: %s", strerror(errno));
    }
    if (got == (ssize_t)sizeof failure) {
        if (failure.exec_failed && failure.code == ENOENT) {
            return rl_error_set(err, RL_ERR_TOOL_MISSING, "%s", GNUPLOT_MISSING_MESSAGE);
        }
        return rl_error_set(err, RL_ERR_IO, "cannot %s %s in %s: %s",
                            failure.exec_failed ? "start" : "prepare", program, dir,
                            strerror(failure.code));
    }
    return child_outcome(status, stderr_text, err);
}
