/**
 * Where the CPU and MMU keep the state that WebAssembly blocks use (src/cpu/wasm): in the
 * same WebAssembly.Memory as guest physical memory, in an area after it, so that a
 * compiled block reaches registers, flags, the TLB and guest memory with plain loads and
 * stores. JavaScript sees the same bytes through typed-array views (Cpu.lo, Mmu.tagRead,
 * ...), so the interpreter's code does not change.
 *
 * Offsets are relative to the area's start (PhysicalMemory.stateOffset).
 */

/** TLB entries: two sets (kernel, user) of Mmu's TLB_SIZE. */
export const TLB_ENTRIES = 2 * 4096;

/** General registers, 17 low and 17 high halves (Cpu.lo, Cpu.hi; slot 16 reads zero). */
export const STATE_LO = 0;
export const STATE_HI = 128;
/** XMM0-15, 16 bytes each (Cpu.xmm). */
export const STATE_XMM = 256;
/** The lazy-flag words (Cpu.lzRes ... lzShift) and flagsRest, copied in and out around a block call. */
export const STATE_FLAGS = 512;
/** Segment bases for address computation (Cpu.segBase: none, FS, GS), float64 each. */
export const STATE_SEG_BASE = 544;
/** Where a block leaves RIP (float64), the index of the instruction that raised, and the iterations it looped. */
export const STATE_RIP = 576;
export const STATE_POS = 584;
export const STATE_LOOPED = 588;
/** High half of a 64-bit read answered by JavaScript (a TLB miss inside a block). */
export const STATE_READ_HI = 592;
/** Instructions retired by the blocks a chain ran before the current one (src/cpu/wasm/wasm-runtime.ts). */
export const STATE_CHAIN_DONE = 596;
/** The block a chain is running: its table index and its address (float64). */
export const STATE_CHAIN_INDEX = 600;
/** Scratch for a 16-byte operand answered by JavaScript. */
export const STATE_SCRATCH128 = 608;
export const STATE_CHAIN_BASE = 624;
/** The TLB (Mmu): read and write tags (float64 virtual page numbers, NaN when absent) and frames (int32). */
export const STATE_TLB_READ = 4096;
export const STATE_TLB_WRITE = STATE_TLB_READ + TLB_ENTRIES * 8;
export const STATE_TLB_FRAME = STATE_TLB_WRITE + TLB_ENTRIES * 8;
/**
 * The chain cache: user-mode WebAssembly blocks by virtual address (float64 tags, NaN
 * when empty, and their table indices), which lets one block's exit call the next
 * without returning to JavaScript.
 */
export const CHAIN_ENTRIES = 1024;
export const STATE_CHAIN_TAGS = STATE_TLB_FRAME + TLB_ENTRIES * 4;
export const STATE_CHAIN_BLOCKS = STATE_CHAIN_TAGS + CHAIN_ENTRIES * 8;
export const STATE_AREA_SIZE = STATE_CHAIN_BLOCKS + CHAIN_ENTRIES * 4;
