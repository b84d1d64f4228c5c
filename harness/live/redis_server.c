/* redis_server.c - start, pause, kill, restart and stop a private redis-server. */
#include "harness/live/redis_server.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define REDIS_SERVER_START_ATTEMPTS 3
#define REDIS_SERVER_READY_MS 5000
#define REDIS_SERVER_STOP_MS 5000

static void sleep_ms(int ms) {
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* A port no one listens on right now, found by binding port 0 on loopback; -1 on failure. */
static int free_port_find(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
}

/* In the child: own process group, die with the parent, quiet output, exec the server. */
static void child_exec(const redis_server *srv) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
    }
    /* A restart forks while ratelab holds sockets (hiredis does not mark them close-on-exec):
     * the server must not keep them open. */
    long fd_max = sysconf(_SC_OPEN_MAX);
    for (long fd = 3; fd < (fd_max > 0 && fd_max < 65536 ? fd_max : 65536); fd++) {
        close((int)fd);
    }
    char port_text[16];
    snprintf(port_text, sizeof port_text, "%d", srv->port);
    char *const argv[] = {(char *)srv->binary, "--port", port_text, "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", (char *)srv->dir,
                          "--logfile", "redis.log", "--daemonize", "no", NULL};
    execvp(srv->binary, argv);
    _exit(127);
}

static int spawn(redis_server *srv, rl_error *err) {
    pid_t pid = fork();
    if (pid < 0) {
        return rl_error_set(err, RL_ERR_IO, "cannot start %s: fork: %s", srv->binary,
                            strerror(errno));
    }
    if (pid == 0) {
        child_exec(srv);
    }
    srv->pid = pid;
    srv->paused = false;
    return RL_OK;
}

/* True when the server process has exited (and is reaped). */
static bool exited(redis_server *srv) {
    int status;
    if (srv->pid > 0 && waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
        srv->pid = 0;
    }
    return srv->pid == 0;
}

int redis_server_wait_ready(const redis_server *srv, int timeout_ms, rl_error *err) {
    for (int waited_ms = 0; waited_ms < timeout_ms; waited_ms += 10) {
        struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
        redisContext *c = redisConnectWithTimeout("127.0.0.1", srv->port, tv);
        if (c != NULL && c->err == 0) {
            redisReply *reply = redisCommand(c, "PING");
            bool ok = reply != NULL && reply->type == REDIS_REPLY_STATUS;
            freeReplyObject(reply);
            redisFree(c);
            if (ok) {
                return RL_OK;
            }
        } else if (c != NULL) {
            redisFree(c);
        }
        if (exited((redis_server *)srv)) {
            return rl_error_set(err, RL_ERR_IO, "%s exited before answering on port %d",
                                srv->binary, srv->port);
        }
        sleep_ms(10);
    }
    return rl_error_set(err, RL_ERR_IO, "%s did not answer PING on port %d within %d ms",
                        srv->binary, srv->port, timeout_ms);
}

int redis_server_start(redis_server *srv, const char *binary, rl_error *err) {
    memset(srv, 0, sizeof *srv);
    snprintf(srv->binary, sizeof srv->binary, "%s", binary != NULL ? binary : "redis-server");
    const char *tmp = getenv("TMPDIR");
    snprintf(srv->dir, sizeof srv->dir, "%s/ratelab-redis-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(srv->dir) == NULL) {
        int e = errno;
        srv->dir[0] = '\0';
        return rl_error_set(err, RL_ERR_IO, "cannot create a folder for redis-server: %s",
                            strerror(e));
    }
    int rc = RL_ERR_IO;
    for (int attempt = 0; attempt < REDIS_SERVER_START_ATTEMPTS; attempt++) {
        srv->port = free_port_find();
        if (srv->port <= 0) {
            rc = rl_error_set(err, RL_ERR_IO, "no free loopback port for redis-server");
            break;
        }
        rc = spawn(srv, err);
        if (rc == RL_OK) {
            rc = redis_server_wait_ready(srv, REDIS_SERVER_READY_MS, err);
        }
        if (rc == RL_OK) {
            return RL_OK;
        }
        redis_server_kill(srv, NULL); /* another process may have taken the port: try again */
    }
    char reason[RL_ERROR_MESSAGE_BYTES];
    snprintf(reason, sizeof reason, "%s", err != NULL ? err->message : "failed");
    redis_server_stop(srv);
    return rl_error_set(err, RL_ERR_IO, "cannot start redis-server: %s (is it installed?)",
                        reason);
}

/* Removes the server's temporary folder and the files in it. */
static void dir_remove(redis_server *srv) {
    if (srv->dir[0] == '\0') {
        return;
    }
    DIR *d = opendir(srv->dir);
    if (d != NULL) {
        struct dirent *entry;
        while ((entry = readdir(d)) != NULL) {
            if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
                char path[REDIS_SERVER_PATH_BYTES * 2];
                snprintf(path, sizeof path, "%s/%s", srv->dir, entry->d_name);
                unlink(path);
            }
        }
        closedir(d);
    }
    rmdir(srv->dir);
    srv->dir[0] = '\0';
}

void redis_server_stop(redis_server *srv) {
    if (srv->pid > 0) {
        kill(srv->pid, SIGCONT);
        kill(srv->pid, SIGTERM);
        for (int waited_ms = 0; waited_ms < REDIS_SERVER_STOP_MS && !exited(srv); waited_ms += 5) {
            sleep_ms(5);
        }
        if (srv->pid > 0) {
            redis_server_kill(srv, NULL);
        }
    }
    dir_remove(srv);
}

int redis_server_pause(redis_server *srv, rl_error *err) {
    if (srv->pid <= 0 || kill(srv->pid, SIGSTOP) != 0) {
        return rl_error_set(err, RL_ERR_IO, "cannot pause redis-server (not running)");
    }
    srv->paused = true;
    return RL_OK;
}

int redis_server_resume(redis_server *srv, rl_error *err) {
    if (srv->pid <= 0 || kill(srv->pid, SIGCONT) != 0) {
        return rl_error_set(err, RL_ERR_IO, "cannot resume redis-server (not running)");
    }
    srv->paused = false;
    return RL_OK;
}

int redis_server_kill(redis_server *srv, rl_error *err) {
    if (srv->pid <= 0) {
        return rl_error_set(err, RL_ERR_IO, "cannot kill redis-server (not running)");
    }
    kill(srv->pid, SIGKILL);
    int status;
    while (waitpid(srv->pid, &status, 0) < 0 && errno == EINTR) {
    }
    srv->pid = 0;
    srv->paused = false;
    return RL_OK;
}

int redis_server_restart(redis_server *srv, rl_error *err) {
    if (srv->pid > 0) {
        return rl_error_set(err, RL_ERR_IO, "redis-server is still running");
    }
    return spawn(srv, err);
}
