#!/usr/bin/env python3
"""TCP proxy adding a fixed delay each way, as a nearby instance's round trip would (bench/run, WAN).

    delay-proxy.py --listen PORT --to HOST:PORT --delay-ms 10 --count-file FILE

Every chunk read from one side is written to the other `--delay-ms` after it arrived, in order,
so a round trip gains 2 x delay and throughput is not capped. It works on TCP bytes: TLS and
HTTP/2 pass through untouched. Each accepted connection increments the number in --count-file
(rewritten whole, so a reader always sees a number): how many TCP (hence TLS) connections the
client opened. Prints "listening PORT" once ready.
"""
import argparse
import asyncio
import os
import socket

parser = argparse.ArgumentParser()
parser.add_argument("--listen", type=int, required=True)
parser.add_argument("--to", required=True)
parser.add_argument("--delay-ms", type=float, default=10.0)
parser.add_argument("--count-file", required=True)
args = parser.parse_args()
to_host, to_port = args.to.rsplit(":", 1)
delay = args.delay_ms / 1000.0
connections = 0


def count():
    tmp = args.count_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{connections}\n")
    os.replace(tmp, args.count_file)


async def pipe(reader, writer):
    """Reads chunks, stamps them, and a second task writes each at its time: no head-of-line wait."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(65536)
            queue.put_nowait((loop.time() + delay, data or None))
            if not data:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    global connections
    connections += 1
    count()
    try:
        server_reader, server_writer = await asyncio.open_connection(to_host, int(to_port))
    except OSError:
        client_writer.close()
        return
    for w in (client_writer, server_writer):
        w.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer),
                         return_exceptions=True)


async def main():
    count()
    server = await asyncio.start_server(handle, "127.0.0.1", args.listen)
    print(f"listening {args.listen}", flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
