"""CPU time the server spends per diagnostics publication, measured in-process.

Wall-clock latencies (``lsp_bench.py``) depend on what else the machine runs; CPU time of the
work itself does much less. For the generated files of ``lsp_bench.py`` this prints, in ms of
process CPU time (median of ``--repeat`` runs):

* ``open``: parse + preliminary scan + diagnostics + JSON serialisation of a new document
  (what the server does between ``didOpen`` and the first ``publishDiagnostics``);
* ``change``: the same after an edit inside one line, with the converter's chunks cached (and
  the diagnostics of the chunks the edit left in place reused);
* ``convert/line``: the AST converter's cost per line on a cold document (in-process).

Run::

    .venv/bin/python benchmarks/lsp_cpu.py [--sizes 200 2000 10000]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lsp_bench import generate
from mindconverter.server.analysis import DocumentAnalysis, analyse, diagnostics_json
from mindconverter.server.memory import paused_gc
from mindconverter.server.settings import Settings
from mindconverter.server.torch_analysis import TorchCache

URI = "file:///bench.py"


def publish_cost(analysis: DocumentAnalysis, cache: TorchCache | None = None) -> None:
    """Build and serialise the ``publishDiagnostics`` message, as the server does."""
    memo = cache.memo if cache is not None else None
    diagnostics = diagnostics_json(analysis, Settings(), URI, memo=memo)
    params = {"uri": URI, "diagnostics": diagnostics, "version": 1}
    json.dumps({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params})


def cpu_ms(work) -> float:
    """CPU ms of ``work()`` with the collector paused, as around the server's publications."""
    with paused_gc():
        started = time.process_time()
        work()
        return (time.process_time() - started) * 1000


def measure(lines: int, repeat: int) -> str:
    text = generate(lines)
    edited = text.replace("momentum=0.1", "momentum=0.2", 1)
    cache = TorchCache()
    converted: list[DocumentAnalysis] = []
    convert_ms = cpu_ms(
        lambda: converted.append(analyse(text, None, Settings(), torch_cache=cache))
    )
    publish_cost(converted[0], cache)  # the document's diagnostics before the edit
    opens = [
        cpu_ms(lambda: publish_cost(analyse(text, None, Settings(), convert=False)))
        for _ in range(repeat)
    ]

    def change() -> None:
        analysis = analyse(
            edited, None, Settings(), torch_cache=cache, convert=False, previous=converted[0]
        )
        publish_cost(analysis, cache)

    changes = [cpu_ms(change) for _ in range(repeat)]
    per_line = convert_ms / len(text.splitlines())
    return (
        f"| {lines:,} | {statistics.median(opens):.0f} | {statistics.median(changes):.0f} "
        f"| {per_line:.2f} |"
    )


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 2000, 10000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print("| lines | open (ms CPU) | change (ms CPU) | convert/line (ms CPU) |")
    print("|---|---|---|---|")
    for lines in args.sizes:
        print(measure(lines, args.repeat))


if __name__ == "__main__":
    main()
