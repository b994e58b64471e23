import { randomBits, type RandomSource } from '../random-source.js';
import type { Layout } from '../aslr.js';

/**
 * The address-space layout of a 32-bit (compat) process on a 64-bit kernel: everything
 * below 4 GiB. TASK_SIZE for an ia32 task is IA32_PAGE_OFFSET = 0xffffe000, which is also
 * its STACK_TOP; the stack moves down by up to STACK_RND_MASK (0x7ff) pages for ia32, the
 * mmap base sits a gap (at least 128 MiB) below the stack with mmap_rnd_compat_bits (8)
 * pages of randomness, and brk gets the same 32 MiB range as a 64-bit process
 * (arch/x86/mm/mmap.c, arch/x86/include/asm/elf.h).
 */
export const TASK_SIZE_32 = 0xffff_e000;
export const STACK_TOP_32 = TASK_SIZE_32;
const STACK_RND_PAGES_BITS_32 = 11;
const MMAP_RND_COMPAT_BITS = 8;
const MIN_GAP = 128 * 1024 * 1024;
const BRK_RANDOM_RANGE = 0x2000000;
const PAGE = 4096;

export function chooseLayout32(rng: RandomSource, randomize: boolean): Layout {
  const stackRandomMax = ((1 << STACK_RND_PAGES_BITS_32) - 1) * PAGE;
  const gap = MIN_GAP + (randomize ? stackRandomMax : 0);
  if (!randomize) return { stackTop: STACK_TOP_32, mmapBase: TASK_SIZE_32 - gap, brkOffset: 0, stackJitter: 0 };
  const stackTop = STACK_TOP_32 - randomBits(rng, STACK_RND_PAGES_BITS_32) * PAGE;
  const mmapBase = TASK_SIZE_32 - gap - randomBits(rng, MMAP_RND_COMPAT_BITS) * PAGE;
  const brkOffset = (rng.next32() % (BRK_RANDOM_RANGE / PAGE)) * PAGE;
  const stackJitter = rng.next32() % 8192;
  return { stackTop, mmapBase, brkOffset, stackJitter };
}
