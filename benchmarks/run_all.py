"""Run every benchmark and print their tables (``make bench``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
BENCHMARKS = ["graph_bench.py", "lsp_bench.py", "lsp_cpu.py", "ast_bench.py"]


def main() -> int:
    """Run each benchmark script that exists; return non-zero if one failed."""
    status = 0
    for name in BENCHMARKS:
        script = HERE / name
        if not script.exists():
            continue
        print(f"\n## {name}\n", flush=True)
        status |= subprocess.run([sys.executable, str(script), *sys.argv[1:]],
                                 check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
