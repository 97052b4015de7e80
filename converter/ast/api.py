"""Public API of the AST converter: ``convert_source`` (pure) and ``convert_path`` (files).

The CLI and the language server call exactly these two functions.
"""

from __future__ import annotations

import ast
import copy
import gc
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.report import report_lines
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.issues import ConversionIssue, SourceRange

if TYPE_CHECKING:
    from mindconverter.converter.ast.paths import AstPathResult

TIERS = ("nn_ops", "mint")


@dataclass
class AstConversion:
    """The result of converting one source.

    Attributes:
        code: The converted source (always valid Python).
        issues: Findings, with ranges in the original source.
        report_lines: The report in the original tool's line format.
        converted: Torch call sites converted.
        total: Torch call sites found.
        layers: Per ``nn.Module`` class: ``self.<attr>`` → layer description (for weights).
    """

    code: str
    issues: list[ConversionIssue]
    report_lines: list[str]
    converted: int
    total: int
    layers: dict[str, Any] = field(default_factory=dict)


def convert_source(
    source: str, *, target: str = "nn_ops", filename: str = "<string>"
) -> AstConversion:
    """Convert a PyTorch source to MindSpore.

    Args:
        source: The Python source text.
        target: API tier, ``nn_ops`` (default, runs on CPU) or ``mint``.
        filename: Shown in error messages.

    Returns:
        The converted code and its findings.

    Raises:
        ConverterError: ``PYTHON_SYNTAX`` when ``source`` is not valid Python (the only error).
    """
    if target not in TIERS:
        raise ConverterError(
            ErrorCode.BAD_ARGUMENT,
            f"unknown target tier {target!r}",
            hint=f"Use one of: {', '.join(TIERS)}.",
        )
    return copy.deepcopy(_convert_cached(source, target, filename))


@lru_cache(maxsize=16)
def _convert_cached(source: str, target: str, filename: str) -> AstConversion:
    """The conversion, remembered for the last sources (editors re-send unchanged text)."""
    check_syntax(source, filename)
    with _collector_paused():
        try:
            module = cst.parse_module(source)
        except (cst.ParserSyntaxError, RecursionError, MemoryError, ValueError) as exc:
            return _unchanged(source, f"LibCST cannot parse this file: {_first_line(exc)}")
        try:
            return _convert(module, source, target)
        except RecursionError:
            return _unchanged(source, "the file is too deeply nested to convert")
        except Exception as exc:
            return _unchanged(source, f"internal error: {type(exc).__name__}: {_first_line(exc)}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during one conversion (about 8% faster).

    A conversion allocates hundreds of thousands of short-lived tree nodes, which keep
    triggering collections that find almost nothing; reference counting frees them anyway.
    The collector runs again afterwards (if it was on), and picks up the few cycles left.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def check_syntax(source: str, filename: str) -> None:
    """Raise ``PYTHON_SYNTAX`` unless ``source`` compiles to a Python AST."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source, filename=filename)
    except SyntaxError as exc:
        where = f"{filename}:{exc.lineno}:{(exc.offset or 1) - 1}" if exc.lineno else filename
        raise ConverterError(ErrorCode.PYTHON_SYNTAX, f"{where}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError) as exc:
        raise ConverterError(ErrorCode.PYTHON_SYNTAX, f"{filename}: {_first_line(exc)}") from None


def _convert(module: cst.Module, source: str, target: str) -> AstConversion:
    from mindconverter.converter.ast.pipeline import run

    result = run(module, target)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(result.code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return _unchanged(source, f"the converted code did not parse ({_first_line(exc)})")
    issues = result.ctx.issues()
    converted, total = result.ctx.counts()
    layers = {
        name: {"kind": info.kind, "bases": info.bases, "layers": info.layers, "items": info.items}
        for name, info in result.types.classes.items()
    }
    return AstConversion(
        code=result.code,
        issues=issues,
        report_lines=report_lines(issues),
        converted=converted,
        total=total,
        layers=layers,
    )


def _unchanged(source: str, reason: str) -> AstConversion:
    issue = ConversionIssue(
        code=codes.LEFT_UNCHANGED,
        kind="note",
        source_api="",
        target=None,
        message=f"The file was left unchanged: {reason}.",
        range=SourceRange(1, 0, 1, 0),
    )
    return AstConversion(
        code=source, issues=[issue], report_lines=report_lines([issue]), converted=0, total=0
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def convert_path(
    in_file: str,
    output_dir: str,
    report_dir: str | None = None,
    weight_file: str | None = None,
    target: str = "nn_ops",
    overwrite: bool = False,
) -> AstPathResult:
    """Convert a script or a folder of scripts; write reports (and weights). See ``paths``.

    Args:
        in_file: A ``.py`` file or a folder.
        output_dir: Where converted scripts (and ``<stem>.ckpt``) go.
        report_dir: Where ``report_of_<stem>.txt/.json`` go (default: ``output_dir``).
        weight_file: A PyTorch ``state_dict`` file to convert alongside.
        target: ``nn_ops`` or ``mint``.
        overwrite: Replace existing output files.

    Raises:
        ConverterError: For every user-caused failure (see ``paths.convert_path``).
    """
    from mindconverter.converter.ast.paths import convert_path as run

    return run(
        in_file,
        output_dir,
        report_dir=report_dir,
        weight_file=weight_file,
        target=target,
        overwrite=overwrite,
    )
