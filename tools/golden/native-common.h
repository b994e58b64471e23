/*
 * Pieces the native golden executors share (tools/golden/golden.c and
 * tools/sse-int-golden/sse-int-golden.c): hex parsing and printing, the fixed guest
 * mappings and the signal handler setup. Neither the request/answer format nor the guest
 * layout lives here: each executor defines its own (CODE_BASE, CODE_SIZE, DATA_BASE,
 * DATA_SIZE, GUARD_BASE, RO_BASE) and HARNESS_NAME, the prefix of its error messages,
 * before including this file.
 */
#ifndef GOLDEN_NATIVE_COMMON_H
#define GOLDEN_NATIVE_COMMON_H

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static size_t parse_bytes(const char *s, uint8_t *out, size_t max) {
  size_t n = 0;
  while (hexval(s[0]) >= 0 && hexval(s[1]) >= 0) {
    if (n >= max) {
      fprintf(stderr, HARNESS_NAME ": byte string too long\n");
      exit(2);
    }
    out[n++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
    s += 2;
  }
  return n;
}

static void print_bytes(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static void *map_fixed(uint64_t addr, size_t size, int prot) {
  void *p = mmap((void *)addr, size, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)addr) {
    fprintf(stderr, HARNESS_NAME ": cannot map 0x%lx\n", (unsigned long)addr);
    exit(2);
  }
  return p;
}

/*
 * Maps the guest pages: code (RWX), data (RW), one page not mapped, one read-only page
 * holding (k * 7 + 3) & 0xff at offset k.
 */
static void map_guest(uint8_t **code, uint8_t **data) {
  *code = map_fixed(CODE_BASE, CODE_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC);
  *data = map_fixed(DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE);
  map_fixed(GUARD_BASE, 0x1000, PROT_NONE);
  uint8_t *ro = map_fixed(RO_BASE, 0x1000, PROT_READ | PROT_WRITE);
  for (int k = 0; k < 0x1000; k++) ro[k] = (uint8_t)(k * 7 + 3);
  mprotect(ro, 0x1000, PROT_READ);
}

/* Sends the faults a snippet can raise (and the watchdog's SIGALRM) to `handler`, on an alternate stack. */
static void install_handler(void (*handler)(int, siginfo_t *, void *)) {
  static uint8_t altstack[65536];
  stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
  sigaltstack(&ss, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGALRM};
  for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) sigaction(sigs[k], &sa, NULL);
}

#endif
