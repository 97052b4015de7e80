"""The ``mindconverter`` command line (compatible with the original MindConverter's flags)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from typing import Any, NoReturn

from mindconverter import __version__
from mindconverter.converter.errors import ConverterError, ErrorCode

EXIT_OK, EXIT_ERROR, EXIT_MISMATCH, EXIT_INTERRUPTED = 0, 2, 3, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        err = ConverterError(ErrorCode.BAD_ARGUMENT, message)
        _print_error(err)
        sys.exit(EXIT_ERROR)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to document the CLI)."""
    p = _Parser(
        prog="mindconverter",
        description="Convert ONNX/TensorFlow models (graph mode) or PyTorch scripts (AST mode) "
                    "to MindSpore.",
        epilog="Exit codes: 0 success (placeholders included), 2 error, "
               "3 verification mismatch, 130 interrupted.",
    )
    p.add_argument("--version", action="version", version=f"mindconverter {__version__}")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--model_file", help="ONNX model (.onnx) or TensorFlow frozen graph (.pb) "
                                          "to convert")
    src.add_argument("--in_file", help="PyTorch script or folder to rewrite for MindSpore")
    p.add_argument("--shape", nargs="+", metavar="SHAPE",
                   help="input shape(s), e.g. 1,3,224,224 (one per input, space-separated)")
    p.add_argument("--input_nodes", nargs="+", metavar="NAME", help="graph input names")
    p.add_argument("--output_nodes", nargs="+", metavar="NAME", help="graph output names")
    p.add_argument("--output", default="output", help="folder for the script and checkpoint "
                                                      "(default: ./output)")
    p.add_argument("--report", help="folder for the reports (default: the output folder)")
    p.add_argument("--verify", choices=("outputs", "nodes"), default="outputs",
                   help="compare the outputs with onnxruntime (default), or every intermediate "
                        "value to find the first diverging node")
    p.add_argument("--no-verify", dest="verify", action="store_const", const=None,
                   help="skip running the generated network against onnxruntime")
    p.add_argument("--input_data", nargs="+", metavar="NPY",
                   help="input arrays (.npy, one per input) for verification")
    p.add_argument("--seed", type=int, default=0, help="seed of the random verification input")
    p.add_argument("--rtol", type=float, default=1e-3, help="verification relative tolerance")
    p.add_argument("--atol", type=float, default=1e-4, help="verification absolute tolerance")
    p.add_argument("--plugin", nargs="+", metavar="PY", default=[],
                   help="Python file(s) registering converters for your own operators")
    p.add_argument("--export", choices=("mindir",),
                   help="also export the converted network for deployment (MindIR)")
    p.add_argument("--weight_file", help="PyTorch state_dict (.pth) to convert with --in_file")
    p.add_argument("--target", choices=("nn_ops", "mint"), default="nn_ops",
                   help="MindSpore API tier for --in_file (default nn_ops, runs on CPU)")
    p.add_argument("--tf_python", metavar="PYTHON",
                   help="Python with tensorflow and tf2onnx for a .pb model (default: "
                        "$MINDCONVERTER_TF_PYTHON, else this Python)")
    p.add_argument("--inspect", action="store_true",
                   help="print the model's inputs, outputs and opset, then exit")
    p.add_argument("--overwrite", action="store_true", help="replace existing output files")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return p


def parse_shapes(values: Sequence[str] | None) -> list[list[int]] | None:
    """``["1,3,224,224", "1,10"]`` → ``[[1, 3, 224, 224], [1, 10]]``.

    Raises:
        ConverterError: ``MC201`` for anything but comma-separated positive integers.
    """
    if values is None:
        return None
    shapes = []
    for text in values:
        parts = [t.strip() for t in text.strip().strip("[]()").split(",") if t.strip()]
        if not parts or not all(t.isdigit() and int(t) > 0 for t in parts):
            raise ConverterError(ErrorCode.BAD_SHAPE, f"--shape {text!r}: not a list of "
                                                      "positive integers")
        shapes.append([int(t) for t in parts])
    return shapes


class _Progress:
    """Stage display on stderr, only when it is a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.start = time.perf_counter()

    def __call__(self, stage: str, fraction: float) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.start
            sys.stderr.write(f"\r\033[K[{fraction * 100:3.0f}%] {stage}... ({elapsed:.1f}s)")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _print_error(err: ConverterError) -> None:
    sys.stderr.write(err.one_line() + "\n")
    sys.stderr.write(f"hint: {' '.join(err.hint.split())}\n")


def _run_graph(args: argparse.Namespace) -> int:
    from mindconverter import convert_onnx
    from mindconverter.converter.graph.writers import verification_lines

    progress = _Progress()
    try:
        result = convert_onnx(
            args.model_file, args.output, args.report, shapes=parse_shapes(args.shape),
            input_nodes=args.input_nodes, output_nodes=args.output_nodes,
            verify=_VERIFY_MODES[args.verify],
            input_data=args.input_data, seed=args.seed, rtol=args.rtol, atol=args.atol,
            overwrite=args.overwrite, progress=progress, export=args.export,
            plugins=args.plugin, tf_python=args.tf_python,
        )
    finally:
        progress.done()
    rate = 100.0 * result.ops_converted / max(result.ops_total, 1)
    print(f"Converted {result.ops_converted}/{result.ops_total} operators ({rate:.2f}%) "
          f"into {result.class_name}.")
    for u in result.unconverted:
        print(f"  line {u.line}:{u.column}: [UnConvert] '{u.op_type}' ({u.name}) "
              f"didn't convert: {u.reason}")
    print(f"Script:     {result.script}")
    print(f"Checkpoint: {result.checkpoint}")
    print(f"Report:     {result.report_text}")
    for fmt, path in result.exports.items():
        print(f"Export ({fmt}): {path}")
    print("\n".join(verification_lines(result)))
    return EXIT_MISMATCH if result.verification.status == "failed" else EXIT_OK


def _run_inspect(args: argparse.Namespace) -> int:
    from mindconverter.converter.graph.inspect import inspect_model

    info = inspect_model(args.model_file)
    print(f"format: {info['format']}  opset: {info['opset']}  nodes: {info['nodes']}")
    for kind in ("inputs", "outputs"):
        for item in info[kind]:
            shape = ",".join("?" if d is None else str(d) for d in item["shape"])
            print(f"{kind[:-1]:6s} {item['name']}  shape [{shape}]  {item['dtype']}")
    return EXIT_OK


def _run_ast(args: argparse.Namespace) -> int:
    from mindconverter.converter.ast.api import convert_path

    result: Any = convert_path(
        args.in_file, args.output, args.report, weight_file=args.weight_file,
        target=args.target, overwrite=args.overwrite,
    )
    summary = getattr(result, "summary", None)
    print(summary() if callable(summary) else result)
    return EXIT_OK


_interrupted = False
#: ``--verify`` choice → the ``verify`` argument of :func:`convert_onnx`.
_VERIFY_MODES: dict[str | None, Any] = {"outputs": True, "nodes": "nodes", None: False}


def _on_signal(signum: int, frame: Any) -> NoReturn:
    global _interrupted
    _interrupted = True
    from mindconverter.converter.atomic import request_abort

    request_abort()
    raise KeyboardInterrupt


def _install_handlers() -> None:
    """SIGINT and SIGTERM raise KeyboardInterrupt, so staged outputs are discarded."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def _preload_mindspore() -> None:
    """Import the native libraries now (a graph conversion needs them) and take the signals
    back from them; a signal during the imports is handled after them."""
    from mindconverter.converter.atomic import preload_native_libraries

    preload_native_libraries(_install_handlers)


def _report_interrupt() -> int:
    """Say so and exit at once: the staged outputs are already discarded, and a MindSpore
    import cut half-way would crash in its exit handlers."""
    from mindconverter.converter.atomic import COMMITTED

    if COMMITTED:  # the signal came after the outputs were moved in place
        where = ", ".join(str(p) for p in COMMITTED)
        sys.stderr.write(f"interrupted after the outputs were complete in {where}\n")
    else:
        sys.stderr.write("interrupted: nothing was written to the output folder\n")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mindconverter`` command."""
    args = build_parser().parse_args(argv)
    _install_handlers()
    try:
        if args.model_file and args.inspect:
            return _run_inspect(args)
        if args.model_file:
            _preload_mindspore()
            return _run_graph(args)
        return _run_ast(args)
    except ConverterError as err:
        if args.debug:
            traceback.print_exc()
        _print_error(err)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return _report_interrupt()
    except Exception as exc:  # last resort: one line, traceback only with --debug
        if _interrupted:  # e.g. an import interrupted half-way raises ImportError
            return _report_interrupt()
        if args.debug:
            traceback.print_exc()
        _print_error(ConverterError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}"))
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
