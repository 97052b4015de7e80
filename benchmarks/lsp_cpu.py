"""CPU time the server spends per diagnostics publication, measured in-process.

Wall-clock latencies (``lsp_bench.py``) depend on what else the machine runs; CPU time of the
work itself does much less. For the generated files of ``lsp_bench.py`` this prints, in ms of
process CPU time (median of ``--repeat`` runs):

* ``open``: parse + preliminary scan + diagnostics + JSON serialisation of a new document;
* ``change``: the same after an edit inside one line, with the converter's chunks cached;
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
from lsprotocol import types
from mindconverter.server.analysis import DocumentAnalysis, analyse, diagnostics_for
from mindconverter.server.settings import Settings
from mindconverter.server.torch_analysis import TorchCache
from pygls.protocol import default_converter

CONVERTER = default_converter()


def publish_cost(analysis: DocumentAnalysis) -> None:
    diagnostics = diagnostics_for(analysis, Settings(), "file:///bench.py")
    params = types.PublishDiagnosticsParams(uri="file:///bench.py", diagnostics=diagnostics)
    json.dumps(CONVERTER.unstructure(params))


def cpu_ms(work) -> float:
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
    opens = [
        cpu_ms(lambda: publish_cost(analyse(text, None, Settings(), convert=False)))
        for _ in range(repeat)
    ]

    def change() -> None:
        analysis = analyse(
            edited, None, Settings(), torch_cache=cache, convert=False, previous=converted[0]
        )
        publish_cost(analysis)

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
