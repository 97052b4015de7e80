"""Commands over the protocol: convert a real ONNX model with progress, errors, cancellation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import onnx
import pytest
from lsprotocol import types
from onnx import TensorProto, helper, numpy_helper
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import open_document, wait_for_diagnostics


def conv_custom_op_model() -> onnx.ModelProto:
    """x[1,3,8,8] → Conv(4, 3x3) → Relu → com.example::MyOp(alpha=0.5) → y (MyOp: no converter)."""
    weight = np.random.default_rng(0).standard_normal((4, 3, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "stem.weight"], ["c"], name="/stem/Conv", pads=[1] * 4),
        helper.make_node("Relu", ["c"], ["r"], name="/stem/Relu"),
        helper.make_node("MyOp", ["r"], ["y"], name="/head/MyOp", domain="com.example", alpha=0.5),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 8, 8])],
        [numpy_helper.from_array(weight, "stem.weight")],
    )
    opsets = [helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)]
    return helper.make_model(graph, opset_imports=opsets)


def long_chain_model(length: int = 3000) -> onnx.ModelProto:
    """x[1,4] → Cos → Sin → Cos ... (``length`` nodes): quick to convert, seconds to verify."""
    nodes, value = [], "x"
    for i in range(length):
        op = "Sin" if i % 2 else "Cos"
        nodes.append(helper.make_node(op, [value], [f"v{i}"], name=f"/n{i}/{op}"))
        value = f"v{i}"
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info(value, TensorProto.FLOAT, [1, 4])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def conv_relu_model() -> onnx.ModelProto:
    """x[1,3,8,8] → Conv(4, 3x3) → Relu → y: fully convertible, so it gets verified."""
    model = conv_custom_op_model()
    del model.graph.node[2]
    model.graph.output[0].name = "r"
    return model


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.onnx"
    onnx.save(conv_custom_op_model(), path)
    return path


CONVERT = "mindconverter.convertModelFile"


def command(name: str, *arguments: object, token: str | None = None) -> types.ExecuteCommandParams:
    return types.ExecuteCommandParams(
        command=name, arguments=list(arguments), work_done_token=token
    )


async def test_convert_model_file_reports_progress_and_result(
    client: LanguageClient, model_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "converted"
    token = "convert-1" if client.capabilities.workspace.workspace_edit.document_changes else None
    if token is not None:
        client.progress_reports.setdefault(token, [])  # the client made this token
    params = command(
        "mindconverter.convertModelFile", str(model_file), {"outputDir": str(out)}, token=token
    )
    result = await client.workspace_execute_command_async(params)

    assert Path(result["script"]) == out / "net.py" and (out / "net.py").is_file()
    assert Path(result["checkpoint"]).is_file() and Path(result["reportJson"]).is_file()
    assert result["summary"] == {
        "ops_total": 3,
        "ops_converted": 2,
        "unconverted": 1,
        "unconverted_ops": ["MyOp"],
        "verification": "skipped",
    }
    (reports,) = [r for t, r in client.progress_reports.items() if token is None or t == token]
    kinds = [type(r).__name__ for r in reports]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
    assert "WorkDoneProgressReport" in kinds

    # The generated script: its placeholder is a diagnostic, its conv line hovers to the weight.
    script = out / "net.py"
    text = script.read_text(encoding="utf-8")
    open_document(client, script.as_uri(), text)
    (diagnostic,) = await wait_for_diagnostics(client, script.as_uri(), lambda d: len(d) == 1)
    assert "MyOp" in diagnostic.message and "(1, 4, 8, 8)" in diagnostic.message
    line = next(i for i, row in enumerate(text.splitlines()) if "nn.Conv2d(" in row)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=script.as_uri()),
            position=types.Position(line=line, character=12),
        )
    )
    assert hover is not None and "stem.weight" in hover.contents.value


async def test_bad_model_path_is_an_error_and_the_server_lives(
    client: LanguageClient, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.onnx"
    with pytest.raises(JsonRpcException) as info:
        await client.workspace_execute_command_async(
            command("mindconverter.convertModelFile", str(missing))
        )
    assert "MC101" in info.value.message
    assert info.value.data["code"] == "MC101" and info.value.data["hint"]
    with pytest.raises(JsonRpcException, match="MC206"):
        await client.workspace_execute_command_async(command(CONVERT))

    uri = (tmp_path / "still.py").as_uri()
    open_document(client, uri, "import torch\n")
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=8),
        )
    )
    assert hover is None or hover.contents  # answered: the server is alive


def _reached(client: LanguageClient, token: str, stage: str) -> bool:
    reports = client.progress_reports.get(token, [])
    return any(getattr(r, "message", None) == stage for r in reports)


async def test_cancelled_conversion_stops_and_writes_nothing(
    client: LanguageClient, tmp_path: Path
) -> None:
    model_file = tmp_path / "net.onnx"
    onnx.save(long_chain_model(), model_file)
    out = tmp_path / "never"
    client.progress_reports.setdefault("cancel-me", [])
    params = command(
        "mindconverter.convertModelFile",
        str(model_file),
        {"outputDir": str(out)},
        token="cancel-me",
    )
    pending = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="req-cancel"
        )
    )
    for _ in range(6000):  # verification (before the commit) takes seconds: time to cancel in
        if _reached(client, "cancel-me", "verify"):
            break
        await asyncio.sleep(0.01)
    assert _reached(client, "cancel-me", "verify")
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="req-cancel"))
    with pytest.raises(JsonRpcException, match="cancel"):
        await pending

    def ended() -> list[types.WorkDoneProgressEnd]:
        reports = client.progress_reports["cancel-me"]
        return [r for r in reports if isinstance(r, types.WorkDoneProgressEnd)]

    for _ in range(3000):  # the progress ends once the worker has stopped
        if ended():
            break
        await asyncio.sleep(0.01)
    assert [e.message for e in ended()] == ["cancelled"]
    assert not (out / "net.py").exists()
    assert not list(tmp_path.glob(".mindconverter-*"))  # the worker discarded its staging


async def test_inspect_model(client: LanguageClient, model_file: Path, tmp_path: Path) -> None:
    info = await client.workspace_execute_command_async(
        command("mindconverter.inspectModel", model_file.as_uri())
    )
    assert info["format"] == "onnx" and info["opset"] == 13
    assert info["inputs"] == [{"name": "x", "shape": [1, 3, 8, 8], "dtype": "float32"}]
    assert [o["name"] for o in info["outputs"]] == ["y"]
    with pytest.raises(JsonRpcException, match="MC10"):
        (tmp_path / "bad.onnx").write_bytes(b"not a model")
        await client.workspace_execute_command_async(
            command("mindconverter.inspectModel", str(tmp_path / "bad.onnx"))
        )
