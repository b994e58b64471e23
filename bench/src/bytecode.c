/* Branchy kernel: a small stack-machine bytecode interpreter (switch dispatch, a
   conditional branch on almost every opcode) running a Collatz program.
   Usage: bytecode [N]  -- walks the Collatz sequences of 1..N; prints a checksum. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, AND, SHR, XOR, EQ, LT, JZ, JMP, INC, HALT };

static uint64_t run(const int32_t *code, uint64_t *vars) {
  uint64_t stack[32];
  int sp = 0;
  uint64_t steps = 0;
  for (int pc = 0;;) {
    int32_t op = code[pc++];
    steps++;
    switch (op) {
    case PUSH:  stack[sp++] = (uint64_t)(int64_t)code[pc++]; break;
    case LOAD:  stack[sp++] = vars[code[pc++]]; break;
    case STORE: vars[code[pc++]] = stack[--sp]; break;
    case ADD:   sp--; stack[sp-1] += stack[sp]; break;
    case SUB:   sp--; stack[sp-1] -= stack[sp]; break;
    case MUL:   sp--; stack[sp-1] *= stack[sp]; break;
    case AND:   sp--; stack[sp-1] &= stack[sp]; break;
    case SHR:   sp--; stack[sp-1] >>= stack[sp]; break;
    case XOR:   sp--; stack[sp-1] ^= stack[sp]; break;
    case EQ:    sp--; stack[sp-1] = stack[sp-1] == stack[sp]; break;
    case LT:    sp--; stack[sp-1] = stack[sp-1] < stack[sp]; break;
    case JZ:    { int32_t t = code[pc++]; if (stack[--sp] == 0) pc = t; } break;
    case JMP:   pc = code[pc]; break;
    case INC:   vars[code[pc++]]++; break;
    case HALT:  return steps;
    default:    fprintf(stderr, "bad opcode %d at %d\n", op, pc - 1); exit(2);
    }
  }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  /* vars: 0 = i, 1 = x, 2 = total steps, 3 = hash, 4 = n + 1 */
  enum { I, X, STEPS, HASH, NN };
  static const int32_t code[] = {
    /*  0 */ PUSH, 1, STORE, I,                                          /* i = 1 */
    /*  4 */ LOAD, I, LOAD, NN, LT, JZ, 69,                              /* while (i < n + 1) { */
    /* 11 */ LOAD, I, STORE, X,                                          /*   x = i */
    /* 15 */ LOAD, X, PUSH, 1, EQ, JZ, 24,                               /*   while (x != 1) { */
    /* 22 */ JMP, 55,
    /* 24 */ LOAD, X, PUSH, 1, AND, JZ, 44,                              /*     if (x & 1) */
    /* 31 */ LOAD, X, PUSH, 3, MUL, PUSH, 1, ADD, STORE, X, JMP, 51,     /*       x = 3x + 1 */
    /* 43 */ HALT,                                                       /*     (not reached) */
    /* 44 */ LOAD, X, PUSH, 1, SHR, STORE, X,                            /*     else x >>= 1 */
    /* 51 */ INC, STEPS, JMP, 15,                                        /*     steps++ } */
    /* 55 */ LOAD, HASH, LOAD, STEPS, XOR, PUSH, 31, MUL, STORE, HASH,   /*   hash = (hash ^ steps) * 31 */
    /* 65 */ INC, I, JMP, 4,                                             /*   i++ } */
    /* 69 */ HALT
  };
  uint64_t vars[8] = {0};
  vars[NN] = (uint64_t)n + 1;
  uint64_t steps = run(code, vars);
  printf("bytecode collatz 1..%ld: steps %llu hash %016llx (%llu bytecodes)\n", n,
         (unsigned long long)vars[STEPS], (unsigned long long)vars[HASH], (unsigned long long)steps);
  return 0;
}
