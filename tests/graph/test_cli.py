"""The command line: compatible flags, clear errors, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import onnx
import pytest

from tests.graph.builders import conv_reshape_relu


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mindconverter", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "net.onnx"
    onnx.save(conv_reshape_relu(), path)
    return path


def assert_clean_error(proc: subprocess.CompletedProcess[str], code: str, out: Path) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(f"error {code}: "), proc.stderr
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


def test_version_and_help(tmp_path: Path) -> None:
    from mindconverter import __version__

    assert run_cli("--version", cwd=tmp_path).stdout.strip() == f"mindconverter {__version__}"
    help_text = run_cli("-h", cwd=tmp_path).stdout
    for flag in ("--model_file", "--shape", "--input_nodes", "--output_nodes", "--output",
                 "--report", "--in_file", "--no-verify"):
        assert flag in help_text


@pytest.mark.numerics
def test_converts_with_original_flags(tmp_path: Path, model_file: Path) -> None:
    proc = run_cli("--model_file", str(model_file), "--shape", "1,3,8,8", "--input_nodes", "x",
                   "--output_nodes", "y", "--output", "out", "--report", "rep", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Verification: passed" in proc.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"net.py", "net.ckpt"}
    assert {p.name for p in (tmp_path / "rep").iterdir()} == {
        "report_of_net.txt", "report_of_net.json", "weight_map_of_net.json"}
    report = json.loads((tmp_path / "rep" / "report_of_net.json").read_text())
    assert report["verification"]["status"] == "passed"
    assert [m["mode"] for m in report["verification"]["modes"]] == ["pynative", "graph"]
    assert report["inputs"][0]["shape"] == [1, 3, 8, 8]


def test_defaults_output_folder_and_refuses_to_overwrite(tmp_path: Path, model_file: Path
                                                         ) -> None:
    assert run_cli("--model_file", str(model_file), "--no-verify", cwd=tmp_path).returncode == 0
    assert (tmp_path / "output" / "net.py").is_file()
    assert (tmp_path / "output" / "report_of_net.json").is_file()
    before = (tmp_path / "output" / "net.py").stat().st_mtime_ns
    proc = run_cli("--model_file", str(model_file), "--no-verify", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error MC302")
    assert (tmp_path / "output" / "net.py").stat().st_mtime_ns == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mindconverter-")]
    proc = run_cli("--model_file", str(model_file), "--no-verify", "--overwrite", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("make", "args", "code"),
    [
        (None, ["--model_file", "missing.onnx"], "MC101"),
        ("dir", ["--model_file", "adir"], "MC102"),
        ("empty", ["--model_file", "empty.onnx"], "MC103"),
        ("random", ["--model_file", "random.onnx"], "MC104"),
        ("truncated", ["--model_file", "trunc.onnx"], "MC104"),
        ("model", ["--model_file", "net.onnx", "--shape", "1,3,x,8"], "MC201"),
        ("model", ["--model_file", "net.onnx", "--shape", "1,3,8,8", "1,2"], "MC202"),
        ("model", ["--model_file", "net.onnx", "--shape", "1,3,8"], "MC201"),
        ("model", ["--model_file", "net.onnx", "--input_nodes", "nope"], "MC203"),
        ("model", ["--model_file", "net.onnx", "--output_nodes", "nope"], "MC203"),
        ("model", ["--model_file", "net.onnx", "--bogus"], "MC206"),
    ],
)
def test_bad_input_gives_code_and_hint(
    tmp_path: Path, make: str | None, args: list[str], code: str
) -> None:
    model = conv_reshape_relu().SerializeToString()
    if make == "dir":
        (tmp_path / "adir").mkdir()
    elif make == "empty":
        (tmp_path / "empty.onnx").write_bytes(b"")
    elif make == "random":
        (tmp_path / "random.onnx").write_bytes(bytes(range(256)) * 7)
    elif make == "truncated":
        (tmp_path / "trunc.onnx").write_bytes(model[: len(model) // 2])
    elif make == "model":
        (tmp_path / "net.onnx").write_bytes(model)
    proc = run_cli(*args, "--output", "out", cwd=tmp_path)
    assert_clean_error(proc, code, tmp_path / "out")


def test_unwritable_output_folder(tmp_path: Path, model_file: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run_cli("--model_file", str(model_file), "--output", str(blocker / "sub"),
                   "--no-verify", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error MC301"), proc.stderr


def test_inspect_lists_inputs_and_outputs(tmp_path: Path, model_file: Path) -> None:
    proc = run_cli("--model_file", str(model_file), "--inspect", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "input  x  shape [1,3,8,8]  float32" in proc.stdout
    assert "output y  shape [1,512]  float32" in proc.stdout
    assert not (tmp_path / "output").exists()


def test_inspect_api_reports_symbolic_dims(tmp_path: Path) -> None:
    from mindconverter.converter.graph.inspect import inspect_model
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    info = inspect_model(path)
    assert info["inputs"] == [{"name": "x", "shape": ["batch", 4], "dtype": "float32"}]
    assert (info["format"], info["opset"], info["nodes"]) == ("onnx", 13, 1)
