/*
 * A real consumer of a vDSO image written by src/vdso/elf (built by native.test.ts only
 * when a compiler is available; the suite never needs one).
 *
 * The image (IMAGE, a path) is embedded page-aligned in an executable section. Before
 * libc starts, consumer_start rewrites AT_SYSINFO_EHDR in the auxiliary vector to point
 * at it, then jumps to libc's _start. From then on glibc (setup_vdso, dl_vdso_vsym: GNU
 * hash with the bloom check) or musl (__vdsosym: DT_HASH, verdef) treats the image as
 * the vDSO, and every call below either reaches the image's dummy functions (which
 * return sentinel values) or, if a lookup failed, the real system call.
 */
#define _GNU_SOURCE
#include <link.h>
#include <sched.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

extern const unsigned char vdso_image[];
static int patched;

/* Called on the initial stack, before libc: argc, argv..., NULL, envp..., NULL, auxv. */
void patch_auxv(long *sp) {
  char **envp = (char **)(sp + 1 + sp[0] + 1);
  while (*envp) envp++;
  for (unsigned long *auxv = (unsigned long *)(envp + 1); auxv[0]; auxv += 2)
    if (auxv[0] == 33 /* AT_SYSINFO_EHDR */) { auxv[1] = (unsigned long)vdso_image; patched = 1; }
}

__asm__(
  ".section .vdso_image,\"ax\",@progbits\n"
  ".balign 4096\n"
  ".globl vdso_image\n"
  "vdso_image:\n"
  ".incbin \"" IMAGE "\"\n"
  ".balign 4096\n"
  ".text\n"
  ".globl consumer_start\n"
  "consumer_start:\n"
  "  mov %rdx, %r12\n"          /* rtld_fini for _start; r12 survives the call */
  "  mov %rsp, %rdi\n"
  "  call patch_auxv\n"         /* rsp is 16-aligned here, as the ABI wants before a call */
  "  mov %r12, %rdx\n"
  "  jmp _start\n");

static int phdr_cb(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size; (void)data;
  if (info->dlpi_addr == (ElfW(Addr))vdso_image)
    printf("dl_iterate_phdr %s %d\n", info->dlpi_name, info->dlpi_phnum);
  return 0;
}

int main(void) {
  struct timespec ts = {0};
  struct timeval tv = {0};
  printf("patched %d\n", patched);
  int r = clock_gettime(CLOCK_REALTIME, &ts);
  printf("clock_gettime %d %lld %ld\n", r, (long long)ts.tv_sec, ts.tv_nsec);
  r = gettimeofday(&tv, NULL);
  printf("gettimeofday %d %lld %ld\n", r, (long long)tv.tv_sec, (long)tv.tv_usec);
  printf("time %lld\n", (long long)time(NULL));
#ifdef __GLIBC__
  unsigned cpu = 99, node = 99;
  r = getcpu(&cpu, &node);
  printf("getcpu %d %u %u\n", r, cpu, node);
  dl_iterate_phdr(phdr_cb, NULL);
#else
  printf("sched_getcpu %d\n", sched_getcpu());
#endif
  return 0;
}
