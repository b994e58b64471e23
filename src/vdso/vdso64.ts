/**
 * The 64-bit vDSO's code, as Intel-syntax assembly text for ../vdso/asm.
 *
 * It follows the kernel's generic algorithms (lib/vdso/gettimeofday.c with x86's
 * asm/vdso/gettimeofday.h; LINUX-ABI.md §3.3):
 *
 *  - clock ids are sorted into the classes HRES {REALTIME, MONOTONIC, BOOTTIME, TAI},
 *    COARSE {REALTIME_COARSE, MONOTONIC_COARSE} and RAW {MONOTONIC_RAW}; everything else
 *    (CPU-time and alarm clocks, negative ids, ids >= MAX_CLOCKS) makes the real system
 *    call, so the kernel answers it, -EINVAL included;
 *  - the data is read under the seqlock: spin with `pause` while seq is odd, read, and
 *    start again if seq changed;
 *  - HRES/RAW: clock_mode must be TSC (NONE, or any mode we do not read, means syscall);
 *    the counter is read ordered (`rdtscp`, or `lfence; rdtsc`), a value with bit 63 set
 *    means syscall; delta = cycles > cycle_last ? cycles - cycle_last : 0 (x86's
 *    tolerance of small TSC skew); ns = (delta * mult + basetime.nsec) >> shift from the
 *    full 128-bit product (`mul` + `shrd`), so a large delta cannot overflow; then
 *    sec += ns / 1e9, ns %= 1e9 (a compare, and a `div` only when a second boundary was
 *    crossed since the last update);
 *  - COARSE: basetime[clk] copied as it is;
 *  - gettimeofday: the REALTIME reading, tv_usec = (u32)nsec / 1000, and tz copied from
 *    record 0, each only through a non-NULL pointer;
 *  - time: one 64-bit load of basetime[REALTIME].sec, never a syscall;
 *  - clock_getres: HRES/RAW -> hrtimer_res, COARSE -> LOW_RES_NSEC, res may be NULL;
 *  - getcpu: LSL of the CPUNODE selector 0x7b (our CPU model has no RDPID), cpu = limit &
 *    0xfff, node = limit >> 12, written only through non-NULL pointers, returns 0.
 *
 * Time namespaces are not emulated: the kernel never sets VDSO_CLOCKMODE_TIMENS, so the
 * reader has no timens path (with TIMENS in clock_mode the HRES path would make the
 * syscall, which is still correct).
 *
 * SysV ABI: only rax, rcx, rdx, r8-r11 are used (rdi/rsi stay intact for the fallback
 * `syscall`, which clobbers rcx and r11); no stack, no TLS, no push or call.
 *
 * The vvar data is reached rip-relative at a negative offset (it lies below the image):
 * `vdso_time_data` is defined from the label `__vdso_text` (which the assembler places at
 * `VDSO_TEXT_OFFSET`, the origin) so that it is an address and `[rip + vdso_time_data]` is
 * rip-relative. Every vvar offset and constant is a symbol from `vvarAsmSymbols()`; the
 * source contains no number that belongs to the vvar layout.
 */

import { vvarAsmSymbols } from './vvar-layout.js';

/** The exported functions, in the order they appear in .text. */
export const VDSO64_FUNCTIONS = [
  '__vdso_clock_gettime',
  '__vdso_gettimeofday',
  '__vdso_time',
  '__vdso_clock_getres',
  '__vdso_getcpu',
] as const;
export type Vdso64FunctionName = (typeof VDSO64_FUNCTIONS)[number];

/** The label that ends each function (its st_size is end - start). */
export const endLabel = (fn: string): string => `${fn}.end`;

/** User ABI constants the code uses (not part of vvar): x86-64 syscall numbers and struct offsets. */
export const VDSO64_ABI_SYMBOLS = {
  __NR_gettimeofday: 96,
  __NR_clock_gettime: 228,
  __NR_clock_getres: 229,
  TIMESPEC_SEC: 0,   // struct __kernel_timespec { s64 tv_sec; s64 tv_nsec; }
  TIMESPEC_NSEC: 8,
  TIMEVAL_SEC: 0,    // struct timeval { s64 tv_sec; s64 tv_usec; }
  TIMEVAL_USEC: 8,
  TIMEZONE_MINUTESWEST: 0, // struct timezone { int tz_minuteswest; int tz_dsttime; }
  TIMEZONE_DSTTIME: 4,
} as const;

/**
 * Unsigned division of a u32 by a constant d as a multiply and shift, as GCC emits it:
 * q = (x * m) >> s with m = ceil(2^s / d) for the smallest s >= 32 that is exact for every
 * u32 x (error e = m*d - 2^s must satisfy e * (2^32 - 1) < 2^s). For d = 1000: m = 0x10624dd3,
 * s = 38, the constants of GCC's `imul rax, rax, 0x10624dd3; shr rax, 38`.
 */
export function u32DivMagic(d: number): { mult: number; shift: number } {
  if (!Number.isInteger(d) || d < 2 || d > 0xffffffff) throw new RangeError(`u32DivMagic: bad divisor ${d}`);
  const D = BigInt(d);
  for (let s = 32n; s < 64n; s++) {
    const m = ((1n << s) + D - 1n) / D;
    const e = m * D - (1n << s); // 0 <= e < d
    // x*m >> s = x/d + x*e/(d*2^s): exact for every x < 2^32 iff x*e < 2^s
    if (e * 0xffffffffn < 1n << s) {
      if (m < 1n << 31n) return { mult: Number(m), shift: Number(s) }; // imul's imm32 is sign-extended
      break;
    }
  }
  throw new RangeError(`u32DivMagic: no 31-bit multiplier for ${d}`);
}

export interface Vdso64SourceOptions {
  /**
   * How the TSC is read in order (the kernel's rdtsc_ordered alternatives): `rdtscp`
   * (default; our CPU models advertise RDTSCP, and Linux prefers it) or `lfence` for
   * `lfence; rdtsc`.
   */
  tscRead?: 'rdtscp' | 'lfence';
}

/** Every symbol the source needs, for `assemble(source, { origin: textOffset, symbols })`. */
export function vdso64Symbols(textOffset: number): Record<string, number> {
  const usec = u32DivMagic(1000);
  return {
    ...vvarAsmSymbols(),
    ...VDSO64_ABI_SYMBOLS,
    USEC_DIV_MULT: usec.mult,
    USEC_DIV_SHIFT: usec.shift,
    VDSO_TEXT_OFFSET: textOffset,
  };
}

/**
 * The high-resolution read (do_hres) of the record at r8, basetime entry at r9.
 * Leaves sec in r11 and nsec (< 1e9) in rax; jumps to `fallback` for the syscall.
 * Uses rax, rcx, rdx, r10, r11.
 */
function doHres(p: string, fallback: string, tscRead: 'rdtscp' | 'lfence'): string {
  const read = tscRead === 'rdtscp'
    ? '\trdtscp\t\t\t\t\t\t; edx:eax = TSC, ordered after the loads above (ecx = TSC_AUX)'
    : '\tlfence\t\t\t\t\t\t; order the TSC read after the loads above\n\trdtsc';
  return `
${p}.begin:
	mov	r10d, dword ptr [r8 + VD_SEQ]		; seq = READ_ONCE(vc->seq)
	test	r10b, 1
	jnz	${p}.spin				; odd: the kernel is writing
	cmp	dword ptr [r8 + VD_CLOCK_MODE], VDSO_CLOCKMODE_TSC
	jne	${fallback}				; NONE (or a mode we do not read): syscall
${read}
	shl	rdx, 32
	or	rax, rdx				; cycles
	js	${fallback}				; bit 63 set: not a valid reading
	xor	ecx, ecx
	sub	rax, qword ptr [r8 + VD_CYCLE_LAST]	; delta = cycles - cycle_last ...
	cmovbe	rax, rcx				; ... if cycles > cycle_last, else 0
	mov	ecx, dword ptr [r8 + VD_MULT]
	mul	rcx					; rdx:rax = delta * mult
	add	rax, qword ptr [r9 + VD_TS_NSEC]
	adc	rdx, 0					; + basetime.nsec (nsec << shift)
	mov	ecx, dword ptr [r8 + VD_SHIFT]
	shrd	rax, rdx, cl				; ns = (...) >> shift
	mov	r11, qword ptr [r9 + VD_TS_SEC]		; sec = basetime.sec
${p}.retry:
	cmp	r10d, dword ptr [r8 + VD_SEQ]		; vdso_read_retry
	jne	${p}.begin
	mov	ecx, NSEC_PER_SEC
	cmp	rax, rcx
	jae	${p}.carry				; ns >= 1 s: normalize
${p}.done:`;
}

/** The out-of-line tails of doHres: spin while seq is odd, and the rare normalization. */
function doHresTail(p: string): string {
  return `
${p}.spin:
	pause
	jmp	${p}.begin
${p}.carry:
	xor	edx, edx
	div	rcx					; rax = ns / 1e9, rdx = ns % 1e9
	add	r11, rax
	mov	rax, rdx
	jmp	${p}.done`;
}

/** The assembly source of the 64-bit vDSO. Assemble with `vdso64Symbols(textOffset)`. */
export function vdso64Source(options: Vdso64SourceOptions = {}): string {
  const tsc = options.tscRead ?? 'rdtscp';
  if (tsc !== 'rdtscp' && tsc !== 'lfence') throw new Error(`vdso64: bad tscRead ${String(tsc)}`);
  return `\
; x64emu 64-bit vDSO (see src/vdso/vdso64.ts). Intel syntax.
	.intel_syntax noprefix
	.text
__vdso_text:
; struct vdso_time_data[CS_BASES], below the image: an address, so [rip + ...] is rip-relative
vdso_time_data = __vdso_text - VDSO_TEXT_OFFSET + VVAR_TIME_DATA

; int __vdso_clock_gettime(clockid_t clock /* edi */, struct __kernel_timespec *ts /* rsi */)
	.globl	__vdso_clock_gettime
	.type	__vdso_clock_gettime, @function
	.p2align 4, 0xcc
__vdso_clock_gettime:
	cmp	edi, MAX_CLOCKS
	jae	.Lcgt.fallback				; (u32)clock >= MAX_CLOCKS, negative ids included
	mov	eax, 1
	mov	ecx, edi
	shl	eax, cl					; msk = BIT(clock)
	lea	r8, [rip + vdso_time_data]		; record CS_HRES_COARSE
	imul	r9d, edi, VD_TS_SIZE
	lea	r9, [r8 + r9 + VD_BASETIME]		; &basetime[clock]
	test	eax, VDSO_HRES
	jnz	.Lcgt.hres
	test	eax, VDSO_COARSE
	jnz	.Lcgt.coarse
	test	eax, VDSO_RAW
	jz	.Lcgt.fallback				; CPU-time, alarm and unused ids
	add	r8, CS_RAW * VD_RECORD_SIZE		; record CS_RAW
	add	r9, CS_RAW * VD_RECORD_SIZE
.Lcgt.hres:${doHres('.Lcgt.hres', '.Lcgt.fallback', tsc)}
	mov	qword ptr [rsi + TIMESPEC_SEC], r11
	mov	qword ptr [rsi + TIMESPEC_NSEC], rax
	xor	eax, eax
	ret
.Lcgt.coarse:
	mov	r10d, dword ptr [r8 + VD_SEQ]
	test	r10b, 1
	jnz	.Lcgt.coarse.spin
	mov	rax, qword ptr [r9 + VD_TS_SEC]
	mov	rcx, qword ptr [r9 + VD_TS_NSEC]
.Lcgt.coarse.retry:
	cmp	r10d, dword ptr [r8 + VD_SEQ]
	jne	.Lcgt.coarse
	mov	qword ptr [rsi + TIMESPEC_SEC], rax
	mov	qword ptr [rsi + TIMESPEC_NSEC], rcx
	xor	eax, eax
	ret
.Lcgt.coarse.spin:
	pause
	jmp	.Lcgt.coarse${doHresTail('.Lcgt.hres')}
.Lcgt.fallback:
	mov	eax, __NR_clock_gettime			; clock_gettime(edi, rsi) by the kernel
	syscall
	ret
__vdso_clock_gettime.end:

; int __vdso_gettimeofday(struct timeval *tv /* rdi */, struct timezone *tz /* rsi */)
	.globl	__vdso_gettimeofday
	.type	__vdso_gettimeofday, @function
	.p2align 4, 0xcc
__vdso_gettimeofday:
	test	rdi, rdi
	jz	.Lgtod.tz
	lea	r8, [rip + vdso_time_data]
	lea	r9, [r8 + VD_BASETIME + CLOCK_REALTIME * VD_TS_SIZE]${doHres('.Lgtod.hres', '.Lgtod.fallback', tsc)}
	mov	qword ptr [rdi + TIMEVAL_SEC], r11
	mov	eax, eax				; (u32)nsec
	imul	rax, rax, USEC_DIV_MULT
	shr	rax, USEC_DIV_SHIFT			; / NSEC_PER_USEC
	mov	qword ptr [rdi + TIMEVAL_USEC], rax
.Lgtod.tz:
	test	rsi, rsi
	jz	.Lgtod.ret
	mov	eax, dword ptr [rip + vdso_time_data + VD_TZ_MINUTESWEST]
	mov	dword ptr [rsi + TIMEZONE_MINUTESWEST], eax
	mov	eax, dword ptr [rip + vdso_time_data + VD_TZ_DSTTIME]
	mov	dword ptr [rsi + TIMEZONE_DSTTIME], eax
.Lgtod.ret:
	xor	eax, eax
	ret${doHresTail('.Lgtod.hres')}
.Lgtod.fallback:
	mov	eax, __NR_gettimeofday			; gettimeofday(rdi, rsi) by the kernel
	syscall
	ret
__vdso_gettimeofday.end:

; time_t __vdso_time(time_t *t /* rdi */)
	.globl	__vdso_time
	.type	__vdso_time, @function
	.p2align 4, 0xcc
__vdso_time:
	mov	rax, qword ptr [rip + vdso_time_data + VD_BASETIME + CLOCK_REALTIME * VD_TS_SIZE + VD_TS_SEC]
	test	rdi, rdi
	jz	.Ltime.ret
	mov	qword ptr [rdi], rax
.Ltime.ret:
	ret
__vdso_time.end:

; int __vdso_clock_getres(clockid_t clock /* edi */, struct __kernel_timespec *res /* rsi */)
	.globl	__vdso_clock_getres
	.type	__vdso_clock_getres, @function
	.p2align 4, 0xcc
__vdso_clock_getres:
	cmp	edi, MAX_CLOCKS
	jae	.Lres.fallback
	mov	eax, 1
	mov	ecx, edi
	shl	eax, cl					; msk = BIT(clock)
	mov	edx, dword ptr [rip + vdso_time_data + VD_HRTIMER_RES]
	test	eax, VDSO_HRES | VDSO_RAW
	jnz	.Lres.store
	mov	edx, LOW_RES_NSEC
	test	eax, VDSO_COARSE
	jz	.Lres.fallback
.Lres.store:
	test	rsi, rsi
	jz	.Lres.ret
	mov	qword ptr [rsi + TIMESPEC_SEC], 0
	mov	qword ptr [rsi + TIMESPEC_NSEC], rdx
.Lres.ret:
	xor	eax, eax
	ret
.Lres.fallback:
	mov	eax, __NR_clock_getres			; clock_getres(edi, rsi) by the kernel
	syscall
	ret
__vdso_clock_getres.end:

; long __vdso_getcpu(unsigned *cpu /* rdi */, unsigned *node /* rsi */, void *unused)
	.globl	__vdso_getcpu
	.type	__vdso_getcpu, @function
	.p2align 4, 0xcc
__vdso_getcpu:
	xor	eax, eax				; (0 if LSL fails: it leaves eax alone)
	mov	ecx, CPUNODE_SELECTOR
	lsl	eax, ecx				; segment limit = (node << 12) | cpu
	test	rdi, rdi
	jz	.Lgetcpu.node
	mov	ecx, eax
	and	ecx, VDSO_CPUNODE_MASK
	mov	dword ptr [rdi], ecx
.Lgetcpu.node:
	test	rsi, rsi
	jz	.Lgetcpu.ret
	shr	eax, VDSO_CPUNODE_BITS
	mov	dword ptr [rsi], eax
.Lgetcpu.ret:
	xor	eax, eax
	ret
__vdso_getcpu.end:
`;
}
