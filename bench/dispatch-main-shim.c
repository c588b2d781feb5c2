/*
 * Preloaded by bench/profile only. Valgrind 3.19 (Debian's) dies with an internal SIGSEGV when
 * the main thread of a Swift program parks in libdispatch's dispatch_main(), which ends in
 * sigsuspend; openframe-rpc's serve command parks its main thread there while the reader and
 * writer threads do the work. This replacement parks it in pause() instead. Nothing on the hot
 * path changes: the main queue is never used by the server.
 *
 * Build: cc -O2 -shared -fPIC -o dispatch-main-shim.so dispatch-main-shim.c
 */
#include <unistd.h>

void dispatch_main(void) {
    for (;;) pause();
}
