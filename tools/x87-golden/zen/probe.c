/*
 * Runs FYL2X, FPATAN or FYL2XP1 on the host for each query read from stdin:
 *   "op x_se x_sig y_se y_sig cw"   (hex; op 0 = FYL2X, 1 = FPATAN, 2 = FYL2XP1;
 *                                    x = ST(0), y = ST(1), cw = the control word)
 * and prints "result_se result_sig status_word" (hex) for each. The Python scripts
 * beside it drive it in batches (README.md).
 */
#include <stdint.h>
#include <stdio.h>

struct __attribute__((packed)) f80 {
  uint64_t sig;
  uint16_t se;
};

int main(void) {
  char line[256];
  unsigned op, xse, yse, cw;
  unsigned long long xsig, ysig;
  while (fgets(line, sizeof line, stdin)) {
    if (sscanf(line, "%x %x %llx %x %llx %x", &op, &xse, &xsig, &yse, &ysig, &cw) != 6) continue;
    struct f80 x = {xsig, (uint16_t)xse}, y = {ysig, (uint16_t)yse}, r;
    uint16_t c = (uint16_t)cw, sw;
    switch (op) {
      case 0:
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; fyl2x; fstpt %0; fnstsw %1"
                         : "=m"(r), "=m"(sw) : "m"(x), "m"(y), "m"(c) : "memory", "st", "st(1)");
        break;
      case 1:
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; fpatan; fstpt %0; fnstsw %1"
                         : "=m"(r), "=m"(sw) : "m"(x), "m"(y), "m"(c) : "memory", "st", "st(1)");
        break;
      default:
        __asm__ volatile("fninit; fldcw %4; fldt %3; fldt %2; fyl2xp1; fstpt %0; fnstsw %1"
                         : "=m"(r), "=m"(sw) : "m"(x), "m"(y), "m"(c) : "memory", "st", "st(1)");
    }
    printf("%04x %016llx %04x\n", r.se, (unsigned long long)r.sig, sw);
  }
  return 0;
}
