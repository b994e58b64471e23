import { STACK_LIMIT } from './address-space.js';
import { TASK_SIZE } from './layout.js';
import { randomBits, RandomSource } from './random-source.js';

/**
 * Address-space layout randomization as Linux does it on x86-64 with
 * randomize_va_space = 2 (fs/binfmt_elf.c, mm/util.c, arch/x86/mm/mmap.c):
 *   stack top  STACK_TOP - (random & STACK_RND_MASK (0x3fffff)) pages: 22 bits;
 *   mmap base  TASK_SIZE - gap - (random 28 bits) pages, gap = stack limit + guard gap
 *              + the stack's maximum randomization, at least 128 MiB;
 *   brk        the end of the program + up to 32 MiB (arch_randomize_brk);
 *   stack      arch_align_stack: up to 8 KiB below the strings, then 16-aligned.
 * A static-pie goes to the mmap area like any mapping; its brk moves to
 * ELF_ET_DYN_BASE (+ up to 32 MiB). With randomization off, all offsets are zero.
 */
export const STACK_TOP = 0x7ffffffff000;
export const ELF_ET_DYN_BASE = 0x555555554aaa; // DEFAULT_MAP_WINDOW / 3 * 2
const STACK_RND_PAGES_BITS = 22;
const MMAP_RND_BITS = 28;
const BRK_RANDOM_RANGE = 0x2000000; // 32 MiB
const STACK_GUARD_GAP = 256 * 4096;
const MIN_GAP = 128 * 1024 * 1024;
const MAX_GAP = Math.floor(TASK_SIZE / 6) * 5;
const PAGE = 4096;

export interface Layout {
  stackTop: number;
  mmapBase: number;
  /** Bytes added to the brk start after the program's end. */
  brkOffset: number;
  /** arch_align_stack's subtraction, 0..8191. */
  stackJitter: number;
}

export function chooseLayout(rng: RandomSource, randomize: boolean): Layout {
  const stackRandomMax = ((1 << STACK_RND_PAGES_BITS) - 1) * PAGE;
  let gap = STACK_LIMIT + STACK_GUARD_GAP + (randomize ? stackRandomMax : 0);
  gap = Math.min(Math.max(gap, MIN_GAP), MAX_GAP);
  if (!randomize) {
    return { stackTop: STACK_TOP, mmapBase: TASK_SIZE - gap, brkOffset: 0, stackJitter: 0 };
  }
  const stackTop = STACK_TOP - randomBits(rng, STACK_RND_PAGES_BITS) * PAGE;
  const mmapBase = TASK_SIZE - gap - randomBits(rng, MMAP_RND_BITS) * PAGE;
  const brkOffset = (rng.next32() % (BRK_RANDOM_RANGE / PAGE)) * PAGE;
  const stackJitter = rng.next32() % 8192;
  return { stackTop, mmapBase, brkOffset, stackJitter };
}
