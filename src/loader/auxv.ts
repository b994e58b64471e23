// Auxiliary vector entry types (a_type) for x86-64: the generic ones from Linux's
// include/uapi/linux/auxvec.h and the x86 ones from arch/x86/include/uapi/asm/auxvec.h.
// Which of them the kernel writes, and in what order, is LINUX-ABI.md section 5.

export const AT_NULL = 0;               // end of the vector
export const AT_IGNORE = 1;             // entry to be ignored
export const AT_EXECFD = 2;             // file descriptor of the program (binfmt_misc open-binary)
export const AT_PHDR = 3;               // address of the program headers in memory
export const AT_PHENT = 4;              // size of one program header
export const AT_PHNUM = 5;              // number of program headers
export const AT_PAGESZ = 6;             // page size
export const AT_BASE = 7;               // interpreter load address (0 when static)
export const AT_FLAGS = 8;              // flags
export const AT_ENTRY = 9;              // program entry point
export const AT_NOTELF = 10;            // program is not ELF
export const AT_UID = 11;               // real uid
export const AT_EUID = 12;              // effective uid
export const AT_GID = 13;               // real gid
export const AT_EGID = 14;              // effective gid
export const AT_PLATFORM = 15;          // address of the platform string ("x86_64")
export const AT_HWCAP = 16;             // CPU capability bits (CPUID.1:EDX on x86)
export const AT_CLKTCK = 17;            // times() frequency
export const AT_SECURE = 23;            // secure mode (setuid-like exec)
export const AT_BASE_PLATFORM = 24;     // address of the real platform string (not on x86)
export const AT_RANDOM = 25;            // address of 16 random bytes
export const AT_HWCAP2 = 26;            // more capability bits
export const AT_RSEQ_FEATURE_SIZE = 27; // rseq supported feature size
export const AT_RSEQ_ALIGN = 28;        // rseq allocation alignment
export const AT_HWCAP3 = 29;            // more capability bits
export const AT_HWCAP4 = 30;            // more capability bits
export const AT_EXECFN = 31;            // address of the filename passed to execve
export const AT_SYSINFO = 32;           // vsyscall entry point (i386 only)
export const AT_SYSINFO_EHDR = 33;      // address of the vDSO's ELF header
export const AT_MINSIGSTKSZ = 51;       // minimal stack size for signal delivery

const AUXV_NAMES: ReadonlyMap<number, string> = new Map([
  [AT_NULL, 'AT_NULL'],
  [AT_IGNORE, 'AT_IGNORE'],
  [AT_EXECFD, 'AT_EXECFD'],
  [AT_PHDR, 'AT_PHDR'],
  [AT_PHENT, 'AT_PHENT'],
  [AT_PHNUM, 'AT_PHNUM'],
  [AT_PAGESZ, 'AT_PAGESZ'],
  [AT_BASE, 'AT_BASE'],
  [AT_FLAGS, 'AT_FLAGS'],
  [AT_ENTRY, 'AT_ENTRY'],
  [AT_NOTELF, 'AT_NOTELF'],
  [AT_UID, 'AT_UID'],
  [AT_EUID, 'AT_EUID'],
  [AT_GID, 'AT_GID'],
  [AT_EGID, 'AT_EGID'],
  [AT_PLATFORM, 'AT_PLATFORM'],
  [AT_HWCAP, 'AT_HWCAP'],
  [AT_CLKTCK, 'AT_CLKTCK'],
  [AT_SECURE, 'AT_SECURE'],
  [AT_BASE_PLATFORM, 'AT_BASE_PLATFORM'],
  [AT_RANDOM, 'AT_RANDOM'],
  [AT_HWCAP2, 'AT_HWCAP2'],
  [AT_RSEQ_FEATURE_SIZE, 'AT_RSEQ_FEATURE_SIZE'],
  [AT_RSEQ_ALIGN, 'AT_RSEQ_ALIGN'],
  [AT_HWCAP3, 'AT_HWCAP3'],
  [AT_HWCAP4, 'AT_HWCAP4'],
  [AT_EXECFN, 'AT_EXECFN'],
  [AT_SYSINFO, 'AT_SYSINFO'],
  [AT_SYSINFO_EHDR, 'AT_SYSINFO_EHDR'],
  [AT_MINSIGSTKSZ, 'AT_MINSIGSTKSZ'],
]);

/** "AT_PAGESZ" for 6; for a type x86-64 Linux does not define, glibc's LD_SHOW_AUXV form "AT_??? (0x63)". */
export function auxvName(type: number): string {
  return AUXV_NAMES.get(type) ?? `AT_??? (0x${type.toString(16)})`;
}
