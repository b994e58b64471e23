/*
 * sse-golden: executes one SSE instruction natively under a chosen MXCSR and prints the
 * machine state after it, so the emulator's floating-point SSE can be checked against
 * the host CPU (DESIGN.md, "Correctness oracles"; issue 3 items 3-4).
 *
 * A plain executor: which instructions, operands and MXCSR settings to try is decided
 * by the vector generator (test/cpu/sse-float/make-vectors.ts, run through
 * tools/sse-golden/make-vectors.mjs). One request per input line, one answer per line.
 *
 * Request (fields separated by one space, all hex):
 *   CODE     instruction bytes (one instruction; a RET is appended)
 *   MXCSR    loaded with LDMXCSR before the instruction
 *   RFLAGS   loaded with POPFQ before the instruction (status flags only matter)
 *   X0..X3   xmm0..xmm3, 32 digits each in memory (little-endian) byte order
 *   RAX RCX  16 digits each; RDX and RDI always hold DATA_BASE
 *   MEM      32 bytes at DATA_BASE (64 digits)
 * Answer:
 *   STATUS   "ok", or "trap:TRAPNO" when the instruction raised a signal (the trap
 *            number from the signal context: 19 for #XM, 13 for #GP, 6 for #UD)
 *   X0..X3 RAX RCX RFLAGS MXCSR MEM    after the instruction; at a fault the XMM
 *            registers and MXCSR come from the signal context (the state the fault left)
 *
 * Address space: DATA_BASE 0x20000000, one page RW; the code page is separate.
 * Build: cc -O1 -o sse-golden sse-golden.c   (see Makefile)
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define DATA_BASE 0x20000000UL
#define MEM_BYTES 32

struct state {
  uint8_t xmm[4][16]; /* offset 0 */
  uint64_t rax; /*       offset 64 */
  uint64_t rcx; /*       offset 72 */
  uint64_t rdx; /*       offset 80 */
  uint64_t rflags; /*    offset 88 */
  uint32_t mxcsr; /*     offset 96 */
  uint32_t pad;
};

struct state g_in, g_out;
uint64_t g_host_rsp;
uint64_t g_code;
uint32_t g_default_mxcsr = 0x1f80;

void run_insn(void);

__asm__(
    ".intel_syntax noprefix\n"
    ".text\n"
    ".globl run_insn\n"
    "run_insn:\n"
    "  push rbx\n  push rbp\n  push r12\n  push r13\n  push r14\n  push r15\n"
    "  mov [rip+g_host_rsp], rsp\n"
    "  lea r11, [rip+g_in]\n"
    "  movdqu xmm0, [r11+0]\n  movdqu xmm1, [r11+16]\n"
    "  movdqu xmm2, [r11+32]\n  movdqu xmm3, [r11+48]\n"
    "  mov rax, [r11+64]\n  mov rcx, [r11+72]\n  mov rdx, [r11+80]\n  mov rdi, rdx\n"
    "  push qword ptr [r11+88]\n  popfq\n"
    "  ldmxcsr [r11+96]\n"
    "  call qword ptr [rip+g_code]\n"
    "  pushfq\n  pop qword ptr [rip+g_out+88]\n"
    "  stmxcsr [rip+g_out+96]\n"
    "  ldmxcsr [rip+g_default_mxcsr]\n"
    "  movdqu [rip+g_out+0], xmm0\n  movdqu [rip+g_out+16], xmm1\n"
    "  movdqu [rip+g_out+32], xmm2\n  movdqu [rip+g_out+48], xmm3\n"
    "  mov [rip+g_out+64], rax\n  mov [rip+g_out+72], rcx\n  mov [rip+g_out+80], rdx\n"
    "  pop r15\n  pop r14\n  pop r13\n  pop r12\n  pop rbp\n  pop rbx\n"
    "  ret\n"
    ".att_syntax prefix\n");

static sigjmp_buf g_jump;
static int g_trapno;

static void on_signal(int sig, siginfo_t *info, void *ctx) {
  (void)sig;
  (void)info;
  ucontext_t *uc = ctx;
  g_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
  struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
  for (int r = 0; r < 4; r++) memcpy(g_out.xmm[r], &fp->_xmm[r], 16);
  g_out.mxcsr = fp->mxcsr;
  g_out.rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
  g_out.rcx = (uint64_t)uc->uc_mcontext.gregs[REG_RCX];
  g_out.rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
  siglongjmp(g_jump, 1);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads whitespace-separated hex digits as bytes in order; returns the byte count. */
static int read_bytes(char **p, uint8_t *out, int max) {
  while (**p == ' ') (*p)++;
  int n = 0;
  while (hexval((*p)[0]) >= 0 && hexval((*p)[1]) >= 0 && n < max) {
    out[n++] = (uint8_t)(hexval((*p)[0]) << 4 | hexval((*p)[1]));
    *p += 2;
  }
  return n;
}

static uint64_t read_u64(char **p) {
  while (**p == ' ') (*p)++;
  uint64_t v = 0;
  while (hexval(**p) >= 0) v = v << 4 | (uint64_t)hexval(*(*p)++);
  return v;
}

static void print_bytes(const uint8_t *b, int n) {
  putchar(' ');
  for (int i = 0; i < n; i++) printf("%02x", b[i]);
}

int main(void) {
  uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint8_t *data = mmap((void *)DATA_BASE, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (code == MAP_FAILED || data != (uint8_t *)DATA_BASE) {
    perror("mmap");
    return 1;
  }
  g_code = (uint64_t)code;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigaction(SIGFPE, &sa, NULL);
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGBUS, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);

  static char line[1 << 12];
  while (fgets(line, sizeof line, stdin)) {
    char *p = line;
    uint8_t insn[16];
    int len = read_bytes(&p, insn, 15);
    if (len == 0) continue;
    memcpy(code, insn, len);
    code[len] = 0xc3;
    memset(&g_in, 0, sizeof g_in);
    g_in.mxcsr = (uint32_t)read_u64(&p);
    g_in.rflags = read_u64(&p);
    for (int r = 0; r < 4; r++) read_bytes(&p, g_in.xmm[r], 16);
    g_in.rax = read_u64(&p);
    g_in.rcx = read_u64(&p);
    g_in.rdx = DATA_BASE;
    memset(data, 0, 4096);
    read_bytes(&p, data, MEM_BYTES);
    g_out = g_in;
    g_trapno = -1;
    if (sigsetjmp(g_jump, 1) == 0) run_insn();
    else __asm__ volatile("ldmxcsr %0" ::"m"(g_default_mxcsr));
    if (g_trapno < 0) printf("ok");
    else printf("trap:%d", g_trapno);
    for (int r = 0; r < 4; r++) print_bytes(g_out.xmm[r], 16);
    printf(" %016llx %016llx %llx %x", (unsigned long long)g_out.rax, (unsigned long long)g_out.rcx,
           (unsigned long long)(g_out.rflags & 0x8d5), g_out.mxcsr);
    print_bytes(data, MEM_BYTES);
    putchar('\n');
  }
  return 0;
}
