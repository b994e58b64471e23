/* Branchy kernel: qsort of pseudo-random 32-bit keys with a comparison callback (an
   indirect call and a data-dependent branch per comparison), then a binary-search pass.
   Usage: qsort [K]  -- sorts K*1024 keys (K=256: 1 MiB of keys); prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned long long compares;

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  compares++;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  long k = argc > 1 ? atol(argv[1]) : 256;
  size_t n = (size_t)k << 10;
  uint32_t *a = malloc(n * sizeof *a);
  if (!a) { perror("malloc"); return 1; }
  uint64_t s = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < n; i++) {  /* xorshift64* */
    s ^= s >> 12; s ^= s << 25; s ^= s >> 27;
    a[i] = (uint32_t)((s * 0x2545f4914f6cdd1dull) >> 32);
  }
  qsort(a, n, sizeof *a, cmp_u32);
  uint64_t h = 1469598103934665603ull;  /* FNV-1a over the sorted keys */
  size_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    if (i && a[i - 1] > a[i]) bad++;
    h = (h ^ a[i]) * 1099511628211ull;
  }
  size_t found = 0;  /* look every 16th key up again with bsearch */
  for (size_t i = 0; i < n; i += 16) found += bsearch(&a[i], a, n, sizeof *a, cmp_u32) != NULL;
  printf("qsort %zu keys: %s, found %zu/%zu, fnv %016llx\n", n, bad ? "NOT SORTED" : "sorted",
         found, (n + 15) / 16, (unsigned long long)h);
  /* The comparison count depends on the libc's algorithm: stderr, not the checksum. */
  fprintf(stderr, "compares %llu\n", compares);
  return bad != 0;
}
