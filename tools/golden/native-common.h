/*
 * Pieces the native golden executors share (tools/golden/golden.c and
 * tools/sse-int-golden/sse-int-golden.c): hex parsing and printing, the fixed guest
 * mappings and the signal handler setup. Neither the request/answer format nor the guest
 * layout lives here: each executor defines its own (CODE_BASE, CODE_SIZE, DATA_BASE,
 * DATA_SIZE, GUARD_BASE, RO_BASE) and HARNESS_NAME, the prefix of its error messages,
 * before including this file. The request and answer helpers at the end cover the fields
 * both formats begin with (snippet, 16 GPRs, RFLAGS, memory window); they use the
 * executor's trampoline (run_snippet, snippet_return, g_code, g_in, g_out) and signal
 * state (g_jmp, g_signalled, g_trapno, g_err, g_addr, g_rip), declared before the include.
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

/*
 * Loads the fields every request begins with: the snippet (fields[0], followed on the code
 * page by `jmp [rip+0]; .quad snippet_return`), the 16 GPRs and RFLAGS (fields[1..17]) and
 * the memory window (fields[18], "-" or "offset:hex", into cleared data pages). Returns
 * nonzero, after saying why, when the window lies outside the data pages.
 */
static int load_request_head(char **fields, uint8_t *code, uint8_t *data, size_t *woff, size_t *wlen) {
  static uint8_t window[DATA_SIZE];
  size_t n = parse_bytes(fields[0], code, CODE_SIZE - 16);
  /* jmp [rip+0]; .quad snippet_return */
  code[n] = 0xff;
  code[n + 1] = 0x25;
  memset(code + n + 2, 0, 4);
  uint64_t back = (uint64_t)(uintptr_t)snippet_return;
  memcpy(code + n + 6, &back, 8);
  for (int r = 0; r < 16; r++) g_in.gpr[r] = strtoull(fields[1 + r], NULL, 16);
  g_in.rflags = strtoull(fields[17], NULL, 16);
  memset(data, 0, DATA_SIZE);
  *woff = 0;
  *wlen = 0;
  if (strcmp(fields[18], "-") != 0) {
    char *colon = strchr(fields[18], ':');
    *woff = strtoul(fields[18], NULL, 16);
    *wlen = parse_bytes(colon + 1, window, DATA_SIZE);
    if (*woff + *wlen > DATA_SIZE) {
      fprintf(stderr, HARNESS_NAME ": memory window outside the data pages\n");
      return 1;
    }
    memcpy(data + *woff, window, *wlen);
  }
  return 0;
}

/* Runs the loaded snippet under a 2-second watchdog, catching the signal it raises. */
static void run_guarded(void) {
  g_code = CODE_BASE;
  g_signalled = 0;
  if (sigsetjmp(g_jmp, 1) == 0) {
    alarm(2);
    run_snippet();
    alarm(0);
  } else {
    alarm(0);
  }
  /* Back to a clean floating-point state whatever the snippet did. */
  __asm__ volatile("fninit");
  uint32_t mxcsr = 0x1f80;
  __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
}

/* Prints the fields every answer begins with: ok or exc:TRAP:ERR:ADDR:RIP, the 16 GPRs, RFLAGS and the window. */
static void print_answer_head(const uint8_t *data, size_t woff, size_t wlen) {
  if (g_signalled) {
    printf("exc:%lu:%lx:%lx:%lx", (unsigned long)g_trapno, (unsigned long)g_err, (unsigned long)g_addr,
           (unsigned long)(g_rip - CODE_BASE));
  } else {
    printf("ok");
  }
  for (int r = 0; r < 16; r++) printf(" %016lx", (unsigned long)g_out.gpr[r]);
  printf(" %lx ", (unsigned long)g_out.rflags);
  if (wlen) {
    printf("%lx:", (unsigned long)woff);
    print_bytes(data + woff, wlen);
  } else {
    printf("-");
  }
}

#endif
