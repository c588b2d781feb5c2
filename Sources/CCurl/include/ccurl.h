// libcurl, loaded at run time with dlopen(). No curl headers at build time: the few functions,
// option numbers and constants used are declared here from include/curl/curl.h and multi.h
// (curl's ABI has been stable since 7.16). Every curl call from Swift goes through this file.
#ifndef CCURL_H
#define CCURL_H

#include <stddef.h>
#include <stdint.h>

typedef void CCurlEasy;
typedef void CCurlMulti;
typedef void CCurlSlist;

// --- easy options (CURLOPTTYPE_LONG 0, OBJECTPOINT 10000, FUNCTIONPOINT 20000, OFF_T 30000)
enum {
    CCURLOPT_WRITEDATA = 10001,
    CCURLOPT_URL = 10002,
    CCURLOPT_PROXY = 10004,
    CCURLOPT_READDATA = 10009,
    CCURLOPT_ERRORBUFFER = 10010,
    CCURLOPT_WRITEFUNCTION = 20011,
    CCURLOPT_READFUNCTION = 20012,
    CCURLOPT_HTTPHEADER = 10023,
    CCURLOPT_SSLCERT = 10025,
    CCURLOPT_KEYPASSWD = 10026,
    CCURLOPT_HEADERDATA = 10029,
    CCURLOPT_CUSTOMREQUEST = 10036,
    CCURLOPT_NOPROGRESS = 43,
    CCURLOPT_POST = 47,
    CCURLOPT_FOLLOWLOCATION = 52,
    CCURLOPT_CAINFO = 10065,
    CCURLOPT_HEADERFUNCTION = 20079,
    CCURLOPT_HTTPGET = 80,
    CCURLOPT_HTTP_VERSION = 84,
    CCURLOPT_SSLKEY = 10087,
    CCURLOPT_NOSIGNAL = 99,
    CCURLOPT_POSTFIELDSIZE_LARGE = 30120,
    CCURLOPT_TIMEOUT_MS = 155,
    CCURLOPT_CONNECTTIMEOUT_MS = 156,
    CCURLOPT_SEEKFUNCTION = 20167,
    CCURLOPT_SEEKDATA = 10168,
    CCURLOPT_PIPEWAIT = 237,
    CCURLOPT_MAXAGE_CONN = 288,
    CCURLOPT_PREREQFUNCTION = 20312,
    CCURLOPT_PREREQDATA = 10313,
    CCURLOPT_PROTOCOLS_STR = 10318,
};

// --- multi options
enum {
    CCURLMOPT_PIPELINING = 3,
    CCURLMOPT_MAXCONNECTS = 6,
    CCURLMOPT_MAX_HOST_CONNECTIONS = 7,
    CCURLMOPT_MAX_TOTAL_CONNECTIONS = 13,
};

// --- values
enum {
    CCURL_HTTP_VERSION_2TLS = 4,
    CCURLPIPE_MULTIPLEX = 2,
    CCURL_SEEKFUNC_OK = 0,
    CCURL_SEEKFUNC_FAIL = 1,
    CCURL_PREREQFUNC_OK = 0,
    CCURL_PREREQFUNC_ABORT = 1,
    CCURL_ERROR_SIZE = 256,
    CCURLMSG_DONE = 1,
};

// --- info (CURLINFO_LONG 0x200000, OFF_T 0x600000)
enum {
    CCURLINFO_RESPONSE_CODE = 0x200002,
    CCURLINFO_OS_ERRNO = 0x200019,
    CCURLINFO_NUM_CONNECTS = 0x20001A,
    CCURLINFO_HTTP_VERSION = 0x20002E,
    CCURLINFO_LOCAL_PORT = 0x20002A,
};

// --- CURLcode values the transport tells apart
enum {
    CCURLE_OK = 0,
    CCURLE_UNSUPPORTED_PROTOCOL = 1,
    CCURLE_URL_MALFORMAT = 3,
    CCURLE_COULDNT_RESOLVE_PROXY = 5,
    CCURLE_COULDNT_RESOLVE_HOST = 6,
    CCURLE_COULDNT_CONNECT = 7,
    CCURLE_WEIRD_SERVER_REPLY = 8,
    CCURLE_HTTP2 = 16,
    CCURLE_PARTIAL_FILE = 18,
    CCURLE_WRITE_ERROR = 23,
    CCURLE_OPERATION_TIMEDOUT = 28,
    CCURLE_SSL_CONNECT_ERROR = 35,
    CCURLE_ABORTED_BY_CALLBACK = 42,
    CCURLE_GOT_NOTHING = 52,
    CCURLE_SEND_ERROR = 55,
    CCURLE_RECV_ERROR = 56,
    CCURLE_SSL_CERTPROBLEM = 58,
    CCURLE_SSL_CIPHER = 59,
    CCURLE_PEER_FAILED_VERIFICATION = 60,
    CCURLE_BAD_CONTENT_ENCODING = 61,
    CCURLE_SEND_FAIL_REWIND = 65,
    CCURLE_SSL_CACERT_BADFILE = 77,
    CCURLE_SSL_ISSUER_ERROR = 83,
    CCURLE_HTTP2_STREAM = 92,
    CCURLE_PROXY = 97,
    CCURLE_SSL_CLIENTCERT = 98,
};

typedef size_t (*ccurl_data_callback)(char *buffer, size_t size, size_t count, void *user);
typedef int (*ccurl_seek_callback)(void *user, int64_t offset, int origin);
typedef int (*ccurl_prereq_callback)(void *user, char *remote_ip, char *local_ip, int remote_port, int local_port);

/// Loads libcurl once per process (thread-safe) and calls curl_global_init. Returns 0 when it is
/// usable; otherwise non-zero and the reason (naming the library) stays in ccurl_load_error().
/// OPENFRAME_TEST_LIBCURL, when set, is the only library name tried (a test-only knob).
int ccurl_load(void);
const char *ccurl_load_error(void);
/// "libcurl/7.88.1 OpenSSL/3.0 …" once loaded.
const char *ccurl_version(void);

CCurlEasy *ccurl_easy_init(void);
void ccurl_easy_cleanup(CCurlEasy *easy);
void ccurl_easy_reset(CCurlEasy *easy);
int ccurl_easy_set_long(CCurlEasy *easy, int option, long value);
int ccurl_easy_set_pointer(CCurlEasy *easy, int option, const void *value);
int ccurl_easy_set_off(CCurlEasy *easy, int option, int64_t value);
int ccurl_easy_set_data_callback(CCurlEasy *easy, int option, ccurl_data_callback callback);
int ccurl_easy_set_seek_callback(CCurlEasy *easy, ccurl_seek_callback callback);
int ccurl_easy_set_prereq_callback(CCurlEasy *easy, ccurl_prereq_callback callback);
int ccurl_easy_get_long(CCurlEasy *easy, int info, long *value);
const char *ccurl_easy_strerror(int code);

CCurlSlist *ccurl_slist_append(CCurlSlist *list, const char *text);
void ccurl_slist_free_all(CCurlSlist *list);

CCurlMulti *ccurl_multi_init(void);
int ccurl_multi_cleanup(CCurlMulti *multi);
int ccurl_multi_set_long(CCurlMulti *multi, int option, long value);
int ccurl_multi_add_handle(CCurlMulti *multi, CCurlEasy *easy);
int ccurl_multi_remove_handle(CCurlMulti *multi, CCurlEasy *easy);
int ccurl_multi_perform(CCurlMulti *multi, int *running);
int ccurl_multi_poll(CCurlMulti *multi, int timeout_ms);
int ccurl_multi_wakeup(CCurlMulti *multi);
/// The next finished transfer: returns its easy handle and stores its CURLcode, or NULL.
CCurlEasy *ccurl_multi_next_done(CCurlMulti *multi, int *result);

#endif
