#include "ccurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Signatures as in curl.h / multi.h. CURLcode and CURLMcode are C enums (int).
typedef int (*global_init_fn)(long);
typedef void *(*easy_init_fn)(void);
typedef void (*easy_cleanup_fn)(void *);
typedef void (*easy_reset_fn)(void *);
typedef int (*easy_setopt_fn)(void *, int, ...);
typedef int (*easy_getinfo_fn)(void *, int, ...);
typedef const char *(*easy_strerror_fn)(int);
typedef void *(*slist_append_fn)(void *, const char *);
typedef void (*slist_free_all_fn)(void *);
typedef char *(*version_fn)(void);
typedef void *(*multi_init_fn)(void);
typedef int (*multi_cleanup_fn)(void *);
typedef int (*multi_setopt_fn)(void *, int, ...);
typedef int (*multi_handle_fn)(void *, void *);
typedef int (*multi_perform_fn)(void *, int *);
typedef int (*multi_poll_fn)(void *, void *, unsigned int, int, int *);
typedef int (*multi_wakeup_fn)(void *);

struct curl_message {   // struct CURLMsg
    int msg;
    void *easy_handle;
    union { void *whatever; int result; } data;
};
typedef struct curl_message *(*multi_info_read_fn)(void *, int *);

static struct {
    global_init_fn global_init;
    easy_init_fn easy_init;
    easy_cleanup_fn easy_cleanup;
    easy_reset_fn easy_reset;
    easy_setopt_fn easy_setopt;
    easy_getinfo_fn easy_getinfo;
    easy_strerror_fn easy_strerror;
    slist_append_fn slist_append;
    slist_free_all_fn slist_free_all;
    version_fn version;
    multi_init_fn multi_init;
    multi_cleanup_fn multi_cleanup;
    multi_setopt_fn multi_setopt;
    multi_handle_fn multi_add_handle;
    multi_handle_fn multi_remove_handle;
    multi_perform_fn multi_perform;
    multi_poll_fn multi_poll;
    multi_wakeup_fn multi_wakeup;
    multi_info_read_fn multi_info_read;
} curl;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_status = -1;
static char load_error[512];

#if defined(__APPLE__)
static const char *const library_names[] = {"libcurl.4.dylib", "/usr/lib/libcurl.4.dylib", "libcurl.dylib", NULL};
#else
static const char *const library_names[] = {"libcurl.so.4", "libcurl.so", NULL};
#endif

static void load(void) {
    const char *override = getenv("OPENFRAME_TEST_LIBCURL");
    const char *const *names = library_names;
    const char *single[2] = {override, NULL};
    if (override && *override) names = single;

    void *library = NULL;
    char tried[256] = "";
    for (int i = 0; names[i] && !library; i++) {
        library = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (strlen(tried) + strlen(names[i]) + 3 < sizeof tried) {
            if (tried[0]) strcat(tried, ", ");
            strcat(tried, names[i]);
        }
    }
    if (!library) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error,
                 "libcurl could not be loaded (tried %s: %s); forwarding to an instance needs libcurl "
                 "(Debian/Ubuntu: apt-get install libcurl4)", tried, why ? why : "not found");
        return;
    }
#define BIND(field, symbol)                                                                       \
    do {                                                                                          \
        *(void **)&curl.field = dlsym(library, symbol);                                           \
        if (!curl.field) {                                                                        \
            snprintf(load_error, sizeof load_error,                                               \
                     "libcurl was loaded (%s) but has no %s: it is older than 7.80, the oldest "    \
                     "version forwarding supports", tried, symbol);                               \
            return;                                                                               \
        }                                                                                         \
    } while (0)
    BIND(global_init, "curl_global_init");
    BIND(easy_init, "curl_easy_init");
    BIND(easy_cleanup, "curl_easy_cleanup");
    BIND(easy_reset, "curl_easy_reset");
    BIND(easy_setopt, "curl_easy_setopt");
    BIND(easy_getinfo, "curl_easy_getinfo");
    BIND(easy_strerror, "curl_easy_strerror");
    BIND(slist_append, "curl_slist_append");
    BIND(slist_free_all, "curl_slist_free_all");
    BIND(version, "curl_version");
    BIND(multi_init, "curl_multi_init");
    BIND(multi_cleanup, "curl_multi_cleanup");
    BIND(multi_setopt, "curl_multi_setopt");
    BIND(multi_add_handle, "curl_multi_add_handle");
    BIND(multi_remove_handle, "curl_multi_remove_handle");
    BIND(multi_perform, "curl_multi_perform");
    BIND(multi_poll, "curl_multi_poll");
    BIND(multi_wakeup, "curl_multi_wakeup");
    BIND(multi_info_read, "curl_multi_info_read");
    // CURLOPT_PREREQFUNCTION (the guard against a re-send) came with 7.80, as did curl_url_strerror.
    if (!dlsym(library, "curl_url_strerror")) {
        snprintf(load_error, sizeof load_error, "libcurl was loaded (%s) but is older than 7.80, the oldest version forwarding supports", tried);
        return;
    }
#undef BIND
    // CURL_GLOBAL_ALL (3). Once per process, before any other curl call.
    int rc = curl.global_init(3);
    if (rc != 0) {
        snprintf(load_error, sizeof load_error, "libcurl was loaded but curl_global_init failed (CURLcode %d)", rc);
        return;
    }
    load_status = 0;
}

int ccurl_load(void) {
    pthread_once(&load_once, load);
    return load_status;
}

const char *ccurl_load_error(void) { return load_status == 0 ? NULL : load_error; }
const char *ccurl_version(void) { return load_status == 0 ? curl.version() : NULL; }

CCurlEasy *ccurl_easy_init(void) { return curl.easy_init(); }
void ccurl_easy_cleanup(CCurlEasy *easy) { curl.easy_cleanup(easy); }
void ccurl_easy_reset(CCurlEasy *easy) { curl.easy_reset(easy); }
int ccurl_easy_set_long(CCurlEasy *easy, int option, long value) { return curl.easy_setopt(easy, option, value); }
int ccurl_easy_set_pointer(CCurlEasy *easy, int option, const void *value) { return curl.easy_setopt(easy, option, value); }
int ccurl_easy_set_off(CCurlEasy *easy, int option, int64_t value) { return curl.easy_setopt(easy, option, (int64_t)value); }
int ccurl_easy_set_data_callback(CCurlEasy *easy, int option, ccurl_data_callback callback) {
    return curl.easy_setopt(easy, option, callback);
}
int ccurl_easy_set_seek_callback(CCurlEasy *easy, ccurl_seek_callback callback) {
    return curl.easy_setopt(easy, CCURLOPT_SEEKFUNCTION, callback);
}
int ccurl_easy_set_prereq_callback(CCurlEasy *easy, ccurl_prereq_callback callback) {
    return curl.easy_setopt(easy, CCURLOPT_PREREQFUNCTION, callback);
}
int ccurl_easy_get_long(CCurlEasy *easy, int info, long *value) { return curl.easy_getinfo(easy, info, value); }
const char *ccurl_easy_strerror(int code) { return curl.easy_strerror(code); }

CCurlSlist *ccurl_slist_append(CCurlSlist *list, const char *text) { return curl.slist_append(list, text); }
void ccurl_slist_free_all(CCurlSlist *list) { curl.slist_free_all(list); }

CCurlMulti *ccurl_multi_init(void) { return curl.multi_init(); }
int ccurl_multi_cleanup(CCurlMulti *multi) { return curl.multi_cleanup(multi); }
int ccurl_multi_set_long(CCurlMulti *multi, int option, long value) { return curl.multi_setopt(multi, option, value); }
int ccurl_multi_add_handle(CCurlMulti *multi, CCurlEasy *easy) { return curl.multi_add_handle(multi, easy); }
int ccurl_multi_remove_handle(CCurlMulti *multi, CCurlEasy *easy) { return curl.multi_remove_handle(multi, easy); }
int ccurl_multi_perform(CCurlMulti *multi, int *running) { return curl.multi_perform(multi, running); }
int ccurl_multi_poll(CCurlMulti *multi, int timeout_ms) { return curl.multi_poll(multi, NULL, 0, timeout_ms, NULL); }
int ccurl_multi_wakeup(CCurlMulti *multi) { return curl.multi_wakeup(multi); }

CCurlEasy *ccurl_multi_next_done(CCurlMulti *multi, int *result) {
    int left = 0;
    struct curl_message *message;
    while ((message = curl.multi_info_read(multi, &left)) != NULL) {
        if (message->msg == CCURLMSG_DONE) {
            *result = message->data.result;
            return message->easy_handle;
        }
    }
    return NULL;
}
