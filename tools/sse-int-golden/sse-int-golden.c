/*
 * sse-int-golden: runs an instruction snippet natively and prints the machine state after
 * it, so the emulator's SSE integer instructions (SSE2 integer, SSSE3, SSE4.1, SSE4.2
 * with CRC32 and PCMPxSTRx) can be checked against the host CPU (DESIGN.md, "Correctness
 * oracles"; issue 3 items 3-4).
 *
 * A plain executor, derived from tools/golden/golden.c as it was when these vectors were
 * first recorded, kept separate so the SSE integer vectors do not change format with it.
 * Which snippets to run with which operands is decided by test/cpu/sse-int/vectors.ts;
 * one request per input line, one answer per output line.
 *
 * Request (fields separated by one space):
 *   CODE                hex bytes of the snippet (placed at CODE_BASE)
 *   R0 .. R15           the 16 general registers in encoding order (rax rcx rdx rbx rsp
 *                       rbp rsi rdi r8..r15), 16 hex digits each
 *   RFLAGS              hex; only the status flags and DF are meaningful
 *   MEM                 OFFSET:HEX, bytes placed at DATA_BASE + OFFSET (the rest of the two
 *                       data pages is zero), or "-"
 *   X0 .. X15           the XMM registers, 32 hex digits each, in memory (little-endian)
 *                       byte order
 * Answer:
 *   STATUS              "ok", or "exc:TRAPNO:ERR:ADDR:RIPOFF" when the snippet raised a
 *                       signal (trap number and error code from the signal context, ADDR
 *                       from si_addr, RIPOFF the faulting RIP minus CODE_BASE)
 *   R0 .. R15 RFLAGS    registers after the snippet (at the fault for an exception)
 *   MEM                 the requested window after the snippet (same offset), or "-"
 *   X0 .. X15
 *
 * Guest-visible address space (test/cpu/sse-int/emulate.ts maps the same layout):
 *   CODE_BASE  0x10000000  2 pages  RWX
 *   DATA_BASE  0x20000000  2 pages  RW
 *              0x20002000  1 page   not mapped (PROT_NONE: a not-present #PF)
 *              0x20003000  1 page   read-only, byte k = (k * 7 + 3) & 0xff (a protection #PF)
 *
 * Build: cc -O1 -o sse-int-golden sse-int-golden.c
 */
#define _GNU_SOURCE
#include <signal.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE_BASE 0x10000000UL
#define CODE_SIZE 0x2000UL
#define DATA_BASE 0x20000000UL
#define DATA_SIZE 0x2000UL
#define GUARD_BASE (DATA_BASE + 0x2000UL)
#define RO_BASE (DATA_BASE + 0x3000UL)

struct state {
  uint64_t gpr[16]; /* offset 0 */
  uint64_t rflags; /*  offset 128 */
  uint64_t pad; /*     offset 136 */
  uint8_t xmm[16][16]; /* offset 144 */
};

struct state g_in, g_out;
uint64_t g_host_rsp;
uint64_t g_code;

void run_snippet(void);
void snippet_return(void);

/* The trampoline: load every register from g_in, jump to the snippet; the snippet ends
 * with a jump to snippet_return, which stores every register into g_out without needing a
 * scratch register (RIP-relative stores) and then returns to C. */
__asm__(
    ".intel_syntax noprefix\n"
    ".text\n"
    ".globl run_snippet\n"
    "run_snippet:\n"
    "  push rbx\n  push rbp\n  push r12\n  push r13\n  push r14\n  push r15\n"
    "  mov [rip+g_host_rsp], rsp\n"
    "  lea rax, [rip+g_in]\n"
    "  movdqu xmm0, [rax+144+0*16]\n  movdqu xmm1, [rax+144+1*16]\n"
    "  movdqu xmm2, [rax+144+2*16]\n  movdqu xmm3, [rax+144+3*16]\n"
    "  movdqu xmm4, [rax+144+4*16]\n  movdqu xmm5, [rax+144+5*16]\n"
    "  movdqu xmm6, [rax+144+6*16]\n  movdqu xmm7, [rax+144+7*16]\n"
    "  movdqu xmm8, [rax+144+8*16]\n  movdqu xmm9, [rax+144+9*16]\n"
    "  movdqu xmm10, [rax+144+10*16]\n  movdqu xmm11, [rax+144+11*16]\n"
    "  movdqu xmm12, [rax+144+12*16]\n  movdqu xmm13, [rax+144+13*16]\n"
    "  movdqu xmm14, [rax+144+14*16]\n  movdqu xmm15, [rax+144+15*16]\n"
    "  push qword ptr [rax+128]\n"
    "  popfq\n"
    "  mov rcx, [rax+1*8]\n  mov rdx, [rax+2*8]\n  mov rbx, [rax+3*8]\n"
    "  mov rsp, [rax+4*8]\n  mov rbp, [rax+5*8]\n  mov rsi, [rax+6*8]\n  mov rdi, [rax+7*8]\n"
    "  mov r8, [rax+8*8]\n  mov r9, [rax+9*8]\n  mov r10, [rax+10*8]\n  mov r11, [rax+11*8]\n"
    "  mov r12, [rax+12*8]\n  mov r13, [rax+13*8]\n  mov r14, [rax+14*8]\n  mov r15, [rax+15*8]\n"
    "  mov rax, [rax+0*8]\n"
    "  jmp qword ptr [rip+g_code]\n"
    ".globl snippet_return\n"
    "snippet_return:\n"
    "  mov [rip+g_out+0*8], rax\n  mov [rip+g_out+1*8], rcx\n  mov [rip+g_out+2*8], rdx\n"
    "  mov [rip+g_out+3*8], rbx\n  mov [rip+g_out+4*8], rsp\n  mov [rip+g_out+5*8], rbp\n"
    "  mov [rip+g_out+6*8], rsi\n  mov [rip+g_out+7*8], rdi\n  mov [rip+g_out+8*8], r8\n"
    "  mov [rip+g_out+9*8], r9\n  mov [rip+g_out+10*8], r10\n  mov [rip+g_out+11*8], r11\n"
    "  mov [rip+g_out+12*8], r12\n  mov [rip+g_out+13*8], r13\n  mov [rip+g_out+14*8], r14\n"
    "  mov [rip+g_out+15*8], r15\n"
    "  movdqu [rip+g_out+144+0*16], xmm0\n  movdqu [rip+g_out+144+1*16], xmm1\n"
    "  movdqu [rip+g_out+144+2*16], xmm2\n  movdqu [rip+g_out+144+3*16], xmm3\n"
    "  movdqu [rip+g_out+144+4*16], xmm4\n  movdqu [rip+g_out+144+5*16], xmm5\n"
    "  movdqu [rip+g_out+144+6*16], xmm6\n  movdqu [rip+g_out+144+7*16], xmm7\n"
    "  movdqu [rip+g_out+144+8*16], xmm8\n  movdqu [rip+g_out+144+9*16], xmm9\n"
    "  movdqu [rip+g_out+144+10*16], xmm10\n  movdqu [rip+g_out+144+11*16], xmm11\n"
    "  movdqu [rip+g_out+144+12*16], xmm12\n  movdqu [rip+g_out+144+13*16], xmm13\n"
    "  movdqu [rip+g_out+144+14*16], xmm14\n  movdqu [rip+g_out+144+15*16], xmm15\n"
    "  mov rsp, [rip+g_host_rsp]\n"
    "  pushfq\n"
    "  pop rax\n"
    "  mov [rip+g_out+128], rax\n"
    "  push 0x202\n"
    "  popfq\n"
    "  pop r15\n  pop r14\n  pop r13\n  pop r12\n  pop rbp\n  pop rbx\n"
    "  ret\n"
    ".att_syntax prefix\n");

static sigjmp_buf g_jmp;
static volatile sig_atomic_t g_signalled;
static uint64_t g_trapno, g_err, g_addr, g_rip;

/* Linux's ucontext register order (sys/ucontext.h REG_*) → encoding order. */
static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  ucontext_t *uc = ctx;
  g_signalled = sig;
  g_trapno = sig == SIGALRM ? 999 : (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
  g_err = (uint64_t)uc->uc_mcontext.gregs[REG_ERR];
  g_addr = (uint64_t)(uintptr_t)si->si_addr;
  g_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
  for (int r = 0; r < 16; r++) g_out.gpr[r] = (uint64_t)uc->uc_mcontext.gregs[greg_of[r]];
  g_out.rflags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
  if (uc->uc_mcontext.fpregs) memcpy(g_out.xmm, uc->uc_mcontext.fpregs->_xmm, sizeof g_out.xmm);
  siglongjmp(g_jmp, 1);
}

#define HARNESS_NAME "sse-int-golden"
#include "../golden/native-common.h"

int main(void) {
  uint8_t *code, *data;
  map_guest(&code, &data);
  install_handler(on_signal);

  static char line[1 << 16];
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  while (fgets(line, sizeof line, stdin)) {
    char *fields[64];
    int nf = 0;
    for (char *tok = strtok(line, " \n"); tok && nf < 64; tok = strtok(NULL, " \n")) fields[nf++] = tok;
    if (nf == 0) continue;
    if (nf != 35) {
      fprintf(stderr, "sse-int-golden: expected 35 fields, got %d\n", nf);
      return 2;
    }
    static size_t woff, wlen;
    if (load_request_head(fields, code, data, &woff, &wlen)) return 2;
    for (int x = 0; x < 16; x++) parse_bytes(fields[19 + x], g_in.xmm[x], 16);
    run_guarded();
    print_answer_head(data, woff, wlen);
    for (int x = 0; x < 16; x++) {
      printf(" ");
      print_bytes(g_out.xmm[x], 16);
    }
    printf("\n");
  }
  return 0;
}
