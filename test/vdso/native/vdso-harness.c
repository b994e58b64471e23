/*
 * Runs x64emu's 64-bit vDSO natively on an x86-64 Linux host (test/vdso/native.test.ts).
 *
 * The data area and the image are mapped exactly as the kernel lays them out: one
 * reservation of data_size + image size, the time page at its offset in the data area
 * (read-write here, so the harness can play the kernel), every other data page PROT_NONE
 * (a stray access faults), and the image right after the data area, read+exec. The vvar
 * contents come from the TypeScript writer (page files); the harness only patches
 * cycle_last with a fresh host TSC reading (it cannot set the host TSC) and plays the
 * writer's seqlock in the spin test. Every call goes through call_checked(), which checks
 * rbx, rbp, r12-r15 and rsp are preserved and that nothing below the return address was
 * written. Output: one line per observation, "key value...", checked by the test.
 *
 * usage: vdso-harness key=value...
 *   image=FILE vvar=FILE vvar2=FILE vvar_none=FILE vvar_stale=FILE   (time pages: vvar2 is
 *       the spin test's second state, vvar_none has clock_mode NONE, vvar_stale a large mult)
 *   data_size=N time_page=N                            (bytes; offset of the time page)
 *   clock_gettime=OFF gettimeofday=OFF time=OFF clock_getres=OFF getcpu=OFF   (image offsets)
 *   seq=OFF,OFF cycle_last=OFF,OFF                     (offsets in the time page, per record)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#define PAGE 4096

/* long call_checked(void *fn, long a, long b, long c, int *violations) */
long call_checked(void *fn, long a, long b, long c, int *violations);
__asm__(
    ".data\n"
    "saved_rsp: .quad 0\n"
    ".text\n"
    ".globl call_checked\n"
    ".type call_checked, @function\n"
    "call_checked:\n"
    ".intel_syntax noprefix\n"
    "  push rbx\n  push rbp\n  push r12\n  push r13\n  push r14\n  push r15\n"
    "  push r8\n" /* 7 pushes: rsp is 16-byte aligned before the call */
    "  mov rax, rdi\n  mov rdi, rsi\n  mov rsi, rdx\n  mov rdx, rcx\n"
    "  movabs rbx, 0x1111111111111111\n"
    "  movabs rbp, 0x2222222222222222\n"
    "  movabs r12, 0x3333333333333333\n"
    "  movabs r13, 0x4444444444444444\n"
    "  movabs r14, 0x5555555555555555\n"
    "  movabs r15, 0x6666666666666666\n"
    /* canaries in the 256 bytes below the return-address slot */
    "  movabs r10, 0x7777777777777777\n"
    "  lea r11, [rsp - 8 - 256]\n"
    "  mov ecx, 32\n"
    "1: mov [r11 + rcx*8 - 8], r10\n"
    "  dec ecx\n  jnz 1b\n"
    "  mov [rip + saved_rsp], rsp\n"
    "  call rax\n"
    "  xor r11d, r11d\n"
    "  movabs r10, 0x1111111111111111\n  cmp rbx, r10\n  je 2f\n  inc r11d\n2:\n"
    "  movabs r10, 0x2222222222222222\n  cmp rbp, r10\n  je 2f\n  inc r11d\n2:\n"
    "  movabs r10, 0x3333333333333333\n  cmp r12, r10\n  je 2f\n  inc r11d\n2:\n"
    "  movabs r10, 0x4444444444444444\n  cmp r13, r10\n  je 2f\n  inc r11d\n2:\n"
    "  movabs r10, 0x5555555555555555\n  cmp r14, r10\n  je 2f\n  inc r11d\n2:\n"
    "  movabs r10, 0x6666666666666666\n  cmp r15, r10\n  je 2f\n  inc r11d\n2:\n"
    "  cmp rsp, [rip + saved_rsp]\n  je 2f\n  inc r11d\n2:\n"
    "  movabs r10, 0x7777777777777777\n"
    "  lea rdi, [rsp - 8 - 256]\n"
    "  mov ecx, 32\n"
    "3: cmp [rdi + rcx*8 - 8], r10\n  je 4f\n  inc r11d\n4:\n"
    "  dec ecx\n  jnz 3b\n"
    "  pop r8\n  add dword ptr [r8], r11d\n"
    "  pop r15\n  pop r14\n  pop r13\n  pop r12\n  pop rbp\n  pop rbx\n"
    "  ret\n"
    ".att_syntax prefix\n");

static int violations;
static void *f_cgt, *f_gtod, *f_time, *f_getres, *f_getcpu;

static long vcall(void *fn, long a, long b, long c) { return call_checked(fn, a, b, c, &violations); }
/* The functions return int; the fallbacks return the kernel's rax. */
static int cgt(long clk, void *ts) { return (int)vcall(f_cgt, clk, (long)ts, 0); }
static int gtod(void *tv, void *tz) { return (int)vcall(f_gtod, (long)tv, (long)tz, 0); }
static long vtime(long *t) { return vcall(f_time, (long)t, 0, 0); }
static int getres(long clk, void *res) { return (int)vcall(f_getres, clk, (long)res, 0); }
static int getcpu_(unsigned *cpu, unsigned *node, void *cache) { return (int)vcall(f_getcpu, (long)cpu, (long)node, (long)cache); }

static long raw_syscall2(long nr, long a, long b) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "0"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
  return r;
}

static inline uint64_t tsc(void) {
  unsigned aux;
  return __rdtscp(&aux);
}

struct ts { int64_t sec, nsec; };
struct tv { int64_t sec, usec; };
struct tz { int minuteswest, dsttime; };

static const char *args[64][2];
static int nargs;
static const char *arg(const char *k) {
  for (int i = 0; i < nargs; i++) if (!strcmp(args[i][0], k)) return args[i][1];
  fprintf(stderr, "missing argument %s\n", k);
  exit(2);
}
static unsigned long num(const char *k) { return strtoul(arg(k), NULL, 0); }
static void pair(const char *k, unsigned long *a, unsigned long *b) {
  char *end;
  *a = strtoul(arg(k), &end, 0);
  if (*end != ',') { fprintf(stderr, "%s: want OFF,OFF\n", k); exit(2); }
  *b = strtoul(end + 1, NULL, 0);
}

static uint8_t *readfile(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *b = malloc(n);
  if (fread(b, 1, n, f) != (size_t)n) { perror(path); exit(2); }
  fclose(f);
  *size = n;
  return b;
}

static uint8_t *page; /* the time page as mapped */
static unsigned long seq0, seq1, cl0, cl1;
static uint8_t *vvar_a, *vvar_b, *vvar_none, *vvar_stale;

static void put64(uint8_t *p, unsigned long off, uint64_t v) { memcpy(p + off, &v, 8); }
static uint32_t get32(const uint8_t *p, unsigned long off) { uint32_t v; memcpy(&v, p + off, 4); return v; }

/* Installs a page image (not a concurrent write: nobody reads meanwhile). */
static uint64_t install(const uint8_t *src, int64_t cycle_last_delta) {
  memcpy(page, src, PAGE);
  uint64_t now = tsc() + cycle_last_delta;
  put64(page, cl0, now);
  put64(page, cl1, now);
  return now;
}

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  if (sched_setaffinity(0, sizeof s, &s)) { perror("sched_setaffinity"); exit(2); }
}

static unsigned lsl_7b(void) {
  unsigned p = 0;
  __asm__ volatile("lsl %1, %0" : "+r"(p) : "r"(0x7bu) : "cc");
  return p;
}

static int64_t host_mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* The spin test's writer: waits, then publishes vvar2 with the kernel's protocol order. */
static uint64_t spin_cycle_last;
static void *spin_writer(void *unused) {
  (void)unused;
  struct timespec d = {0, 150 * 1000 * 1000};
  nanosleep(&d, NULL);
  uint8_t tmp[PAGE];
  memcpy(tmp, vvar_b, PAGE);
  spin_cycle_last = tsc();
  put64(tmp, cl0, spin_cycle_last);
  put64(tmp, cl1, spin_cycle_last);
  /* every byte but the two seq words, then the seq words (even) */
  for (unsigned long i = 0; i < PAGE; i++) {
    if ((i >= seq0 && i < seq0 + 4) || (i >= seq1 && i < seq1 + 4)) continue;
    ((volatile uint8_t *)page)[i] = tmp[i];
  }
  __atomic_thread_fence(__ATOMIC_RELEASE);
  __atomic_store_n((uint32_t *)(page + seq0), get32(tmp, seq0), __ATOMIC_RELEASE);
  __atomic_store_n((uint32_t *)(page + seq1), get32(tmp, seq1), __ATOMIC_RELEASE);
  return NULL;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOFBF, 1 << 20);
  for (int i = 1; i < argc && nargs < 64; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) { fprintf(stderr, "bad argument %s\n", argv[i]); return 2; }
    *eq = 0;
    args[nargs][0] = argv[i];
    args[nargs++][1] = eq + 1;
  }
  size_t image_size, n;
  uint8_t *image = readfile(arg("image"), &image_size);
  vvar_a = readfile(arg("vvar"), &n);
  if (n != PAGE) { fprintf(stderr, "vvar must be one page\n"); return 2; }
  vvar_b = readfile(arg("vvar2"), &n);
  if (n != PAGE) { fprintf(stderr, "vvar2 must be one page\n"); return 2; }
  vvar_none = readfile(arg("vvar_none"), &n);
  if (n != PAGE) { fprintf(stderr, "vvar_none must be one page\n"); return 2; }
  vvar_stale = readfile(arg("vvar_stale"), &n);
  if (n != PAGE) { fprintf(stderr, "vvar_stale must be one page\n"); return 2; }
  unsigned long data_size = num("data_size"), time_page = num("time_page");
  pair("seq", &seq0, &seq1);
  pair("cycle_last", &cl0, &cl1);

  /* the layout of map_vdso(): [data area][image], the image at base + data_size */
  uint8_t *base = mmap(NULL, data_size + image_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) { perror("mmap"); return 2; }
  page = base + time_page;
  if (mprotect(page, PAGE, PROT_READ | PROT_WRITE)) { perror("mprotect vvar"); return 2; }
  uint8_t *img = base + data_size;
  if (mprotect(img, image_size, PROT_READ | PROT_WRITE)) { perror("mprotect image"); return 2; }
  memcpy(img, image, image_size);
  if (mprotect(img, image_size, PROT_READ | PROT_EXEC)) { perror("mprotect image rx"); return 2; }
  f_cgt = img + num("clock_gettime");
  f_gtod = img + num("gettimeofday");
  f_time = img + num("time");
  f_getres = img + num("clock_getres");
  f_getcpu = img + num("getcpu");
  printf("base %p image %p\n", (void *)base, (void *)img);

  cpu_set_t orig;
  if (sched_getaffinity(0, sizeof orig, &orig)) { perror("sched_getaffinity"); return 2; }
  int home = sched_getcpu();
  pin(home); /* one CPU, one TSC */

  /* --- clock_gettime, vDSO classes: a fresh base; a stale one (vvar_stale has a large mult,
   *     so delta * mult > 2^64 after 2^34 cycles); one in the future (cycles < cycle_last:
   *     delta 0) */
  static const int vclocks[] = {0, 1, 4, 5, 6, 7, 11};
  const struct { const char *name; const uint8_t *src; int64_t delta; } scen[] = {
    {"fresh", vvar_a, 0}, {"stale", vvar_stale, -((int64_t)1 << 34)}, {"future", vvar_a, (int64_t)1 << 40},
  };
  for (unsigned s = 0; s < sizeof scen / sizeof scen[0]; s++) {
    uint64_t cl = install(scen[s].src, scen[s].delta);
    for (int rep = 0; rep < 4; rep++) {
      for (unsigned i = 0; i < sizeof vclocks / sizeof vclocks[0]; i++) {
        struct ts t = {-1, -1};
        uint64_t t0 = tsc();
        int r = cgt(vclocks[i], &t);
        uint64_t t1 = tsc();
        printf("cgt %s %d %d %lld %lld %llu %llu %llu\n", scen[s].name, vclocks[i], r, (long long)t.sec,
               (long long)t.nsec, (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)cl);
      }
    }
  }

  /* the clock id is an int: garbage in the upper half of rdi does not matter */
  {
    uint64_t cl = install(vvar_a, 0);
    struct ts t = {-1, -1};
    uint64_t t0 = tsc();
    int r = cgt((long)0x1234567800000000ull | 1, &t);
    uint64_t t1 = tsc();
    printf("cgt_hi 1 %d %lld %lld %llu %llu %llu\n", r, (long long)t.sec, (long long)t.nsec,
           (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)cl);
  }

  /* --- gettimeofday */
  {
    uint64_t cl = install(vvar_a, 0);
    struct tv tv = {-1, -1};
    struct tz tz = {0x5555, 0x5555};
    uint64_t t0 = tsc();
    int r = gtod(&tv, &tz);
    uint64_t t1 = tsc();
    printf("gtod %d %lld %lld %llu %llu %llu %d %d\n", r, (long long)tv.sec, (long long)tv.usec,
           (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)cl, tz.minuteswest, tz.dsttime);
    struct tz tz2 = {0x5555, 0x5555};
    r = gtod(NULL, &tz2);
    printf("gtod_null_tv %d %d %d\n", r, tz2.minuteswest, tz2.dsttime);
    struct tv tv2 = {-1, -1};
    t0 = tsc();
    r = gtod(&tv2, NULL);
    t1 = tsc();
    printf("gtod_null_tz %d %lld %lld %llu %llu %llu\n", r, (long long)tv2.sec, (long long)tv2.usec,
           (unsigned long long)t0, (unsigned long long)t1, (unsigned long long)cl);
    printf("gtod_null_both %d\n", gtod(NULL, NULL));
  }

  /* --- time */
  {
    install(vvar_a, 0);
    long t = -1;
    long r = vtime(&t);
    printf("time %ld %ld\n", r, t);
    printf("time_null %ld\n", vtime(NULL));
  }

  /* --- clock_getres, against the host kernel for the ids the vDSO passes on */
  {
    install(vvar_a, 0);
    static const long ids[] = {INT_MIN, -6, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 100, INT_MAX};
    for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
      struct ts v = {-1, -1}, s = {-1, -1};
      int vr = getres(ids[i], &v);
      long sr = raw_syscall2(229, ids[i], (long)&s);
      printf("getres %ld %d %lld %lld %ld %lld %lld\n", ids[i], vr, (long long)v.sec, (long long)v.nsec, sr,
             (long long)s.sec, (long long)s.nsec);
      int vn = getres(ids[i], NULL);
      long sn = raw_syscall2(229, ids[i], 0);
      printf("getres_null %ld %d %ld\n", ids[i], vn, sn);
    }
  }

  /* --- clock_gettime ids the vDSO passes on: same result as the host's syscall */
  {
    install(vvar_a, 0);
    static const long ids[] = {INT_MIN, -6, -2, -1, 2, 3, 8, 9, 10, 12, 13, 14, 15, 16, 17, 100, INT_MAX};
    for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
      struct ts a = {-1, -1}, b = {-1, -1}, c = {-1, -1};
      long s1 = raw_syscall2(228, ids[i], (long)&a);
      int v = cgt(ids[i], &b);
      long s2 = raw_syscall2(228, ids[i], (long)&c);
      printf("fallback %ld %ld %lld %lld %d %lld %lld %ld %lld %lld\n", ids[i], s1, (long long)a.sec,
             (long long)a.nsec, v, (long long)b.sec, (long long)b.nsec, s2, (long long)c.sec, (long long)c.nsec);
    }
  }

  /* --- clock_mode NONE: counter-based reads go to the kernel, coarse/time/getres stay */
  {
    memcpy(page, vvar_none, PAGE);
    static const int ids[] = {0, 1, 4, 5, 6, 7, 11};
    for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
      struct ts a = {-1, -1}, b = {-1, -1}, c = {-1, -1};
      long s1 = raw_syscall2(228, ids[i], (long)&a);
      int v = cgt(ids[i], &b);
      long s2 = raw_syscall2(228, ids[i], (long)&c);
      printf("none %d %ld %lld %lld %d %lld %lld %ld %lld %lld\n", ids[i], s1, (long long)a.sec, (long long)a.nsec,
             v, (long long)b.sec, (long long)b.nsec, s2, (long long)c.sec, (long long)c.nsec);
    }
    struct tv a = {-1, -1}, b = {-1, -1}, c = {-1, -1};
    struct tz tz = {0x5555, 0x5555};
    long s1 = raw_syscall2(96, (long)&a, 0);
    int v = gtod(&b, &tz);
    long s2 = raw_syscall2(96, (long)&c, 0);
    printf("none_gtod %ld %lld %lld %d %lld %lld %ld %lld %lld\n", s1, (long long)a.sec, (long long)a.usec, v,
           (long long)b.sec, (long long)b.usec, s2, (long long)c.sec, (long long)c.usec);
    printf("none_time %ld\n", vtime(NULL));
    struct ts r = {-1, -1};
    int rr = getres(0, &r);
    printf("none_getres 0 %d %lld %lld\n", rr, (long long)r.sec, (long long)r.nsec);
  }

  /* --- an odd seq makes the reader spin until the writer is done; it then reads the new data */
  {
    static const int ids[] = {0, 4, 5};
    for (unsigned i = 0; i < sizeof ids / sizeof ids[0]; i++) {
      install(vvar_a, 0);
      __atomic_store_n((uint32_t *)(page + seq0), get32(page, seq0) + 1, __ATOMIC_RELEASE);
      __atomic_store_n((uint32_t *)(page + seq1), get32(page, seq1) + 1, __ATOMIC_RELEASE);
      pthread_t th;
      if (pthread_create(&th, NULL, spin_writer, NULL)) { perror("pthread_create"); return 2; }
      struct ts t = {-1, -1};
      int64_t h0 = host_mono_ns();
      int r = cgt(ids[i], &t);
      uint64_t t1 = tsc();
      int64_t h1 = host_mono_ns();
      pthread_join(th, NULL);
      printf("spin %d %d %lld %lld %lld %llu %llu\n", ids[i], r, (long long)t.sec, (long long)t.nsec,
             (long long)(h1 - h0), (unsigned long long)spin_cycle_last, (unsigned long long)t1);
    }
  }

  /* --- getcpu on every CPU we may run on: LSL of 0x7b, as the host kernel set it up */
  for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
    if (!CPU_ISSET(cpu, &orig)) continue;
    pin(cpu);
    unsigned c = 0xdead, nd = 0xdead;
    int r = getcpu_(&c, &nd, (void *)1); /* the third argument is ignored */
    unsigned l = lsl_7b();
    printf("getcpu %d %d %u %u %u %u %d\n", cpu, r, c, nd, l & 0xfff, l >> 12, sched_getcpu());
    unsigned c2 = 0xdead, n2 = 0xdead;
    int r1 = getcpu_(&c2, NULL, NULL);
    int r2 = getcpu_(NULL, &n2, NULL);
    int r3 = getcpu_(NULL, NULL, NULL);
    printf("getcpu_partial %d %d %u %d %u %d\n", cpu, r1, c2, r2, n2, r3);
  }
  pin(home);

  printf("abi_violations %d\n", violations);
  printf("done\n");
  return 0;
}
