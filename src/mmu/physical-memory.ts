/**
 * Guest physical memory: one zero-initialised ArrayBuffer, handed out in 4 KiB frames.
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

export class PhysicalMemory {
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
    // A SharedArrayBuffer, though no other thread sees it: V8 counts an ArrayBuffer's
    // hundreds of MiB as external memory pressure and answers with a full garbage
    // collection at start-up, which it does not do for a shared one.
    this.bytes = new Uint8Array(new SharedArrayBuffer(sizeBytes));
    this.view = new DataView(this.bytes.buffer);
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
