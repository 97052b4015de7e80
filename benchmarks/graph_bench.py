"""Graph conversion benchmarks (issue 8): time and peak memory against the I/O floor.

Builds ResNet50- and BERT-base-sized models with random weights (torch.nn, exported with the
TorchScript exporter), then for each model, in fresh processes:

- conversion (``convert_onnx(..., verify=False)``): wall time and peak RSS;
- the I/O floor: ``onnx.load`` of the file + ``mindspore.save_checkpoint`` of the same weights;
- the MindSpore import baseline (peak RSS of ``import mindspore``).

Also: conversion time at 1x, 4x and 16x depth, and inference time of the generated network in
MindSpore vs onnxruntime on the same CPU. Prints markdown tables.

    python benchmarks/graph_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

PY = sys.executable


def _child(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON line; add peak RSS (MB)."""
    wrapper = textwrap.dedent(code) + textwrap.dedent("""
        import json as _j, resource as _r
        RESULT["peak_rss_mb"] = _r.getrusage(_r.RUSAGE_SELF).ru_maxrss / 1024
        print("RESULT" + _j.dumps(RESULT))
    """)
    proc = subprocess.run([PY, "-c", wrapper], capture_output=True, text=True, check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT")), None)
    if line is None:
        raise RuntimeError(proc.stderr[-3000:])
    return json.loads(line[len("RESULT") :])


def build_models(folder: Path, quick: bool) -> dict[str, Path]:
    """Export the benchmark models; returns name → path."""
    import torch
    from torch import nn

    class Bottleneck(nn.Module):
        def __init__(self, cin: int, mid: int, stride: int) -> None:
            super().__init__()
            cout = mid * 4
            self.conv1, self.bn1 = nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid)
            self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(mid)
            self.conv3, self.bn3 = nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout)
            self.down = (
                nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
                if stride != 1 or cin != cout
                else None
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.relu(self.bn1(self.conv1(x)))
            y = torch.relu(self.bn2(self.conv2(y)))
            y = self.bn3(self.conv3(y))
            return torch.relu(y + (x if self.down is None else self.down(x)))

    class ResNet(nn.Module):
        def __init__(self, blocks: tuple[int, ...]) -> None:
            super().__init__()
            self.stem = nn.Sequential(
                nn.Conv2d(3, 64, 7, 2, 3, bias=False),
                nn.BatchNorm2d(64),
                nn.ReLU(),
                nn.MaxPool2d(3, 2, 1),
            )
            layers, cin = [], 64
            for i, n in enumerate(blocks):
                mid = 64 * 2**i
                for j in range(n):
                    layers.append(Bottleneck(cin, mid, 2 if j == 0 and i > 0 else 1))
                    cin = mid * 4
            self.layers = nn.Sequential(*layers)
            self.fc = nn.Linear(cin, 1000)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.layers(self.stem(x))
            return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))

    class Bert(nn.Module):
        def __init__(self, layers: int, d: int = 768) -> None:
            super().__init__()
            self.embed = nn.Embedding(30522, d)
            self.pos = nn.Embedding(512, d)
            self.norm = nn.LayerNorm(d)
            layer = nn.TransformerEncoderLayer(
                d, 12, 4 * d, dropout=0.0, activation="gelu", batch_first=True
            )
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            pos = torch.arange(ids.shape[1]).unsqueeze(0)
            return self.encoder(self.norm(self.embed(ids) + self.pos(pos)))

    specs = {
        "resnet50": (lambda: ResNet((3, 4, 6, 3)), torch.randn(1, 3, 224, 224)),
        "bert_base": (lambda: Bert(12), torch.randint(0, 30522, (1, 128))),
        "resnet_depth1": (lambda: ResNet((1, 1, 1, 1)), torch.randn(1, 3, 64, 64)),
        "resnet_depth4": (lambda: ResNet((4, 4, 4, 4)), torch.randn(1, 3, 64, 64)),
        "resnet_depth16": (lambda: ResNet((16, 16, 16, 16)), torch.randn(1, 3, 64, 64)),
    }
    if quick:
        specs = {k: v for k, v in specs.items() if "depth" in k}
    paths = {}
    for name, (factory, example) in specs.items():
        torch.manual_seed(0)
        path = folder / f"{name}.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                factory().eval(),
                (example,),
                str(path),
                opset_version=14,
                dynamo=False,
                input_names=["x"],
            )
        paths[name] = path
    return paths


def measure(path: Path, out: Path) -> dict:
    """Conversion, floor and baseline for one model."""
    conv = _child(f"""
        import time
        from mindconverter import convert_onnx
        t = time.perf_counter()
        r = convert_onnx({str(path)!r}, {str(out)!r}, verify=False, overwrite=True)
        RESULT = {{"seconds": time.perf_counter() - t, "ops": r.ops_total,
                  "placeholders": len(r.unconverted), "ckpt": r.checkpoint}}
    """)
    floor = _child(f"""
        import time
        t = time.perf_counter()
        import numpy as np, onnx, mindspore as ms
        from onnx import numpy_helper
        m = onnx.load({str(path)!r})
        params = [{{"name": i.name, "data": ms.Tensor(numpy_helper.to_array(i))}}
                  for i in m.graph.initializer]
        ms.save_checkpoint(params, {str(out / "floor.ckpt")!r})
        RESULT = {{"seconds": time.perf_counter() - t}}
    """)
    conv["floor_seconds"] = floor["seconds"]
    conv["floor_rss_mb"] = floor["peak_rss_mb"]
    return conv


def inference(path: Path, out: Path) -> dict:
    """Median inference time, generated MindSpore network vs onnxruntime."""
    return _child(f"""
        import time, numpy as np, onnx
        from mindconverter import convert_onnx
        from mindconverter.converter.graph.verify import (import_script, load_weights,
                                                          run_mindspore, run_onnxruntime)
        r = convert_onnx({str(path)!r}, {str(out)!r}, verify=False, overwrite=True)
        m = import_script(r.script, "bench"); net = getattr(m, r.class_name)()
        load_weights(net, r.checkpoint); net.set_train(False)
        gi = r.inputs[0]
        x = (np.random.rand(*gi.shape) * 100).astype(gi.dtype)
        import onnxruntime as ort
        session = ort.InferenceSession({str(path)!r}, providers=["CPUExecutionProvider"])
        def median(f, n=5):
            f(); ts = []
            for _ in range(n):
                t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
            return sorted(ts)[n // 2]
        ms_t = median(lambda: run_mindspore(net, [x], "graph"))
        ort_t = median(lambda: session.run(None, {{gi.name: x}}))
        RESULT = {{"mindspore_ms": ms_t * 1e3, "onnxruntime_ms": ort_t * 1e3}}
    """)


def main() -> None:
    """Run everything and print the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="depth scaling only")
    args = parser.parse_args()
    baseline = _child("import mindspore\nRESULT = {}")["peak_rss_mb"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = build_models(folder, args.quick)
        print(f"MindSpore import baseline: {baseline:.0f} MB peak RSS\n")
        print(
            "| model | file MB | ops | convert s | floor s | ratio | peak RSS MB | "
            "RSS limit MB (2.5x file + baseline) |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for name, path in paths.items():
            if "depth" in name:
                continue
            r = measure(path, folder / f"out_{name}")
            size = path.stat().st_size / 2**20
            print(
                f"| {name} | {size:.0f} | {r['ops']} | {r['seconds']:.1f} | "
                f"{r['floor_seconds']:.1f} | {r['seconds'] / r['floor_seconds']:.2f} | "
                f"{r['peak_rss_mb']:.0f} | {2.5 * size + baseline:.0f} |"
            )
        print("\n| depth | ops | convert s | s per op |")
        print("| --- | --- | --- | --- |")
        for name in ("resnet_depth1", "resnet_depth4", "resnet_depth16"):
            r = measure(paths[name], folder / f"out_{name}")
            print(
                f"| {name.removeprefix('resnet_depth')}x | {r['ops']} | {r['seconds']:.1f} | "
                f"{r['seconds'] / r['ops'] * 1e3:.1f} ms |"
            )
        print("\n| model | MindSpore (graph) ms | onnxruntime ms | ratio |")
        print("| --- | --- | --- | --- |")
        for name, path in paths.items():
            if name.endswith(("depth4", "depth16")):
                continue
            r = inference(path, folder / f"inf_{name}")
            print(
                f"| {name} | {r['mindspore_ms']:.1f} | {r['onnxruntime_ms']:.1f} | "
                f"{r['mindspore_ms'] / r['onnxruntime_ms']:.2f} |"
            )


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")
