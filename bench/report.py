#!/usr/bin/env python3
"""Turns bench/run's raw driver records into the table it prints and bench/out/results.json.

Every figure of openframe-rpc is shown beside the stdio ceiling's from the same run, as a
ratio, and beside its target with PASS/MISS. Exit status: 0 all answers right, 1 a run failed
(missing/wrong answers, server not measurable, in-process check failed), 2 with --strict 1 when
every answer was right but a target was missed.
"""
import argparse
import json
import statistics
import sys

p = argparse.ArgumentParser()
p.add_argument("--raw", required=True)
p.add_argument("--notes", required=True)
p.add_argument("--failures", required=True)
p.add_argument("--meta", required=True)
p.add_argument("--out", required=True)
p.add_argument("--strict", default="0")
args = p.parse_args()


def lines(path):
    try:
        with open(path) as f:
            return [line.rstrip("\n") for line in f if line.strip()]
    except OSError:
        return []


records = [json.loads(line) for line in lines(args.raw)]
notes = lines(args.notes)
failures = lines(args.failures)
meta = json.loads(args.meta)

runs = {}  # (section, key, target) -> [data, ...] (only runs that produced figures)
for r in records:
    if isinstance(r.get("data"), dict):
        runs.setdefault((r["section"], r["key"], r["target"]), []).append(r["data"])


def good(section, key, target):
    return [d for d in runs.get((section, key, target), []) if d.get("ok")]


def median_of(section, key, target, field):
    values = [d[field] for d in good(section, key, target) if d.get(field) is not None]
    return statistics.median(values) if values else None


rows = []


def row(group, name, unit, server, ceiling=None, ratio="auto", target=None, check=None, extra=None):
    """check(server, ceiling, ratio) -> bool decides PASS/MISS; target is its text."""
    if ratio == "auto":
        ratio = (server / ceiling) if (server is not None and ceiling) else None
    status = ""
    if check is not None:
        if server is None:
            status = "NOT RUN"
        else:
            status = "PASS" if check(server, ceiling, ratio) else "MISS"
    entry = {"group": group, "name": name, "unit": unit, "server": server, "ceiling": ceiling,
             "ratio_to_ceiling": ratio, "target": target, "status": status or None}
    if extra:
        entry.update(extra)
    rows.append(entry)


# 1. pipelined
for framing in ("ndjson", "lsp"):
    s = median_of("pipelined", framing, "server", "msgs_per_s")
    c = median_of("pipelined", framing, "ceiling", "msgs_per_s")
    if s is None and c is None:
        continue
    row("pipelined validate", f"{framing.upper()} throughput (median of runs)",
        "msgs/s", s, c, target=">= 30 % of ceiling",
        check=lambda s, c, r: r is not None and r >= 0.30,
        extra={"runs_server": [d["msgs_per_s"] for d in good("pipelined", framing, "server")],
               "runs_ceiling": [d["msgs_per_s"] for d in good("pipelined", framing, "ceiling")]})

# 2. ping-pong
for pin in ("unpinned", "pinned"):
    for framing in ("ndjson", "lsp"):
        key = f"{framing}.{pin}"
        if not runs.get(("pingpong", key, "ceiling")) and not runs.get(("pingpong", key, "server")):
            continue
        for field, label in (("p50_us", "p50"), ("p99_us", "p99"), ("max_us", "max")):
            s = median_of("pingpong", key, "server", field)
            c = median_of("pingpong", key, "ceiling", field)
            target = check = None
            if pin == "pinned" and field == "p50_us":
                target = "<= 1.6 x ceiling"
                check = lambda s, c, r: r is not None and r <= 1.6
            row(f"ping-pong {pin}", f"{framing.upper()} {label} latency", "us", s, c, target=target, check=check)

# 4. start-up and memory
s = median_of("startup", "spawn", "server", "startup_median_us")
c = median_of("startup", "spawn", "ceiling", "startup_median_us")
if s is not None or c is not None:
    row("start-up", "spawn -> initialize answered (median)", "ms",
        s / 1000 if s is not None else None, c / 1000 if c is not None else None,
        target="<= 5 ms", check=lambda s, c, r: s <= 5.0)
idle_s = median_of("startup", "spawn", "server", "idle_rss_kb")
idle_c = median_of("startup", "spawn", "ceiling", "idle_rss_kb")
if idle_s is None and idle_c is None:  # fall back to the idle figure of the pipelined runs
    idle_s = median_of("pipelined", "ndjson", "server", "idle_rss_kb")
    idle_c = median_of("pipelined", "ndjson", "ceiling", "idle_rss_kb")
if idle_s is not None or idle_c is not None:
    row("memory", "resident, idle after initialize (VmRSS)", "MB",
        idle_s / 1024 if idle_s is not None else None, idle_c / 1024 if idle_c is not None else None,
        target="<= 8 MB", check=lambda s, c, r: s <= 8.0)


idle_maps = good("startup", "idle-maps", "server")
if idle_maps:
    m = idle_maps[0]
    row("memory", "forwarding libraries mapped when idle (libcurl, libxml2, FoundationNetworking/XML)", "list",
        m["forwarding_mapped"], ratio=None, target="none", check=lambda s, c, r: not s,
        extra={"linked": m["forwarding_linked"], "icu_mapped": m["icu_mapped"]})


def peak(target):
    values = []
    for framing in ("ndjson", "lsp"):
        for d in good("pipelined", framing, target):
            values.append(max(d.get("peak_rss_kb") or 0, d.get("maxrss_kb") or 0)
                          if target == "server" else (d.get("peak_rss_kb") or 0))
    return max(values) / 1024 if values else None


ps, pc = peak("server"), peak("ceiling")
if ps is not None or pc is not None:
    row("memory", "resident, peak under the pipelined flood", "MB", ps, pc,
        target="<= 32 MB", check=lambda s, c, r: s <= 32.0)

# 5. in-process
ip = good("inprocess", "core", "swift")
if ip:
    d = ip[0]
    batches = d.get("figures", "")
    if d.get("validator"):
        row("in-process", "Validator.validate, example payload", "ns", d.get("validate_ns"), ratio=None)
        row("in-process", "JSONParser.parse + Validator.validate, example", "ns", d.get("parse_validate_ns"), ratio=None)
    row("in-process", f"JSONParser.parse, example ({d.get('example_bytes')} B)", "ns", d.get("parse_example_ns"), ratio=None)
    size = f"{d.get('large_entries')} phone logs, {d.get('large_bytes', 0) / 1e6:.2f} MB"
    fp, fw = d.get("foundation_parse_mb_s"), d.get("foundation_write_mb_s")
    # For these rows the comparison column is Foundation's JSONSerialization, not the ceiling.
    row("in-process JSON", f"parse ({size})", "MB/s", d.get("json_parse_mb_s"), fp,
        extra={"compared_with": "JSONSerialization.jsonObject"})
    row("in-process JSON", "parse + build JSONValue tree", "MB/s", d.get("json_parse_value_mb_s"), fp,
        extra={"compared_with": "JSONSerialization.jsonObject"})
    row("in-process JSON", "write JSONValue (JSONWriter.serialize)", "MB/s", d.get("json_write_value_mb_s"), fw,
        extra={"compared_with": "JSONSerialization.data"})
    row("in-process JSON", "write parsed nodes (JSONWriter.write)", "MB/s", d.get("json_write_node_mb_s"), fw,
        extra={"compared_with": "JSONSerialization.data"})

# 6. forwarding
direct = good("forwarding", "direct", "http")
fresh = good("forwarding", "direct-new-connection", "http")
f1 = good("forwarding", "inflight1", "server")
f16 = good("forwarding", "inflight16", "server")
if direct or fresh or f1 or f16:
    d0 = direct[0] if direct else {}
    n0 = fresh[0] if fresh else {}
    beside = {"compared_with": "direct HTTP to the stand-in, one keep-alive connection"}
    if f1:
        row("forwarding", "creates/s, 1 in flight", "1/s", f1[0]["msgs_per_s"], d0.get("msgs_per_s"), extra=beside)
        row("forwarding", "p50 latency, 1 in flight", "us", f1[0]["p50_us"], d0.get("p50_us"), extra=beside)
        row("forwarding", "p99 latency, 1 in flight", "us", f1[0]["p99_us"], d0.get("p99_us"), extra=beside)
        if d0:
            row("forwarding", "latency added over direct keep-alive HTTP (p50)", "us",
                f1[0]["p50_us"] - d0["p50_us"], ratio=None)
        if n0:
            row("forwarding", "latency added over direct HTTP, new connection each (p50)", "us",
                f1[0]["p50_us"] - n0["p50_us"], ratio=None)
    if f16:
        row("forwarding", "creates/s, 16 in flight", "1/s", f16[0]["msgs_per_s"], d0.get("msgs_per_s"), extra=beside)
        row("forwarding", "p50 latency, 16 in flight", "us", f16[0]["p50_us"], ratio=None)
        row("forwarding", "p99 latency, 16 in flight", "us", f16[0]["p99_us"], ratio=None)
    if n0:
        row("forwarding", "direct HTTP, new connection each: p50", "us", n0["p50_us"], ratio=None)
    n1 = good("forwarding", "inflight1", "node")
    n16 = good("forwarding", "inflight16", "node")
    node_beside = {"compared_with": "the Node forwarder (bench/node-forwarder.mjs), same run"}
    if f16 and d0:
        row("forwarding", "creates/s at 16 in flight / direct keep-alive", "1/s", f16[0]["msgs_per_s"], d0.get("msgs_per_s"),
            target=">= 0.40 x direct", check=lambda s, c, r: r is not None and r >= 0.40, extra=beside)
    if f16 and n16:
        row("forwarding", "creates/s at 16 in flight / Node", "1/s", f16[0]["msgs_per_s"], n16[0]["msgs_per_s"],
            target=">= 2 x Node", check=lambda s, c, r: r is not None and r >= 2.0, extra=node_beside)
    if f1 and n1 and d0:
        row("forwarding", "latency added at 1 in flight (p50) / Node's", "us", f1[0]["p50_us"] - d0["p50_us"],
            n1[0]["p50_us"] - d0["p50_us"], target="<= Node's", check=lambda s, c, r: c is not None and s <= c, extra=node_beside)
    if f16 and n16:
        row("forwarding", "server CPU per create at 16 in flight / Node's", "us", f16[0].get("cpu_per_request_us"),
            n16[0].get("cpu_per_request_us"), extra=node_beside)

# 7. WAN: TLS + HTTP/2 behind 10 ms each way
wan = {}
for who in ("wrk", "node", "server"):
    for key in ("direct1", "direct16", "inflight1", "inflight16", "connections40"):
        got = good("wan", key, who)
        if got:
            wan[(who, key)] = got[0]
wan_table = []
if wan:
    def wv(who, key, field):
        d = wan.get((who, key))
        return d.get(field) if d else None
    direct_p50 = wv("wrk", "direct1", "p50_us")
    direct_rps = wv("wrk", "direct16", "msgs_per_s")
    table_rows = [
        ("HTTP client on kept-alive connections (wrk)", direct_p50, wv("wrk", "direct1", "connections"), direct_rps, None),
        ("the Node server (node:https keep-alive agent, same job)", wv("node", "inflight1", "p50_us"),
         wv("node", "connections40", "connections"), wv("node", "inflight16", "msgs_per_s"), wv("node", "inflight16", "cpu_per_request_us")),
        ("openframe-rpc", wv("server", "inflight1", "p50_us"), wv("server", "connections40", "connections"),
         wv("server", "inflight16", "msgs_per_s"), wv("server", "inflight16", "cpu_per_request_us")),
    ]
    wan_table = table_rows
    sp50, sconn = wv("server", "inflight1", "p50_us"), wv("server", "connections40", "connections")
    srps, scpu = wv("server", "inflight16", "msgs_per_s"), wv("server", "inflight16", "cpu_per_request_us")
    nrps, ncpu = wv("node", "inflight16", "msgs_per_s"), wv("node", "inflight16", "cpu_per_request_us")
    g = "WAN: TLS + HTTP/2, 10 ms each way"
    row(g, "p50 per create, 1 in flight / kept-alive direct (wrk)", "us", sp50, direct_p50,
        target="<= 1.1 x direct", check=lambda s, c, r: r is not None and r <= 1.1)
    row(g, "TLS connections for 40 sequential creates", "n", sconn, wv("node", "connections40", "connections"), ratio=None,
        target="= 1", check=lambda s, c, r: s == 1)
    row(g, "creates/s, 16 in flight / Node's", "1/s", srps, nrps,
        target=">= Node's", check=lambda s, c, r: c is not None and s >= c)
    row(g, "server CPU per create, 16 in flight / Node's", "us", scpu, ncpu,
        target="<= Node's", check=lambda s, c, r: c is not None and s <= c)
    row(g, "creates/s, 16 in flight / wrk on 16 kept-alive connections", "1/s", srps, direct_rps)

# Every run that failed is a failure, even if bench/run did not notice.
for r in records:
    d = r.get("data")
    if isinstance(d, dict) and not d.get("ok") and r["section"] != "inprocess":
        msg = f"{r['section']}/{r['key']} ({r['target']}): {d.get('error')}"
        if not any(msg in f or f in msg for f in failures):
            failures.append(msg)

misses = [f"{r['group']}: {r['name']}" for r in rows if r["status"] == "MISS"]
ok = not failures


# ---------------------------------------------------------------- table
def fmt(v, unit):
    if v is None:
        return "-"
    if unit in ("msgs/s", "1/s"):
        if v >= 1e6:
            return f"{v / 1e6:.3f} M/s"
        return f"{v / 1e3:.1f} k/s" if v >= 1e3 else f"{v:.1f} /s"
    if unit == "us":
        return f"{v:.1f} us" if v < 1000 else f"{v / 1000:.2f} ms"
    if unit == "ms":
        return f"{v:.2f} ms"
    if unit == "MB":
        return f"{v:.1f} MB"
    if unit == "ns":
        return f"{v:,.0f} ns" if v < 1e6 else f"{v / 1e6:.2f} ms"
    if unit == "MB/s":
        return f"{v:,.0f} MB/s"
    if unit == "list":
        return ", ".join(v) if v else "none"
    return f"{v}"


header = ("figure", "openframe-rpc", "ceiling", "ratio", "target", "")
table = []
group = None
for r in rows:
    if r["group"] != group:
        group = r["group"]
        label = group
        if group == "in-process" and ip and ip[0].get("figures"):
            label += f"   ({ip[0]['figures']})"
        if group.startswith("in-process JSON"):
            label += "   (beside: Foundation JSONSerialization)"
        elif group == "forwarding":
            label += "   (beside: direct HTTP to the stand-in, or the Node forwarder where named)"
        elif group.startswith("WAN"):
            label += "   (beside: wrk, or the Node forwarder where named)"
        table.append((f"[{label}]",))
    ratio = r["ratio_to_ceiling"]
    table.append(("  " + r["name"], fmt(r["server"], r["unit"]), fmt(r["ceiling"], r["unit"]),
                  f"{ratio:.2f}x" if ratio is not None else "", r["target"] or "", r["status"] or ""))

widths = [max(len(t[i]) for t in [header] + [t for t in table if len(t) > 1]) for i in range(len(header))]
out = sys.stdout
print("", file=out)
print(f"openframe-rpc benchmark  {meta.get('date')}  {meta.get('branch')}@{(meta.get('commit') or '')[:10]}"
      f"{' (dirty)' if meta.get('dirty') else ''}  {meta.get('cpus')} CPUs  {meta.get('cpu')}"
      f"{'  [--quick]' if meta.get('quick') else ''}", file=out)
if meta.get("loadavg_before") or meta.get("loadavg_after"):
    def first(text):
        try:
            return float((text or "").split()[0])
        except (IndexError, ValueError):
            return 0.0
    busy = max(first(meta.get("loadavg_before")), first(meta.get("loadavg_after"))) > (meta.get("cpus") or 2)
    print(f"load average before {meta.get('loadavg_before')}, after {meta.get('loadavg_after')}"
          + (f": above {meta.get('cpus')} CPUs, other work shared them; trust the ratios more than absolute figures"
             if busy else ""), file=out)
print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths))), file=out)
print("  ".join("-" * w for w in widths), file=out)
for t in table:
    if len(t) == 1:
        print(t[0], file=out)
    else:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(t, widths))), file=out)
print("", file=out)
if wan_table:
    print("WAN (nginx TLS + HTTP/2 behind a proxy adding 10 ms each way; same run):", file=out)
    head = ("client", "p50 per create, 1 in flight", "TLS connections for 40", "creates/s, 16 in flight", "server CPU per create")
    body = [(name, fmt(p50, "us"), "-" if conns is None else str(conns), fmt(rps, "1/s"), fmt(cpu, "us") if cpu is not None else "-")
            for name, p50, conns, rps, cpu in wan_table]
    w = [max(len(t[i]) for t in [head] + body) for i in range(len(head))]
    print("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(head)), file=out)
    for t in body:
        print("  ".join(c.ljust(w[i]) if i == 0 else c.rjust(w[i]) for i, c in enumerate(t)), file=out)
    print("", file=out)
print("ratio = openframe-rpc / ceiling (the trivial C stdio server measured in the same run):"
      " throughput higher is better, latency lower is better.", file=out)
for n in notes:
    print(f"note: {n}", file=out)
if misses:
    print(f"MISSED TARGETS ({len(misses)}): " + "; ".join(misses), file=out)
for f in failures:
    print(f"FAILED: {f}", file=out)
print(("OK: every answer present and right" if ok else "BENCHMARK FAILED: see FAILED lines above")
      + f"; results in {args.out}", file=out)

result = {
    "meta": meta,
    "wan": [dict(zip(("client", "p50_us", "connections_for_40", "creates_per_s_16", "cpu_per_create_us"), t)) for t in wan_table],
    "ok": ok,
    "failures": failures,
    "missed_targets": misses,
    "notes": notes,
    "rows": rows,
    "runs": records,
}
with open(args.out, "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

if not ok:
    sys.exit(1)
if args.strict == "1" and misses:
    sys.exit(2)
sys.exit(0)
