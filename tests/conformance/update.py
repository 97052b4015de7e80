"""Rewrite expected_failures.txt from a fresh run (review the diff before committing).

    python -m tests.conformance.update

Reasons already written for a case are kept; new failures get the runner's detail, to be
replaced by a reviewed reason.
"""

from __future__ import annotations

from mindconverter.converter.graph.conformance import node_cases, run_cases

from tests.conformance.test_onnx_node_cases import EXPECTED, expected_failures


def main() -> None:
    """Run the suite and rewrite the list."""
    old = expected_failures() if EXPECTED.exists() else {}
    results = run_cases(node_cases())
    lines = [
        "# ONNX node cases expected NOT to pass through the MindSpore backend, with the reason.",
        "# Format: <case> <reason>. Reviewed; regenerate with python -m tests.conformance.update",
    ]
    for r in sorted((r for r in results if r.status != "pass"), key=lambda r: r.name):
        reason = old.get(r.name) or f"[{r.status}] {r.detail}"
        lines.append(f"{r.name} {' '.join(reason.split())[:300]}")
    EXPECTED.write_text("\n".join(lines) + "\n", encoding="utf-8")
    passed = sum(r.status == "pass" for r in results)
    print(f"{passed} passed, {len(results) - passed} failed of {len(results)}")


if __name__ == "__main__":
    main()
