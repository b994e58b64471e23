// Names for e_machine values (glibc <elf.h>), so that "wrong machine" errors say
// which architecture a file was built for.

const MACHINE_NAMES: ReadonlyMap<number, string> = new Map([
  [2, 'EM_SPARC'],
  [3, 'EM_386'],
  [8, 'EM_MIPS'],
  [20, 'EM_PPC'],
  [21, 'EM_PPC64'],
  [22, 'EM_S390'],
  [40, 'EM_ARM'],
  [43, 'EM_SPARCV9'],
  [50, 'EM_IA_64'],
  [62, 'EM_X86_64'],
  [183, 'EM_AARCH64'],
  [243, 'EM_RISCV'],
  [258, 'EM_LOONGARCH'],
]);

/** "EM_AARCH64 (183)", or "unknown machine (12345)". */
export function describeMachine(machine: number): string {
  return `${MACHINE_NAMES.get(machine) ?? 'unknown machine'} (${machine})`;
}
