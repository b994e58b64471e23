/*
 * The dynamic loader as a consumer: dlopen() a vDSO image written by src/vdso/elf and
 * resolve its symbols with and without versions (glibc checks versym/verdef here, unlike
 * the static startup path). Built by native.test.ts only when a compiler is available.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!h) { printf("dlopen-error %s\n", dlerror()); return 1; }
  struct link_map *lm = 0;
  dlinfo(h, RTLD_DI_LINKMAP, &lm);
  printf("base %lx\n", (unsigned long)lm->l_addr);
  for (int i = 2; i < argc; i++) {
    void *v26 = dlvsym(h, argv[i], "LINUX_2.6");
    void *v25 = dlvsym(h, argv[i], "LINUX_2.5");
    void *any = dlsym(h, argv[i]);
    printf("sym %s %lx %lx %lx\n", argv[i], (unsigned long)v26, (unsigned long)v25, (unsigned long)any);
  }
  int (*cgt)(clockid_t, struct timespec *) = (int (*)(clockid_t, struct timespec *))dlvsym(h, "clock_gettime", "LINUX_2.6");
  struct timespec ts = {0};
  int r = cgt ? cgt(CLOCK_MONOTONIC, &ts) : -1;
  printf("call %d %lld %ld\n", r, (long long)ts.tv_sec, ts.tv_nsec);
  return 0;
}
