"""Run generated networks and compare them with reference outputs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from mindconverter.converter.graph.verify import import_script, load_weights, run_mindspore
from mindconverter.converter.report import ConversionResult

MODES = ("pynative", "graph")


def load_generated(result: ConversionResult) -> object:
    """Import the generated script, build the network and load its checkpoint strictly."""
    module = import_script(Path(result.script), Path(result.script).stem)
    net = getattr(module, result.class_name)()
    not_loaded, unused = load_weights(net, result.checkpoint)
    assert not not_loaded and not unused, (not_loaded, unused)
    net.set_train(False)  # type: ignore[attr-defined]
    return net


def assert_network_matches(
    result: ConversionResult, feeds: Sequence[np.ndarray], expected: Sequence[np.ndarray],
    rtol: float = 1e-3, atol: float = 1e-4, modes: Sequence[str] = MODES,
) -> None:
    """The generated network reproduces ``expected`` in every mode."""
    assert not result.unconverted, [(u.op_type, u.reason) for u in result.unconverted]
    net = load_generated(result)
    for mode in modes:
        actual = run_mindspore(net, feeds, mode)
        assert len(actual) == len(expected)
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert a.shape == e.shape, f"{mode} output {i}: shape {a.shape} != {e.shape}"
            np.testing.assert_allclose(a, e, rtol=rtol, atol=atol,
                                       err_msg=f"{mode} output {i}")
