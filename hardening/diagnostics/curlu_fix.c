/* Diagnostic LD_PRELOAD shim, not part of the product (see hardening/README.md).
 *
 * swift-corelibs-foundation (Swift 6.3.1 here) checks every request's URL with
 * CFURLSessionCurlHostIsEqual(), which parses it with curl_url()/curl_url_set() and then releases
 * the CURLU handle with curl_free() instead of curl_url_cleanup(): the handle goes, the URL parts
 * it holds (scheme, host, port, path, ...) leak, some 80 bytes a request, ~150 bytes of resident
 * size once fragmentation is counted. This shim tracks the handles curl_url() hands out and, when
 * one of them reaches curl_free(), cleans it up properly. With it, the server's resident size stays
 * flat under a stream of creates; without it, it grows by ~150 bytes per create.
 *
 *   cc -O2 -shared -fPIC -o curlu_fix.so curlu_fix.c -ldl -lpthread
 *   LD_PRELOAD=$PWD/curlu_fix.so openframe-rpc ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

typedef struct Curl_URL CURLU;

#define SLOTS 4096
static void *tracked[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

static void track(void *h) {
    pthread_mutex_lock(&lock);
    for (int i = 0; i < SLOTS; i++) if (!tracked[i]) { tracked[i] = h; break; }
    pthread_mutex_unlock(&lock);
}

static int untrack(void *h) {
    int found = 0;
    pthread_mutex_lock(&lock);
    for (int i = 0; i < SLOTS; i++) if (tracked[i] == h) { tracked[i] = NULL; found = 1; break; }
    pthread_mutex_unlock(&lock);
    return found;
}

CURLU *curl_url(void) {
    CURLU *(*real)(void) = (CURLU *(*)(void))next("curl_url");
    CURLU *h = real();
    if (h) track(h);
    return h;
}

void curl_url_cleanup(CURLU *h) {
    void (*real)(CURLU *) = (void (*)(CURLU *))next("curl_url_cleanup");
    if (h) untrack(h);
    real(h);
}

void curl_free(void *p) {
    if (p && untrack(p)) {
        ((void (*)(CURLU *))next("curl_url_cleanup"))((CURLU *)p);
        return;
    }
    ((void (*)(void *))next("curl_free"))(p);
}
