/*
 * x87golden: runs x87 instruction snippets on the host CPU and records inputs -> outputs,
 * the oracle for the emulator's 80-bit arithmetic (DESIGN.md, "Arithmetic that
 * JavaScript does not give for free"; issue 3 item 2).
 *
 * Each vector is one snippet (a few instruction bytes; memory operands address [rdi])
 * executed from an initial x87 state loaded with FXRSTOR64: control word, status word
 * (TOP included), the abridged tag byte, ST(0)..ST(7), RFLAGS, and the bytes at [rdi].
 * After the snippet, FXSAVE64 and PUSHFQ capture the result. When the snippet raises
 * #MF (an unmasked exception reported at a waiting instruction) the SIGFPE handler
 * records the state from the signal frame and the snippet offset of the fault.
 *
 * The generator (which forms, which operands: edge cases at every boundary the manual
 * names plus random values) lives here too, seeded, so the live test in
 * test/cpu/x87/ can ask for fresh vectors with another seed.
 *
 * Output: one text file per group (arith, convert, ...), lines of
 *   F <name>|<code hex>|<mem bytes>|<flags>         a form; the V lines below use it
 *   V <cw> <sw> <tag> <fl> <st...> <mem> = <sw> <tag> <fl> <st...> <mem> <exc>
 *     cw, sw    control and status word, 4 hex digits (sw holds TOP)
 *     tag       the abridged tag byte (FXSAVE: bit i = physical register i is not empty)
 *     fl        RFLAGS & 0x8d5 (CF PF AF ZF SF OF), 3 hex digits
 *     st...     ST(0),ST(1),...,ST(7) comma-separated, 20 hex digits each (sign and
 *               exponent, then the 64-bit significand); "-" for an empty register,
 *               trailing empties omitted; "-" alone when all are empty
 *     mem       the bytes at [rdi], hex, or "-"
 *     exc       "-", or "mf@N": #MF at snippet offset N (state taken from the signal frame)
 * Form flags: "t" transcendental (the test compares with a tolerance), "-" otherwise.
 *
 * Build and run: make -C tools/x87-golden && tools/x87-golden/x87golden OUTDIR [SEED [SCALE]]
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

typedef struct {
  uint16_t se; /* sign and biased exponent */
  uint64_t sig;
} ext80;

struct fxarea {
  uint16_t fcw, fsw;
  uint8_t ftw, r1;
  uint16_t fop;
  uint64_t fip, fdp;
  uint32_t mxcsr, mxcsr_mask;
  uint8_t st[8][16];
  uint8_t xmm[16][16];
  uint8_t pad[96];
} __attribute__((aligned(64)));

#define MEM_SIZE 512

static struct fxarea g_in, g_out;
static uint8_t g_mem[MEM_SIZE] __attribute__((aligned(64)));
static uint8_t *g_code;
static sigjmp_buf g_jmp;
static volatile long g_fault_off;
static volatile int g_fault_sig;
static volatile uint64_t g_fault_flags;

/* ---- random numbers: xorshift64* ----------------------------------------------------- */

static uint64_t g_rng = 88172645463325252ULL;
static uint64_t rnd(void) {
  g_rng ^= g_rng >> 12;
  g_rng ^= g_rng << 25;
  g_rng ^= g_rng >> 27;
  return g_rng * 2685821657736338717ULL;
}
static uint32_t rndn(uint32_t n) { return (uint32_t)((rnd() >> 32) % n); }
static int chance(int percent) { return (int)rndn(100) < percent; }

/* ---- running one snippet ------------------------------------------------------------- */

/* SIGILL while probing which escape encodings exist (write_encodings). */
static volatile int g_illegal;
static void on_ill(int sig) {
  (void)sig;
  g_illegal = 1;
  siglongjmp(g_jmp, 1);
}

static void on_fpe(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = ctx;
  g_fault_sig = sig;
  g_fault_off = (long)((uint8_t *)uc->uc_mcontext.gregs[REG_RIP] - g_code);
  memcpy(&g_out, uc->uc_mcontext.fpregs, 512);
  g_fault_flags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL] & 0x8d5;
  siglongjmp(g_jmp, 1);
}

static uint64_t g_flags_out;
static uint32_t g_mxcsr_default = 0x1f80;

/* Runs g_code (already holding the snippet and a RET) from g_in; fills g_out. */
static long run_snippet(uint64_t flags_in) {
  g_fault_off = -1;
  g_fault_sig = 0;
  if (sigsetjmp(g_jmp, 1)) {
    __asm__ volatile("fninit\n\tldmxcsr %0" : : "m"(g_mxcsr_default));
    g_flags_out = g_fault_flags;
    return g_fault_off;
  }
  uint64_t fo;
  __asm__ volatile(
      "fxrstor64 (%[in])\n\t"
      "push %[fl]\n\t"
      "popfq\n\t"
      "call *%[code]\n\t"
      "pushfq\n\t"
      "pop %[fo]\n\t"
      "fxsave64 (%[out])\n\t"
      "fninit\n\t"
      "ldmxcsr %[mx]\n\t"
      : [fo] "=&r"(fo)
      : [in] "r"(&g_in), [fl] "r"(flags_in | 0x202), [code] "r"(g_code), [out] "r"(&g_out), "D"(g_mem),
        [mx] "m"(g_mxcsr_default)
      : "memory", "cc", "rax", "rcx", "rdx", "rsi", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
        "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
  g_flags_out = fo & 0x8d5;
  return -1;
}

/* ---- values -------------------------------------------------------------------------- */

static ext80 mk(int sign, int exp, uint64_t sig) {
  ext80 v = {(uint16_t)((sign ? 0x8000 : 0) | (exp & 0x7fff)), sig};
  return v;
}

static const uint64_t I = 0x8000000000000000ULL;

static ext80 special(void) {
  int s = rndn(2);
  switch (rndn(24)) {
    case 0: return mk(s, 0, 0);
    case 1: return mk(s, 0, 1);
    case 2: return mk(s, 0, 0x7fffffffffffffffULL);
    case 3: return mk(s, 0, rnd() >> (1 + rndn(63)));
    case 4: return mk(s, 0, I | (rnd() >> 1)); /* pseudo-denormal */
    case 5: return mk(s, 0, I);
    case 6: return mk(s, 1, I);
    case 7: return mk(s, 0x7ffe, ~0ULL);
    case 8: return mk(s, 0x7fff, I); /* infinity */
    case 9: return mk(s, 0x7fff, 0xc000000000000000ULL | (chance(50) ? rnd() >> 2 : 0)); /* QNaN */
    case 10: return mk(s, 0x7fff, I | ((rnd() >> 2) | 1)); /* SNaN */
    case 11: return mk(1, 0x7fff, 0xc000000000000000ULL); /* indefinite */
    case 12: return mk(s, 0x7fff, rnd() >> 1); /* pseudo-NaN or pseudo-infinity */
    case 13: return mk(s, 1 + rndn(0x7ffe), rnd() >> 1); /* unnormal */
    case 14: return mk(s, 0x3fff, I); /* 1 */
    case 15: return mk(s, 0x3fff + (int)rndn(130) - 65, I);
    case 16: return mk(s, 0x3fff + (int)rndn(64), I | (rnd() >> (1 + rndn(63)) << 1 >> 1)); /* short integers */
    case 17: return mk(s, 0x7ffe - rndn(3), rnd() | I);
    case 18: return mk(s, 1 + rndn(3), rnd() | I);
    case 19: return mk(s, 0x3fff, I | 1);
    case 20: return mk(s, 0x3ffe, ~0ULL);
    case 21: return mk(s, 0x3fff + (int)rndn(20) - 10, ~0ULL << rndn(64));
    case 22: return mk(s, 0, rnd() >> rndn(64));
    default: return mk(s, 0x7fff, I | (rnd() >> 1)); /* any NaN */
  }
}

/* A significand whose low bits sit near a rounding boundary for 24, 53 or 64 bits. */
static uint64_t boundary_sig(void) {
  uint64_t s = rnd() | I;
  int keep = (int[]){24, 53, 64, 64}[rndn(4)];
  if (keep == 64) {
    if (chance(50)) s |= 0xff;
    return s;
  }
  int low = 64 - keep;
  uint64_t lowmask = (1ULL << low) - 1, half = 1ULL << (low - 1);
  uint64_t bits;
  switch (rndn(6)) {
    case 0: bits = half; break;
    case 1: bits = half - 1; break;
    case 2: bits = half + 1; break;
    case 3: bits = 0; break;
    case 4: bits = lowmask; break;
    default: bits = rndn(2) ? 1 : lowmask - 1; break;
  }
  return (s & ~lowmask) | bits;
}

static ext80 normal_in(int lo, int hi) {
  int exp = lo + (int)rndn((uint32_t)(hi - lo + 1));
  uint64_t s = chance(30) ? boundary_sig() : (rnd() | I);
  return mk(rndn(2), exp, s);
}

/* An 80-bit operand for arithmetic: mostly moderate normals, with every class present. */
static ext80 any_value(void) {
  int r = rndn(100);
  if (r < 18) return special();
  if (r < 70) return normal_in(0x3fff - 70, 0x3fff + 70);
  if (r < 80) return normal_in(1, 0x7ffe);
  if (r < 88) return normal_in(1, 120);
  return normal_in(0x7ffe - 120, 0x7ffe);
}

/* A second operand related to the first: close (cancellation, ties) or independent. */
static ext80 partner(ext80 a) {
  int r = rndn(100);
  /* two NaNs with one significand (which sign wins), or one quiet and one signalling */
  if ((a.se & 0x7fff) == 0x7fff && (a.sig << 1) && chance(30))
    return mk(!(a.se >> 15), 0x7fff, chance(50) ? a.sig : a.sig ^ (1ULL << 62));
  if (r < 45) return any_value();
  int e = a.se & 0x7fff;
  if (e == 0 || e == 0x7fff) return any_value();
  if (r < 65) return mk(rndn(2), e, a.sig ^ (rnd() >> (40 + rndn(24))));
  if (r < 80) return mk(rndn(2), e + (int)rndn(140) - 70 > 0 ? e + (int)rndn(140) - 70 : 1, boundary_sig());
  if (r < 90) return mk(rndn(2), e - 64 + (int)rndn(5) > 0 ? e - 64 + (int)rndn(5) : 1, rnd() | I);
  return mk(rndn(2), e, a.sig);
}

/* Values whose narrowing to float/double hits overflow, underflow, denormals. */
static ext80 near_format(int bias, int mant) {
  int r = rndn(100);
  if (r < 12) return special();
  if (r < 40) return normal_in(0x3fff - 40, 0x3fff + 40);
  if (r < 60) return normal_in(0x3fff + bias - 4, 0x3fff + bias + 2);
  if (r < 90) return normal_in(0x3fff - bias - mant - 3, 0x3fff - bias + 3);
  return normal_in(1, 0x7ffe);
}

static void put80(uint8_t *p, ext80 v) {
  memcpy(p, &v.sig, 8);
  memcpy(p + 8, &v.se, 2);
}

static ext80 get80(const uint8_t *p) {
  ext80 v;
  memcpy(&v.sig, p, 8);
  memcpy(&v.se, p + 8, 2);
  return v;
}

static uint32_t rand_f32(void) {
  uint32_t s = rndn(2) << 31;
  switch (rndn(12)) {
    case 0: return s;
    case 1: return s | (uint32_t)(rnd() >> (41 + rndn(23)));
    case 2: return s | 0x7f800000;
    case 3: return s | 0x7fc00000 | (uint32_t)(rnd() >> 42);
    case 4: return s | 0x7f800000 | (uint32_t)((rnd() >> 42) | 1);
    case 5: return s | 0x00800000 | (uint32_t)(rnd() >> 41);
    case 6: return s | 0x7f7fffff;
    default: return (uint32_t)rnd();
  }
}

static uint64_t rand_f64(void) {
  uint64_t s = (uint64_t)rndn(2) << 63;
  switch (rndn(12)) {
    case 0: return s;
    case 1: return s | (rnd() >> (12 + rndn(52)));
    case 2: return s | 0x7ff0000000000000ULL;
    case 3: return s | 0x7ff8000000000000ULL | (rnd() >> 13);
    case 4: return s | 0x7ff0000000000000ULL | ((rnd() >> 13) | 1);
    case 5: return s | 0x0010000000000000ULL | (rnd() >> 12);
    case 6: return s | 0x7fefffffffffffffULL;
    default: return rnd();
  }
}

static uint64_t rand_int(int bits) {
  uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1, min = 1ULL << (bits - 1);
  switch (rndn(10)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return mask;
    case 3: return min;
    case 4: return min - 1;
    case 5: return min + 1;
    case 6: return (rnd() >> rndn(bits)) & mask;
    case 7: return (-(rnd() >> rndn(bits))) & mask;
    default: return rnd() & mask;
  }
}

/* A value to convert to an integer of `bits` bits: around the limits, halves, large. */
static ext80 near_int(int bits) {
  int r = rndn(100);
  if (r < 12) return special();
  if (r < 30) {
    /* an integer near +-2^(bits-1), possibly plus a fraction */
    int e = 0x3fff + bits - 1 - (int)rndn(2);
    uint64_t sig = I | (rnd() >> (1 + rndn(60)) >> (bits - 1 > 62 ? 0 : 62 - (bits - 1)));
    if (chance(40)) sig = I;
    if (chance(30)) sig = ~0ULL << (63 - bits + 1 + (int)rndn(2));
    return mk(rndn(2), e, sig);
  }
  if (r < 55) {
    /* x.5, x.25, x.75 and neighbours */
    int e = 0x3fff + (int)rndn(bits < 20 ? bits : 20) - 1;
    uint64_t sig = rnd() | I;
    int frac = 63 - (e - 0x3fff);
    if (frac > 1 && frac < 64) {
      uint64_t fm = (1ULL << frac) - 1;
      uint64_t pick[] = {1ULL << (frac - 1), (1ULL << (frac - 1)) + 1, (1ULL << (frac - 1)) - 1, 0, fm, 1ULL << (frac - 2)};
      sig = (sig & ~fm) | pick[rndn(6)];
    }
    return mk(rndn(2), e, sig);
  }
  if (r < 70) return normal_in(0x3fff - 3, 0x3fff + 1);
  if (r < 90) return normal_in(0x3fff, 0x3fff + bits + 2);
  return normal_in(1, 0x7ffe);
}

static void rand_bcd(uint8_t *p) {
  int digits = 1 + rndn(18);
  memset(p, 0, 10);
  for (int i = 0; i < digits; i++) {
    int d = chance(3) ? 10 + rndn(6) : rndn(10);
    if (chance(20)) d = 9;
    p[i / 2] |= (uint8_t)(d << (4 * (i & 1)));
  }
  p[9] = chance(50) ? 0x80 : 0;
  if (chance(3)) p[9] |= (uint8_t)rndn(0x80);
}

/* ---- forms --------------------------------------------------------------------------- */

enum kind {
  K_BIN,      /* ST0, ST1 in: arithmetic and compares over two stack values */
  K_BIN_M32,  /* ST0 in, m32fp */
  K_BIN_M64,  /* ST0 in, m64fp */
  K_BIN_I16,  /* ST0 in, m16int */
  K_BIN_I32,  /* ST0 in, m32int */
  K_UN,       /* ST0 in */
  K_UN_SMALL, /* ST0 in, mostly small (|x| < 2^63 for FSIN & co) */
  K_UN_F2XM1, /* ST0 in -1..1 */
  K_FYL2XP1,  /* ST0 small, ST1 any */
  K_FSCALE,   /* ST0 any, ST1 small integers mostly */
  K_FPREM,    /* ST0, ST1 with exponents far apart sometimes */
  K_LD32,     /* m32fp in, push */
  K_LD64,
  K_LD80,
  K_LDI16,
  K_LDI32,
  K_LDI64,
  K_LDBCD,
  K_ST32,     /* ST0 in, store */
  K_ST64,
  K_ST80,
  K_STI16,
  K_STI32,
  K_STI64,
  K_STBCD,
  K_CONST,    /* push a constant */
  K_STACK,    /* a few random registers, random TOP; stack manipulation */
  K_FCMOV,    /* ST0, ST1, random flags */
  K_STATE,    /* a few random registers; memory image in or out */
};

struct form {
  const char *group, *name, *code;
  enum kind kind;
  int mem; /* bytes at [rdi] recorded */
  int count;
  int trans;
};

#define N_ARITH 3000
#define N_MEMARITH 500
#define N_ALT 250

static const struct form FORMS[] = {
    /* two-operand arithmetic, every encoding */
    {"arith", "fadd st,st1", "d8c1", K_BIN, 0, N_ARITH, 0},
    {"arith", "fsub st,st1", "d8e1", K_BIN, 0, N_ARITH, 0},
    {"arith", "fsubr st,st1", "d8e9", K_BIN, 0, N_ARITH, 0},
    {"arith", "fmul st,st1", "d8c9", K_BIN, 0, N_ARITH, 0},
    {"arith", "fdiv st,st1", "d8f1", K_BIN, 0, N_ARITH, 0},
    {"arith", "fdivr st,st1", "d8f9", K_BIN, 0, N_ARITH, 0},
    {"arith", "fadd st,st0", "d8c0", K_BIN, 0, N_ALT, 0},
    {"arith", "fadd st1,st", "dcc1", K_BIN, 0, N_ALT, 0},
    {"arith", "fmul st1,st", "dcc9", K_BIN, 0, N_ALT, 0},
    {"arith", "fsubr st1,st", "dce1", K_BIN, 0, N_ALT, 0},
    {"arith", "fsub st1,st", "dce9", K_BIN, 0, N_ALT, 0},
    {"arith", "fdivr st1,st", "dcf1", K_BIN, 0, N_ALT, 0},
    {"arith", "fdiv st1,st", "dcf9", K_BIN, 0, N_ALT, 0},
    {"arith", "faddp st1,st", "dec1", K_BIN, 0, N_ALT, 0},
    {"arith", "fmulp st1,st", "dec9", K_BIN, 0, N_ALT, 0},
    {"arith", "fsubrp st1,st", "dee1", K_BIN, 0, N_ALT, 0},
    {"arith", "fsubp st1,st", "dee9", K_BIN, 0, N_ALT, 0},
    {"arith", "fdivrp st1,st", "def1", K_BIN, 0, N_ALT, 0},
    {"arith", "fdivp st1,st", "def9", K_BIN, 0, N_ALT, 0},
    {"arith", "fadd st,st1; fwait", "d8c19b", K_BIN, 0, N_ALT, 0},
    {"arith", "fdiv st,st1; fwait", "d8f19b", K_BIN, 0, N_ALT, 0},
    {"arith", "fsqrt", "d9fa", K_UN, 0, N_ARITH, 0},
    {"arith", "fsqrt; fwait", "d9fa9b", K_UN, 0, N_ALT, 0},
    {"arith", "fmul st,st1; fwait", "d8c99b", K_BIN, 0, N_ALT, 0},
    {"arith", "fsub st,st1; fwait", "d8e19b", K_BIN, 0, N_ALT, 0},
    {"memarith", "fadd m32", "d807", K_BIN_M32, 4, N_MEMARITH, 0},
    {"memarith", "fmul m32", "d80f", K_BIN_M32, 4, N_MEMARITH, 0},
    {"memarith", "fsub m32", "d827", K_BIN_M32, 4, N_MEMARITH, 0},
    {"memarith", "fsubr m32", "d82f", K_BIN_M32, 4, N_MEMARITH, 0},
    {"memarith", "fdiv m32", "d837", K_BIN_M32, 4, N_MEMARITH, 0},
    {"memarith", "fdivr m32", "d83f", K_BIN_M32, 4, N_MEMARITH, 0},
    {"memarith", "fadd m64", "dc07", K_BIN_M64, 8, N_MEMARITH, 0},
    {"memarith", "fmul m64", "dc0f", K_BIN_M64, 8, N_MEMARITH, 0},
    {"memarith", "fsub m64", "dc27", K_BIN_M64, 8, N_MEMARITH, 0},
    {"memarith", "fsubr m64", "dc2f", K_BIN_M64, 8, N_MEMARITH, 0},
    {"memarith", "fdiv m64", "dc37", K_BIN_M64, 8, N_MEMARITH, 0},
    {"memarith", "fdivr m64", "dc3f", K_BIN_M64, 8, N_MEMARITH, 0},
    {"memarith", "fiadd m16", "de07", K_BIN_I16, 2, N_MEMARITH, 0},
    {"memarith", "fimul m16", "de0f", K_BIN_I16, 2, N_MEMARITH, 0},
    {"memarith", "fisub m16", "de27", K_BIN_I16, 2, N_MEMARITH, 0},
    {"memarith", "fisubr m16", "de2f", K_BIN_I16, 2, N_MEMARITH, 0},
    {"memarith", "fidiv m16", "de37", K_BIN_I16, 2, N_MEMARITH, 0},
    {"memarith", "fidivr m16", "de3f", K_BIN_I16, 2, N_MEMARITH, 0},
    {"memarith", "fiadd m32", "da07", K_BIN_I32, 4, N_MEMARITH, 0},
    {"memarith", "fimul m32", "da0f", K_BIN_I32, 4, N_MEMARITH, 0},
    {"memarith", "fisub m32", "da27", K_BIN_I32, 4, N_MEMARITH, 0},
    {"memarith", "fisubr m32", "da2f", K_BIN_I32, 4, N_MEMARITH, 0},
    {"memarith", "fidiv m32", "da37", K_BIN_I32, 4, N_MEMARITH, 0},
    {"memarith", "fidivr m32", "da3f", K_BIN_I32, 4, N_MEMARITH, 0},
    /* loads, stores and conversions */
    {"convert", "fld m32", "d907", K_LD32, 4, 1500, 0},
    {"convert", "fld m64", "dd07", K_LD64, 8, 1500, 0},
    {"convert", "fld m80", "db2f", K_LD80, 10, 1000, 0},
    {"convert", "fst m32", "d917", K_ST32, 4, 3000, 0},
    {"convert", "fstp m32", "d91f", K_ST32, 4, 500, 0},
    {"convert", "fst m64", "dd17", K_ST64, 8, 3000, 0},
    {"convert", "fstp m64", "dd1f", K_ST64, 8, 500, 0},
    {"convert", "fstp m80", "db3f", K_ST80, 10, 500, 0},
    {"convert", "fild m16", "df07", K_LDI16, 2, 300, 0},
    {"convert", "fild m32", "db07", K_LDI32, 4, 500, 0},
    {"convert", "fild m64", "df2f", K_LDI64, 8, 1000, 0},
    {"convert", "fist m16", "df17", K_STI16, 2, 1000, 0},
    {"convert", "fistp m16", "df1f", K_STI16, 2, 300, 0},
    {"convert", "fist m32", "db17", K_STI32, 4, 1000, 0},
    {"convert", "fistp m32", "db1f", K_STI32, 4, 300, 0},
    {"convert", "fistp m64", "df3f", K_STI64, 8, 1500, 0},
    {"convert", "fisttp m16", "df0f", K_STI16, 2, 500, 0},
    {"convert", "fisttp m32", "db0f", K_STI32, 4, 500, 0},
    {"convert", "fisttp m64", "dd0f", K_STI64, 8, 800, 0},
    {"convert", "fbld m80", "df27", K_LDBCD, 10, 800, 0},
    {"convert", "fbstp m80", "df37", K_STBCD, 10, 1500, 0},
    {"convert", "frndint", "d9fc", K_UN, 0, 1500, 0},
    {"convert", "fst m32; fwait", "d9179b", K_ST32, 4, 300, 0},
    {"convert", "fstp m64; fwait", "dd1f9b", K_ST64, 8, 300, 0},
    {"convert", "fistp m32; fwait", "db1f9b", K_STI32, 4, 300, 0},
    {"convert", "fbstp m80; fwait", "df379b", K_STBCD, 10, 200, 0},
    {"convert", "fld m32; fwait", "d9079b", K_LD32, 4, 300, 0},
    {"convert", "fld m64; fwait", "dd079b", K_LD64, 8, 300, 0},
    {"convert", "frndint; fwait", "d9fc9b", K_UN, 0, 300, 0},
    {"convert", "fld1", "d9e8", K_CONST, 0, 60, 0},
    {"convert", "fldl2t", "d9e9", K_CONST, 0, 60, 0},
    {"convert", "fldl2e", "d9ea", K_CONST, 0, 60, 0},
    {"convert", "fldpi", "d9eb", K_CONST, 0, 60, 0},
    {"convert", "fldlg2", "d9ec", K_CONST, 0, 60, 0},
    {"convert", "fldln2", "d9ed", K_CONST, 0, 60, 0},
    {"convert", "fldz", "d9ee", K_CONST, 0, 60, 0},
    /* compares and classification */
    {"compare", "fcom st1", "d8d1", K_BIN, 0, 800, 0},
    {"compare", "fcomp st1", "d8d9", K_BIN, 0, 300, 0},
    {"compare", "fcompp", "ded9", K_BIN, 0, 300, 0},
    {"compare", "fucom st1", "dde1", K_BIN, 0, 800, 0},
    {"compare", "fucomp st1", "dde9", K_BIN, 0, 300, 0},
    {"compare", "fucompp", "dae9", K_BIN, 0, 300, 0},
    {"compare", "fcomi st,st1", "dbf1", K_BIN, 0, 800, 0},
    {"compare", "fcomip st,st1", "dff1", K_BIN, 0, 300, 0},
    {"compare", "fucomi st,st1", "dbe9", K_BIN, 0, 800, 0},
    {"compare", "fucomip st,st1", "dfe9", K_BIN, 0, 300, 0},
    {"compare", "fcom m32", "d817", K_BIN_M32, 4, 300, 0},
    {"compare", "fcomp m64", "dc1f", K_BIN_M64, 8, 300, 0},
    {"compare", "ficom m16", "de17", K_BIN_I16, 2, 300, 0},
    {"compare", "ficomp m32", "da1f", K_BIN_I32, 4, 300, 0},
    {"compare", "ftst", "d9e4", K_UN, 0, 400, 0},
    {"compare", "fxam", "d9e5", K_UN, 0, 600, 0},
    {"compare", "fcom st1; fwait", "d8d19b", K_BIN, 0, 200, 0},
    {"compare", "fcomip st,st1; fwait", "dff19b", K_BIN, 0, 200, 0},
    {"compare", "fcom2 st1", "dcd1", K_BIN, 0, 40, 0},
    {"compare", "fcomp3 st1", "dcd9", K_BIN, 0, 40, 0},
    {"compare", "fcomp5 st1", "ded1", K_BIN, 0, 40, 0},
    /* stack, moves, sign */
    {"stack", "fld st1", "d9c1", K_STACK, 0, 150, 0},
    {"stack", "fld st0", "d9c0", K_STACK, 0, 100, 0},
    {"stack", "fst st3", "ddd3", K_STACK, 0, 100, 0},
    {"stack", "fstp st1", "ddd9", K_STACK, 0, 150, 0},
    {"stack", "fstp st0", "ddd8", K_STACK, 0, 100, 0},
    {"stack", "fxch st1", "d9c9", K_STACK, 0, 150, 0},
    {"stack", "fxch st5", "d9cd", K_STACK, 0, 100, 0},
    {"stack", "ffree st2", "ddc2", K_STACK, 0, 100, 0},
    {"stack", "fincstp", "d9f7", K_STACK, 0, 100, 0},
    {"stack", "fdecstp", "d9f6", K_STACK, 0, 100, 0},
    {"stack", "fchs", "d9e0", K_STACK, 0, 150, 0},
    {"stack", "fabs", "d9e1", K_STACK, 0, 150, 0},
    {"stack", "fnop", "d9d0", K_STACK, 0, 50, 0},
    {"stack", "fnclex", "dbe2", K_STACK, 0, 80, 0},
    {"stack", "fninit", "dbe3", K_STACK, 0, 50, 0},
    {"stack", "fwait", "9b", K_STACK, 0, 80, 0},
    {"stack", "fstp1 st2", "d9da", K_STACK, 0, 40, 0},
    {"stack", "fxch4 st2", "ddca", K_STACK, 0, 40, 0},
    {"stack", "fxch7 st3", "dfcb", K_STACK, 0, 40, 0},
    {"stack", "fstp8 st1", "dfd1", K_STACK, 0, 40, 0},
    {"stack", "fstp9 st1", "dfd9", K_STACK, 0, 40, 0},
    {"stack", "ffreep st1", "dfc1", K_STACK, 0, 40, 0},
    {"stack", "fneni", "dbe0", K_STACK, 0, 40, 0},
    {"stack", "fndisi", "dbe1", K_STACK, 0, 40, 0},
    {"stack", "fnsetpm", "dbe4", K_STACK, 0, 40, 0},
    {"stack", "fcmovb st,st1", "dac1", K_FCMOV, 0, 80, 0},
    {"stack", "fcmove st,st1", "dac9", K_FCMOV, 0, 80, 0},
    {"stack", "fcmovbe st,st1", "dad1", K_FCMOV, 0, 80, 0},
    {"stack", "fcmovu st,st1", "dad9", K_FCMOV, 0, 80, 0},
    {"stack", "fcmovnb st,st1", "dbc1", K_FCMOV, 0, 80, 0},
    {"stack", "fcmovne st,st1", "dbc9", K_FCMOV, 0, 80, 0},
    {"stack", "fcmovnbe st,st1", "dbd1", K_FCMOV, 0, 80, 0},
    {"stack", "fcmovnu st,st1", "dbd9", K_FCMOV, 0, 80, 0},
    /* state */
    {"state", "fnstcw m16", "d93f", K_STATE, 2, 40, 0},
    {"state", "fldcw m16", "d92f", K_STATE, 2, 60, 0},
    {"state", "fnstsw m16", "dd3f", K_STATE, 2, 40, 0},
    {"state", "fnstsw ax; mov [rdi],ax", "dfe0668907", K_STATE, 2, 40, 0},
    {"state", "fnstenv", "d937", K_STATE, 28, 60, 0},
    {"state", "fldenv", "d927", K_STATE, 28, 60, 0},
    {"state", "fnsave", "dd37", K_STATE, 108, 60, 0},
    {"state", "frstor", "dd27", K_STATE, 108, 60, 0},
    {"state", "fnstenv (16-bit)", "66d937", K_STATE, 14, 30, 0},
    {"state", "fldenv (16-bit)", "66d927", K_STATE, 14, 30, 0},
    {"state", "fnsave (16-bit)", "66dd37", K_STATE, 94, 30, 0},
    {"state", "frstor (16-bit)", "66dd27", K_STATE, 94, 30, 0},
    {"state", "fnclex after fdiv", "d8f1dbe2", K_BIN, 0, 60, 0},
    {"state", "fxsave64", "480fae07", K_STATE, 512, 30, 0},
    {"state", "fxrstor64", "480fae0f", K_STATE, 512, 30, 0},
    {"state", "fxsave", "0fae07", K_STATE, 512, 20, 0},
    {"state", "fxrstor", "0fae0f", K_STATE, 512, 20, 0},
    /* the rest of the arithmetic */
    {"misc", "fscale", "d9fd", K_FSCALE, 0, 1500, 0},
    {"misc", "fxtract", "d9f4", K_UN, 0, 800, 0},
    {"misc", "fprem", "d9f8", K_FPREM, 0, 2000, 0},
    {"misc", "fprem1", "d9f5", K_FPREM, 0, 2000, 0},
    {"misc", "fscale; fwait", "d9fd9b", K_FSCALE, 0, 300, 0},
    {"misc", "fxtract; fwait", "d9f49b", K_UN, 0, 300, 0},
    {"misc", "fprem; fwait", "d9f89b", K_FPREM, 0, 300, 0},
    /* transcendental */
    {"trans", "f2xm1", "d9f0", K_UN_F2XM1, 0, 1500, 1},
    {"trans", "fyl2x", "d9f1", K_BIN, 0, 1500, 1},
    {"trans", "fyl2xp1", "d9f9", K_FYL2XP1, 0, 1500, 1},
    {"trans", "fpatan", "d9f3", K_BIN, 0, 1500, 1},
    {"trans", "fsin", "d9fe", K_UN_SMALL, 0, 1500, 1},
    {"trans", "fcos", "d9ff", K_UN_SMALL, 0, 1500, 1},
    {"trans", "fsincos", "d9fb", K_UN_SMALL, 0, 1000, 1},
    {"trans", "fptan", "d9f2", K_UN_SMALL, 0, 1000, 1},
    {"trans", "fsin; fwait", "d9fe9b", K_UN_SMALL, 0, 300, 1},
    {"trans", "fyl2x; fwait", "d9f19b", K_BIN, 0, 300, 1},
    {"trans", "f2xm1; fwait", "d9f09b", K_UN_F2XM1, 0, 300, 1},
};

/* ---- generating the inputs of one vector -------------------------------------------- */

struct input {
  uint16_t cw, sw;
  uint8_t tag; /* by stack position here; converted to physical on load */
  uint64_t fl;
  ext80 st[8];
  uint8_t mem[MEM_SIZE];
};

/* A control word: every rounding and precision control, sometimes unmasked exceptions
   (often, for the forms that end in FWAIT to see #MF delivered). */
static uint16_t pick_cw(int unmask) {
  uint16_t cw = 0x037f & ~0x0300;
  cw |= (uint16_t)(rndn(4) << 10);                    /* rounding control */
  int pc = (int[]){3, 3, 3, 2, 2, 0, 0, 1}[rndn(8)]; /* precision control */
  cw |= (uint16_t)(pc << 8);
  if (chance(unmask ? 40 : 6)) cw &= (uint16_t)~(1u << rndn(6)); /* one exception unmasked */
  if (chance(unmask ? 20 : 2)) cw &= (uint16_t)~0x3f;
  if (chance(3)) cw |= 0x1000 | 0x40; /* reserved/infinity-control bits: ignored */
  return cw;
}

static void gen_input(const struct form *f, struct input *in) {
  memset(in, 0, sizeof *in);
  in->cw = pick_cw(strstr(f->name, "fwait") != 0);
  int top = rndn(8);
  in->sw = (uint16_t)(top << 11);
  if (chance(10)) in->sw |= (uint16_t)(rnd() & 0x473f & ~0x0080); /* stale flags, codes */
  in->fl = rnd() & 0x8d5;
  int used = 0; /* ST(i) that must hold values */
  for (int i = 0; i < MEM_SIZE; i++) in->mem[i] = (uint8_t)(0xa5 ^ i);
  switch (f->kind) {
    case K_BIN:
    case K_FPREM:
    case K_FSCALE:
    case K_FYL2XP1:
    case K_FCMOV:
      in->st[0] = any_value();
      in->st[1] = partner(in->st[0]);
      if (f->kind == K_FSCALE && chance(80)) {
        /* mostly integers of up to 17 bits, sometimes with a fraction, sometimes below 1 */
        int e = 0x3fff + (int)rndn(17);
        uint64_t frac = (1ULL << (63 - (e - 0x3fff))) - 1;
        in->st[1] = mk(rndn(2), e, I | (rnd() & ~frac));
        if (chance(30)) in->st[1].sig |= rnd() & frac;
        if (chance(15)) in->st[1] = mk(rndn(2), 0x3fff - 1 - (int)rndn(4), rnd() | I);
      }
      if (f->kind == K_FPREM && chance(50)) {
        int e = in->st[0].se & 0x7fff;
        if (e > 0 && e < 0x7fff) in->st[1] = mk(rndn(2), e - (int)rndn(80) > 0 ? e - (int)rndn(80) : 1, rnd() | I);
      }
      if (f->kind == K_FYL2XP1 && chance(80)) in->st[0] = normal_in(0x3fff - 70, 0x3fff - 2);
      used = 2;
      break;
    case K_BIN_M32: {
      in->st[0] = any_value();
      uint32_t v = rand_f32();
      memcpy(in->mem, &v, 4);
      used = 1;
      break;
    }
    case K_BIN_M64: {
      in->st[0] = any_value();
      uint64_t v = rand_f64();
      memcpy(in->mem, &v, 8);
      used = 1;
      break;
    }
    case K_BIN_I16: {
      in->st[0] = any_value();
      uint16_t v = (uint16_t)rand_int(16);
      memcpy(in->mem, &v, 2);
      used = 1;
      break;
    }
    case K_BIN_I32: {
      in->st[0] = any_value();
      uint32_t v = (uint32_t)rand_int(32);
      memcpy(in->mem, &v, 4);
      used = 1;
      break;
    }
    case K_UN:
      in->st[0] = any_value();
      if (chance(20)) in->st[0] = near_int(64);
      used = 1;
      break;
    case K_UN_SMALL:
      in->st[0] = chance(85) ? normal_in(0x3fff - 30, 0x3fff + 8) : chance(50) ? normal_in(0x3fff + 8, 0x3fff + 64) : any_value();
      used = 1;
      break;
    case K_UN_F2XM1:
      in->st[0] = chance(85) ? normal_in(0x3fff - 66, 0x3ffe) : chance(50) ? mk(rndn(2), 0x3fff, I) : any_value();
      used = 1;
      break;
    case K_LD32: {
      uint32_t v = rand_f32();
      memcpy(in->mem, &v, 4);
      break;
    }
    case K_LD64: {
      uint64_t v = rand_f64();
      memcpy(in->mem, &v, 8);
      break;
    }
    case K_LD80:
      put80(in->mem, any_value());
      break;
    case K_LDI16: {
      uint16_t v = (uint16_t)rand_int(16);
      memcpy(in->mem, &v, 2);
      break;
    }
    case K_LDI32: {
      uint32_t v = (uint32_t)rand_int(32);
      memcpy(in->mem, &v, 4);
      break;
    }
    case K_LDI64: {
      uint64_t v = rand_int(64);
      memcpy(in->mem, &v, 8);
      break;
    }
    case K_LDBCD:
      rand_bcd(in->mem);
      break;
    case K_ST32: in->st[0] = near_format(127, 24); used = 1; break;
    case K_ST64: in->st[0] = near_format(1023, 53); used = 1; break;
    case K_ST80: in->st[0] = any_value(); used = 1; break;
    case K_STI16: in->st[0] = near_int(16); used = 1; break;
    case K_STI32: in->st[0] = near_int(32); used = 1; break;
    case K_STI64: in->st[0] = near_int(64); used = 1; break;
    case K_STBCD: {
      in->st[0] = near_int(60);
      if (chance(30)) {
        /* around 10^18 - 1 = 0xDE0B6B3A763FFFF, the largest packed BCD */
        in->st[0] = mk(rndn(2), 0x3fff + 59, 0xDE0B6B3A763FFFF0ULL + ((uint64_t)(int64_t)((int)rndn(64) - 32) << 3));
      }
      used = 1;
      break;
    }
    case K_CONST:
      break;
    case K_STACK:
    case K_STATE:
      for (int i = 0; i < 8; i++) in->st[i] = any_value();
      used = (int)rndn(9);
      break;
  }
  /* tags: the needed registers are valid (sometimes not: stack underflow); pushes see a
     free ST(7) (sometimes not: stack overflow) */
  uint8_t tag = (uint8_t)((1u << used) - 1);
  if (f->kind == K_STACK || f->kind == K_STATE) tag = (uint8_t)rnd();
  else if (chance(7)) tag &= (uint8_t)~(1u << rndn(used ? used : 1));
  if (chance(8)) tag |= 0x80;
  if (chance(15)) tag |= (uint8_t)(rnd() & 0x7c);
  in->tag = tag;
  /* Empty registers hold zeros (the record shows them as "-"; FXSAVE and FNSAVE reveal
     what an empty register contains, so it must be known). */
  for (int i = 0; i < 8; i++)
    if (!(tag >> i & 1)) in->st[i] = mk(0, 0, 0);

  if (f->kind == K_STATE) {
    /* memory images: random words, plausible control words, real register images */
    uint8_t *m = in->mem;
    for (int i = 0; i < f->mem; i++) m[i] = (uint8_t)rnd();
    if (!strcmp(f->name, "fldcw m16")) {
      uint16_t cw = pick_cw(0);
      if (chance(30)) cw = (uint16_t)rnd();
      memcpy(m, &cw, 2);
    }
    if (f->mem == 14 || f->mem == 94) {
      uint16_t cw = pick_cw(0), sw = (uint16_t)rnd(), tw = (uint16_t)rnd();
      if (chance(60)) sw &= (uint16_t)~0x80;
      memcpy(m, &cw, 2);
      memcpy(m + 2, &sw, 2);
      memcpy(m + 4, &tw, 2);
      if (f->mem == 94)
        for (int i = 0; i < 8; i++) put80(m + 14 + 10 * i, any_value());
    }
    if (f->mem == 28 || f->mem == 108) {
      uint32_t cw = (uint32_t)pick_cw(0) | 0xffff0000u, sw = (uint32_t)(rnd() & 0xffff) | 0xffff0000u;
      if (chance(60)) sw &= ~0x80u;
      uint32_t tw = (uint32_t)rnd() | 0xffff0000u;
      memcpy(m, &cw, 4);
      memcpy(m + 4, &sw, 4);
      memcpy(m + 8, &tw, 4);
      if (f->mem == 108)
        for (int i = 0; i < 8; i++) put80(m + 28 + 10 * i, any_value());
    }
    if (f->mem == 512) {
      uint16_t cw = pick_cw(0), sw = (uint16_t)(rnd() & 0xff7f);
      memcpy(m, &cw, 2);
      memcpy(m + 2, &sw, 2);
      m[4] = (uint8_t)rnd();
      m[5] = 0;
      uint32_t mx = 0x1f80 | (uint32_t)(rnd() & 0x7f3f);
      memcpy(m + 24, &mx, 4);
      for (int i = 0; i < 8; i++) put80(m + 32 + 16 * i, any_value());
    }
  }
}

/* ---- running and printing ----------------------------------------------------------- */

static void hexbytes(FILE *o, const uint8_t *p, int n) {
  if (n == 0) {
    fputc('-', o);
    return;
  }
  for (int i = 0; i < n; i++) fprintf(o, "%02x", p[i]);
}

/* Stack registers of an FXSAVE image, by stack position; '-' for empty ones. */
static void print_stack(FILE *o, const struct fxarea *a) {
  int top = (a->fsw >> 11) & 7, last = -1;
  for (int i = 0; i < 8; i++)
    if (a->ftw >> ((top + i) & 7) & 1) last = i;
  if (last < 0) {
    fputc('-', o);
    return;
  }
  for (int i = 0; i <= last; i++) {
    if (i) fputc(',', o);
    if (a->ftw >> ((top + i) & 7) & 1) {
      ext80 v = get80(a->st[i]);
      fprintf(o, "%04x%016llx", v.se, (unsigned long long)v.sig);
    } else {
      fputc('-', o);
    }
  }
}

static int hexval(char c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

static void run_form(FILE *o, const struct form *f, int count) {
  uint8_t code[32];
  int len = (int)strlen(f->code) / 2;
  for (int i = 0; i < len; i++) code[i] = (uint8_t)(hexval(f->code[2 * i]) << 4 | hexval(f->code[2 * i + 1]));
  memcpy(g_code, code, len);
  g_code[len] = 0xc3;
  fprintf(o, "F %s|%s|%d|%s\n", f->name, f->code, f->mem, f->trans ? "t" : "-");
  for (int n = 0; n < count; n++) {
    struct input in;
    gen_input(f, &in);
    memset(&g_in, 0, sizeof g_in);
    g_in.fcw = in.cw;
    g_in.fsw = in.sw;
    int top = (in.sw >> 11) & 7;
    uint8_t phys = 0;
    for (int i = 0; i < 8; i++) {
      if (in.tag >> i & 1) phys |= (uint8_t)(1u << ((top + i) & 7));
      put80(g_in.st[i], in.st[i]);
    }
    g_in.ftw = phys;
    g_in.mxcsr = 0x1f80;
    memcpy(g_mem, in.mem, MEM_SIZE);
    long fault = run_snippet(in.fl);
    fprintf(o, "V %04x %04x %02x %03x ", in.cw, in.sw, phys, (unsigned)in.fl);
    print_stack(o, &g_in);
    fputc(' ', o);
    hexbytes(o, in.mem, f->mem);
    fprintf(o, " = %04x %02x %03x ", g_out.fsw, g_out.ftw, (unsigned)g_flags_out);
    print_stack(o, &g_out);
    fputc(' ', o);
    hexbytes(o, g_mem, f->mem);
    if (fault >= 0) fprintf(o, " mf@%ld\n", fault);
    else fputs(" -\n", o);
  }
}

/*
 * encodings.txt: which D8-DF encodings the host executes and which raise #UD. Every
 * register form (ModRM C0-FF) and every ModRM.reg with a memory operand ([rdi]).
 * Lines "E <escape><modrm> ok|ud" (for memory forms the ModRM is 0x07 | reg << 3).
 */
static void write_encodings(const char *outdir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/encodings.txt", outdir);
  FILE *o = fopen(path, "w");
  if (!o) {
    perror(path);
    exit(1);
  }
  fprintf(o, "# x87 escape encodings the host executes (ok) or rejects with #UD (ud); tools/x87-golden\n");
  signal(SIGILL, on_ill);
  for (int op = 0xd8; op <= 0xdf; op++) {
    for (int m = 0; m < 256; m++) {
      if (m < 0xc0 && (m & 0xc7) != 0x07) continue;
      memset(&g_in, 0, sizeof g_in);
      g_in.fcw = 0x037f;
      g_in.mxcsr = 0x1f80;
      g_in.ftw = 0xc0; /* two values on the stack, TOP = 6 */
      g_in.fsw = 6 << 11;
      memset(g_mem, 0, sizeof g_mem);
      g_mem[0] = 0x7f;
      g_mem[1] = 0x03;
      g_code[0] = (uint8_t)op;
      g_code[1] = (uint8_t)m;
      g_code[2] = 0xc3;
      g_illegal = 0;
      if (!sigsetjmp(g_jmp, 1)) run_snippet(0);
      else __asm__ volatile("fninit\n\tldmxcsr %0" : : "m"(g_mxcsr_default));
      fprintf(o, "E %02x%02x %s\n", op, m, g_illegal ? "ud" : "ok");
    }
  }
  signal(SIGILL, SIG_DFL);
  fclose(o);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OUTDIR [SEED [SCALE_PERCENT]]\n", argv[0]);
    return 2;
  }
  const char *outdir = argv[1];
  if (argc > 2) g_rng = strtoull(argv[2], 0, 0) * 2654435761ULL + 88172645463325252ULL;
  int scale = argc > 3 ? atoi(argv[3]) : 100;
  g_code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (g_code == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fpe;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGFPE, &sa, 0);

  const char *group = 0;
  FILE *o = 0;
  for (size_t k = 0; k < sizeof FORMS / sizeof FORMS[0]; k++) {
    const struct form *f = &FORMS[k];
    if (!group || strcmp(group, f->group)) {
      if (o) fclose(o);
      char path[4096];
      snprintf(path, sizeof path, "%s/%s.txt", outdir, f->group);
      o = fopen(path, "w");
      if (!o) {
        perror(path);
        return 1;
      }
      fprintf(o, "# x87 golden vectors from the host CPU (tools/x87-golden/x87golden.c); format in that file\n");
      group = f->group;
    }
    int count = (int)((long)f->count * scale / 100);
    if (count < 1) count = 1;
    run_form(o, f, count);
  }
  if (o) fclose(o);
  write_encodings(outdir);
  return 0;
}
