/*
 * Load generator for openframe-rpc (and the stdio ceiling program) over stdio.
 *
 *   driver --mode pipelined|window|startup [options] -- COMMAND [ARGS...]
 *
 * Spawns COMMAND with pipes on its stdin/stdout, sends `initialize`, then:
 *   pipelined  all requests pre-built; one thread writes them as fast as the child reads,
 *              the main thread reads and checks the answers -> messages per second
 *   window     at most --window requests in flight (1 = ping-pong); per-request latency
 *              -> p50, p99, max (the first --warmup requests are checked but not timed)
 *   startup    --spawns times: spawn -> `initialize` answered; median, and idle VmRSS
 *   http       (no COMMAND) POST the payload to --url one at a time: the direct baseline
 *   emit       (no COMMAND) write the whole session to stdout instead, for bench/profile
 *   probe      send one request (id 1), print its answer, end the child: what does it offer?
 * and ends with `shutdown` + `exit`, reaping the child with wait4 for its peak RSS.
 *
 * Every answer is checked, just enough to be sure: its top-level "id" is one we sent and
 * not seen before, it has a top-level "result" (no "error"), and it contains each --expect
 * string (memmem). Any missing, duplicate or wrong answer, or a child that does not exit
 * cleanly after shutdown/exit, fails the run: exit status 1 and "ok": false.
 *
 * Prints one JSON object with the figures on stdout. Diagnostics go to stderr.
 * Build: cc -O2 -pthread -o driver driver.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---------- options ---------- */

enum mode { PIPELINED, WINDOW, STARTUP, HTTP, EMIT, PROBE };
static enum mode opt_mode = PIPELINED;
static int opt_lsp = 0;
static long opt_requests = 200000;
static long opt_window = 1;
static long opt_warmup = 0;
static long opt_spawns = 50;
static const char *opt_payload = NULL;
static const char *opt_method = "openframe/validate";
static const char *opt_params = "{\"operation\":\"create\",\"payload\":%PAYLOAD%}";
static const char *opt_expect[16];
static int opt_nexpect = 0;
static int opt_timeout = 30; /* seconds without progress */
static const char *opt_stderr = NULL;
static char **opt_cmd = NULL;
static const char *opt_url = NULL; /* --mode http: the stand-in, loopback only */
static int opt_new_connection = 0;  /* --mode http: connect anew for each request (timed) */

/* ---------- small helpers ---------- */

static int failed = 0;
static char fail_msg[512];

static void fail(const char *fmt, ...) {
    va_list ap;
    if (!failed) {
        va_start(ap, fmt);
        vsnprintf(fail_msg, sizeof fail_msg, fmt, ap);
        va_end(ap);
    }
    va_start(ap, fmt);
    fprintf(stderr, "driver: FAIL: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    failed = 1;
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "driver: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct { char *p; size_t len, cap; } buf_t;

static void buf_reserve(buf_t *b, size_t more) {
    if (b->len + more <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + more > cap) cap *= 2;
    b->p = realloc(b->p, cap);
    if (!b->p) die("out of memory");
    b->cap = cap;
}

static void buf_add(buf_t *b, const void *s, size_t n) {
    buf_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void buf_adds(buf_t *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_addu(buf_t *b, unsigned long v) {
    char d[24];
    int n = 0;
    do { d[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    buf_reserve(b, (size_t)n);
    while (n) b->p[b->len++] = d[--n];
}

/* Whitespace outside strings removed, so the payload fits on one NDJSON line. */
static char *compact_json(const char *s, size_t n, size_t *out_len) {
    char *o = malloc(n + 1);
    size_t k = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            o[k++] = c;
            if (c == '\\' && i + 1 < n) o[k++] = s[++i];
            else if (c == '"') in_str = 0;
        } else if (c == '"') {
            in_str = 1;
            o[k++] = c;
        } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            o[k++] = c;
        }
    }
    o[k] = 0;
    *out_len = k;
    return o;
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    buf_t b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_add(&b, tmp, n);
    fclose(f);
    buf_add(&b, "", 1);
    *len = b.len - 1;
    return b.p;
}

/* ---------- requests ---------- */

static char *payload;
static size_t payload_len;

static void frame_body(buf_t *out, const char *body, size_t n) {
    if (opt_lsp) {
        buf_adds(out, "Content-Length: ");
        buf_addu(out, n);
        buf_add(out, "\r\n\r\n", 4);
        buf_add(out, body, n);
    } else {
        buf_add(out, body, n);
        buf_add(out, "\n", 1);
    }
}

static void add_request(buf_t *out, long id, const char *method, const char *params) {
    static buf_t body;
    body.len = 0;
    buf_adds(&body, "{\"jsonrpc\":\"2.0\",\"id\":");
    buf_addu(&body, (unsigned long)id);
    buf_adds(&body, ",\"method\":\"");
    buf_adds(&body, method);
    buf_add(&body, "\"", 1);
    if (params) {
        buf_adds(&body, ",\"params\":");
        const char *p = params, *hit;
        while ((hit = strstr(p, "%PAYLOAD%")) != NULL) {
            buf_add(&body, p, (size_t)(hit - p));
            buf_add(&body, payload, payload_len);
            p = hit + 9;
        }
        buf_adds(&body, p);
    }
    buf_add(&body, "}", 1);
    frame_body(out, body.p, body.len);
}

static void add_notification(buf_t *out, const char *method) {
    buf_t body = {0};
    buf_adds(&body, "{\"jsonrpc\":\"2.0\",\"method\":\"");
    buf_adds(&body, method);
    buf_adds(&body, "\"}");
    frame_body(out, body.p, body.len);
    free(body.p);
}

/* ---------- the child ---------- */

typedef struct {
    pid_t pid;
    int in;  /* we write */
    int out; /* we read */
} child_t;

static child_t spawn_child(void) {
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) || pipe2(from, O_CLOEXEC)) die("pipe: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, to[0], 0);
    posix_spawn_file_actions_adddup2(&fa, from[1], 1);
    if (opt_stderr) posix_spawn_file_actions_addopen(&fa, 2, opt_stderr, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&attr, &none);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    posix_spawnattr_setsigdefault(&attr, &def);
    /* Its own process group, so a wrapper script's children can be killed with it. */
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
    child_t c;
    int rc = posix_spawnp(&c.pid, opt_cmd[0], &fa, &attr, opt_cmd, environ);
    if (rc) die("cannot start %s: %s", opt_cmd[0], strerror(rc));
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(to[0]);
    close(from[1]);
    c.in = to[1];
    c.out = from[0];
    return c;
}

static int write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* utime + stime of the whole process (every thread) from /proc/PID/stat, in microseconds; -1 if unreadable. */
static double proc_cpu_us(pid_t pid) {
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')'); /* the command name may hold blanks */
    if (!p) return -1;
    unsigned long utime = 0, stime = 0;
    /* after ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
    return (double)(utime + stime) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

static long proc_status_kb(pid_t pid, const char *field) {
    char path[64], line[256];
    size_t fl = strlen(field);
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    long kb = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0) { kb = strtol(line + fl, NULL, 10); break; }
    fclose(f);
    return kb;
}

/* Waits for the child to exit by itself (after `exit`), killing it after `grace_ms`. */
static long reap(child_t *c, int grace_ms, int *status_ok) {
    struct rusage ru;
    int status = 0;
    uint64_t deadline = now_ns() + (uint64_t)grace_ms * 1000000u;
    for (;;) {
        pid_t r = wait4(c->pid, &status, WNOHANG, &ru);
        if (r == c->pid) break;
        if (r < 0 && errno != EINTR) die("wait4: %s", strerror(errno));
        if (now_ns() > deadline) {
            fail("the server did not exit within %d ms of the exit notification; killed", grace_ms);
            kill(-c->pid, SIGKILL);
            wait4(c->pid, &status, 0, &ru);
            *status_ok = 0;
            return ru.ru_maxrss;
        }
        usleep(200);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        *status_ok = 1;
    } else {
        *status_ok = 0;
        if (WIFEXITED(status)) fail("the server exited with status %d after shutdown/exit", WEXITSTATUS(status));
        else fail("the server died of signal %d", WTERMSIG(status));
    }
    return ru.ru_maxrss; /* KiB on Linux */
}

/* ---------- reading and checking answers ---------- */

typedef struct {
    int fd;
    char *p;
    size_t len, cap, pos;
} reader_t;

static void reader_init(reader_t *r, int fd) {
    r->fd = fd;
    r->cap = 1 << 20;
    r->p = malloc(r->cap);
    r->len = r->pos = 0;
}

/* Reads more bytes; -1 on end of input, 0 on timeout. */
static int reader_fill(reader_t *r, int timeout_ms) {
    if (r->pos > 0) {
        memmove(r->p, r->p + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->len == r->cap) {
        r->cap *= 2;
        r->p = realloc(r->p, r->cap);
        if (!r->p) die("out of memory");
    }
    struct pollfd pfd = {r->fd, POLLIN, 0};
    for (;;) {
        int pr = poll(&pfd, 1, timeout_ms);
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) return 0;
        break;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->p + r->len, r->cap - r->len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        r->len += (size_t)n;
        return 1;
    }
}

/* The next whole frame, or NULL if more bytes are needed. */
static const char *reader_frame(reader_t *r, size_t *n) {
    const char *s = r->p + r->pos;
    size_t avail = r->len - r->pos;
    if (opt_lsp) {
        const char *end = memmem(s, avail, "\r\n\r\n", 4);
        if (!end) return NULL;
        long length = -1;
        const char *line = s;
        while (line < end) {
            const char *nl = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
            if ((size_t)(nl - line) > 15 && strncasecmp(line, "content-length:", 15) == 0)
                length = strtol(line + 15, NULL, 10);
            line = nl + 2;
        }
        if (length < 0) {
            fail("an answer's header block has no Content-Length: %.*s", (int)(end - s), s);
            length = 0;
        }
        size_t body = (size_t)(end + 4 - s);
        if (avail - body < (size_t)length) return NULL;
        r->pos += body + (size_t)length;
        *n = (size_t)length;
        return s + body;
    } else {
        const char *nl = memchr(s, '\n', avail);
        if (!nl) return NULL;
        size_t len = (size_t)(nl - s);
        r->pos += len + 1;
        if (len && s[len - 1] == '\r') len--;
        *n = len;
        return s;
    }
}

static const char *skip_ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static const char *skip_string(const char *p, const char *e) { /* p at the opening quote */
    p++;
    while (p < e) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q) return e;
        /* count the backslashes before the quote */
        const char *b = q;
        while (b > p && b[-1] == '\\') b--;
        if (((q - b) & 1) == 0) return q + 1;
        p = q + 1;
    }
    return e;
}

static const char *skip_value(const char *p, const char *e) {
    if (p >= e) return e;
    if (*p == '"') return skip_string(p, e);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < e) {
            char c = *p;
            if (c == '"') { p = skip_string(p, e); continue; }
            if (c == '{' || c == '[') depth++;
            else if (c == '}' || c == ']') { if (--depth == 0) return p + 1; }
            p++;
        }
        return e;
    }
    while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\r' && *p != '\n' && *p != '\t') p++;
    return p;
}

/* Top-level "id" (a non-negative integer, else -1) and whether "result" or "error" is there. */
static int scan_answer(const char *s, size_t n, long *id, int *has_result, int *has_error) {
    const char *p = s, *e = s + n;
    *id = -2;
    *has_result = *has_error = 0;
    p = skip_ws(p, e);
    if (p >= e || *p != '{') return -1;
    p++;
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e) return -1;
        if (*p == '}') return 0;
        if (*p != '"') return -1;
        const char *k = p + 1;
        p = skip_string(p, e);
        size_t klen = (size_t)(p - 1 - k);
        p = skip_ws(p, e);
        if (p >= e || *p != ':') return -1;
        p = skip_ws(p + 1, e);
        if (klen == 2 && memcmp(k, "id", 2) == 0) {
            if (p < e && *p >= '0' && *p <= '9') {
                long v = 0;
                while (p < e && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
                *id = v;
            } else {
                *id = -1;
                p = skip_value(p, e);
            }
        } else if (klen == 6 && memcmp(k, "result", 6) == 0) {
            *has_result = 1;
            if (*id != -2) return 0; /* all we need; the result is checked with memmem */
            p = skip_value(p, e);
        } else if (klen == 5 && memcmp(k, "error", 5) == 0) {
            *has_error = 1;
            if (*id != -2) return 0;
            p = skip_value(p, e);
        } else {
            p = skip_value(p, e);
        }
        p = skip_ws(p, e);
        if (p < e && *p == ',') { p++; continue; }
        if (p < e && *p == '}') return 0;
        return -1;
    }
}

/* Ids: 0 initialize, 1..N the load, N+1 shutdown. */
static unsigned char *seen;
static long answered = 0, wrong = 0;
static long max_id;

static void show(const char *what, const char *s, size_t n) {
    fprintf(stderr, "driver:   %s: %.*s%s\n", what, (int)(n > 600 ? 600 : n), s, n > 600 ? "…" : "");
}

/* Returns the id answered, or -1 for an answer that could not be matched. */
static long check_answer(const char *s, size_t n, long load_first, long load_last) {
    long id;
    int has_result, has_error;
    if (scan_answer(s, n, &id, &has_result, &has_error) != 0 || id < 0) {
        wrong++;
        if (wrong <= 3) { fail("an answer is not a JSON-RPC response with one of our ids"); show("answer", s, n); }
        return -1;
    }
    if (id > max_id) {
        wrong++;
        if (wrong <= 3) { fail("an answer carries id %ld, which was never sent", id); show("answer", s, n); }
        return -1;
    }
    if (seen[id]) {
        wrong++;
        if (wrong <= 3) { fail("id %ld answered twice", id); show("answer", s, n); }
        return -1;
    }
    seen[id] = 1;
    if (has_error || !has_result) {
        wrong++;
        if (wrong <= 3) { fail("id %ld answered with an error", id); show("answer", s, n); }
        return id;
    }
    if (id >= load_first && id <= load_last) {
        for (int i = 0; i < opt_nexpect; i++) {
            if (!memmem(s, n, opt_expect[i], strlen(opt_expect[i]))) {
                wrong++;
                if (wrong <= 3) { fail("the answer to id %ld lacks %s", id, opt_expect[i]); show("answer", s, n); }
                return id;
            }
        }
        answered++;
    }
    return id;
}

/* Reads until the answer to `id` arrives; returns 0, or -1 on end of input / timeout. */
static int await_id(reader_t *r, long id) {
    for (;;) {
        const char *f;
        size_t n;
        while ((f = reader_frame(r, &n)) != NULL) {
            if (check_answer(f, n, 1, max_id - 1) == id) return 0;
        }
        int got = reader_fill(r, opt_timeout * 1000);
        if (got == 0) { fail("no answer to id %ld within %d s", id, opt_timeout); return -1; }
        if (got < 0) { fail("the server closed its output before answering id %ld", id); return -1; }
    }
}

/* ---------- one session: initialize, load, shutdown/exit ---------- */

typedef struct {
    double init_us;
    long idle_rss_kb;
    long hwm_kb;     /* VmHWM just before exit: the peak of the server's own address space */
    long maxrss_kb;  /* wait4's ru_maxrss: the same, unless our own RSS at spawn time was larger */
    double elapsed_s;
    uint64_t *lat;  /* per timed request, ns */
    long nlat;
    size_t bytes_out;
    double cpu_us;  /* the server's CPU time (user + system) over the load, from /proc/PID/stat */
} session_t;

typedef struct {
    int fd;
    const char *p;
    size_t n;
    int err;
} writer_arg_t;

static void *writer_main(void *v) {
    writer_arg_t *a = v;
    const size_t chunk = 256 * 1024;
    size_t off = 0;
    while (off < a->n) {
        size_t k = a->n - off < chunk ? a->n - off : chunk;
        if (write_all(a->fd, a->p + off, k)) { a->err = errno; return NULL; }
        off += k;
    }
    return NULL;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void initialize(child_t *c, reader_t *r, session_t *s, uint64_t t_spawn) {
    buf_t b = {0};
    add_request(&b, 0, "initialize", "{\"processId\":null,\"rootUri\":null,\"capabilities\":{}}");
    add_notification(&b, "initialized");
    if (write_all(c->in, b.p, b.len)) fail("cannot write initialize: %s", strerror(errno));
    free(b.p);
    if (await_id(r, 0) == 0) {
        s->init_us = (double)(now_ns() - t_spawn) / 1e3;
        s->idle_rss_kb = proc_status_kb(c->pid, "VmRSS:");
    }
}

static void finish(child_t *c, reader_t *r, session_t *s) {
    if (failed) { /* already a failed run: do not wait for a server that went wrong */
        close(c->in);
        kill(-c->pid, SIGKILL);
        struct rusage ru;
        int status;
        while (wait4(c->pid, &status, 0, &ru) < 0 && errno == EINTR) {}
        close(c->out);
        return;
    }
    buf_t b = {0};
    add_request(&b, max_id, "shutdown", NULL);
    if (write_all(c->in, b.p, b.len) == 0 && await_id(r, max_id) == 0) {
        s->hwm_kb = proc_status_kb(c->pid, "VmHWM:");
        b.len = 0;
        add_notification(&b, "exit");
        write_all(c->in, b.p, b.len);
    }
    free(b.p);
    close(c->in);
    int ok;
    s->maxrss_kb = reap(c, 5000, &ok);
    close(c->out);
}

static void run_load(session_t *s) {
    long n = opt_requests;
    max_id = n + 1;
    seen = calloc((size_t)max_id + 1, 1);
    answered = 0;
    /* Spawned before the requests are built: until exec the child shares our memory, and the
     * kernel counts that in its ru_maxrss. */
    reader_t r;
    uint64_t t0 = now_ns();
    child_t c = spawn_child();
    reader_init(&r, c.out);
    initialize(&c, &r, s, t0);
    if (failed) { finish(&c, &r, s); return; }

    /* Pre-build every request, remembering where each starts. */
    buf_t all = {0};
    size_t *start = malloc(sizeof(size_t) * ((size_t)n + 2));
    for (long i = 1; i <= n; i++) {
        start[i] = all.len;
        add_request(&all, i, opt_method, opt_params);
    }
    start[n + 1] = all.len;
    s->bytes_out = all.len;
    double cpu0 = proc_cpu_us(c.pid);

    if (opt_mode == PIPELINED) {
        writer_arg_t wa = {c.in, all.p, all.len, 0};
        pthread_t th;
        uint64_t start_ns = now_ns();
        pthread_create(&th, NULL, writer_main, &wa);
        long last_answered = -1;
        while (answered + wrong < n) {
            const char *f;
            size_t fn;
            while ((f = reader_frame(&r, &fn)) != NULL) check_answer(f, fn, 1, n);
            if (answered + wrong >= n) break;
            int got = reader_fill(&r, opt_timeout * 1000);
            if (got == 0) {
                if (answered == last_answered) {
                    fail("no answer for %d s: %ld of %ld requests answered", opt_timeout, answered, n);
                    break;
                }
            }
            if (got < 0) { fail("the server closed its output: %ld of %ld requests answered", answered, n); break; }
            last_answered = answered;
        }
        s->elapsed_s = (double)(now_ns() - start_ns) / 1e9;
        if (failed) kill(-c.pid, SIGKILL); /* unblocks the writer thread */
        pthread_join(th, NULL);
        if (wa.err && !failed) fail("writing requests failed: %s", strerror(wa.err));
    } else {
        uint64_t *sent = malloc(sizeof(uint64_t) * ((size_t)n + 2));
        s->lat = malloc(sizeof(uint64_t) * ((size_t)n + 1));
        s->nlat = 0;
        long next = 1, inflight = 0;
        uint64_t start_ns = now_ns();
        while (answered + wrong < n && !failed) {
            while (next <= n && inflight < opt_window) {
                sent[next] = now_ns();
                if (write_all(c.in, all.p + start[next], start[next + 1] - start[next])) {
                    fail("writing request %ld failed: %s", next, strerror(errno));
                    break;
                }
                next++;
                inflight++;
            }
            const char *f;
            size_t fn;
            int progressed = 0;
            while ((f = reader_frame(&r, &fn)) != NULL) {
                long id = check_answer(f, fn, 1, n);
                uint64_t t = now_ns();
                if (id >= 1 && id <= n) {
                    inflight--;
                    progressed = 1;
                    if (id > opt_warmup) s->lat[s->nlat++] = t - sent[id];
                }
            }
            if (progressed || failed) continue;
            int got = reader_fill(&r, opt_timeout * 1000);
            if (got == 0) { fail("no answer for %d s: %ld of %ld requests answered", opt_timeout, answered, n); break; }
            if (got < 0) { fail("the server closed its output: %ld of %ld requests answered", answered, n); break; }
        }
        s->elapsed_s = (double)(now_ns() - start_ns) / 1e9;
        free(sent);
        qsort(s->lat, (size_t)s->nlat, sizeof(uint64_t), cmp_u64);
    }
    double cpu1 = proc_cpu_us(c.pid);
    s->cpu_us = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
    if (!failed && answered != n) fail("%ld of %ld requests answered correctly", answered, n);
    finish(&c, &r, s);
    free(all.p);
    free(start);
}

/* ---------- output ---------- */

static double pct(const uint64_t *v, long n, double p) {
    if (n == 0) return 0;
    long i = (long)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1e3;
}

static void print_common(void) {
    printf("\"ok\":%s,\"error\":", failed ? "false" : "true");
    if (failed) {
        putchar('"');
        for (const char *p = fail_msg; *p; p++) {
            if (*p == '"' || *p == '\\') putchar('\\');
            putchar((unsigned char)*p < 0x20 ? ' ' : *p);
        }
        putchar('"');
    } else {
        printf("null");
    }
    printf(",\"framing\":\"%s\",\"wrong\":%ld", opt_lsp ? "lsp" : "ndjson", wrong);
}

/* ---------- direct HTTP: the baseline the forwarding latency is compared with ---------- */


static int http_connect(const struct sockaddr_in *sa) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)sa, sizeof *sa)) die("connect to %s: %s", opt_url, strerror(errno));
    return fd;
}

/* POSTs the payload --requests times over one keep-alive connection (reconnecting if the
 * stand-in closes it), one at a time, and reports the latency like --mode window. */
static int run_http(void) {
    char host[64], path[512] = "/";
    int port = 80;
    const char *u = opt_url;
    if (strncmp(u, "http://", 7) != 0) die("--url must start with http://");
    u += 7;
    size_t hl = strcspn(u, ":/");
    if (hl >= sizeof host) die("bad --url");
    memcpy(host, u, hl);
    host[hl] = 0;
    u += hl;
    if (*u == ':') port = (int)strtol(u + 1, (char **)&u, 10);
    if (*u == '/') snprintf(path, sizeof path, "%s", u);
    if (strcmp(host, "localhost") == 0) snprintf(host, sizeof host, "127.0.0.1");
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    /* Load only ever goes to this machine. */
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
        die("--url must name a loopback address (127.x.x.x or localhost)");

    buf_t req = {0};
    buf_adds(&req, "POST ");
    buf_adds(&req, path);
    buf_adds(&req, " HTTP/1.1\r\nHost: ");
    buf_adds(&req, host);
    buf_adds(&req, opt_new_connection ? "\r\nConnection: close" : "");
    buf_adds(&req, "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: ");
    buf_addu(&req, payload_len);
    buf_adds(&req, "\r\n\r\n");
    buf_add(&req, payload, payload_len);

    long n = opt_requests;
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)n);
    long nlat = 0, ok_count = 0, reconnects = 0;
    int fd = http_connect(&sa);
    reader_t r;
    reader_init(&r, fd);
    uint64_t start_ns = now_ns();
    for (long i = 1; i <= n && !failed; i++) {
        uint64_t t0 = now_ns();
        if (opt_new_connection && i > 1) {
            close(fd);
            fd = http_connect(&sa);
            r.fd = fd; r.len = r.pos = 0;
        }
        if (write_all(fd, req.p, req.len)) {
            close(fd);
            fd = http_connect(&sa);
            r.fd = fd; r.len = r.pos = 0;
            reconnects++;
            t0 = now_ns();
            if (write_all(fd, req.p, req.len)) { fail("cannot send to %s: %s", opt_url, strerror(errno)); break; }
        }
        /* status line + headers */
        const char *hdr, *end;
        for (;;) {
            hdr = r.p + r.pos;
            end = memmem(hdr, r.len - r.pos, "\r\n\r\n", 4);
            if (end) break;
            int got = reader_fill(&r, opt_timeout * 1000);
            if (got <= 0) { fail("no HTTP answer from %s to request %ld", opt_url, i); break; }
        }
        if (failed) break;
        hdr = r.p + r.pos;
        end = memmem(hdr, r.len - r.pos, "\r\n\r\n", 4);
        int status = (end - hdr > 12) ? atoi(hdr + 9) : 0;
        long length = -1;
        int close_after = 0;
        for (const char *line = hdr; line < end;) {
            const char *nl = memmem(line, (size_t)(end + 2 - line), "\r\n", 2);
            if ((size_t)(nl - line) > 15 && strncasecmp(line, "content-length:", 15) == 0) length = strtol(line + 15, NULL, 10);
            if ((size_t)(nl - line) >= 17 && strncasecmp(line, "connection: close", 17) == 0) close_after = 1;
            line = nl + 2;
        }
        if (length < 0) { fail("the HTTP answer has no Content-Length"); break; }
        size_t body_at = (size_t)(end + 4 - r.p);
        while (r.len < body_at + (size_t)length) {
            size_t off = body_at - r.pos;
            int got = reader_fill(&r, opt_timeout * 1000); /* moves the data to the front */
            body_at = off + r.pos;
            if (got <= 0) { fail("truncated HTTP answer"); break; }
        }
        if (failed) break;
        uint64_t t1 = now_ns();
        const char *body = r.p + body_at;
        int good = status >= 200 && status < 300;
        for (int k = 0; good && k < opt_nexpect; k++)
            if (!memmem(body, (size_t)length, opt_expect[k], strlen(opt_expect[k]))) good = 0;
        if (!good) {
            wrong++;
            fail("HTTP answer %d to request %ld is not the expected one", status, i);
            show("answer", body, (size_t)length);
        } else {
            ok_count++;
        }
        if (i > opt_warmup) lat[nlat++] = t1 - t0;
        r.pos = body_at + (size_t)length;
        if (close_after && !opt_new_connection) {
            close(fd);
            fd = http_connect(&sa);
            r.fd = fd; r.len = r.pos = 0;
            reconnects++;
        }
    }
    double elapsed = (double)(now_ns() - start_ns) / 1e9;
    close(fd);
    qsort(lat, (size_t)nlat, sizeof(uint64_t), cmp_u64);
    double sum = 0;
    for (long i = 0; i < nlat; i++) sum += (double)lat[i];
    printf("{\"mode\":\"http\",");
    print_common();
    printf(",\"requests\":%ld,\"warmup\":%ld,\"answered\":%ld,\"reconnects\":%ld,\"elapsed_s\":%.4f,\"msgs_per_s\":%.0f,"
           "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f,\"min_us\":%.2f,\"mean_us\":%.2f}\n",
           n, opt_warmup, ok_count, reconnects, elapsed, elapsed > 0 ? (double)ok_count / elapsed : 0,
           pct(lat, nlat, 0.50), pct(lat, nlat, 0.90), pct(lat, nlat, 0.99),
           nlat ? (double)lat[nlat - 1] / 1e3 : 0, nlat ? (double)lat[0] / 1e3 : 0, nlat ? sum / (double)nlat / 1e3 : 0);
    return failed ? 1 : 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: driver --mode pipelined|window|startup|http|emit|probe [--url URL] [--framing ndjson|lsp] [--payload FILE]\n"
            "              [--requests N] [--window K] [--warmup N] [--spawns N] [--method M]\n"
            "              [--params TEMPLATE-with-%%PAYLOAD%%] [--expect STR]... [--timeout S]\n"
            "              [--stderr FILE] [--new-connection] -- COMMAND [ARGS...]\n");
    exit(2);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define NEXT() (i + 1 < argc ? argv[++i] : (usage(), ""))
        if (strcmp(a, "--") == 0) { opt_cmd = argv + i + 1; break; }
        else if (strcmp(a, "--mode") == 0) {
            const char *m = NEXT();
            if (strcmp(m, "pipelined") == 0) opt_mode = PIPELINED;
            else if (strcmp(m, "window") == 0 || strcmp(m, "pingpong") == 0) opt_mode = WINDOW;
            else if (strcmp(m, "startup") == 0) opt_mode = STARTUP;
            else if (strcmp(m, "http") == 0) opt_mode = HTTP;
            else if (strcmp(m, "emit") == 0) opt_mode = EMIT;
            else if (strcmp(m, "probe") == 0) opt_mode = PROBE;
            else usage();
        }
        else if (strcmp(a, "--framing") == 0) opt_lsp = strcmp(NEXT(), "lsp") == 0;
        else if (strcmp(a, "--requests") == 0) opt_requests = atol(NEXT());
        else if (strcmp(a, "--window") == 0) opt_window = atol(NEXT());
        else if (strcmp(a, "--warmup") == 0) opt_warmup = atol(NEXT());
        else if (strcmp(a, "--spawns") == 0) opt_spawns = atol(NEXT());
        else if (strcmp(a, "--payload") == 0) opt_payload = NEXT();
        else if (strcmp(a, "--method") == 0) opt_method = NEXT();
        else if (strcmp(a, "--params") == 0) opt_params = NEXT();
        else if (strcmp(a, "--expect") == 0) { if (opt_nexpect < 16) opt_expect[opt_nexpect++] = NEXT(); }
        else if (strcmp(a, "--timeout") == 0) opt_timeout = atoi(NEXT());
        else if (strcmp(a, "--stderr") == 0) opt_stderr = NEXT();
        else if (strcmp(a, "--url") == 0) opt_url = NEXT();
        else if (strcmp(a, "--new-connection") == 0) opt_new_connection = 1;
        else usage();
    }
    if (opt_mode != HTTP && opt_mode != EMIT && (!opt_cmd || !opt_cmd[0])) usage();
    if (opt_mode == PROBE && opt_timeout > 10) opt_timeout = 10;
    if (opt_mode == HTTP && !opt_url) usage();
    if (opt_requests < 1) opt_requests = 1;
    if (opt_window < 1) opt_window = 1;
    signal(SIGPIPE, SIG_IGN);

    if (opt_payload) {
        size_t n;
        char *raw = read_file(opt_payload, &n);
        payload = compact_json(raw, n, &payload_len);
        free(raw);
    } else {
        payload = "{}";
        payload_len = 2;
    }

    if (opt_mode == HTTP) return run_http();
    if (opt_mode == PROBE) {
        /* One request (id 1) with stdin kept open until it is answered; prints the answer's body.
         * bench/run uses it to see which methods the server has. */
        child_t c = spawn_child();
        reader_t r;
        reader_init(&r, c.out);
        buf_t b = {0};
        add_request(&b, 1, opt_method, opt_params);
        int answered_probe = 0;
        if (write_all(c.in, b.p, b.len) == 0) {
            for (;;) {
                const char *f;
                size_t fn;
                while ((f = reader_frame(&r, &fn)) != NULL) {
                    long id;
                    int has_result, has_error;
                    if (scan_answer(f, fn, &id, &has_result, &has_error) == 0 && id == 1) {
                        fwrite(f, 1, fn, stdout);
                        putchar('\n');
                        answered_probe = 1;
                        break;
                    }
                }
                if (answered_probe || reader_fill(&r, opt_timeout * 1000) <= 0) break;
            }
        }
        b.len = 0;
        add_request(&b, 2, "shutdown", NULL);
        add_notification(&b, "exit");
        write_all(c.in, b.p, b.len);
        close(c.in);
        int status;
        for (int waited = 0; waitpid(c.pid, &status, WNOHANG) == 0; waited++) {
            if (waited == 2000) { kill(-c.pid, SIGKILL); waitpid(c.pid, &status, 0); break; }
            usleep(1000);
        }
        return answered_probe ? 0 : 1;
    }
    if (opt_mode == EMIT) {
        /* The whole session as a file, for profiling: initialize, the requests, shutdown, exit. */
        buf_t b = {0};
        add_request(&b, 0, "initialize", "{\"processId\":null,\"rootUri\":null,\"capabilities\":{}}");
        add_notification(&b, "initialized");
        for (long i = 1; i <= opt_requests; i++) {
            add_request(&b, i, opt_method, opt_params);
            if (b.len > (8u << 20)) { if (write_all(1, b.p, b.len)) return 1; b.len = 0; }
        }
        add_request(&b, opt_requests + 1, "shutdown", NULL);
        add_notification(&b, "exit");
        return write_all(1, b.p, b.len) ? 1 : 0;
    }

    if (opt_mode == STARTUP) {
        long k = opt_spawns < 1 ? 1 : opt_spawns;
        double *init = malloc(sizeof(double) * (size_t)k);
        long *idle = malloc(sizeof(long) * (size_t)k);
        long *peak = malloc(sizeof(long) * (size_t)k);
        for (long i = 0; i < k && !failed; i++) {
            session_t s = {0};
            max_id = 1;
            free(seen);
            seen = calloc(2, 1);
            reader_t r;
            uint64_t t0 = now_ns();
            child_t c = spawn_child();
            reader_init(&r, c.out);
            initialize(&c, &r, &s, t0);
            finish(&c, &r, &s);
            free(r.p);
            init[i] = s.init_us;
            idle[i] = s.idle_rss_kb;
            peak[i] = s.hwm_kb > s.maxrss_kb ? s.hwm_kb : s.maxrss_kb;
        }
        /* medians */
        for (long i = 1; i < k; i++)
            for (long j = i; j > 0 && init[j] < init[j - 1]; j--) { double t = init[j]; init[j] = init[j - 1]; init[j - 1] = t; }
        for (long i = 1; i < k; i++)
            for (long j = i; j > 0 && idle[j] < idle[j - 1]; j--) { long t = idle[j]; idle[j] = idle[j - 1]; idle[j - 1] = t; }
        for (long i = 1; i < k; i++)
            for (long j = i; j > 0 && peak[j] < peak[j - 1]; j--) { long t = peak[j]; peak[j] = peak[j - 1]; peak[j - 1] = t; }
        printf("{\"mode\":\"startup\",");
        print_common();
        printf(",\"spawns\":%ld,\"startup_median_us\":%.1f,\"startup_min_us\":%.1f,\"startup_max_us\":%.1f,"
               "\"idle_rss_kb\":%ld,\"peak_rss_kb\":%ld}\n",
               k, init[k / 2], init[0], init[k - 1], idle[k / 2], peak[k / 2]);
        return failed ? 1 : 0;
    }

    session_t s = {0};
    run_load(&s);
    if (opt_mode == PIPELINED) {
        printf("{\"mode\":\"pipelined\",");
        print_common();
        printf(",\"requests\":%ld,\"answered\":%ld,\"elapsed_s\":%.4f,\"msgs_per_s\":%.0f,\"request_bytes\":%zu,"
               "\"startup_us\":%.1f,\"idle_rss_kb\":%ld,\"peak_rss_kb\":%ld,\"maxrss_kb\":%ld}\n",
               opt_requests, answered, s.elapsed_s, s.elapsed_s > 0 ? (double)answered / s.elapsed_s : 0,
               s.bytes_out, s.init_us, s.idle_rss_kb, s.hwm_kb, s.maxrss_kb);
    } else {
        printf("{\"mode\":\"window\",");
        print_common();
        printf(",\"window\":%ld,\"requests\":%ld,\"warmup\":%ld,\"answered\":%ld,\"elapsed_s\":%.4f,\"msgs_per_s\":%.0f,"
               "\"p50_us\":%.2f,\"p90_us\":%.2f,\"p99_us\":%.2f,\"max_us\":%.2f,\"min_us\":%.2f,\"mean_us\":%.2f,"
               "\"startup_us\":%.1f,\"idle_rss_kb\":%ld,\"peak_rss_kb\":%ld,\"maxrss_kb\":%ld,"
               "\"server_cpu_us\":%.0f,\"cpu_per_request_us\":%.2f}\n",
               opt_window, opt_requests, opt_warmup, answered, s.elapsed_s,
               s.elapsed_s > 0 ? (double)answered / s.elapsed_s : 0,
               pct(s.lat, s.nlat, 0.50), pct(s.lat, s.nlat, 0.90), pct(s.lat, s.nlat, 0.99),
               s.nlat ? (double)s.lat[s.nlat - 1] / 1e3 : 0, s.nlat ? (double)s.lat[0] / 1e3 : 0,
               ({ double sum = 0; for (long i = 0; i < s.nlat; i++) sum += (double)s.lat[i]; s.nlat ? sum / (double)s.nlat / 1e3 : 0; }),
               s.init_us, s.idle_rss_kb, s.hwm_kb, s.maxrss_kb,
               s.cpu_us, s.cpu_us >= 0 && opt_requests > 0 ? s.cpu_us / (double)opt_requests : -1);
    }
    return failed ? 1 : 0;
}
