"""An ONNX backend (``onnx.backend.base``) that runs models through MindConverter.

Every model takes the same path as the CLI: the script and checkpoint are generated into a
temporary folder, the script is imported, the checkpoint loaded, and the network run in
MindSpore (PyNative by default; ``mode="graph"`` for graph mode). Conversion happens at the
first :meth:`MindSporeBackendRep.run`, when the input shapes are known.

A sequence value (``seq(tensor)``) is a list of arrays here and a tuple of tensors in the
generated network: a sequence input is passed to ``construct`` as a tuple, and a sequence
output comes back as a tuple, returned as a list of arrays. The network is specialised to the
element count and shapes of the first run, like tensor inputs to their shapes.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from mindconverter.converter.graph import verify as verify_mod
from mindconverter.converter.graph.registry import ConverterRegistry
from onnx.backend.base import Backend, BackendRep


class UnconvertedModelError(RuntimeError):
    """The model converted with placeholders, so it cannot run."""


class MindSporeBackendRep(BackendRep):
    """A prepared model; converts on first run with the given inputs' shapes."""

    def __init__(self, model: onnx.ModelProto, mode: str = "pynative",
                 registry: ConverterRegistry | None = None) -> None:
        self.model = model
        self.mode = mode
        self.registry = registry
        self._net: Any = None
        self._shapes: list[Any] | None = None
        self.script_source: str | None = None

    def run(self, inputs: Any, **kwargs: Any) -> tuple[Any, ...]:
        """Run the converted network on ``inputs`` (a sequence or a name → array mapping).

        A sequence input or output is a list of arrays.
        """
        arrays = self._ordered(inputs)
        shapes = [_shape(a) for a in arrays]
        if self._net is None or shapes != self._shapes:
            self._net = self._convert(arrays)
            self._shapes = shapes
        return tuple(run_network(self._net, arrays, self.mode, len(self.model.graph.output)))

    def _ordered(self, inputs: Any) -> list[Any]:
        inits = {t.name for t in self.model.graph.initializer}
        names = [i.name for i in self.model.graph.input if i.name not in inits]
        items = [inputs[n] for n in names] if isinstance(inputs, dict) else list(inputs)
        return [[np.asarray(e) for e in a] if isinstance(a, (list, tuple)) else np.asarray(a)
                for a in items]

    def _convert(self, arrays: Sequence[np.ndarray]) -> Any:
        from mindconverter.converter.graph.pipeline import convert

        workdir = Path(tempfile.mkdtemp(prefix="mindconverter-backend-"))
        # Graph mode reads construct's source when the network first runs: keep the script
        # until this rep is collected.
        weakref.finalize(self, shutil.rmtree, workdir, True)
        try:
            path = workdir / "model.onnx"
            onnx.save_model(self.model, str(path))
            result = convert(
                path, workdir / "out", shapes=[_shape(a) for a in arrays], verify=False,
                input_data=list(arrays), registry=self.registry,
            )
            if result.unconverted:
                first = result.unconverted[0]
                raise UnconvertedModelError(
                    f"{len(result.unconverted)} operator(s) not converted: "
                    f"{first.op_type} ({first.reason})")
            self.script_source = Path(result.script).read_text(encoding="utf-8")
            return _load(Path(result.script), Path(result.checkpoint), result.class_name)
        except BaseException:
            shutil.rmtree(workdir, ignore_errors=True)
            raise


def _shape(value: Any) -> Any:
    """An array's shape; a sequence's (list of arrays) element shapes."""
    return [tuple(e.shape) for e in value] if isinstance(value, list) else tuple(value.shape)


def run_network(net: Any, feeds: Sequence[Any], mode: str, n_outputs: int) -> list[Any]:
    """Run a generated network in ``mode``: lists of arrays go in as tuples of tensors, and
    each of the ``n_outputs`` outputs comes back as an array, or a list of arrays for a
    sequence (a tuple in the network)."""
    return verify_mod.run_mindspore(net, feeds, mode, n_outputs)


def _load(script: Path, ckpt: Path, class_name: str) -> Any:

    from mindconverter.converter.graph.verify import ensure_cpu, load_weights

    ensure_cpu()
    module = verify_mod.import_script(script, "backend")
    net = getattr(module, class_name)()
    not_loaded, unused = load_weights(net, ckpt)
    if not_loaded or unused:
        raise RuntimeError(f"checkpoint mismatch: missing {not_loaded}, unused {unused}")
    net.set_train(False)
    return net


class MindSporeBackend(Backend):
    """ONNX backend running models as generated MindSpore networks on the CPU."""

    @classmethod
    def is_compatible(cls, model: onnx.ModelProto, device: str = "CPU", **kwargs: Any) -> bool:
        """Only the CPU device is supported."""
        return device == "CPU"

    @classmethod
    def prepare(cls, model: onnx.ModelProto, device: str = "CPU",  # type: ignore[override]
                **kwargs: Any) -> MindSporeBackendRep:
        """Prepare ``model``; pass ``mode="graph"`` to run in MindSpore graph mode."""
        super().prepare(model, device, **kwargs)
        return MindSporeBackendRep(model, kwargs.get("mode", "pynative"), kwargs.get("registry"))

    @classmethod
    def run_model(cls, model: onnx.ModelProto, inputs: Any, device: str = "CPU",
                  **kwargs: Any) -> tuple[np.ndarray, ...]:
        """Prepare and run in one call."""
        return cls.prepare(model, device, **kwargs).run(inputs)

    @classmethod
    def supports_device(cls, device: str) -> bool:
        """Only ``CPU``."""
        return device == "CPU"


prepare = MindSporeBackend.prepare
run_model = MindSporeBackend.run_model
supports_device = MindSporeBackend.supports_device
