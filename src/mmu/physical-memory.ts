import { STATE_AREA_SIZE } from './state-area.js';

/**
 * Guest physical memory: one zero-initialised ArrayBuffer, handed out in 4 KiB frames.
 * It is a WebAssembly.Memory's buffer, followed by the state area (state-area.ts), so
 * that WebAssembly blocks address guest frames and CPU state directly.
 *
 * The host only commits the pages the guest touches (the buffer is allocated lazily by
 * the OS), so a generous size costs nothing until used. Physical addresses are plain
 * int32-safe numbers (< 2 GiB), which keeps the TLB's physical column an Int32Array.
 */
export const PAGE_SIZE = 4096;
export const PAGE_SHIFT = 12;

export class OutOfPhysicalMemory extends Error {
  constructor() {
    super('guest physical memory exhausted');
  }
}

const WASM_PAGE = 65536;

export class PhysicalMemory {
  /**
   * Guest memory followed by the state area; null where the host has no WebAssembly
   * (Node with --jitless): the same layout in a SharedArrayBuffer, and no WebAssembly blocks.
   */
  readonly memory: WebAssembly.Memory | null;
  private readonly buffer: ArrayBufferLike;
  /** Byte offset of the state area in `memory`. */
  readonly stateOffset: number;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly size: number;
  /** Next never-used frame; frames below it are either in use or on the free list. */
  private nextFrame = PAGE_SIZE; // frame 0 is never handed out, so 0 can mean "none"
  private readonly freeFrames: number[] = [];
  private inUse = 0;

  constructor(sizeBytes: number) {
    if (sizeBytes % PAGE_SIZE !== 0 || sizeBytes <= PAGE_SIZE || sizeBytes > 0x7fff_f000) {
      throw new RangeError(`physical memory size must be a page multiple between 8 KiB and 2 GiB, got ${sizeBytes}`);
    }
    this.size = sizeBytes;
    // Shared, though no other thread sees it: V8 counts an ArrayBuffer's hundreds of MiB
    // as external memory pressure and answers with a full garbage collection at
    // start-up, which it does not do for a shared one.
    this.stateOffset = Math.ceil(sizeBytes / WASM_PAGE) * WASM_PAGE;
    const pages = (this.stateOffset + Math.ceil(STATE_AREA_SIZE / WASM_PAGE) * WASM_PAGE) / WASM_PAGE;
    this.memory = typeof WebAssembly === 'object' ? new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }) : null;
    this.buffer = this.memory?.buffer ?? new SharedArrayBuffer(pages * WASM_PAGE);
    this.bytes = new Uint8Array(this.buffer, 0, sizeBytes);
    this.view = new DataView(this.buffer, 0, sizeBytes);
  }

  /** `length` int32s of the state area from byte `offset` of it (state-area.ts). */
  stateInt32(offset: number, length: number): Int32Array {
    return new Int32Array(this.buffer, this.stateOffset + offset, length);
  }

  stateFloat64(offset: number, length: number): Float64Array {
    return new Float64Array(this.buffer, this.stateOffset + offset, length);
  }

  /** Allocates one zeroed frame and returns its physical address. */
  allocFrame(): number {
    let frame: number;
    const reused = this.freeFrames.pop();
    if (reused !== undefined) {
      frame = reused;
      this.bytes.fill(0, frame, frame + PAGE_SIZE);
    } else {
      if (this.nextFrame >= this.size) throw new OutOfPhysicalMemory();
      frame = this.nextFrame;
      this.nextFrame += PAGE_SIZE;
    }
    this.inUse++;
    return frame;
  }

  freeFrame(frame: number): void {
    this.freeFrames.push(frame);
    this.inUse--;
  }

  get framesInUse(): number {
    return this.inUse;
  }

  get framesFree(): number {
    return this.freeFrames.length + (this.size - this.nextFrame) / PAGE_SIZE;
  }
}
