/* Clock loop: N reads of CLOCK_MONOTONIC.
     clock vdso N   clock_gettime() through libc, which calls the vDSO when the kernel maps one
     clock trap N   syscall(SYS_clock_gettime, ...): always a kernel entry
   Checks that the clock never goes back; prints a summary on stdout, and on stderr the
   loop's own time per read (guest clock): the mean, and the fastest CHUNK consecutive reads
   (the warm cost, unaffected by the process waiting for a CPU on a busy host). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 256

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000LL + t->tv_nsec; }

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "vdso";
  long n = argc > 2 ? atol(argv[2]) : 100000;
  int trap;
  if (strcmp(mode, "vdso") == 0) trap = 0;
  else if (strcmp(mode, "trap") == 0) trap = 1;
  else { fprintf(stderr, "usage: clock vdso|trap [N]\n"); return 2; }
  struct timespec first, a, b;
  long bad = 0, k = 0;
  long long chunk_start, best = -1;
  clock_gettime(CLOCK_MONOTONIC, &first);
  a = first;
  chunk_start = ns(&first);
  for (long i = 0; i < n; i++) {
    int r = trap ? (int)syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b) : clock_gettime(CLOCK_MONOTONIC, &b);
    if (r != 0 || ns(&b) < ns(&a) || b.tv_nsec < 0 || b.tv_nsec >= 1000000000) bad++;
    a = b;
    if (++k == CHUNK) {  /* the reads themselves time the chunk */
      long long t = ns(&b);
      if (best < 0 || t - chunk_start < best) best = t - chunk_start;
      chunk_start = t;
      k = 0;
    }
  }
  printf("clock_gettime(CLOCK_MONOTONIC) via %s x %ld: %s\n", mode, n, bad ? "WENT BACKWARDS" : "monotonic");
  /* integers only: no x87 in printf */
  long long tenths = n ? (ns(&a) - ns(&first)) * 10 / n : 0;
  fprintf(stderr, "guest-measured %lld.%lld ns/call", tenths / 10, tenths % 10);
  if (best >= 0) fprintf(stderr, ", best %d-call chunk %lld.%lld ns/call", CHUNK, best * 10 / CHUNK / 10, best * 10 / CHUNK % 10);
  fprintf(stderr, "\n");
  return bad != 0;
}
