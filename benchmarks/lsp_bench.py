"""Latency of the language server over stdio, on generated PyTorch files.

Measures, for files of 200, 2,000 and 10,000 lines (``--sizes``):

* ``initialize``: process start to the ``initialize`` response (imports included);
* ``didOpen→diag``: ``didOpen`` to the first ``publishDiagnostics`` of that version (cold
  document: the converter has not seen it; the first publication is the preliminary scan);
* ``didOpen→complete``: to the publication with the converter's findings for every chunk
  (measured once per size);
* ``didChange→diag``: an edit inside one call, to the first publication of the new version;
* ``didChange→complete``: to the publication with the converter's findings for the edit;
* ``hover`` and ``codeAction`` round trips on torch call sites.

Prints a markdown table of p50/p95 in milliseconds. Run::

    .venv/bin/python benchmarks/lsp_bench.py [--sizes 200 2000 10000] [--repeat N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

SERVER = [sys.executable, "-m", "mindconverter.server", "--stdio"]

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


@dataclass
class Timings:
    """Samples (seconds) per measurement."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.samples.setdefault(name, []).append(seconds)

    def cell(self, name: str) -> str:
        values = sorted(self.samples.get(name, []))
        if not values:
            return "–"
        p50 = statistics.median(values) * 1000
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))] * 1000
        return f"{p50:.0f} / {p95:.0f}" if len(values) > 1 else f"{p50:.0f}"


class Bench:
    """A client that records when each document version's diagnostics arrive."""

    def __init__(self) -> None:
        self.client = LanguageClient("lsp-bench", "1")
        self.published: list[tuple[float, types.PublishDiagnosticsParams]] = []

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
            self.published.append((time.perf_counter(), params))

        @self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def on_progress_create(params: types.WorkDoneProgressCreateParams) -> None:
            return None

    async def start(self) -> float:
        started = time.perf_counter()
        await self.client.start_io(*SERVER)
        capabilities = types.ClientCapabilities(
            window=types.WindowClientCapabilities(work_done_progress=True),
            text_document=types.TextDocumentClientCapabilities(
                hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown])
            ),
        )
        await self.client.initialize_async(types.InitializeParams(capabilities=capabilities))
        self.client.initialized(types.InitializedParams())
        return time.perf_counter() - started

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    async def wait(
        self, uri: str, version: int, since: float, complete: bool, timeout: float
    ) -> float:
        """Seconds from ``since`` to the first (or complete) publication of a version."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            for stamp, params in self.published:
                if stamp < since or params.uri != uri or params.version != version:
                    continue
                if not complete or not any(_preliminary(d) for d in params.diagnostics):
                    return stamp - since
            await asyncio.sleep(0.002)
        raise TimeoutError(f"no diagnostics for {uri} v{version}")


def _preliminary(diagnostic: types.Diagnostic) -> bool:
    data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
    return bool(data.get("preliminary"))


def _position_of(text: str, needle: str, nth: int) -> types.Position:
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index)
    return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


async def measure_size(
    bench: Bench, folder: Path, lines: int, repeat: int, timings: Timings
) -> None:
    text = generate(lines)
    for attempt in range(repeat):
        uri = (folder / f"gen_{lines}_{attempt}.py").as_uri()
        since = time.perf_counter()
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        bench.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        timings.add("didOpen→diag", await bench.wait(uri, 1, since, False, 120))
        if attempt < repeat - 1:
            bench.client.text_document_did_close(
                types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
            )
            continue
        timings.add("didOpen→complete", await bench.wait(uri, 1, since, True, 3600))
        await measure_document(bench, uri, text, repeat, timings)


async def measure_document(
    bench: Bench, uri: str, text: str, repeat: int, timings: Timings
) -> None:
    document = types.TextDocumentIdentifier(uri=uri)
    blocks = text.count("class Block")
    for n in range(repeat * 4):
        where = _position_of(text, "nn.Linear(", (n * 7) % blocks)
        hover = types.HoverParams(
            text_document=document,
            position=types.Position(line=where.line, character=where.character + 4),
        )
        started = time.perf_counter()
        await bench.client.text_document_hover_async(hover)
        timings.add("hover", time.perf_counter() - started)
    for n in range(repeat * 2):
        where = _position_of(text, "torch.cat(", (n * 5) % blocks)
        params = types.CodeActionParams(
            text_document=document,
            range=types.Range(start=where, end=where),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
        )
        started = time.perf_counter()
        await bench.client.text_document_code_action_async(params)
        timings.add("codeAction", time.perf_counter() - started)
    version = 1
    for n in range(repeat * 2):
        version += 1
        where = _position_of(text, "momentum=0.1", (n * 3) % blocks)
        column = where.character + len("momentum=0.")
        edit = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=types.Position(line=where.line, character=column),
                end=types.Position(line=where.line, character=column + 1),
            ),
            text=str(n % 9 + 1),
        )
        since = time.perf_counter()
        bench.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[edit],
            )
        )
        timings.add("didChange→diag", await bench.wait(uri, version, since, False, 120))
        timings.add("didChange→complete", await bench.wait(uri, version, since, True, 600))


COLUMNS = [
    "didOpen→diag",
    "didOpen→complete",
    "didChange→diag",
    "didChange→complete",
    "hover",
    "codeAction",
]


async def run(sizes: list[int], repeat: int) -> str:
    init = Timings()
    for _ in range(repeat):
        bench = Bench()
        init.add("initialize", await bench.start())
        await bench.stop()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lines in sizes:
            bench = Bench()
            await bench.start()
            timings = Timings()
            await measure_size(bench, Path(tmp), lines, repeat, timings)
            await bench.stop()
            rows.append(f"| {lines:,} | " + " | ".join(timings.cell(c) for c in COLUMNS) + " |")
    head = "| lines | " + " | ".join(COLUMNS) + " |"
    rule = "|" + "---|" * (len(COLUMNS) + 1)
    note = f"\ninitialize (process start → response): {init.cell('initialize')} ms (p50 / p95)\n"
    return "\n".join(["p50 / p95 in ms (single values: one sample)", "", head, rule, *rows]) + note


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 10000])
    parser.add_argument("--repeat", type=int, default=5, help="samples per measurement unit")
    args = parser.parse_args()
    print(asyncio.run(run(args.sizes, args.repeat)))


if __name__ == "__main__":
    main()
