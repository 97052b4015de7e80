"""Run the generated network and onnxruntime on the same input and compare the outputs."""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import itertools
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import onnx
from mindconverter.converter.report import ModeCheck, OutputCheck, Verification

MODES = ("pynative", "graph")
_counter = itertools.count()


def make_feeds(
    inputs: Sequence[tuple[str, tuple[int, ...], np.dtype]], seed: int = 0
) -> list[np.ndarray]:
    """Seeded random inputs: normal floats, small non-negative ints, random booleans."""
    rng = np.random.default_rng(seed)
    feeds = []
    for _, shape, dtype in inputs:
        dtype = np.dtype(dtype)
        if dtype.kind == "f":
            feeds.append(rng.standard_normal(shape).astype(dtype))
        elif dtype.kind in "iu":
            feeds.append(rng.integers(0, 10, size=shape).astype(dtype))
        elif dtype.kind == "b":
            feeds.append(rng.integers(0, 2, size=shape).astype(bool))
        else:
            feeds.append(np.zeros(shape, dtype))
    return feeds


def run_onnxruntime(
    model: onnx.ModelProto, names: Sequence[str], feeds: Sequence[np.ndarray],
    outputs: Sequence[str] | None = None,
) -> list[np.ndarray]:
    """Run ``model`` with onnxruntime on the CPU."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    if model.ByteSize() < 1_800_000_000:
        session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        return session.run(list(outputs) if outputs else None, dict(zip(names, feeds)))
    with tempfile.TemporaryDirectory(prefix="mindconverter-ort-") as tmp:
        path = Path(tmp) / "model.onnx"
        onnx.save_model(copy.deepcopy(model), str(path), save_as_external_data=True,
                        all_tensors_to_one_file=True, location="model.data")
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        return session.run(list(outputs) if outputs else None, dict(zip(names, feeds)))


def import_script(path: str | Path, stem: str) -> ModuleType:
    """Import a generated script under a unique module name (graph mode needs it registered)."""
    name = f"mindconverter_generated_{stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, str(path))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def load_weights(
    net: object, checkpoint: str | Path | Sequence[str | Path]
) -> tuple[list[str], list[str]]:
    """Load a checkpoint (or its parts) into ``net``.

    Returns:
        (parameters not loaded, checkpoint names unused). A network without parameters has an
        empty checkpoint, which MindSpore refuses to load, so it is not read.
    """
    import mindspore as ms

    if not net.parameters_dict():  # type: ignore[attr-defined]
        return [], []
    parts = [checkpoint] if isinstance(checkpoint, (str, Path)) else list(checkpoint)
    params: dict = {}
    for part in parts:
        params.update(ms.load_checkpoint(str(part)))
    not_loaded, unused = ms.load_param_into_net(net, params)
    return list(not_loaded), list(unused)


def compare(actual: np.ndarray, expected: np.ndarray, name: str, rtol: float, atol: float
            ) -> OutputCheck:
    """Max absolute/relative error and pass/fail of one output."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    if actual.shape != expected.shape:
        return OutputCheck(name, float("inf"), float("inf"), False, shape_match=False)
    if expected.size == 0:
        return OutputCheck(name, 0.0, 0.0, True)
    if expected.dtype.kind in "biuU" and actual.dtype.kind in "biuU":
        equal = bool(np.array_equal(actual, expected))
        diff = 0.0 if equal else float(np.max(np.abs(actual.astype(np.float64)
                                                     - expected.astype(np.float64))))
        return OutputCheck(name, diff, diff, equal)
    with np.errstate(invalid="ignore", over="ignore"):
        return _compare_float(actual, expected, name, rtol, atol)


def _compare_float(actual: np.ndarray, expected: np.ndarray, name: str, rtol: float,
                   atol: float) -> OutputCheck:
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    nan_ok = np.array_equal(np.isnan(a), np.isnan(e))
    both = ~(np.isnan(a) | np.isnan(e))
    inf_same = np.isinf(a) & np.isinf(e) & (np.sign(a) == np.sign(e))
    mask = both & ~inf_same
    diff = np.abs(a - e)[mask]
    abs_err = float(diff.max()) if diff.size else 0.0
    rel_err = float((diff / np.maximum(np.abs(e[mask]), atol)).max()) if diff.size else 0.0
    passed = nan_ok and bool(np.all(diff <= atol + rtol * np.abs(e[mask])))
    return OutputCheck(name, abs_err, rel_err, passed)


def ensure_cpu() -> None:
    """Select the CPU device unless MindSpore's runtime is already initialised.

    ``mindspore.set_device`` raises once any kernel has run in the process (the device is then
    fixed), which is fine: keep whatever was chosen.
    """
    import mindspore as ms

    with contextlib.suppress(RuntimeError):
        ms.set_device("CPU")


def _to_numpy(value: object) -> np.ndarray:
    array = np.asarray(value.asnumpy()) if hasattr(value, "asnumpy") else np.asarray(value)
    if array.dtype.name == "bfloat16" and type(array.dtype).__module__ != "ml_dtypes":
        import ml_dtypes

        array = array.view(ml_dtypes.bfloat16)
    return array


def run_mindspore(net: object, feeds: Sequence[Any], mode: str, n_outputs: int | None = None
                  ) -> list[Any]:
    """Run ``net`` in ``mode`` and return its outputs as arrays.

    A list of arrays in ``feeds`` goes in as a tuple of tensors (an ONNX sequence). With
    ``n_outputs`` given, an output that is a tuple comes back as a list of arrays (a sequence
    output); without it, a returned tuple is taken as the outputs themselves.
    """
    import mindspore as ms

    ensure_cpu()
    args = [tuple(ms.Tensor(e) for e in f) if isinstance(f, list) else ms.Tensor(f)
            for f in feeds]
    ms.set_context(mode=ms.GRAPH_MODE if mode == "graph" else ms.PYNATIVE_MODE)
    try:
        out = net(*args)  # type: ignore[operator]
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    if n_outputs is None:
        return [_to_numpy(o) for o in (out if isinstance(out, (tuple, list)) else (out,))]
    items = (out,) if n_outputs == 1 else out
    return [[_to_numpy(e) for e in item] if isinstance(item, (tuple, list)) else _to_numpy(item)
            for item in items]


def verify_network(
    script: Path, checkpoint: Path, class_name: str, stem: str,
    feeds: Sequence[np.ndarray], expected: Sequence[np.ndarray], output_names: Sequence[str],
    rtol: float, atol: float, modes: Sequence[str] = MODES,
) -> Verification:
    """Load the generated network with its checkpoint and compare it with ``expected``."""

    ensure_cpu()
    result = Verification(status="passed", rtol=rtol, atol=atol)
    module = import_script(script, stem)
    net = getattr(module, class_name)()
    not_loaded, unused = load_weights(net, checkpoint)
    result.params_not_loaded, result.ckpt_params_unused = list(not_loaded), list(unused)
    net.set_train(False)
    for mode in modes:
        result.modes.append(_check_mode(net, mode, feeds, expected, output_names, rtol, atol))
    ok = all(m.passed for m in result.modes) and not not_loaded and not unused
    result.status = "passed" if ok else "failed"
    return result


def _check_mode(
    net: object, mode: str, feeds: Sequence[np.ndarray], expected: Sequence[np.ndarray],
    names: Sequence[str], rtol: float, atol: float,
) -> ModeCheck:
    start = time.perf_counter()
    try:
        actual = run_mindspore(net, feeds, mode, len(expected))
    except Exception as exc:  # the user's network failed to run: report, don't crash
        return ModeCheck(mode, False, error=_first_lines(exc),
                         seconds=time.perf_counter() - start)
    checks = [c for a, e, n in zip(actual, expected, names)
              for c in _compare_output(a, e, n, rtol, atol)]
    if len(actual) != len(expected):
        return ModeCheck(mode, False, checks,
                         error=f"network returned {len(actual)} outputs, expected {len(expected)}",
                         seconds=time.perf_counter() - start)
    return ModeCheck(mode, all(c.passed for c in checks), checks,
                     seconds=time.perf_counter() - start)


def _compare_output(actual: Any, expected: Any, name: str, rtol: float, atol: float
                    ) -> list[OutputCheck]:
    """One check per tensor: a sequence output (a list) is checked element by element."""
    if not isinstance(expected, list) and not isinstance(actual, list):
        return [compare(actual, expected, name, rtol, atol)]
    if not isinstance(expected, list) or not isinstance(actual, list) \
            or len(actual) != len(expected):
        return [OutputCheck(name, float("inf"), float("inf"), False, shape_match=False)]
    return [compare(a, e, f"{name}[{i}]", rtol, atol)
            for i, (a, e) in enumerate(zip(actual, expected))]


def _first_lines(exc: BaseException, limit: int = 3) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return f"{type(exc).__name__}: " + " | ".join(lines[:limit])[:500]
