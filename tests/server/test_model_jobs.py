"""Worker jobs: progress lines, results, errors, a dead worker, cancellation."""

from __future__ import annotations

import asyncio
import sys
import textwrap

import pytest
from mindconverter.converter.errors import ConverterError
from mindconverter.server.features.commands import model_arguments
from mindconverter.server.model_jobs import conversion_request, run_worker, summary_of


def fake(body: str) -> list[str]:
    return [sys.executable, "-c", "import json, sys, time\n" + textwrap.dedent(body)]


def test_progress_then_result() -> None:
    worker = fake(
        """
        request = json.loads(sys.stdin.read())
        print("noise from a library")
        print(json.dumps({"progress": "load", "fraction": 0.0}), flush=True)
        print(json.dumps({"progress": "convert", "fraction": 0.5}), flush=True)
        sys.stderr.write("log line\\n")
        print(json.dumps({"result": {"echo": request["path"]}}))
        """
    )
    seen: list[tuple[str, float]] = []
    result = asyncio.run(run_worker({"path": "m.onnx"}, lambda s, f: seen.append((s, f)), worker))
    assert result == {"echo": "m.onnx"}
    assert seen == [("load", 0.0), ("convert", 0.5)]


def test_errors_come_back_as_converter_errors() -> None:
    worker = fake(
        """
        error = {"code": "MC101", "message": "input file not found: x.onnx", "hint": "h"}
        print(json.dumps({"error": error}))
        """
    )
    with pytest.raises(ConverterError) as info:
        asyncio.run(run_worker({}, None, worker))
    assert info.value.code.code == "MC101" and info.value.hint == "h"


def test_a_dead_worker_is_an_internal_error() -> None:
    worker = fake('sys.stderr.write("Segmentation fault\\n"); sys.exit(-11)')
    with pytest.raises(ConverterError) as info:
        asyncio.run(run_worker({}, None, worker))
    assert info.value.code.code == "MC901" and "Segmentation fault" in info.value.message


def test_cancelling_kills_the_worker() -> None:
    worker = fake(
        'print(json.dumps({"progress": "load", "fraction": 0}), flush=True); time.sleep(60)'
    )

    async def scenario() -> float:
        started = asyncio.get_running_loop().time()
        began = asyncio.Event()
        task = asyncio.ensure_future(run_worker({}, lambda s, f: began.set(), worker))
        await asyncio.wait_for(began.wait(), 30)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return asyncio.get_running_loop().time() - started

    assert asyncio.run(scenario()) < 30


def test_requests_and_summaries() -> None:
    request = conversion_request("/m/net.onnx", {"shapes": [[1, 3]], "verify": False}, None)
    assert request["output_dir"] == "/m/output" and request["shapes"] == [[1, 3]]
    assert conversion_request("/m/net.onnx", {}, "/cfg")["output_dir"] == "/cfg"
    assert conversion_request("/m/net.onnx", {"outputDir": "/o"}, "/cfg")["output_dir"] == "/o"
    summary = summary_of(
        {
            "script": "s.py",
            "ops_total": 3,
            "ops_converted": 2,
            "unconverted": [{"op_type": "MyOp"}],
            "verification": {"status": "skipped"},
            "report_json": "r.json",
        }
    )
    assert summary["summary"] == {
        "ops_total": 3,
        "ops_converted": 2,
        "unconverted": 1,
        "unconverted_ops": ["MyOp"],
        "verification": "skipped",
    }
    assert summary["reportJson"] == "r.json"


def test_command_arguments() -> None:
    assert model_arguments(("a.onnx",)) == ("a.onnx", {})
    assert model_arguments(("file:///m/a.onnx", {"verify": False})) == (
        "/m/a.onnx",
        {"verify": False},
    )
    assert model_arguments(({"path": "a.onnx", "shapes": [[1]]},)) == ("a.onnx", {"shapes": [[1]]})
    for bad in ((), (3,), ("a.onnx", "opts")):
        with pytest.raises(Exception, match="MC206"):
            model_arguments(bad)
