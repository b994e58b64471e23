/* Prints the initial process stack that the Linux kernel built for this process,
 * from the argc slot (the initial rsp) up to the end of the [stack] mapping, as a
 * TypeScript object literal for test/loader/kernel-initial-stacks.ts.
 *
 *   gcc -static -O1 -o probe initial-stack-probe.c
 *   setarch -R env -i [NAME=VALUE...] ./probe [ARGS...]      (ASLR off)
 *
 * Static glibc's _start hands main the argv that the kernel placed right above
 * argc, and nothing in startup writes to that area, so what main sees is exactly
 * what create_elf_tables (fs/binfmt_elf.c) wrote. Not part of the test suite:
 * the suite only reads the numbers this printed. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

static void print_string(const char *s) {
  putchar('\'');
  for (const unsigned char *c = (const unsigned char *)s; *c; c++)
    if (*c < 0x80) putchar(*c); else printf("\\x%02x", *c);
  putchar('\'');
}

static void print_string_array(const char *name, char **strings) {
  printf("  %s: [", name);
  for (char **s = strings; *s; s++) {
    if (s != strings) printf(", ");
    print_string(*s);
  }
  printf("],\n");
}

int main(int argc, char **argv) {
  uint64_t *rsp = (uint64_t *)argv - 1;
  char **envp = argv + argc + 1;
  char **after_envp = envp;
  while (*after_envp) after_envp++;
  uint64_t *auxv = (uint64_t *)(after_envp + 1);

  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long stack_start = 0, stack_end = 0;
  while (fgets(line, sizeof line, maps))
    if (strstr(line, "[stack]")) sscanf(line, "%lx-%lx", &stack_start, &stack_end);
  fclose(maps);

  printf("{\n  stackTop: 0x%lx,\n  rsp: 0x%lx,\n  execfn: ", stack_end, (unsigned long)rsp);
  print_string((const char *)getauxval(AT_EXECFN));
  printf(",\n");
  print_string_array("argv", argv);
  print_string_array("envp", envp);
  printf("  auxv: [");
  for (uint64_t *entry = auxv; entry[0]; entry += 2)
    printf("%s[%lu, 0x%lx]", entry == auxv ? "" : ", ", entry[0], entry[1]);
  printf("],\n  bytes:\n    '");
  int column = 0;
  for (unsigned char *b = (unsigned char *)rsp; b < (unsigned char *)stack_end; b++) {
    printf("%02x", *b);
    if (++column % 32 == 0 && b + 1 < (unsigned char *)stack_end) printf("' +\n    '");
  }
  printf("',\n}\n");
  return 0;
}
