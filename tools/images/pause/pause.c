/*
 * Corral's sandbox ("pause") program: PID 1 of a pod sandbox. It holds the pod's namespaces
 * open, reaps every orphan re-parented to it, and exits 0 on SIGTERM or SIGINT. Same behaviour
 * as Kubernetes' pause; built by tools/images with `gcc -static -Os -s` into the image
 * corral.local/pause.
 *
 *   pause        block until SIGTERM/SIGINT
 *   pause -v     print the version and exit
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CORRAL_PAUSE_VERSION
#define CORRAL_PAUSE_VERSION "3.10"
#endif

static void say(const char *s) {
  ssize_t ignored = write(STDERR_FILENO, s, strlen(s));
  (void)ignored;
}

/* Only async-signal-safe calls in the handlers: write and _exit, waitpid. */
static void on_stop(int signo) {
  say(signo == SIGTERM ? "pause: SIGTERM, shutting down\n" : "pause: SIGINT, shutting down\n");
  _exit(0);
}

static void on_child(int signo) {
  int saved = errno;
  (void)signo;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    say("pause " CORRAL_PAUSE_VERSION " (corral)\n");
    return 0;
  }
  if (getpid() != 1) say("pause: warning: not running as PID 1\n");

  struct sigaction stop = {0};
  stop.sa_handler = on_stop;
  sigemptyset(&stop.sa_mask);
  if (sigaction(SIGINT, &stop, NULL) < 0 || sigaction(SIGTERM, &stop, NULL) < 0) return 1;

  struct sigaction child = {0};
  child.sa_handler = on_child;
  child.sa_flags = SA_NOCLDSTOP | SA_RESTART;
  sigemptyset(&child.sa_mask);
  if (sigaction(SIGCHLD, &child, NULL) < 0) return 2;

  /* reap anything that became a zombie before the handler was in place */
  on_child(SIGCHLD);
  for (;;) pause();
  return 42; /* not reached */
}
