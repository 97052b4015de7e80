"""onnx's ``pytorch-converted`` and ``pytorch-operator`` model cases, in both modes.

Each case runs through the ONNX backend (generate script → import → load checkpoint → run) and
must match the recorded outputs. Cases whose operators are outside the graph foundation's
coverage are listed in ``NOT_COVERED`` with the reason; a listed case that starts passing fails
the test, so the list stays true.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend, UnconvertedModelError
from onnx.backend.test.runner import Runner

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
CASES = sorted(
    f"{kind}/{p.name}"
    for kind in ("pytorch-converted", "pytorch-operator")
    for p in (DATA / kind).iterdir()
    if (p / "model.onnx").is_file()
)

# case → reason it is expected not to match (reviewed; keep sorted).
NOT_COVERED: dict[str, str] = {}

pytestmark = pytest.mark.numerics


def _read(folder: Path, prefix: str) -> list[np.ndarray]:
    arrays = []
    for path in sorted(folder.glob(f"{prefix}_*.pb"), key=lambda p: int(p.stem.split("_")[1])):
        tensor = onnx.TensorProto()
        tensor.ParseFromString(path.read_bytes())
        arrays.append(onnx.numpy_helper.to_array(tensor))
    return arrays


def _run(case: str, mode: str) -> None:
    folder = DATA / case
    model = onnx.load(folder / "model.onnx")
    rep = MindSporeBackend.prepare(model, "CPU", mode=mode)
    for data in sorted(folder.glob("test_data_set_*")):
        outputs = rep.run(_read(data, "input"))
        Runner.assert_similar_outputs(_read(data, "output"), list(outputs), 1e-3, 1e-4)


@pytest.mark.parametrize("mode", ["pynative", "graph"])
@pytest.mark.parametrize("case", CASES)
def test_case(case: str, mode: str) -> None:
    if case in NOT_COVERED:
        with pytest.raises((AssertionError, UnconvertedModelError, RuntimeError, ValueError,
                            TypeError)):
            _run(case, mode)
        return
    _run(case, mode)


def test_not_covered_list_names_real_cases() -> None:
    assert set(NOT_COVERED) <= set(CASES)
