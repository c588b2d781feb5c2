#!/usr/bin/env python3
"""Runs every fenced code example of the project's Markdown against the built server, so the docs
cannot drift from what the code does. scripts/test runs it; standard library only.

    python3 Tests/Docs/run_docs.py [--binary PATH] [--list] [FILE...]

What each block is, from its fence's info string and the line before it:

- ``<!-- doc: fragment -->`` (optionally ``<!-- doc: fragment: why -->``) on the line right before the
  fence: not run. For snippets that cannot run on their own (editor settings, Lua for Neovim, a
  command that needs a network, an instance or minutes). Keep them rare.
- ``sh``/``bash``/``shell``: run with ``bash -e`` in a sandbox that looks like a clone of the
  repository (examples/, schema/, clients/, Package.swift copied; ``.build/release/openframe-rpc`` and
  ``.build/debug/openframe-rpc`` are the binary under test), with ``openframe-rpc`` on PATH and a
  ``swift`` stand-in on PATH (``swift build`` does nothing: the binary is built; ``swift run
  openframe-rpc ARGS`` runs it). stdin is empty; no OPENFRAME_* variable is set, so the embedded
  sandbox answers. Must exit 0.
- ``python``/``py``: run with python3, the client importable (clients/python/src on PYTHONPATH);
  ``js``/``javascript``/``mjs``: run with node as an ES module, ``import … from 'openframe-rpc'``
  resolving to clients/node. Same sandbox; must exit 0.
- A block without a language, ``text``, ``output`` or ``json`` right after one of those (nothing but
  prose between them, no heading): that block's expected output. ``json``: the output's JSON values
  (stdout only), compared structurally. Otherwise: the output's lines (stdout and stderr together, as
  a terminal shows them; blank lines ignored), compared line by line.
- A block without a language whose lines all start with ``> `` or ``< ``: a session transcript. The
  runner starts ``openframe-rpc --log-level off``, writes each ``>`` message, and compares the
  messages that come back, in order, with the ``<`` lines that follow it; nothing else may come.
- Anything else fails, and the message says how to mark it.

``…`` (U+2026) means "anything" in expected output:
- in JSON: ``…`` or ``"…"`` as a value matches any value; ``…`` as an object member (``{"a": 1, …}``)
  allows members not shown (without it the members must be exactly those shown); ``…`` as the last
  array element allows more elements; ``…`` inside a longer string matches any run of characters.
  A 32-hex sys_id that differs from the one the server generated is bound to it: later messages of
  the same transcript or block use the real one (the sandbox makes a fresh sys_id on every run).
- in text: ``…`` inside a line matches any run of characters; a line that is only ``…`` matches any
  number of lines.

A failure names FILE:LINE of the block (and of the transcript line) and says what differed.
"""

import argparse
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ["README.md", "protocol.md", "clients/README.md", "clients/python/README.md", "clients/node/README.md"]
ELLIPSIS = "\u2026"
FRAGMENT = re.compile(r"^<!--\s*doc:\s*fragment\b.*-->$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)")
SHELL = {"sh", "bash", "shell"}
PYTHON = {"python", "py", "python3"}
NODE = {"js", "javascript", "mjs"}
OUTPUT = {"", "text", "output", "json"}
SYS_ID = re.compile(r"^[0-9a-f]{32}$")
TIMEOUT = 120


@dataclass
class Block:
    file: str
    line: int  # of the opening fence, 1-based
    language: str
    text: str
    fragment: bool
    section: str
    prose_only_since_previous: bool  # only prose (no heading, no block) between it and the block before
    kind: str = ""
    output: Optional["Block"] = None

    @property
    def where(self) -> str:
        return "%s:%d" % (self.file, self.line)


class DocFailure(Exception):
    pass


# ---- Markdown ------------------------------------------------------------------------------------


def blocks_of(path: Path, name: str) -> List[Block]:
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks: List[Block] = []
    section = ""
    since_previous_clean = True
    index = 0
    while index < len(lines):
        line = lines[index]
        match = FENCE.match(line)
        if not match:
            if line.startswith("#"):
                section = line.lstrip("#").strip()
                since_previous_clean = False
            index += 1
            continue
        indent, fence, language = match.group(1), match.group(2), match.group(3).lower()
        body = []
        end = index + 1
        while end < len(lines) and not (lines[end].strip().startswith(fence[0] * len(fence)) and lines[end].strip().strip(fence[0]) == ""):
            body.append(lines[end][len(indent):] if lines[end].startswith(indent) else lines[end])
            end += 1
        previous = index - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        fragment = previous >= 0 and bool(FRAGMENT.match(lines[previous].strip()))
        blocks.append(Block(name, index + 1, language, "\n".join(body) + "\n", fragment, section, since_previous_clean))
        since_previous_clean = True
        index = end + 1
    classify(blocks)
    return blocks


def is_transcript(block: Block) -> bool:
    lines = [l for l in block.text.split("\n") if l.strip()]
    return block.language == "" and bool(lines) and all(l.startswith(("> ", "< ")) for l in lines)


def classify(blocks: List[Block]) -> None:
    previous: Optional[Block] = None
    for block in blocks:
        if block.fragment:
            block.kind = "fragment"
        elif block.language in SHELL:
            block.kind = "sh"
        elif block.language in PYTHON:
            block.kind = "python"
        elif block.language in NODE:
            block.kind = "node"
        elif is_transcript(block):
            block.kind = "transcript"
        elif (block.language in OUTPUT and previous is not None and previous.kind in ("sh", "python", "node")
              and previous.output is None and block.prose_only_since_previous):
            block.kind = "json-output" if block.language == "json" else "text-output"
            previous.output = block
        else:
            block.kind = "unrunnable"
        previous = block


# ---- expected values with … ----------------------------------------------------------------------


class _Any:
    def __repr__(self) -> str:
        return ELLIPSIS


ANY = _Any()


class Obj:
    """An expected object: its members, and whether others are allowed (a bare … member)."""

    def __init__(self, members: Dict[str, Any], open_: bool) -> None:
        self.members = members
        self.open = open_


class Arr:
    def __init__(self, items: List[Any], open_: bool) -> None:
        self.items = items
        self.open = open_


class LenientParser:
    """JSON, plus … where a value, an object member or an array element may stand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> DocFailure:
        line = self.text.count("\n", 0, self.pos) + 1
        return DocFailure("the expected JSON does not parse (line %d of the block): %s" % (line, message))

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def values(self) -> List[Any]:
        found = []
        while self.peek():
            found.append(self.value())
        return found

    def value(self) -> Any:
        c = self.peek()
        if c == ELLIPSIS:
            self.pos += 1
            return ANY
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == '"':
            text = self.string()
            return ANY if text == ELLIPSIS else text
        match = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null").match(self.text, self.pos)
        if not match:
            raise self.error("unexpected %r" % self.text[self.pos:self.pos + 20])
        self.pos = match.end()
        return json.loads(match.group(0))

    def string(self) -> str:
        decoder = json.JSONDecoder()
        try:
            value, end = decoder.raw_decode(self.text, self.pos)
        except ValueError as error:
            raise self.error(str(error))
        self.pos = end
        return value

    def obj(self) -> Obj:
        self.pos += 1
        members: Dict[str, Any] = {}
        open_ = False
        while True:
            c = self.peek()
            if c == "}":
                self.pos += 1
                return Obj(members, open_)
            if c == ELLIPSIS:
                self.pos += 1
                open_ = True
            elif c == '"':
                key = self.string()
                if self.peek() != ":":
                    raise self.error("expected ':' after %r" % key)
                self.pos += 1
                members[key] = self.value()
            else:
                raise self.error("unexpected %r in an object" % self.text[self.pos:self.pos + 20])
            c = self.peek()
            if c == ",":
                self.pos += 1
            elif c != "}":
                raise self.error("expected ',' or '}' in an object, found %r" % self.text[self.pos:self.pos + 20])

    def arr(self) -> Arr:
        self.pos += 1
        items: List[Any] = []
        open_ = False
        while True:
            c = self.peek()
            if c == "]":
                self.pos += 1
                return Arr(items, open_)
            if c == ELLIPSIS and self.text[self.pos + 1:].lstrip()[:1] == "]":
                self.pos += 1
                open_ = True
                continue
            items.append(self.value())
            c = self.peek()
            if c == ",":
                self.pos += 1
            elif c != "]":
                raise self.error("expected ',' or ']' in an array, found %r" % self.text[self.pos:self.pos + 20])


def glob(pattern: str) -> "re.Pattern[str]":
    return re.compile("".join(".*?" if part == ELLIPSIS else re.escape(part) for part in re.split("(%s)" % ELLIPSIS, pattern)) + r"\Z", re.S)


def show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 160 else text[:157] + "..."


def match_json(expected: Any, actual: Any, path: str, bindings: Dict[str, str]) -> None:
    """Raises DocFailure naming the first place ``actual`` differs from ``expected``."""
    where = path or "/"
    if expected is ANY:
        return
    if isinstance(expected, Obj):
        if not isinstance(actual, dict):
            raise DocFailure("at %s: expected an object, got %s" % (where, show(actual)))
        for key, value in expected.members.items():
            if key not in actual:
                raise DocFailure("at %s: member %r is missing (the example shows it)" % (where, key))
            match_json(value, actual[key], "%s/%s" % (path, key), bindings)
        extra = [k for k in actual if k not in expected.members]
        if extra and not expected.open:
            raise DocFailure(
                "at %s: member %r is not in the example: add it, or end the object with … to allow more" % (where, extra[0])
            )
        return
    if isinstance(expected, Arr):
        if not isinstance(actual, list):
            raise DocFailure("at %s: expected an array, got %s" % (where, show(actual)))
        if len(actual) < len(expected.items) or (len(actual) > len(expected.items) and not expected.open):
            raise DocFailure("at %s: expected %d elements, got %d: %s" % (where, len(expected.items), len(actual), show(actual)))
        for index, value in enumerate(expected.items):
            match_json(value, actual[index], "%s/%d" % (path, index), bindings)
        return
    if isinstance(expected, str) and isinstance(actual, str):
        expected = bindings.get(expected, expected)
        if expected == actual:
            return
        if ELLIPSIS in expected and glob(expected).match(actual):
            return
        if SYS_ID.match(expected) and SYS_ID.match(actual):
            bindings[expected] = actual  # the sandbox's fresh sys_id for the one the example shows
            return
        raise DocFailure("at %s: expected %s, got %s" % (where, show(expected), show(actual)))
    if type(expected) is not type(actual) or expected != actual:
        raise DocFailure("at %s: expected %s, got %s" % (where, show(expected), show(actual)))


def json_values(text: str) -> List[Any]:
    decoder = json.JSONDecoder()
    values, pos = [], 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n":
            pos += 1
        if pos >= len(text):
            return values
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError as error:
            raise DocFailure("the output is not JSON (%s): %s" % (error, text[pos:pos + 200]))
        values.append(value)


def match_lines(expected: List[str], actual: List[str]) -> Optional[str]:
    """None when the lines match (a line of only … matches any number of lines), else why not."""
    patterns = [None if line.strip() == ELLIPSIS else glob(line.rstrip()) for line in expected]
    memo: Dict[Tuple[int, int], bool] = {}
    best = [0, 0]  # the furthest expected line matched, and where in the output

    def walk(i: int, j: int) -> bool:
        if (i, j) in memo:
            return memo[(i, j)]
        if i > best[0]:
            best[:] = [i, j]
        if i == len(patterns):
            ok = j == len(actual)
        elif patterns[i] is None:
            ok = walk(i + 1, j) or (j < len(actual) and walk(i, j + 1))
        else:
            ok = j < len(actual) and bool(patterns[i].match(actual[j].rstrip())) and walk(i + 1, j + 1)
        memo[(i, j)] = ok
        return ok

    if walk(0, 0):
        return None
    i, j = best
    if i >= len(expected):
        return "the output goes on after the example ends: %r" % (actual[j] if j < len(actual) else "")
    got = actual[j] if j < len(actual) else "(end of output)"
    return "expected line %d of the example %r, got %r" % (i + 1, expected[i], got)


# ---- running -------------------------------------------------------------------------------------


class Sandbox:
    """A directory that looks like a clone of the repository, with the binary under test built."""

    def __init__(self, binary: Path) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="openframe-docs-"))
        ignore = shutil.ignore_patterns("node_modules", "__pycache__", "build", "*.egg-info", ".build")
        for name in ("examples", "schema", "clients"):
            shutil.copytree(ROOT / name, self.dir / name, ignore=ignore)
        shutil.copy2(ROOT / "Package.swift", self.dir / "Package.swift")
        (self.dir / "Sources" / "openframe-rpc").mkdir(parents=True)
        for build in ("release", "debug"):
            (self.dir / ".build" / build).mkdir(parents=True)
            os.symlink(binary, self.dir / ".build" / build / "openframe-rpc")
        tools = self.dir / ".docs-bin"
        tools.mkdir()
        os.symlink(binary, tools / "openframe-rpc")
        (tools / "swift").write_text(
            "#!/bin/sh\n"
            "# The docs runner's stand-in for swift: the binary under test is already built.\n"
            'case "$1" in\n'
            "  build) exit 0 ;;\n"
            '  run) shift; [ "$1" = openframe-rpc ] && shift; exec %s "$@" ;;\n'
            '  *) echo "docs runner: swift $1 is not available in examples (only build and run)" >&2; exit 127 ;;\n'
            "esac\n" % shlex_quote(str(binary))
        )
        (tools / "swift").chmod(0o755)
        (self.dir / "node_modules").mkdir()
        os.symlink(self.dir / "clients" / "node", self.dir / "node_modules" / "openframe-rpc")
        env = {k: v for k, v in os.environ.items() if not k.startswith("OPENFRAME_")}
        env["PATH"] = "%s%s%s" % (tools, os.pathsep, env.get("PATH", ""))
        env["PYTHONPATH"] = str(self.dir / "clients" / "python" / "src")
        env["NO_COLOR"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.env = env

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def shlex_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def run_block(block: Block, sandbox: Sandbox) -> None:
    if block.kind == "sh":
        script, argv = sandbox.dir / ".docs-block.sh", ["bash", "-e"]
    elif block.kind == "python":
        script, argv = sandbox.dir / ".docs-block.py", [sys.executable]
    else:
        script, argv = sandbox.dir / ".docs-block.mjs", ["node"]
    script.write_text(block.text)
    merged = block.output is not None and block.output.kind == "text-output"
    try:
        run = subprocess.run(
            argv + [str(script)], cwd=sandbox.dir, env=sandbox.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT if merged else subprocess.PIPE,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise DocFailure("%s block did not finish within %d s" % (block.kind, TIMEOUT))
    stdout = run.stdout.decode("utf-8", "replace")
    stderr = "" if merged else run.stderr.decode("utf-8", "replace")
    if run.returncode != 0:
        tail = "\n".join(("    " + l) for l in (stderr or stdout).rstrip().split("\n")[-12:])
        raise DocFailure("%s block exited with status %d; its last output:\n%s" % (block.kind, run.returncode, tail))
    if block.output is None:
        return
    out = block.output
    try:
        if out.kind == "json-output":
            expected = LenientParser(out.text).values()
            actual = json_values(stdout)
            if len(actual) != len(expected):
                raise DocFailure("expected %d JSON values, the block printed %d: %s" % (len(expected), len(actual), stdout.strip()[:300]))
            bindings: Dict[str, str] = {}
            for index, (e, a) in enumerate(zip(expected, actual)):
                try:
                    match_json(e, a, "", bindings)
                except DocFailure as error:
                    raise DocFailure("value %d: %s" % (index + 1, error))
        else:
            strip = lambda text: [l for l in text.split("\n") if l.strip()]  # noqa: E731
            why = match_lines(strip(out.text), strip(stdout))
            if why:
                raise DocFailure(why)
    except DocFailure as error:
        raise DocFailure("its output differs from the block at %s: %s" % (out.where, error))


def play_transcript(block: Block, binary: Path, env: Dict[str, str]) -> None:
    lines = [(block.line + 1 + n, l) for n, l in enumerate(block.text.split("\n")) if l.strip()]
    child = subprocess.Popen(
        [str(binary), "--log-level", "off"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, env=env,
    )
    answers: "queue.Queue[Optional[bytes]]" = queue.Queue()

    def read() -> None:
        assert child.stdout is not None
        try:
            for raw in child.stdout:
                answers.put(raw)
        except (OSError, ValueError):
            pass  # closed by the finally below after a failure
        answers.put(None)

    threading.Thread(target=read, daemon=True).start()
    bindings: Dict[str, str] = {}
    try:
        for number, line in lines:
            where = "%s:%d" % (block.file, number)
            text = line[2:]
            if line.startswith("> "):
                for shown, real in bindings.items():
                    text = text.replace(shown, real)
                assert child.stdin is not None
                child.stdin.write(text.encode("utf-8") + b"\n")
                child.stdin.flush()
                continue
            try:
                raw = answers.get(timeout=30)
            except queue.Empty:
                raise DocFailure("%s: no message came within 30 s; expected %s" % (where, text[:120]))
            if raw is None:
                raise DocFailure("%s: the server ended before sending the message shown here" % where)
            try:
                actual = json.loads(raw)
                expected = LenientParser(text).value()
                match_json(expected, actual, "", bindings)
            except (DocFailure, ValueError) as error:
                raise DocFailure("%s: %s\n    the server sent: %s" % (where, error, raw.decode("utf-8", "replace").strip()[:400]))
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
        extra = []
        while True:
            raw = answers.get(timeout=5)
            if raw is None:
                break
            if raw.strip():
                extra.append(raw.decode("utf-8", "replace").strip())
        if extra:
            raise DocFailure("the server sent %d message(s) the transcript does not show, first: %s" % (len(extra), extra[0][:300]))
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        for stream in (child.stdin, child.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except (OSError, ValueError):
                pass


def find_binary(given: Optional[str]) -> Path:
    candidates = [given, os.environ.get("OPENFRAME_RPC_BIN"), str(ROOT / ".build" / "debug" / "openframe-rpc"),
                  str(ROOT / ".build" / "release" / "openframe-rpc")]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate).resolve()
    sys.exit("run_docs: no openframe-rpc binary: run 'swift build', or pass --binary")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="run_docs.py", description="Runs the Markdown code examples.")
    parser.add_argument("--binary", help="the openframe-rpc binary (default $OPENFRAME_RPC_BIN, else .build/debug)")
    parser.add_argument("--list", action="store_true", help="only list the blocks and what the runner makes of them")
    parser.add_argument("files", nargs="*", help="Markdown files, relative to the repository (default: %s)" % ", ".join(DOCS))
    options = parser.parse_args(argv)

    files = options.files or DOCS
    blocks = [b for name in files for b in blocks_of(ROOT / name, name)]
    if options.list:
        for b in blocks:
            print("%-34s %-12s %s" % (b.where, b.kind, (b.text.strip().split("\n") or [""])[0][:70]))
        return 0
    binary = find_binary(options.binary)
    failures: List[str] = []
    counts: Dict[str, int] = {}
    by_file: Dict[str, Sandbox] = {}
    try:
        for block in blocks:
            counts[block.kind] = counts.get(block.kind, 0) + 1
            try:
                if block.kind in ("sh", "python", "node"):
                    if block.file not in by_file:
                        by_file[block.file] = Sandbox(binary)
                    run_block(block, by_file[block.file])
                elif block.kind == "transcript":
                    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENFRAME_")}
                    play_transcript(block, binary, env)
                elif block.kind == "unrunnable":
                    language = block.language or "plain"
                    raise DocFailure(
                        "a %s block the runner cannot run or compare. If it is the output of the block before "
                        "it, put it right after that block (only prose between, no heading); if it is a snippet "
                        "that cannot run on its own, put <!-- doc: fragment --> on the line before its fence" % language
                    )
            except DocFailure as error:
                failures.append("%s: %s block failed: %s" % (block.where, block.kind, error))
                sys.stderr.write("FAIL %s\n" % failures[-1])
    finally:
        for sandbox in by_file.values():
            sandbox.remove()
    summary = ", ".join("%d %s" % (n, kind) for kind, n in sorted(counts.items()))
    print("docs: %d blocks in %d files (%s); %d failed" % (len(blocks), len(files), summary, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
