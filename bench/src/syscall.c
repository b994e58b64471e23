/* System-call loop: N round trips into the kernel and back.
     syscall getpid N   syscall(SYS_getpid) N times (no libc caching, no work in the kernel)
     syscall write0 N   write(1, buf, 0) N times (an fd whose writes cost nothing)
   Prints a summary on stdout, and on stderr the loop's own time per call (guest clock): the
   mean, and the fastest CHUNK consecutive calls (the warm cost, unaffected by the process
   waiting for a CPU on a busy host). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 256

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "getpid";
  long n = argc > 2 ? atol(argv[2]) : 100000;
  int getpid_mode;
  if (strcmp(mode, "getpid") == 0) getpid_mode = 1;
  else if (strcmp(mode, "write0") == 0) getpid_mode = 0;
  else { fprintf(stderr, "usage: syscall getpid|write0 [N]\n"); return 2; }
  static const char buf[1];
  long pid = syscall(SYS_getpid), bad = 0, k = 0;
  long long t0 = now_ns(), chunk_start = t0, best = -1;
  for (long i = 0; i < n; i++) {
    if (getpid_mode) bad += syscall(SYS_getpid) != pid;
    else bad += write(1, buf, 0) != 0;
    if (++k == CHUNK) {
      long long t = now_ns();
      if (best < 0 || t - chunk_start < best) best = t - chunk_start;
      chunk_start = t;
      k = 0;
    }
  }
  long long t1 = now_ns();
  printf("syscall %s x %ld: %s\n", mode, n, bad ? "INCONSISTENT" : "ok");
  /* integers only: no x87 in printf */
  long long tenths = n ? (t1 - t0) * 10 / n : 0;
  fprintf(stderr, "guest-measured %lld.%lld ns/call", tenths / 10, tenths % 10);
  if (best >= 0) fprintf(stderr, ", best %d-call chunk %lld.%lld ns/call", CHUNK, best * 10 / CHUNK / 10, best * 10 / CHUNK % 10);
  fprintf(stderr, "\n");
  return bad != 0;
}
