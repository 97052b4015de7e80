"""Build small Keras models, freeze them to GraphDef ``.pb`` files, record TensorFlow's outputs.

Run by the tests in a subprocess with the TensorFlow Python (``MINDCONVERTER_TF_PYTHON``, else the
test Python): ``python freeze_models.py OUT_DIR``. Writes ``<name>.pb``, ``<name>_x.npy`` (an
input), ``<name>_y.npy`` (TensorFlow's output for it) and ``manifest.json``. Every weight is
random (non-zero biases, BatchNorm statistics away from 0/1), so a dropped bias or a wrong
normalisation shows up in the comparison.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import (
    convert_variables_to_constants_v2,
)

keras = tf.keras
RNG = np.random.default_rng(0)


def randomise(model: Any) -> None:
    """Give every weight a random value; variances stay positive."""
    for weight in model.weights:
        shape = tuple(weight.shape)
        if "variance" in weight.path or "gamma" in weight.path:
            value = RNG.uniform(0.5, 1.5, shape)
        else:
            value = RNG.normal(0.0, 0.3, shape)
        weight.assign(value.astype(np.float32))


def cnn() -> Any:
    inp = keras.Input((32, 32, 3), name="input_1")
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu")(inp)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, strides=2, activation="relu")(x)
    x = keras.layers.AveragePooling2D(2)(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(16, activation="relu")(x)
    out = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inp, out)


def lstm(unroll: bool = False) -> Any:
    inp = keras.Input((7, 5), name="input_1")
    x = keras.layers.LSTM(6, unroll=unroll)(inp)
    out = keras.layers.Dense(3)(x)
    return keras.Model(inp, out)


def freeze(fn: Any, spec: tf.TensorSpec, path: Path, lower: bool = False) -> Any:
    """Freeze a traced function; functional While/If stay (tf2onnx needs them) unless ``lower``."""
    concrete = tf.function(fn).get_concrete_function(spec)
    frozen = convert_variables_to_constants_v2(concrete, lower_control_flow=lower)
    tf.io.write_graph(frozen.graph.as_graph_def(), str(path.parent), path.name, as_text=False)
    return frozen


def save_model(out: Path, name: str, model: Any, shape: tuple[int, ...], lower: bool = False,
               static_batch: bool = False) -> dict[str, Any]:
    """Freeze ``model`` with an unknown batch dimension (or ``shape``'s), record its output."""
    randomise(model)
    traced = shape if static_batch else (None, *shape[1:])
    frozen = freeze(lambda x: model(x, training=False),
                    tf.TensorSpec(traced, tf.float32, name="input_1"), out / f"{name}.pb", lower)
    x = RNG.standard_normal(shape).astype(np.float32)
    y = model(x, training=False).numpy()
    np.save(out / f"{name}_x.npy", x)
    np.save(out / f"{name}_y.npy", y)
    return {"pb": f"{name}.pb", "shape": list(shape),
            "inputs": [t.name for t in frozen.inputs], "outputs": [t.name for t in frozen.outputs]}


def save_file_reader(out: Path) -> dict[str, Any]:
    """A graph that would read a file: the converter must refuse it before TensorFlow runs."""
    def fn(x: tf.Tensor) -> tf.Tensor:
        data = tf.io.read_file(str(out / "secret.txt"))
        return x + tf.cast(tf.strings.length(data), tf.float32)

    freeze(fn, tf.TensorSpec((1, 4), tf.float32, name="input_1"), out / "reads_file.pb")
    return {"pb": "reads_file.pb", "shape": [1, 4]}


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(0)
    manifest = {
        "cnn": save_model(out, "cnn", cnn(), (1, 32, 32, 3)),
        "lstm_unrolled": save_model(out, "lstm_unrolled", lstm(unroll=True), (1, 7, 5)),
        "lstm": save_model(out, "lstm", lstm(), (1, 7, 5)),
        "lstm_static": save_model(out, "lstm_static", lstm(), (1, 7, 5), static_batch=True),
        "lstm_lowered": save_model(out, "lstm_lowered", lstm(), (1, 7, 5), lower=True),
        "reads_file": save_file_reader(out),
        "versions": {"tensorflow": tf.__version__, "keras": keras.__version__},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
