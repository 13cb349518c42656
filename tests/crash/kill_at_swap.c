/* Kills a command with SIGKILL a given time after it creates its swap folder: the
 * moment a group of outputs is being published (engine/output.c). Lets the crash test
 * hit that short window on purpose rather than by chance.
 *     kill_at_swap DIR DELAY_US COMMAND [ARG...]
 * DIR is the folder that will receive the swap folder (the output folder's parent).
 * Prints "killed" when the kill came before the command ended, "finished" otherwise;
 * exit status 0, or 2 on a usage or system error. Linux (inotify). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* True when the inotify events in buf[0..n) include a folder whose name holds ".swap-". */
static int swap_created(const char *buf, ssize_t n)
{
    for (ssize_t i = 0; i < n;) {
        const struct inotify_event *e = (const struct inotify_event *)(buf + i);
        if ((e->mask & IN_ISDIR) && e->len > 0 && strstr(e->name, ".swap-") != NULL)
            return 1;
        i += (ssize_t)sizeof *e + e->len;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: kill_at_swap DIR DELAY_US COMMAND [ARG...]\n");
        return 2;
    }
    long delay_us = strtol(argv[2], NULL, 10);
    int watch = inotify_init1(IN_CLOEXEC);
    if (watch < 0 || inotify_add_watch(watch, argv[1], IN_CREATE) < 0) {
        perror(argv[1]);
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[3], argv + 3);
        _exit(127);
    }
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        struct pollfd p = {watch, POLLIN, 0};
        if (poll(&p, 1, 50) > 0) {
            ssize_t n = read(watch, buf, sizeof buf);
            if (n > 0 && swap_created(buf, n)) {
                struct timespec t = {delay_us / 1000000, (delay_us % 1000000) * 1000};
                nanosleep(&t, NULL);
                kill(pid, SIGKILL); /* harmless when it has just ended: not reaped yet */
                break;
            }
        }
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            printf("finished\n");
            return 0;
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    printf("%s\n", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? "killed" : "finished");
    return 0;
}
