/* Runs a command and reports its wall time, CPU time and peak RSS: what the benchmark records.
 * Usage: measure REPORT_FILE COMMAND [ARG...]
 * Writes "wall_s user_s sys_s maxrss_kb status" to REPORT_FILE, where status is the command's
 * exit code, or 128 + the signal that ended it; exits with that status. Wall time is taken
 * around fork and wait4 with CLOCK_MONOTONIC; CPU time and peak RSS come from wait4's rusage,
 * in microseconds and kilobytes, finer than GNU time's hundredths of a second. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds(const struct timeval *tv) {
  return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

int main(int argc, char **argv) {
  struct timespec t0, t1;
  struct rusage ru;
  FILE *out;
  pid_t pid;
  int st = 0, code;

  if (argc < 3) {
    fprintf(stderr, "usage: %s REPORT_FILE COMMAND [ARG...]\n", argv[0]);
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "measure: cannot run %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  while (wait4(pid, &st, 0, &ru) < 0) {
    if (errno != EINTR) {
      perror("measure: wait4");
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  out = fopen(argv[1], "w");
  if (!out) {
    perror("measure: report file");
    return 2;
  }
  fprintf(out, "%.6f %.6f %.6f %ld %d\n",
          (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
          seconds(&ru.ru_utime), seconds(&ru.ru_stime), ru.ru_maxrss, code);
  fclose(out);
  return code;
}
