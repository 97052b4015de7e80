"""Graph conversion benchmarks (issue 8): time and peak memory against the I/O floor.

Builds ResNet50- and BERT-base-sized models with random weights (torch.nn, exported with the
TorchScript exporter), then for each model, in fresh processes:

- conversion (``convert_onnx(..., verify=False)``): wall and CPU time, peak RSS, and
  separately the time of the verification stage of a ``verify=True`` run;
- the I/O floor: ``onnx.load`` of the file + ``mindspore.save_checkpoint`` of the same weights
  (both timed after their module imports; medians of ``--repeats`` fresh processes);
- the MindSpore import baseline (peak RSS of ``import mindspore``).

Also: conversion time at 1x, 4x and 16x depth, and inference time of the generated network in
MindSpore vs onnxruntime on the same CPU. Prints markdown tables.

    python benchmarks/graph_bench.py [--quick] [--repeats N]
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
    """Run ``code`` in a fresh interpreter; it prints one JSON line; add peak RSS (MB).

    Peak RSS is ``VmHWM``: Linux carries ``ru_maxrss`` over ``exec``, so a child of this
    (torch-heavy) process would report at least the parent's size.
    """
    wrapper = textwrap.dedent(code) + textwrap.dedent("""
        import json as _j, re as _re
        with open("/proc/self/status") as _f:
            _hwm = _re.search(r"VmHWM:\\s+(\\d+) kB", _f.read())
        RESULT["peak_rss_mb"] = int(_hwm.group(1)) / 1024
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
            # TransformerEncoder deep-copies one layer: identical weights, which the exporter
            # stores once. Distinct random weights give a real BERT-base-sized file (~420 MB).
            with torch.no_grad():
                for name, param in self.named_parameters():
                    param.normal_(1.0 if "norm" in name and name.endswith("weight") else 0.0,
                                  0.02)

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


def _conversion(path: Path, out: Path, verify: bool) -> dict:
    """One conversion in a fresh process: wall/CPU seconds, and the verify stage's share.

    Timed after importing the conversion pipeline, as the floor is after its imports; what the
    converter imports during the call (e.g. MindSpore to write a checkpoint) is counted.
    """
    return _child(f"""
        import time
        from mindconverter import convert_onnx
        import mindconverter.converter.graph.pipeline
        marks = {{}}
        def progress(stage, _fraction):
            marks.setdefault(stage, (time.perf_counter(), time.process_time()))
        t, c = time.perf_counter(), time.process_time()
        r = convert_onnx({str(path)!r}, {str(out)!r}, verify={verify!r}, overwrite=True,
                         progress=progress)
        end = (time.perf_counter(), time.process_time())
        start = marks.get("verify", end)
        RESULT = {{"seconds": start[0] - t, "cpu": start[1] - c,
                  "verify_seconds": end[0] - start[0], "verify_cpu": end[1] - start[1],
                  "verification": r.verification.status, "ops": r.ops_total,
                  "placeholders": len(r.unconverted)}}
    """)


def _floor(path: Path, out: Path) -> dict:
    """The I/O floor: ``onnx.load`` + ``mindspore.save_checkpoint`` of every initializer.

    Timed after ``import onnx, mindspore`` (imports are not I/O).
    """
    return _child(f"""
        import time
        import numpy as np, onnx, mindspore as ms
        from onnx import numpy_helper
        t, c = time.perf_counter(), time.process_time()
        m = onnx.load({str(path)!r})
        params = [{{"name": i.name, "data": ms.Tensor(numpy_helper.to_array(i))}}
                  for i in m.graph.initializer]
        ms.save_checkpoint(params, {str(out / "floor.ckpt")!r})
        RESULT = {{"seconds": time.perf_counter() - t, "cpu": time.process_time() - c}}
    """)


def _median(runs: list[dict], key: str) -> float:
    values = sorted(r[key] for r in runs)
    return values[len(values) // 2]


def measure(path: Path, out: Path, repeats: int = 3, verify: bool = True) -> dict:
    """Conversion (``verify=False``) and floor, ``repeats`` times each in fresh processes.

    Returns medians of wall and CPU seconds, the largest peak RSS of the conversion runs, and,
    when ``verify``, the time of the verification stage of one more conversion with
    ``verify=True`` (that run's conversion part is not counted).
    """
    out.mkdir(parents=True, exist_ok=True)
    convs, floors = [], []
    for _ in range(repeats):  # interleaved, so that load changes hit both alike
        convs.append(_conversion(path, out, verify=False))
        floors.append(_floor(path, out))
    result = {"ops": convs[0]["ops"], "placeholders": convs[0]["placeholders"],
              "seconds": _median(convs, "seconds"), "cpu": _median(convs, "cpu"),
              "peak_rss_mb": max(r["peak_rss_mb"] for r in convs),
              "floor_seconds": _median(floors, "seconds"), "floor_cpu": _median(floors, "cpu"),
              "floor_rss_mb": max(r["peak_rss_mb"] for r in floors)}
    if verify:
        checked = _conversion(path, out, verify=True)
        result.update(verify_seconds=checked["verify_seconds"], verify_cpu=checked["verify_cpu"],
                      verification=checked["verification"])
    return result


def print_conversion(paths: dict[str, Path], folder: Path, baseline: float, repeats: int
                     ) -> None:
    """The conversion-vs-floor table for the full-size models."""
    print(f"MindSpore import baseline: {baseline:.0f} MB peak RSS. Conversion = "
          f"convert_onnx(verify=False), floor = onnx.load + mindspore.save_checkpoint, both "
          f"timed after their module imports; verification = the verify stage of one "
          f"verify=True run; medians of {repeats} fresh processes (wall, and the process's "
          f"CPU time).\n")
    print("| model | file MB | ops | floor s | conversion s | ratio | floor CPU s | "
          "conversion CPU s | CPU ratio | verification s | peak RSS MB | RSS target MB |")
    print("| --- " * 12 + "|")
    for name, path in paths.items():
        if "depth" in name:
            continue
        r = measure(path, folder / f"out_{name}", repeats)
        size = path.stat().st_size / 2**20
        print(f"| {name} | {size:.0f} | {r['ops']} | {r['floor_seconds']:.2f} | "
              f"{r['seconds']:.2f} | {r['seconds'] / r['floor_seconds']:.2f} | "
              f"{r['floor_cpu']:.2f} | {r['cpu']:.2f} | {r['cpu'] / r['floor_cpu']:.2f} | "
              f"{r['verify_seconds']:.1f} ({r['verification']}) | {r['peak_rss_mb']:.0f} | "
              f"{2.5 * size + baseline:.0f} |")


def print_depth(paths: dict[str, Path], folder: Path, repeats: int) -> None:
    """Conversion time at 1x, 4x and 16x ResNet depth (should grow linearly)."""
    print("\n| depth | file MB | ops | conversion s | CPU s | CPU ms per op | "
          "CPU s per 100 MB | ratio to floor | peak RSS MB |")
    print("| --- " * 9 + "|")
    for name in ("resnet_depth1", "resnet_depth4", "resnet_depth16"):
        r = measure(paths[name], folder / f"out_{name}", repeats, verify=False)
        size = paths[name].stat().st_size / 2**20
        print(f"| {name.removeprefix('resnet_depth')}x | {size:.0f} | {r['ops']} | "
              f"{r['seconds']:.2f} | {r['cpu']:.2f} | {r['cpu'] / r['ops'] * 1e3:.1f} | "
              f"{r['cpu'] / size * 100:.2f} | {r['seconds'] / r['floor_seconds']:.2f} | "
              f"{r['peak_rss_mb']:.0f} |")


def inference(path: Path, out: Path, seconds: float = 3.0) -> dict:
    """Median inference time of the generated network (graph and PyNative) and onnxruntime.

    Same process, same seeded inputs (``make_feeds``), CPU only; every timing is the median of
    5-50 runs (about ``seconds`` each) after 3 warm-up runs, as wall time and as process CPU
    time (steadier on a shared machine). Outputs are synchronised with ``asnumpy()``.
    """
    return _child(f"""
        import time, numpy as np
        import mindspore as ms
        import onnxruntime as ort
        from mindconverter import convert_onnx
        from mindconverter.converter.graph.verify import (ensure_cpu, import_script,
                                                          load_weights, make_feeds)
        r = convert_onnx({str(path)!r}, {str(out)!r}, verify=False, overwrite=True)
        m = import_script(r.script, "bench"); net = getattr(m, r.class_name)()
        load_weights(net, r.checkpoint); net.set_train(False)
        feeds = make_feeds([(i.name, tuple(i.shape), np.dtype(i.dtype)) for i in r.inputs], 0)
        session = ort.InferenceSession({str(path)!r}, providers=["CPUExecutionProvider"])
        names = [i.name for i in r.inputs]
        def median(f):
            t = time.perf_counter()
            for _ in range(3): f()
            n = int(min(50, max(5, {seconds!r} * 3 / (time.perf_counter() - t))))
            wall, cpu = [], []
            for _ in range(n):
                t, c = time.perf_counter(), time.process_time(); f()
                wall.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
            return float(np.median(wall)) * 1e3, float(np.median(cpu)) * 1e3
        ensure_cpu()
        RESULT = {{}}
        for mode in ("graph", "pynative"):
            ms.set_context(mode=ms.GRAPH_MODE if mode == "graph" else ms.PYNATIVE_MODE)
            tensors = [ms.Tensor(f) for f in feeds]
            def run():
                out = net(*tensors)
                for o in (out if isinstance(out, (tuple, list)) else (out,)):
                    o.asnumpy()
            RESULT[mode + "_ms"], RESULT[mode + "_cpu_ms"] = median(run)
        ms.set_context(mode=ms.PYNATIVE_MODE)
        RESULT["onnxruntime_ms"], RESULT["onnxruntime_cpu_ms"] = median(
            lambda: session.run(None, dict(zip(names, feeds))))
    """)


def print_inference(paths: dict[str, Path], folder: Path) -> None:
    """The inference-ratio table: generated network (graph, PyNative) vs onnxruntime.

    Covers the ResNet-like CNN built here (``resnet_depth1``, plus ``resnet50``/``bert_base``
    when built) and the shipped ``bert_like`` transformer (tests/data/models).
    """
    models = {n: p for n, p in paths.items() if not n.endswith(("depth4", "depth16"))}
    models["bert_like"] = BERT_LIKE
    print("\n| model | graph ms | PyNative ms | onnxruntime ms | graph / ORT | PyNative / ORT "
          "| CPU ms graph / PyNative / ORT |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, path in models.items():
        r = inference(path, folder / f"inf_{name}")
        ort_ms = r["onnxruntime_ms"]
        print(f"| {name} | {r['graph_ms']:.1f} | {r['pynative_ms']:.1f} | {ort_ms:.2f} | "
              f"{r['graph_ms'] / ort_ms:.1f} | {r['pynative_ms'] / ort_ms:.1f} | "
              f"{r['graph_cpu_ms']:.1f} / {r['pynative_cpu_ms']:.1f} / "
              f"{r['onnxruntime_cpu_ms']:.2f} |")


BERT_LIKE = Path(__file__).resolve().parents[1] / "tests/data/models/bert_like_op14/model.onnx"


def main() -> None:
    """Run everything and print the tables."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="depth scaling only")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per median")
    args = parser.parse_args()
    baseline = _child("import mindspore\nRESULT = {}")["peak_rss_mb"]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = build_models(folder, args.quick)
        print_conversion(paths, folder, baseline, args.repeats)
        print_depth(paths, folder, args.repeats)
        print_inference(paths, folder)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"\n(total {time.perf_counter() - t0:.0f} s)")
