"""Convert a PyTorch document with the AST converter and write (or return) the result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mindconverter.converter.atomic import AtomicOutput
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.server.settings import Settings

SUFFIX = "_mindspore"


@dataclass(frozen=True)
class FileConversion:
    """The outcome of ``mindconverter.convertFile``.

    Attributes:
        path: The file written, or the document's own path when converted in place.
        in_place_text: The converted text to put in the document (in-place mode), else ``None``.
        converted: Call sites converted.
        total: Call sites seen.
    """

    path: str
    in_place_text: str | None
    converted: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        """The command's JSON answer."""
        return {
            "path": self.path,
            "inPlace": self.in_place_text is not None,
            "converted": self.converted,
            "total": self.total,
        }


def output_path(source: Path, output_folder: str | None) -> Path:
    """Where the converted file goes: the output folder, else beside the source.

    Beside the source (or whenever the folder is the source's own) the name gets a
    ``_mindspore`` suffix, so the original is never overwritten.
    """
    folder = Path(output_folder).expanduser() if output_folder else source.parent
    if folder.resolve() == source.parent.resolve():
        return folder / f"{source.stem}{SUFFIX}{source.suffix or '.py'}"
    return folder / source.name


def _source_path(uri: str) -> Path | None:
    if not uri.startswith("file:"):
        return None
    from pygls.uris import to_fs_path

    path = to_fs_path(uri)
    return Path(path) if path else None


def convert_document(uri: str, text: str, settings: Settings) -> FileConversion:
    """Convert a document's text; write the result unless converting in place.

    Raises:
        ConverterError: ``MC501`` on a syntax error, ``MC206`` when an unsaved document has
            nowhere to go, ``MC301`` when the output folder is not writable.
    """
    from mindconverter.converter.ast.api import convert_source

    conversion = convert_source(text, target=settings.target)
    source = _source_path(uri)
    if settings.convert_in_place:
        return FileConversion(
            str(source or uri), conversion.code, conversion.converted, conversion.total
        )
    if source is None and not settings.output_folder:
        raise ConverterError(
            ErrorCode.BAD_ARGUMENT,
            f"{uri} is not saved to a file",
            "Save the document, or set mindconverter.outputFolder.",
        )
    target = output_path(source or Path("untitled.py"), settings.output_folder)
    with AtomicOutput(overwrite=True) as output:
        staged = output.path(target.parent, target.name)
        staged.write_text(conversion.code, encoding="utf-8")
    return FileConversion(str(target.resolve()), None, conversion.converted, conversion.total)
