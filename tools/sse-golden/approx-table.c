/*
 * approx-table: reads the host CPU's RCPSS/RSQRTSS approximation tables and writes them
 * as src/cpu/ops/sse-float-approx-table.ts, after checking that a table model (below)
 * reproduces the instruction for every one of the 2^32 inputs. The results are
 * implementation-specific (SDM Vol. 2B, RCPPS: only |relative error| <= 1.5 * 2^-12 is
 * architectural); the committed table is the one of the CPU this ran on.
 *
 * The model, which the exhaustive check confirms on the recording CPU:
 *   RCP:   x = (-1)^s * 1.m * 2^(E-127). E = 0 (zero or denormal, treated as zero) gives
 *          an infinity of x's sign; an infinity gives a zero; a NaN is quieted. Otherwise
 *          the result is (-1)^s * 1.t * 2^(126 - (E - 127)) with t = RCP[m >> 11] << 11,
 *          flushed to a signed zero when that exponent is below the normal range.
 *   RSQRT: zero or denormal gives an infinity of the operand's sign, any other negative
 *          number the real indefinite, +inf +0, a NaN is quieted. Otherwise with
 *          e = E - 127 and p = e & 1, the result is 1.t * 2^(126 - (e - p) / 2) with
 *          t = RSQRT[p][m >> 11] << 11.
 * The results ignore MXCSR (rounding, DAZ, FTZ) and raise no exception; checked too.
 *
 * Build and run: make approx && ./approx-table > ../../src/cpu/ops/sse-float-approx-table.ts
 */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint16_t rcp_table[4096];
static uint16_t rsqrt_table[2][4096];

static uint32_t bits(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}

static float real(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static uint32_t model_rcp(uint32_t x) {
  uint32_t s = x & 0x80000000u, e = (x >> 23) & 0xff, m = x & 0x7fffff;
  if (e == 0) return s | 0x7f800000u;
  if (e == 255) return m ? x | 0x400000u : s;
  int re = 126 - ((int)e - 127);
  if (re <= 0) return s;
  return s | (uint32_t)re << 23 | (uint32_t)rcp_table[m >> 11] << 11;
}

static uint32_t model_rsqrt(uint32_t x) {
  uint32_t s = x & 0x80000000u, e = (x >> 23) & 0xff, m = x & 0x7fffff;
  if (e == 255 && m) return x | 0x400000u;
  if (e == 0) return s | 0x7f800000u;
  if (s) return 0xffc00000u;
  if (e == 255) return 0;
  int ue = (int)e - 127, p = ue & 1;
  int re = 126 - (ue - p) / 2;
  return (uint32_t)re << 23 | (uint32_t)rsqrt_table[p][m >> 11] << 11;
}

/* Runs the instruction on 4 consecutive inputs from x under the given MXCSR. */
static void run4(uint32_t x, uint32_t mxcsr, uint32_t out_rcp[4], uint32_t out_rsqrt[4], uint32_t *flags) {
  __m128 v = _mm_castsi128_ps(_mm_setr_epi32((int)x, (int)(x + 1), (int)(x + 2), (int)(x + 3)));
  _mm_setcsr(mxcsr);
  __m128 a = _mm_rcp_ps(v);
  __m128 b = _mm_rsqrt_ps(v);
  *flags = _mm_getcsr() & 0x3f;
  _mm_setcsr(0x1f80);
  _mm_storeu_ps((float *)out_rcp, a);
  _mm_storeu_ps((float *)out_rsqrt, b);
}

int main(void) {
  for (int k = 0; k < 4096; k++) {
    uint32_t r = bits(_mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(real(0x3f800000u | k << 11)))));
    if ((r & 0xff8007ffu) != 0x3f000000u) {
      fprintf(stderr, "rcp(1.x) outside [0.5, 1) or with low bits: %08x\n", r);
      return 1;
    }
    rcp_table[k] = (uint16_t)((r >> 11) & 0xfff);
    for (int p = 0; p < 2; p++) {
      r = bits(_mm_cvtss_f32(_mm_rsqrt_ss(_mm_set_ss(real((0x3f800000u + ((uint32_t)p << 23)) | k << 11)))));
      if ((r & 0xff8007ffu) != 0x3f000000u) {
        fprintf(stderr, "rsqrt(1.x * 2^%d) outside [0.5, 1) or with low bits: %08x\n", p, r);
        return 1;
      }
      rsqrt_table[p][k] = (uint16_t)((r >> 11) & 0xfff);
    }
  }
  /* Every input, under the default MXCSR; every 61st group also with RC, DAZ, FTZ and all exceptions unmasked. */
  static const uint32_t modes[] = {0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0x0000};
  uint64_t checked = 0;
  for (uint64_t x = 0; x < (1ull << 32); x += 4) {
    int nmodes = (x / 4) % 61 == 0 ? 6 : 1;
    for (int mi = 0; mi < nmodes; mi++) {
      uint32_t a[4], b[4], flags;
      run4((uint32_t)x, modes[mi], a, b, &flags);
      if (flags) {
        fprintf(stderr, "flags %x raised for %08x.. under %x\n", flags, (uint32_t)x, modes[mi]);
        return 1;
      }
      for (int k = 0; k < 4; k++) {
        uint32_t in = (uint32_t)x + k;
        if (a[k] != model_rcp(in) || b[k] != model_rsqrt(in)) {
          fprintf(stderr, "model differs at %08x (mxcsr %x): rcp %08x/%08x rsqrt %08x/%08x\n", in, modes[mi], a[k], model_rcp(in), b[k], model_rsqrt(in));
          return 1;
        }
      }
      checked += 4;
    }
  }
  fprintf(stderr, "approx-table: model agrees with the host on %llu inputs\n", (unsigned long long)checked);

  printf("/**\n");
  printf(" * RCPSS/RSQRTSS approximation tables recorded from the host CPU by\n");
  printf(" * tools/sse-golden/approx-table.c (generated; do not edit). Entry k holds the 12\n");
  printf(" * mantissa bits of the result for inputs 1.m (and 2 * 1.m for RSQRT_ODD) whose top 12\n");
  printf(" * mantissa bits are k; see the tool for the model it checked against all 2^32 inputs.\n");
  printf(" */\n");
  const char *names[] = {"RCP", "RSQRT_EVEN", "RSQRT_ODD"};
  const uint16_t *tables[] = {rcp_table, rsqrt_table[0], rsqrt_table[1]};
  for (int t = 0; t < 3; t++) {
    printf("export const %s_HEX =\n", names[t]);
    for (int k = 0; k < 4096; k += 32) {
      printf("  '");
      for (int j = 0; j < 32; j++) printf("%03x", tables[t][k + j]);
      printf("'%s\n", k + 32 < 4096 ? " +" : ";");
    }
  }
  return 0;
}
