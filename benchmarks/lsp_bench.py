"""Latency of the language server over stdio, on generated PyTorch files.

Measures, for files of 200, 2,000 and 10,000 lines (``--sizes``):

* ``initialize``: process start to the ``initialize`` response (imports included);
* ``didOpen→diag``: ``didOpen`` of a document the server has not seen, to the first
  ``publishDiagnostics`` of it (the converter's cache is cold: this publication holds the
  preliminary scan);
* ``didOpen→complete``: to the publication holding the AST converter's findings for every
  top-level statement (measured once per size);
* ``didChange→diag``: an edit inside one call, to the first publication of the new version;
* ``didChange→complete``: to the publication with the converter's findings for the edit;
* ``hover`` and ``codeAction`` round trips on torch call sites;
* ``didOpen CPU`` and ``didChange CPU``: the server process' CPU time (all threads, from
  ``/proc/<pid>/task/*/schedstat``; Linux only) from the notification to the first
  publication: wall-clock latencies follow the machine's load, this much less.

The client is a minimal JSON-RPC reader (``json`` only), so that decoding thousands of
diagnostics does not weigh on the numbers. Prints a markdown table of p50 / p95 in ms::

    .venv/bin/python benchmarks/lsp_bench.py [--sizes 200 2000 10000] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SERVER = [sys.executable, "-m", "mindconverter.server", "--stdio"]
SETTLE = 1.5

HEADER = """import torch
import torch.nn as nn
import torch.nn.functional as F

"""

BLOCK = """
class Block{i}(nn.Module):
    \"\"\"Residual block {i}.\"\"\"

    def __init__(self, channels={c}):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels, momentum=0.1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.drop = nn.Dropout(p=0.{d})
        self.fc = nn.Linear(channels, {o}, bias=True)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        y = torch.relu(y + x)
        z = torch.flatten(F.adaptive_avg_pool2d(y, 1), 1)
        z = torch.cat([z, z * 0.5], dim=1)[:, : z.shape[1]]
        return self.fc(self.drop(z)), y.permute(0, 2, 3, 1)


def make_block{i}(channels={c}):
    block = Block{i}(channels)
    torch.nn.init.kaiming_normal_(block.conv1.weight)
    return block

"""


def generate(lines: int) -> str:
    """A PyTorch module file of about ``lines`` lines."""
    parts = [HEADER]
    count = len(HEADER.splitlines())
    i = 0
    while count < lines:
        block = BLOCK.format(i=i, c=16 + i % 48, d=1 + i % 8, o=10 + i % 90)
        parts.append(block)
        count += len(block.splitlines())
        i += 1
    return "".join(parts)


class Client:
    """Just enough JSON-RPC over stdio to drive the server and time its answers."""

    def __init__(self) -> None:
        self.proc: asyncio.subprocess.Process | None = None
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[Any]] = {}
        self.published: list[tuple[float, str, int | None, bool]] = []
        self.reader: asyncio.Task[None] | None = None

    async def start(self) -> float:
        started = time.perf_counter()
        self.proc = await asyncio.create_subprocess_exec(
            *SERVER,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=64 * 1024 * 1024,
        )
        self.reader = asyncio.ensure_future(self._read())
        capabilities = {
            "window": {"workDoneProgress": True},
            "textDocument": {"hover": {"contentFormat": ["markdown"]}},
        }
        await self.request("initialize", {"processId": os.getpid(), "capabilities": capabilities})
        self.notify("initialized", {})
        return time.perf_counter() - started

    async def stop(self) -> None:
        await self.request("shutdown", None)
        self.notify("exit", None)
        assert self.proc is not None
        await self.proc.wait()
        if self.reader is not None:
            self.reader.cancel()

    def cpu(self) -> float | None:
        """Seconds of CPU the server process has used (``None`` where ``/proc`` is missing)."""
        assert self.proc is not None
        total = 0
        try:
            for task in Path(f"/proc/{self.proc.pid}/task").iterdir():
                total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return total / 1e9

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    async def request(self, method: str, params: Any) -> Any:
        msg_id = next(self.ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending[msg_id] = future
        self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return await future

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        stream = self.proc.stdout
        while True:
            length = 0
            while (line := await stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not length:
                return
            message = json.loads(await stream.readexactly(length))
            stamp = time.perf_counter()
            self._dispatch(message, stamp)

    def _dispatch(self, message: dict[str, Any], stamp: float) -> None:
        if "id" in message and "method" in message:  # a request from the server
            self._send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        elif "id" in message:
            future = self.pending.pop(message["id"], None)
            if future is not None and not future.done():
                future.set_result(message.get("result"))
        elif message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            preliminary = any(
                (d.get("data") or {}).get("preliminary") for d in params["diagnostics"]
            )
            self.published.append((stamp, params["uri"], params.get("version"), preliminary))

    async def wait(
        self, uri: str, version: int, since: float, complete: bool, timeout: float
    ) -> float:
        """Seconds from ``since`` to the first (or the complete) publication of a version."""
        deadline = time.perf_counter() + timeout
        seen = 0
        while time.perf_counter() < deadline:
            for stamp, p_uri, p_version, preliminary in self.published[seen:]:
                mine = stamp >= since and p_uri == uri and p_version == version
                if mine and (not complete or not preliminary):
                    return stamp - since
            seen = len(self.published)
            await asyncio.sleep(0.001)
        raise TimeoutError(f"no diagnostics for {uri} v{version}")


class Timings:
    """Samples (seconds) per measurement."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}

    def add(self, name: str, seconds: float | None) -> None:
        if seconds is not None:
            self.samples.setdefault(name, []).append(seconds)

    def add_cpu(self, name: str, client: Client, before: float | None) -> None:
        """Add the server's CPU seconds since ``before`` (a :meth:`Client.cpu` reading)."""
        after = client.cpu()
        if before is not None and after is not None:
            self.add(name, after - before)

    def cell(self, name: str) -> str:
        values = sorted(self.samples.get(name, []))
        if not values:
            return "–"
        p50 = statistics.median(values) * 1000
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))] * 1000
        return f"{p50:.0f} / {p95:.0f}" if len(values) > 1 else f"{p50:.0f}"


def position_of(text: str, needle: str, nth: int) -> dict[str, int]:
    """LSP position of the ``nth`` occurrence of ``needle`` (ASCII text)."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index)
    return {"line": line, "character": index - (text.rfind("\n", 0, index) + 1)}


async def measure_size(
    client: Client, folder: Path, lines: int, repeat: int, timings: Timings
) -> None:
    text = generate(lines)
    for attempt in range(repeat):
        uri = (folder / f"gen_{lines}_{attempt}.py").as_uri()
        item = {"uri": uri, "languageId": "python", "version": 1, "text": text}
        cpu = client.cpu()
        since = time.perf_counter()
        client.notify("textDocument/didOpen", {"textDocument": item})
        timings.add("didOpen→diag", await client.wait(uri, 1, since, False, 300))
        timings.add_cpu("didOpen CPU", client, cpu)
        if attempt < repeat - 1:
            client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            await asyncio.sleep(SETTLE)  # let the closed document's converter batch finish
            continue
        timings.add("didOpen→complete", await client.wait(uri, 1, since, True, 7200))
        await measure_document(client, uri, text, repeat, timings)


async def measure_document(
    client: Client, uri: str, text: str, repeat: int, timings: Timings
) -> None:
    document = {"uri": uri}
    blocks = text.count("class Block")
    for n in range(repeat * 4):
        where = position_of(text, "nn.Linear(", (n * 7) % blocks)
        where["character"] += 4
        started = time.perf_counter()
        await client.request("textDocument/hover", {"textDocument": document, "position": where})
        timings.add("hover", time.perf_counter() - started)
    for n in range(repeat * 2):
        where = position_of(text, "torch.cat(", (n * 5) % blocks)
        params = {
            "textDocument": document,
            "range": {"start": where, "end": where},
            "context": {"diagnostics": [], "only": ["quickfix"]},
        }
        started = time.perf_counter()
        await client.request("textDocument/codeAction", params)
        timings.add("codeAction", time.perf_counter() - started)
    for version in range(2, 2 + repeat * 2):
        where = position_of(text, "momentum=0.1", (version * 3) % blocks)
        column = where["character"] + len("momentum=0.")
        change = {
            "range": {
                "start": {"line": where["line"], "character": column},
                "end": {"line": where["line"], "character": column + 1},
            },
            "text": str(version % 9 + 1),
        }
        cpu = client.cpu()
        since = time.perf_counter()
        client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]},
        )
        timings.add("didChange→diag", await client.wait(uri, version, since, False, 300))
        timings.add_cpu("didChange CPU", client, cpu)
        timings.add("didChange→complete", await client.wait(uri, version, since, True, 600))


COLUMNS = [
    "didOpen→diag",
    "didOpen→complete",
    "didChange→diag",
    "didChange→complete",
    "hover",
    "codeAction",
    "didOpen CPU",
    "didChange CPU",
]


async def run(sizes: list[int], repeat: int) -> str:
    init = Timings()
    for _ in range(repeat):
        client = Client()
        init.add("initialize", await client.start())
        await client.stop()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lines in sizes:
            client = Client()
            await client.start()
            await asyncio.sleep(SETTLE)  # the server warms up after initialize
            timings = Timings()
            await measure_size(client, Path(tmp), lines, repeat, timings)
            await client.stop()
            cells = " | ".join(timings.cell(c) for c in COLUMNS)
            rows.append(f"| {lines:,} | {cells} |")
    head = "| lines | " + " | ".join(COLUMNS) + " |"
    rule = "|" + "---|" * (len(COLUMNS) + 1)
    note = f"\ninitialize (process start → response): {init.cell('initialize')} ms (p50 / p95)\n"
    return "\n".join(["p50 / p95 in ms (one value: one sample)", "", head, rule, *rows]) + note


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 10000])
    parser.add_argument("--repeat", type=int, default=5, help="samples per measurement unit")
    args = parser.parse_args()
    print(asyncio.run(run(args.sizes, args.repeat)))


if __name__ == "__main__":
    main()
