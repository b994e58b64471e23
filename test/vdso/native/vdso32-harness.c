/*
 * Runs the emulator's 32-bit vDSO (linux-gate.so.1) natively, in a gcc -m32 process on an
 * x86-64 Linux host, mapped like the kernel maps it: the data pages, then the image.
 * The time data is written here with the offsets the test passes (from vvar-layout.ts),
 * so the layout has one source. Each line of output is one call:
 *   <case> <tsc_before> <tsc_after> <ret> <sec> <nsec>
 * and the test checks the result against the formula for both TSC bounds.
 *
 * usage: vdso32-harness IMAGE TEXTOFS... (see native32.test.ts for the argument order)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
  return ((uint64_t)hi << 32) | lo;
}

typedef int (*cgt_t)(int, void *);
typedef int (*gtod_t)(void *, void *);
typedef int (*time_t32)(int32_t *);
typedef int (*getcpu_t)(unsigned *, unsigned *, void *);

int main(int argc, char **argv) {
  if (argc < 22) { fprintf(stderr, "usage\n"); return 2; }
  int a = 1;
  const char *image = argv[a++];
  long size = strtol(argv[a++], 0, 0), data = strtol(argv[a++], 0, 0);
  long o_cgt = strtol(argv[a++], 0, 0), o_cgt64 = strtol(argv[a++], 0, 0), o_gtod = strtol(argv[a++], 0, 0);
  long o_time = strtol(argv[a++], 0, 0), o_res = strtol(argv[a++], 0, 0), o_cpu = strtol(argv[a++], 0, 0);
  long seq = strtol(argv[a++], 0, 0), mode = strtol(argv[a++], 0, 0), last = strtol(argv[a++], 0, 0);
  long mult = strtol(argv[a++], 0, 0), shift = strtol(argv[a++], 0, 0), base = strtol(argv[a++], 0, 0);
  long tssize = strtol(argv[a++], 0, 0), tzw = strtol(argv[a++], 0, 0), hres = strtol(argv[a++], 0, 0);
  long recsize = strtol(argv[a++], 0, 0);
  uint32_t m = strtoul(argv[a++], 0, 0), s = strtoul(argv[a++], 0, 0);

  uint8_t *area = mmap(0, data + size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return 3;
  int fd = open(image, O_RDONLY);
  if (fd < 0 || read(fd, area + data, size) != size) return 4;
  mprotect(area + data, size, PROT_READ | PROT_EXEC);
  uint8_t *vv = area; /* time data at the start of the data area */
  uint8_t *text = area + data;

  for (int r = 0; r < 2; r++) {
    uint8_t *rec = vv + r * recsize;
    *(uint32_t *)(rec + seq) = 2;
    *(int32_t *)(rec + mode) = 1; /* VDSO_CLOCKMODE_TSC */
    *(uint32_t *)(rec + mult) = m;
    *(uint32_t *)(rec + shift) = s;
    for (int c = 0; c < 12; c++) {
      *(uint64_t *)(rec + base + c * tssize) = 1700000000ull + c * 1000 + r * 100;
      uint64_t ns = 123456789ull + c;
      *(uint64_t *)(rec + base + c * tssize + 8) = (c == 5 || c == 6) ? ns : ns << s;
    }
  }
  *(int32_t *)(vv + tzw) = -60;
  *(int32_t *)(vv + tzw + 4) = 1;
  *(uint32_t *)(vv + hres) = 1;

  /* deltas: none (cycle_last ahead), small, several seconds (carry), huge (96-bit product) */
  uint64_t deltas[] = { 0, 1000, 7ull * 2000000000ull, 1ull << 40 };
  int clocks[] = { 0, 1, 4, 5, 6, 7, 11 };
  for (unsigned d = 0; d < 4; d++) {
    for (unsigned k = 0; k < sizeof clocks / sizeof *clocks; k++) {
      int clk = clocks[k];
      uint64_t now = rdtsc();
      uint64_t cl = d == 0 ? now + (1ull << 40) : now - deltas[d];
      for (int r = 0; r < 2; r++) *(uint64_t *)(vv + r * recsize + last) = cl;
      int32_t ts[2];
      uint32_t ts64[4];
      uint64_t t0 = rdtsc();
      int ret = ((cgt_t)(text + o_cgt))(clk, ts);
      uint64_t t1 = rdtsc();
      printf("cgt %d %d %llu %llu %llu %d %d %d\n", d, clk, (unsigned long long)cl, (unsigned long long)t0, (unsigned long long)t1, ret, ts[0], ts[1]);
      t0 = rdtsc();
      ret = ((cgt_t)(text + o_cgt64))(clk, ts64);
      t1 = rdtsc();
      printf("cgt64 %d %d %llu %llu %llu %d %llu %u\n", d, clk, (unsigned long long)cl, (unsigned long long)t0, (unsigned long long)t1, ret,
             ((unsigned long long)ts64[1] << 32) | ts64[0], ts64[2]);
      if (ts64[3] != 0) printf("bad nsec high half\n");
    }
    int32_t tv[2], tz[2];
    uint64_t now = rdtsc();
    uint64_t cl = d == 0 ? now + (1ull << 40) : now - deltas[d];
    for (int r = 0; r < 2; r++) *(uint64_t *)(vv + r * recsize + last) = cl;
    uint64_t t0 = rdtsc();
    int ret = ((gtod_t)(text + o_gtod))(tv, tz);
    uint64_t t1 = rdtsc();
    printf("gtod %d 0 %llu %llu %llu %d %d %d %d %d\n", d, (unsigned long long)cl, (unsigned long long)t0, (unsigned long long)t1, ret, tv[0], tv[1], tz[0], tz[1]);
  }
  int32_t t = 0;
  int r = ((time_t32)(text + o_time))(&t);
  printf("time %d %d\n", r, t);
  int32_t res[2] = { 7, 7 };
  for (int clk = 0; clk < 8; clk++) {
    if (clk == 2 || clk == 3) continue;
    r = ((cgt_t)(text + o_res))(clk, res);
    printf("getres %d %d %d %d\n", clk, r, res[0], res[1]);
  }
  unsigned cpu = 99, node = 99;
  r = ((getcpu_t)(text + o_cpu))(&cpu, &node, 0);
  printf("getcpu %d %u %u\n", r, cpu, node);
  /* fallbacks through __kernel_vsyscall (int 0x80 variant) to the host kernel */
  *(int32_t *)(vv + mode) = 0; /* VDSO_CLOCKMODE_NONE */
  struct timespec host;
  int32_t ts[2];
  clock_gettime(CLOCK_REALTIME, &host);
  r = ((cgt_t)(text + o_cgt))(0, ts);
  printf("fallback %d %lld %d\n", r, (long long)host.tv_sec, ts[0]);
  r = ((cgt_t)(text + o_cgt))(-1, ts);
  printf("einval %d\n", r);
  r = ((cgt_t)(text + o_cgt))(2, ts);
  printf("cputime %d %d %d\n", r, ts[0], ts[1]);
  return 0;
}
