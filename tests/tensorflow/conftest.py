"""Frozen Keras models for the TensorFlow tests, built once per session in a TF subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

FREEZE = Path(__file__).with_name("freeze_models.py")


def tf_python() -> str:
    """The Python with tensorflow and tf2onnx (as the converter picks it)."""
    return os.environ.get("MINDCONVERTER_TF_PYTHON") or sys.executable


@dataclass
class Frozen:
    """One frozen model: its .pb file, an input and TensorFlow's output for it."""

    pb: Path
    shape: list[int]
    x: np.ndarray | None
    y: np.ndarray | None


@pytest.fixture(scope="session")
def frozen_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Frozen]:
    """Keras CNN, LSTMs and a file-reading graph frozen to .pb by TensorFlow itself."""
    out = tmp_path_factory.mktemp("tf_models")
    proc = subprocess.run([tf_python(), str(FREEZE), str(out)], cwd=out, capture_output=True,
                          text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    models = {}
    for name, entry in manifest.items():
        if name == "versions":
            continue
        x, y = out / f"{name}_x.npy", out / f"{name}_y.npy"
        models[name] = Frozen(out / entry["pb"], entry["shape"],
                              np.load(x) if x.exists() else None,
                              np.load(y) if y.exists() else None)
    return models
