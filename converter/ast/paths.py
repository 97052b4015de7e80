"""``convert_path``: convert a PyTorch script or a folder of scripts, with reports and weights.

Everything is staged through :class:`~mindconverter.converter.atomic.AtomicOutput`: either all
output files appear, or none.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from mindconverter.converter.ast.api import AstConversion, convert_source
from mindconverter.converter.ast.parallel import map_in_order
from mindconverter.converter.ast.report import json_report, text_report
from mindconverter.converter.atomic import AtomicOutput
from mindconverter.converter.errors import ConverterError, ErrorCode

MAX_BYTES = 2 * 1024 * 1024  # LibCST needs ~0.9 GB of memory per MB of source
SKIP_DIRS = frozenset({"__pycache__", ".git", ".venv", "venv", "node_modules", ".tox"})


@dataclass
class FileResult:
    """One converted script and its outputs."""

    source: str
    script: str
    report_text: str
    report_json: str
    converted: int
    total: int
    issues: int


@dataclass
class AstPathResult:
    """What :func:`convert_path` wrote.

    Attributes:
        files: One entry per converted script.
        checkpoint: ``<stem>.ckpt`` when a weight file was given.
        weight_map: ``weight_map_of_<stem>.json`` when a weight file was given.
        converted: Torch call sites converted, over all files.
        total: Torch call sites found, over all files.
    """

    files: list[FileResult] = field(default_factory=list)
    checkpoint: str | None = None
    weight_map: str | None = None
    converted: int = 0
    total: int = 0

    def summary(self) -> str:
        """What the CLI prints: one line per script, the weights, and the conversion rate."""
        lines = [
            f"{f.source} -> {f.script}: {f.converted}/{f.total} torch call sites converted "
            f"(report: {f.report_text})"
            for f in self.files
        ]
        if self.checkpoint:
            lines.append(f"weights -> {self.checkpoint} (map: {self.weight_map})")
        rate = f"{100 * self.converted / self.total:.1f}%" if self.total else "n/a"
        lines.append(f"converted {self.converted}/{self.total} torch call sites ({rate})")
        return "\n".join(lines)


def convert_path(
    in_file: str,
    output_dir: str,
    report_dir: str | None = None,
    weight_file: str | None = None,
    target: str = "nn_ops",
    overwrite: bool = False,
) -> AstPathResult:
    """Convert a script or a folder of scripts (keeping the relative layout).

    Args:
        in_file: A ``.py`` file or a folder (searched recursively for ``.py`` files).
        output_dir: Where converted scripts go.
        report_dir: Where ``report_of_<stem>.txt/.json`` go (default: ``output_dir``).
        weight_file: A ``state_dict`` saved by ``torch.save``; writes ``<stem>.ckpt`` and
            ``weight_map_of_<stem>.json`` into ``output_dir``. The stem is the script's
            (or, for a folder, the weight file's).
        target: ``nn_ops`` or ``mint``.
        overwrite: Replace existing output files.

    Raises:
        ConverterError: ``FILE_NOT_FOUND``, ``PYTHON_SYNTAX``, ``PYTHON_ENCODING``,
            ``PYTHON_TOO_LARGE``, ``WEIGHTS_UNREADABLE``, ``OUTPUT_EXISTS``,
            ``OUTPUT_NOT_WRITABLE``...
    """
    output_dir = output_dir or "output"
    source = Path(in_file)
    if not source.exists():
        raise ConverterError(ErrorCode.FILE_NOT_FOUND, f"input not found: {in_file}")
    outputs = {Path(output_dir).resolve(), Path(report_dir or output_dir).resolve()}
    scripts = [p for p in _scripts(source) if not _inside_any(p.resolve(), outputs)]
    if not scripts:
        raise ConverterError(ErrorCode.FILE_NOT_FOUND, f"no .py files in {in_file}")
    base = source if source.is_dir() else source.parent
    report_root = Path(report_dir) if report_dir else Path(output_dir)
    results = map_in_order(_convert_file, scripts, target)  # worker processes on big folders
    conversions = [(path, *result) for path, result in zip(scripts, results, strict=True)]
    arrays = None
    if weight_file is not None:
        from mindconverter.converter.ast.weights import load_state_dict

        arrays = load_state_dict(weight_file)
    result = AstPathResult()
    with AtomicOutput(overwrite=overwrite) as out:
        for path, conversion, encoding in conversions:
            rel = path.relative_to(base).parent
            result.files.append(
                _write_file(
                    out, path, rel, conversion, encoding, Path(output_dir), report_root, target
                )
            )
        if arrays is not None:
            stem = source.stem if source.is_file() else Path(weight_file or "").stem
            layers = {}
            for _path, conversion, _enc in conversions:
                layers.update(conversion.layers)
            result.checkpoint, result.weight_map = _write_weights(
                out, Path(output_dir), stem, arrays, layers
            )
    result.converted = sum(f.converted for f in result.files)
    result.total = sum(f.total for f in result.files)
    return result


def _inside_any(path: Path, folders: set[Path]) -> bool:
    """Whether ``path`` lies in one of ``folders`` (outputs of an earlier run are not inputs)."""
    return any(folder in path.parents for folder in folders)


def _scripts(source: Path) -> list[Path]:
    if source.is_file():
        return [source]
    found = []
    for path in sorted(source.rglob("*.py")):
        parts = path.relative_to(source).parts
        if any(part in SKIP_DIRS or part.startswith(".") for part in parts[:-1]):
            continue
        found.append(path)
    return found


def read_source(path: Path) -> tuple[str, str]:
    """Read a Python file honouring its BOM/coding cookie.

    Returns:
        (text, encoding).

    Raises:
        ConverterError: ``PYTHON_TOO_LARGE`` above 2 MB, ``PYTHON_ENCODING`` if undecodable.
    """
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ConverterError(
                ErrorCode.PYTHON_TOO_LARGE, f"{path} is {size / 1e6:.1f} MB (limit 2 MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ConverterError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc}") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding), encoding
    except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
        raise ConverterError(ErrorCode.PYTHON_ENCODING, f"{path}: {exc}") from None


def _convert_file(path: Path, target: str) -> tuple[AstConversion, str]:
    text, encoding = read_source(path)
    return convert_source(text, target=target, filename=str(path)), encoding


def _write_file(
    out: AtomicOutput,
    path: Path,
    rel: Path,
    conversion: AstConversion,
    encoding: str,
    output_dir: Path,
    report_root: Path,
    target: str,
) -> FileResult:
    script = out.path(output_dir / rel, path.name)
    final_script = output_dir / rel / path.name
    data = conversion.code.encode(encoding if encoding != "utf-8-sig" else "utf-8-sig")
    script.write_bytes(data)
    stem = path.stem
    text_path = out.path(report_root / rel, f"report_of_{stem}.txt")
    text_path.write_text(text_report(conversion.report_lines), encoding="utf-8")
    json_path = out.path(report_root / rel, f"report_of_{stem}.json")
    json_path.write_text(
        json_report(
            conversion.issues,
            conversion.converted,
            conversion.total,
            source=str(path),
            script=str(final_script),
            target=target,
        ),
        encoding="utf-8",
    )
    return FileResult(
        source=str(path),
        script=str(final_script),
        report_text=str(report_root / rel / f"report_of_{stem}.txt"),
        report_json=str(report_root / rel / f"report_of_{stem}.json"),
        converted=conversion.converted,
        total=conversion.total,
        issues=len(conversion.issues),
    )


def _write_weights(
    out: AtomicOutput, output_dir: Path, stem: str, arrays: dict, layers: dict
) -> tuple[str, str]:
    from mindconverter.converter.ast.weights import plan_weights, weight_map, write_checkpoint

    shapes = {name: (tuple(a.shape), str(a.dtype)) for name, a in arrays.items()}
    entries = plan_weights(shapes, layers)
    ckpt = out.path(output_dir, f"{stem}.ckpt")
    write_checkpoint(entries, arrays, ckpt)
    mapping = out.path(output_dir, f"weight_map_of_{stem}.json")
    mapping.write_text(weight_map(stem, entries), encoding="utf-8")
    return str(output_dir / f"{stem}.ckpt"), str(output_dir / f"weight_map_of_{stem}.json")
