/*
 * The stdio ceiling: the fastest a JSON-RPC server over stdio can be on this machine.
 *
 * Reads frames exactly as openframe-rpc does (auto-detected on the first non-whitespace byte:
 * '{' or '[' means NDJSON, anything else LSP `Content-Length` headers) and answers each frame
 * that carries an id with a canned validate result the size and shape of the real one, echoing
 * the id found by a cheap byte scan. Nothing is parsed as JSON. Frames without an id
 * (notifications) get no answer; the `exit` notification ends the process.
 *
 * Like a careful real server it reads big chunks, answers every whole frame in the chunk, and
 * writes all the answers with one write() before reading again.
 *
 * Build: cc -O2 -o ceiling ceiling.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The result openframe-rpc gives for examples/create-voice-interaction.json (one warning). */
static const char RESULT[] =
    "\"result\":{\"valid\":true,\"diagnostics\":[{\"severity\":\"warning\",\"code\":\"impossible-phone-number\","
    "\"message\":\"interaction.userPhoneNumber \\\"+1303506536\\\" has the E.164 shape but cannot be a real number: "
    "the North American Numbering Plan (+1) uses 10-digit national numbers; this one has 9.\","
    "\"path\":\"/interaction/userPhoneNumber\"}]}}";

static char *out;
static size_t out_len, out_cap;
static int lsp;

static void out_reserve(size_t more) {
    if (out_len + more <= out_cap) return;
    while (out_len + more > out_cap) out_cap = out_cap ? out_cap * 2 : (1 << 20);
    out = realloc(out, out_cap);
    if (!out) _exit(70);
}

static void flush_out(void) {
    size_t off = 0;
    while (off < out_len) {
        ssize_t n = write(1, out + off, out_len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            _exit(0); /* the reader went away */
        }
        off += (size_t)n;
    }
    out_len = 0;
}

/* Finds `"id"` followed by optional blanks and ':' and returns the value's bytes. */
static int find_id(const char *p, size_t n, const char **id, size_t *id_len) {
    const char *end = p + n;
    const char *q = p;
    while ((q = memmem(q, (size_t)(end - q), "\"id\"", 4)) != NULL) {
        const char *v = q + 4;
        while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')) v++;
        if (v >= end || *v != ':') { q += 4; continue; }
        v++;
        while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n')) v++;
        const char *e = v;
        if (e < end && *e == '"') {
            e++;
            while (e < end && *e != '"') e += (*e == '\\') ? 2 : 1;
            if (e >= end) return 0;
            e++;
        } else {
            while (e < end && *e != ',' && *e != '}' && *e != ' ' && *e != '\r' && *e != '\n' && *e != '\t') e++;
        }
        if (e == v) return 0;
        *id = v;
        *id_len = (size_t)(e - v);
        return 1;
    }
    return 0;
}

static void answer(const char *frame, size_t n) {
    const char *id;
    size_t id_len;
    if (!find_id(frame, n, &id, &id_len)) {
        if (memmem(frame, n, "\"exit\"", 6)) {
            flush_out();
            _exit(0);
        }
        return; /* a notification */
    }
    static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":";
    size_t body = sizeof head - 1 + id_len + 1 + sizeof RESULT - 1;
    out_reserve(body + 40);
    if (lsp) {
        /* "Content-Length: N\r\n\r\n" without printf */
        memcpy(out + out_len, "Content-Length: ", 16);
        out_len += 16;
        char digits[24];
        int d = 0;
        size_t v = body;
        do { digits[d++] = (char)('0' + v % 10); v /= 10; } while (v);
        while (d) out[out_len++] = digits[--d];
        memcpy(out + out_len, "\r\n\r\n", 4);
        out_len += 4;
    }
    memcpy(out + out_len, head, sizeof head - 1);
    out_len += sizeof head - 1;
    memcpy(out + out_len, id, id_len);
    out_len += id_len;
    out[out_len++] = ',';
    memcpy(out + out_len, RESULT, sizeof RESULT - 1);
    out_len += sizeof RESULT - 1;
    if (!lsp) out[out_len++] = '\n';
}

/* Parses as many whole frames as `buf[0..n)` holds; returns the bytes consumed. */
static size_t consume(const char *buf, size_t n) {
    size_t pos = 0;
    for (;;) {
        if (lsp) {
            /* Header block: lines up to an empty line; we need Content-Length. */
            /* The block ends at a newline followed by an empty line ("\r\n" or "\n"). */
            const char *hdr_end = NULL, *q = buf + pos, *end = buf + n;
            size_t skip = 0;
            while ((q = memchr(q, '\n', (size_t)(end - q))) != NULL) {
                if (q + 1 < end && q[1] == '\n') { hdr_end = q; skip = 2; break; }
                if (q + 2 < end && q[1] == '\r' && q[2] == '\n') { hdr_end = q; skip = 3; break; }
                if (q + 2 >= end) break;
                q++;
            }
            if (!hdr_end) return pos;
            long length = -1;
            const char *line = buf + pos;
            while (line < hdr_end + 1) {
                const char *nl = memchr(line, '\n', (size_t)(hdr_end + 1 - line));
                if (!nl) break;
                if ((size_t)(nl - line) > 15 && strncasecmp(line, "content-length:", 15) == 0)
                    length = strtol(line + 15, NULL, 10);
                line = nl + 1;
            }
            size_t body = (size_t)(hdr_end - buf) + skip;
            if (length < 0) { pos = body; continue; } /* skip a bad block */
            if (n - body < (size_t)length) return pos;
            answer(buf + body, (size_t)length);
            pos = body + (size_t)length;
        } else {
            const char *nl = memchr(buf + pos, '\n', n - pos);
            if (!nl) return pos;
            size_t len = (size_t)(nl - (buf + pos));
            if (len > 1 || (len == 1 && buf[pos] != '\r')) answer(buf + pos, len);
            pos += len + 1;
        }
    }
}

int main(void) {
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    int detected = 0;
    if (!buf) return 70;
    for (;;) {
        if (len == cap) { cap *= 2; buf = realloc(buf, cap); if (!buf) return 70; }
        ssize_t n = read(0, buf + len, cap - len);
        if (n < 0) { if (errno == EINTR) continue; break; }
        if (n == 0) break;
        len += (size_t)n;
        if (!detected) {
            size_t i = 0;
            while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) i++;
            if (i == len) { len = 0; continue; }
            lsp = !(buf[i] == '{' || buf[i] == '[');
            detected = 1;
        }
        size_t used = consume(buf, len);
        if (used) { memmove(buf, buf + used, len - used); len -= used; }
        flush_out();
    }
    if (!lsp && len) answer(buf, len); /* a last line without newline */
    flush_out();
    return 0;
}
