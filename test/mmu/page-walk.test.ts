/**
 * The 4-level page walk, its permission checks and #PF error codes, Accessed/Dirty, and
 * the TLB (issue 2: "npm test covers ... the page walk and its faults"). References are to
 * the Intel SDM Vol. 3A: §4.5 (4-level paging), §4.6 (access rights), §4.7 (page-fault
 * exceptions, Figure 4-12), §4.8 (accessed and dirty flags), §4.10 (TLBs).
 */
import { describe, expect, it } from 'vitest';
import type { Mmu } from '../../src/mmu/mmu.js';
import { PageFault } from '../../src/mmu/page-fault.js';
import { PF_I, PF_P, PF_U, PF_W, PTE_A, PTE_D, PTE_RW, PTE_US, PTE_XD_HI } from '../../src/mmu/page-table-entry.js';
import { ACCESS_EXEC, ACCESS_READ, ACCESS_WRITE } from '../../src/mmu/page-walker.js';
import { TestMachine } from '../cpu/test-machine.js';

const USER_PAGE = 0x0040_0000;
const KERNEL_PAGE = -0x8000_0000_0000 + 0x1000; // 0xffff800000001000

/** The #PF an access raises, or null. */
function fault(fn: () => unknown): { errorCode: number; address: number } | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof PageFault) return { errorCode: e.errorCode, address: e.address };
    throw e;
  }
}

function machine(): TestMachine {
  const m = new TestMachine();
  m.mmu.nxe = true;
  return m;
}

const asUser = (mmu: Mmu): void => mmu.setUserMode(true);
const asKernel = (mmu: Mmu): void => mmu.setUserMode(false);

describe('page walk: translation', () => {
  it('walks four levels to the frame and keeps the page offset (§4.5)', () => {
    const m = machine();
    const frame = m.map(USER_PAGE);
    m.phys.view.setUint32(frame + 0x123, 0xcafef00d, true);
    expect(m.mmu.read32(USER_PAGE + 0x123) >>> 0).toBe(0xcafef00d);
    m.mmu.write8(USER_PAGE + 0xfff, 0x5a);
    expect(m.phys.bytes[frame + 0xfff]).toBe(0x5a);
  });

  it('translates upper-half (negative canonical) addresses', () => {
    const m = machine();
    const frame = m.map(KERNEL_PAGE, { user: false });
    asKernel(m.mmu);
    m.mmu.write32(KERNEL_PAGE + 8, 0x11223344);
    expect(m.phys.view.getUint32(frame + 8, true)).toBe(0x11223344);
  });

  it('maps a 2 MiB page from a PDE with PS set', () => {
    const m = machine();
    const va = 0x4000_0000;
    const frame = 0x60_0000; // 2 MiB aligned, above what allocFrame hands out in these tests
    m.mapLarge(va, frame);
    m.mmu.write32(va + 0x1_2345, 0x0badf00d);
    expect(m.phys.view.getUint32(frame + 0x1_2345, true)).toBe(0x0badf00d);
    expect(m.mmu.read32(va + 0x1f_fffc) >>> 0).toBe(0);
  });

  it('a split access reads both pages little-endian', () => {
    const m = machine();
    const f1 = m.map(USER_PAGE);
    const f2 = m.map(USER_PAGE + 0x1000);
    m.phys.bytes[f1 + 0xffe] = 0x11;
    m.phys.bytes[f1 + 0xfff] = 0x22;
    m.phys.bytes[f2] = 0x33;
    m.phys.bytes[f2 + 1] = 0x44;
    expect(m.mmu.read32(USER_PAGE + 0xffe) >>> 0).toBe(0x44332211);
  });
});

describe('page walk: faults and error codes (§4.6, §4.7)', () => {
  it('not present: P=0; W for writes, U from CPL 3, I for fetches with NXE', () => {
    const m = machine();
    asUser(m.mmu);
    expect(fault(() => m.mmu.read8(USER_PAGE))).toEqual({ errorCode: PF_U, address: USER_PAGE });
    expect(fault(() => m.mmu.write8(USER_PAGE, 1))!.errorCode).toBe(PF_U | PF_W);
    expect(fault(() => m.mmu.translateExec(USER_PAGE))!.errorCode).toBe(PF_U | PF_I);
    asKernel(m.mmu);
    expect(fault(() => m.mmu.read8(USER_PAGE))!.errorCode).toBe(0);
    expect(fault(() => m.mmu.write8(USER_PAGE, 1))!.errorCode).toBe(PF_W);
  });

  it('a not-present entry at any level faults the same way', () => {
    for (let level = 0; level < 4; level++) {
      const mm = machine();
      mm.map(USER_PAGE);
      const entry = mm.entryAddress(USER_PAGE, level);
      mm.phys.view.setInt32(entry, mm.phys.view.getInt32(entry, true) & ~1, true);
      asUser(mm.mmu);
      expect(fault(() => mm.mmu.read8(USER_PAGE))!.errorCode, `level ${level}`).toBe(PF_U);
    }
  });

  it('read-only: user writes fault with P|W|U; supervisor writes obey CR0.WP', () => {
    const m = machine();
    m.map(USER_PAGE, { writable: false });
    asUser(m.mmu);
    expect(m.mmu.read8(USER_PAGE)).toBe(0);
    expect(fault(() => m.mmu.write8(USER_PAGE, 1))!.errorCode).toBe(PF_P | PF_W | PF_U);
    asKernel(m.mmu);
    m.mmu.wp = true;
    expect(fault(() => m.mmu.write8(USER_PAGE, 1))!.errorCode).toBe(PF_P | PF_W);
    m.mmu.wp = false;
    m.mmu.flushAll();
    expect(fault(() => m.mmu.write8(USER_PAGE, 1))).toBeNull();
  });

  it('supervisor pages: user access faults with P|U, kernel access is fine', () => {
    const m = machine();
    m.map(USER_PAGE, { user: false });
    asUser(m.mmu);
    expect(fault(() => m.mmu.read8(USER_PAGE))!.errorCode).toBe(PF_P | PF_U);
    expect(fault(() => m.mmu.write8(USER_PAGE, 1))!.errorCode).toBe(PF_P | PF_W | PF_U);
    asKernel(m.mmu);
    expect(fault(() => m.mmu.read8(USER_PAGE))).toBeNull();
  });

  it('execute-disable is honoured only with EFER.NXE; I is reported only then', () => {
    const m = machine();
    m.map(USER_PAGE, { nx: true });
    asUser(m.mmu);
    expect(fault(() => m.mmu.read8(USER_PAGE))).toBeNull();
    expect(fault(() => m.mmu.translateExec(USER_PAGE))!.errorCode).toBe(PF_P | PF_U | PF_I);
    const off = new TestMachine(); // NXE clear
    off.map(USER_PAGE, { nx: true });
    off.mmu.setUserMode(true);
    expect(fault(() => off.mmu.translateExec(USER_PAGE))).toBeNull();
    expect(fault(() => off.mmu.translateExec(USER_PAGE + 0x1000))!.errorCode).toBe(PF_U); // not present, no I bit
  });

  it('rights combine across levels: R/W and U/S must be set at every level, XD at any level forbids fetches', () => {
    const clear = (m: TestMachine, level: number, bit: number): void => {
      const e = m.entryAddress(USER_PAGE, level);
      m.phys.view.setInt32(e, m.phys.view.getInt32(e, true) & ~bit, true);
    };
    for (let level = 0; level < 3; level++) {
      const ro = machine();
      ro.map(USER_PAGE);
      clear(ro, level, PTE_RW);
      asUser(ro.mmu);
      expect(fault(() => ro.mmu.write8(USER_PAGE, 1))!.errorCode, `R/W clear at level ${level}`).toBe(PF_P | PF_W | PF_U);
      const sup = machine();
      sup.map(USER_PAGE);
      clear(sup, level, PTE_US);
      asUser(sup.mmu);
      expect(fault(() => sup.mmu.read8(USER_PAGE))!.errorCode, `U/S clear at level ${level}`).toBe(PF_P | PF_U);
      const nx = machine();
      nx.map(USER_PAGE);
      const e = nx.entryAddress(USER_PAGE, level);
      nx.phys.view.setInt32(e + 4, PTE_XD_HI, true);
      asUser(nx.mmu);
      expect(fault(() => nx.mmu.translateExec(USER_PAGE))!.errorCode, `XD at level ${level}`).toBe(PF_P | PF_U | PF_I);
    }
  });

  it('a split write that faults on the second page stores nothing (CR2 = the second page)', () => {
    const m = machine();
    const f1 = m.map(USER_PAGE);
    m.map(USER_PAGE + 0x1000, { writable: false });
    asUser(m.mmu);
    const f = fault(() => m.mmu.write32(USER_PAGE + 0xffe, 0x01020304));
    expect(f).toEqual({ errorCode: PF_P | PF_W | PF_U, address: USER_PAGE + 0x1000 });
    expect(m.phys.bytes[f1 + 0xffe]).toBe(0);
    expect(m.phys.bytes[f1 + 0xfff]).toBe(0);
    const f64 = fault(() => m.mmu.write64(USER_PAGE + 0xffc, 1, 2));
    expect(f64!.address).toBe(USER_PAGE + 0x1000);
    expect(m.phys.view.getUint32(f1 + 0xffc, true)).toBe(0);
  });

  it('checkWrite reports a write fault before a read-modify-write reads (RMW error codes)', () => {
    const m = machine();
    m.map(USER_PAGE, { writable: false });
    asUser(m.mmu);
    expect(fault(() => m.mmu.checkWrite(USER_PAGE + 8, 4))!.errorCode).toBe(PF_P | PF_W | PF_U);
    expect(fault(() => m.mmu.checkWrite(USER_PAGE + 0x2000, 4))!.errorCode).toBe(PF_W | PF_U);
  });

  it('probe() answers without faulting, for the kernel and the debugger', () => {
    const m = machine();
    const frame = m.map(USER_PAGE, { writable: false });
    expect(m.mmu.probe(USER_PAGE + 5, ACCESS_READ, true)).toBe(frame + 5);
    expect(m.mmu.probe(USER_PAGE, ACCESS_WRITE, true)).toBe(-1);
    expect(m.mmu.probeError).toBe(PF_P | PF_W | PF_U);
    expect(m.mmu.probe(USER_PAGE + 0x1000, ACCESS_EXEC, true)).toBe(-1);
    expect(m.mmu.probeError).toBe(PF_U | PF_I);
  });
});

describe('page walk: Accessed and Dirty (§4.8)', () => {
  it('a read sets A on every level and not D; a write sets D on the leaf', () => {
    const m = machine();
    m.map(USER_PAGE);
    asUser(m.mmu);
    m.mmu.read8(USER_PAGE);
    for (let level = 0; level < 4; level++) expect(m.readEntry(m.entryAddress(USER_PAGE, level)).lo & PTE_A, `A at level ${level}`).toBe(PTE_A);
    const pte = m.entryAddress(USER_PAGE, 3);
    expect(m.readEntry(pte).lo & PTE_D).toBe(0);
    m.mmu.write8(USER_PAGE, 1); // the TLB entry came from a read: the write walks again
    expect(m.readEntry(pte).lo & PTE_D).toBe(PTE_D);
    for (let level = 0; level < 3; level++) expect(m.readEntry(m.entryAddress(USER_PAGE, level)).lo & PTE_D, `no D at level ${level}`).toBe(0);
  });

  it('a fault sets neither A nor D', () => {
    const m = machine();
    m.map(USER_PAGE, { writable: false });
    asUser(m.mmu);
    fault(() => m.mmu.write8(USER_PAGE, 1));
    expect(m.readEntry(m.entryAddress(USER_PAGE, 3)).lo & (PTE_A | PTE_D)).toBe(0);
  });

  it('a 2 MiB page gets D on its PDE', () => {
    const m = machine();
    m.mapLarge(0x4000_0000, 0x60_0000);
    m.mmu.write8(0x4000_0010, 1);
    expect(m.readEntry(m.entryAddress(0x4000_0000, 2)).lo & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
  });
});

describe('TLB (§4.10)', () => {
  /** Points the PTE of `va` at another frame without telling the TLB. */
  function remap(m: TestMachine, va: number, frame: number): void {
    const pte = m.entryAddress(va, 3);
    const { lo } = m.readEntry(pte);
    m.phys.view.setInt32(pte, (lo & 0xfff) | frame, true);
  }

  it('hits after a fill: a changed PTE is not seen until the page is invalidated', () => {
    const m = machine();
    m.map(USER_PAGE);
    const other = m.phys.allocFrame();
    m.phys.bytes[other] = 0x77;
    m.mmu.read8(USER_PAGE);
    const misses = m.mmu.misses;
    remap(m, USER_PAGE, other);
    expect(m.mmu.read8(USER_PAGE)).toBe(0); // stale translation: a TLB hit
    expect(m.mmu.misses).toBe(misses);
    m.mmu.invalidatePage(USER_PAGE);
    expect(m.mmu.read8(USER_PAGE)).toBe(0x77);
    expect(m.mmu.misses).toBe(misses + 1);
  });

  it('a CR3 load (flushNonGlobal) drops non-global entries and keeps global ones', () => {
    const m = machine();
    const globalVa = USER_PAGE + 0x1000;
    m.map(USER_PAGE);
    m.map(globalVa, { global: true });
    const f1 = m.phys.allocFrame();
    const f2 = m.phys.allocFrame();
    m.phys.bytes[f1] = 1;
    m.phys.bytes[f2] = 2;
    m.mmu.read8(USER_PAGE);
    m.mmu.read8(globalVa);
    remap(m, USER_PAGE, f1);
    remap(m, globalVa, f2);
    m.mmu.flushNonGlobal();
    expect(m.mmu.read8(USER_PAGE)).toBe(1); //  walked again
    expect(m.mmu.read8(globalVa)).toBe(0); //   still the cached global translation
    m.mmu.invalidatePage(globalVa); //          INVLPG drops global entries too
    expect(m.mmu.read8(globalVa)).toBe(2);
  });

  it('pages a power-of-two number of MiB apart are cached together (a copy between them walks once per page)', () => {
    const m = machine();
    asUser(m.mmu);
    // Source and destination of a memcpy between 4 MiB arrays, and one more 16 MiB away.
    const pages = [USER_PAGE, USER_PAGE + 0x40_0000, USER_PAGE + 0x100_0000];
    for (const va of pages) m.map(va);
    for (const va of pages) m.mmu.read8(va);
    const misses = m.mmu.misses;
    for (let k = 0; k < 100; k++) for (const va of pages) m.mmu.read8(va + k);
    expect(m.mmu.misses).toBe(misses);
  });

  it('user and supervisor entries are separate: a supervisor fill does not let CPL 3 in', () => {
    const m = machine();
    m.map(USER_PAGE, { user: false });
    asKernel(m.mmu);
    m.mmu.read8(USER_PAGE);
    asUser(m.mmu);
    expect(fault(() => m.mmu.read8(USER_PAGE))!.errorCode).toBe(PF_P | PF_U);
  });

  it('a read-only fill does not allow writes through the TLB', () => {
    const m = machine();
    m.map(USER_PAGE, { writable: false });
    asUser(m.mmu);
    m.mmu.read8(USER_PAGE);
    expect(fault(() => m.mmu.write8(USER_PAGE, 1))!.errorCode).toBe(PF_P | PF_W | PF_U);
  });

  it('a write to a frame holding decoded code calls onCodeWrite once and stays correct', () => {
    const m = machine();
    const frame = m.map(USER_PAGE);
    const seen: number[] = [];
    m.mmu.onCodeWrite = (f) => seen.push(f);
    m.mmu.write8(USER_PAGE, 1); // cache a write translation first
    m.mmu.markCodeFrame(frame); // the code cache decodes from this frame
    m.mmu.write8(USER_PAGE + 1, 2); // must not take the write fast path
    expect(seen).toEqual([frame]);
    m.mmu.write8(USER_PAGE + 2, 3); // the frame holds no code any more
    expect(seen).toEqual([frame]);
    expect(Array.from(m.phys.bytes.subarray(frame, frame + 3))).toEqual([1, 2, 3]);
    // The same through another mapping of the frame (an alias).
    const alias = USER_PAGE + 0x10_0000;
    m.map(alias, { frame });
    m.mmu.markCodeFrame(frame);
    m.mmu.write8(alias, 9);
    expect(seen).toEqual([frame, frame]);
    // Write translations cached through both mappings: marking the frame drops both.
    m.mmu.write8(USER_PAGE, 4);
    m.mmu.write8(alias, 5);
    m.mmu.markCodeFrame(frame);
    m.mmu.write8(alias + 1, 6);
    m.mmu.markCodeFrame(frame);
    m.mmu.write8(USER_PAGE + 1, 7);
    expect(seen).toEqual([frame, frame, frame, frame]);
  });

  it('the interpreter drops cached code when the code is written', async () => {
    const { Interpreter } = await import('../../src/cpu/interpreter.js');
    const { OPCODES } = await import('../../src/cpu/opcodes.js');
    const m = machine();
    m.map(USER_PAGE); // code
    const interp = new Interpreter(m.cpu, OPCODES);
    // mov eax,1 ; jmp $ — a block of two, cached by physical address
    m.writeBytes(USER_PAGE, [0xb8, 1, 0, 0, 0, 0xeb, 0xfe]);
    m.cpu.rip = USER_PAGE;
    interp.run(2);
    expect(m.cpu.lo[0]).toBe(1);
    m.mmu.write8(USER_PAGE + 1, 2); // through the MMU, as guest code would: now mov eax,2
    m.cpu.rip = USER_PAGE;
    interp.run(2);
    expect(m.cpu.lo[0]).toBe(2);
  });
});
