/* Memory kernel: the C library's string and memory routines over megabytes (memset,
   memcpy, memmove, strlen, memchr, memcmp), as libc picks them for this CPU.
   Usage: memory [ROUNDS] [MiB]  -- ROUNDS passes over two MiB-sized buffers (default
   8 rounds, 4 MiB); prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  long rounds = argc > 1 ? atol(argv[1]) : 8;
  long mib = argc > 2 ? atol(argv[2]) : 4;
  size_t n = (size_t)mib << 20;
  unsigned char *a = malloc(n + 64), *b = malloc(n + 64);
  if (!a || !b) { perror("malloc"); return 1; }
  uint64_t sum = 0;
  for (long r = 0; r < rounds; r++) {
    memset(a, 'a' + (int)(r % 26), n);
    for (size_t i = 4095; i < n; i += 4096) a[i] = (unsigned char)(i >> 12 | 1);  /* never 0 */
    a[n - 1 - (size_t)r * 777 % (n / 2)] = 0;        /* a NUL at a round-dependent place */
    memcpy(b + (r & 7), a, n);                      /* misaligned destination */
    memmove(b + 16, b + 1, n / 2);                  /* overlapping, forwards */
    size_t len = strlen((const char *)a);
    const unsigned char *p = memchr(b, 0, n + (size_t)(r & 7));
    int c = memcmp(a, b + (r & 7), n);
    a[n / 3] ^= 0x5a;
    int d = memcmp(a, b + (r & 7), n);
    sum = sum * 1000003u + len;
    sum = sum * 1000003u + (p ? (size_t)(p - b) : (size_t)-1);
    sum = sum * 1000003u + (uint64_t)(c > 0) * 2 + (uint64_t)(c < 0);
    sum = sum * 1000003u + (uint64_t)(d > 0) * 2 + (uint64_t)(d < 0);
    for (size_t i = 0; i < n; i += 65536) sum = sum * 31 + b[i];
  }
  printf("memory %ld x %ld MiB: checksum %016llx\n", rounds, mib, (unsigned long long)sum);
  return 0;
}
