"""Deployment exports of a converted network (MindIR), at the recorded input shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.verify import ensure_cpu, import_script, load_weights

FORMATS = {"mindir": "MINDIR"}


def export(fmt: str, script: Path, checkpoint: Path, class_name: str, stem: str,
           feeds: list[np.ndarray], target: Path) -> None:
    """Export the network in ``fmt`` to ``target`` (exactly that path).

    Raises:
        ConverterError: Unknown format, or MindSpore could not export the network.
    """
    if fmt not in FORMATS:
        raise ConverterError(ErrorCode.BAD_ARGUMENT, f"--export {fmt}: supported: "
                                                     f"{', '.join(FORMATS)}")
    import mindspore as ms

    ensure_cpu()
    module = import_script(script, f"{stem}_export")
    net = getattr(module, class_name)()
    load_weights(net, checkpoint)
    net.set_train(False)
    base = target.with_suffix("")
    try:
        ms.export(net, *[ms.Tensor(f) for f in feeds], file_name=str(base),
                  file_format=FORMATS[fmt])
    except Exception as exc:
        raise ConverterError(ErrorCode.VERIFY_FAILED,
                             f"MindSpore could not export the network as {fmt}: "
                             f"{str(exc).splitlines()[0][:300]}") from exc
    written = base.with_suffix(f".{fmt}")
    if written != target:
        written.replace(target)
