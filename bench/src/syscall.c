/* System-call loop: N round trips into the kernel and back.
     syscall getpid N   syscall(SYS_getpid) N times (no libc caching, no work in the kernel)
     syscall write0 N   write(1, buf, 0) N times (an fd whose writes cost nothing)
   Prints a summary on stdout; the loop's own time per call (guest clock) on stderr. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "getpid";
  long n = argc > 2 ? atol(argv[2]) : 100000;
  long bad = 0;
  long long t0 = now_ns();
  if (strcmp(mode, "getpid") == 0) {
    long pid = syscall(SYS_getpid);
    for (long i = 0; i < n; i++) bad += syscall(SYS_getpid) != pid;
  } else if (strcmp(mode, "write0") == 0) {
    static const char buf[1];
    for (long i = 0; i < n; i++) bad += write(1, buf, 0) != 0;
  } else {
    fprintf(stderr, "usage: syscall getpid|write0 [N]\n");
    return 2;
  }
  long long t1 = now_ns();
  printf("syscall %s x %ld: %s\n", mode, n, bad ? "INCONSISTENT" : "ok");
  long long tenths = n ? (t1 - t0) * 10 / n : 0;  /* integers only: no x87 in printf */
  fprintf(stderr, "guest-measured %lld.%lld ns/call\n", tenths / 10, tenths % 10);
  return bad != 0;
}
