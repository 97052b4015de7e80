"""Typed errors with stable codes, shared by every converter and the CLI.

Every failure a user can cause (bad file, bad flag, bad model) is a :class:`ConverterError`
carrying an :class:`ErrorCode`. The CLI prints ``error <code>: <message>`` plus a hint and exits
non-zero; the language server turns the same object into an error response.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.Enum):
    """Stable error codes: (code, summary, default hint)."""

    FILE_NOT_FOUND = ("MC101", "input file not found", "Check the path passed to the flag.")
    NOT_A_FILE = ("MC102", "input path is not a regular file", "Pass a file, not a directory.")
    EMPTY_FILE = ("MC103", "input file is empty", "Re-export the model; the file has no content.")
    NOT_ONNX = (
        "MC104",
        "not a valid ONNX model",
        "Pass an ONNX model (.onnx) or a TensorFlow frozen graph (.pb).",
    )
    INVALID_GRAPH = (
        "MC105",
        "the ONNX graph is invalid",
        "Run onnx.checker.check_model on the file; re-export the model.",
    )
    OPSET_UNSUPPORTED = (
        "MC106",
        "the model's opset is not supported",
        "Convert the model to a supported opset with onnx.version_converter.",
    )
    EXTERNAL_DATA = (
        "MC107",
        "external weight data is missing or unsafe",
        "Keep the external data files beside the model, inside its folder.",
    )
    TF_CONVERSION = (
        "MC108",
        "the TensorFlow graph could not be converted to ONNX",
        "Check that tf2onnx supports the graph's operators; freeze it with "
        "convert_variables_to_constants_v2.",
    )
    TORCH_EXPORT = (
        "MC109",
        "PyTorch could not export the module to ONNX",
        "Try the other exporter (exporter='torchscript' or 'dynamo'), or export the module "
        "yourself and pass the .onnx file.",
    )
    BAD_SHAPE = (
        "MC201",
        "malformed --shape",
        "Use comma-separated positive integers, one shape per input: --shape 1,3,224,224",
    )
    SHAPE_COUNT = (
        "MC202",
        "the number of shapes does not match the number of inputs",
        "Pass one --shape per input node, in the same order as --input_nodes.",
    )
    UNKNOWN_NODE = (
        "MC203",
        "node name not in the graph",
        "List the graph's inputs and outputs with `mindconverter --model_file M --inspect`.",
    )
    SYMBOLIC_SHAPE = (
        "MC204",
        "an input has a symbolic dimension",
        "Pass concrete shapes with --shape (one per input).",
    )
    BAD_INPUT_DATA = (
        "MC205",
        "input data file does not fit the model",
        "Pass one .npy file per input, with the input's shape and dtype.",
    )
    BAD_ARGUMENT = ("MC206", "invalid argument", "See `mindconverter -h`.")
    PLUGIN_ERROR = (
        "MC207",
        "a converter plugin failed to load",
        "Run the plugin with python to see its error; see docs/plugins.md.",
    )
    OUTPUT_NOT_WRITABLE = (
        "MC301",
        "output folder is not writable",
        "Choose another --output/--report folder or fix its permissions.",
    )
    OUTPUT_EXISTS = (
        "MC302",
        "output files already exist",
        "Pass --overwrite to replace them, or choose another --output folder.",
    )
    SHAPE_INFERENCE = (
        "MC401",
        "could not infer the model's tensor shapes",
        "Pass --shape for every input; check that onnxruntime can run the model.",
    )
    VERIFY_FAILED = (
        "MC402",
        "verification could not run",
        "Re-run with --no-verify to keep the outputs, and report the model.",
    )
    PYTHON_SYNTAX = (
        "MC501",
        "the Python source has a syntax error",
        "Fix the syntax error first; the converter only rewrites valid Python.",
    )
    PYTHON_ENCODING = (
        "MC502",
        "the Python source cannot be decoded",
        "Save the file as UTF-8 (or declare its encoding in a coding comment).",
    )
    PYTHON_TOO_LARGE = (
        "MC503",
        "the Python source is too large",
        "Split the file; the converter reads files up to 2 MB (about 40,000 lines).",
    )
    WEIGHTS_UNREADABLE = (
        "MC504",
        "the weight file is not a plain state_dict",
        "Save weights with torch.save(model.state_dict(), path); no pickled code is loaded.",
    )
    MISSING_DEPENDENCY = (
        "MC601",
        "an optional dependency is missing",
        "Install the extra named in the message.",
    )
    INTERNAL = ("MC901", "internal error", "Re-run with --debug and report the traceback.")

    @property
    def code(self) -> str:
        """The stable code, e.g. ``MC101``."""
        return self.value[0]

    @property
    def summary(self) -> str:
        """One-line summary of the error class."""
        return self.value[1]

    @property
    def hint(self) -> str:
        """The default hint shown under the message."""
        return self.value[2]


class ConverterError(Exception):
    """A user-facing failure with a stable code.

    Args:
        code: The error class.
        message: What went wrong, naming the offending file, flag or node.
        hint: How to fix it; defaults to the error class's hint.
    """

    def __init__(self, code: ErrorCode, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.hint = hint if hint is not None else code.hint

    def one_line(self) -> str:
        """The message as the CLI prints it: ``error MC101: ...``."""
        text = " ".join(self.message.split())
        return f"error {self.code.code}: {text}"

    def to_dict(self) -> dict[str, str]:
        """A JSON-friendly form for reports and the language server."""
        return {"code": self.code.code, "message": self.message, "hint": self.hint}


def markdown_table() -> str:
    """The error-code table of ``docs/errors.md`` (generated; a test keeps the file in sync)."""
    lines = [
        "# Error codes",
        "",
        "Generated from `converter/errors.py` by `python -m mindconverter.converter.errors`.",
        "Every user-facing failure prints `error <code>: <message>` and `hint: <hint>` on stderr",
        "and exits with status 2; `--debug` adds the traceback. The output folder is left as it",
        "was: files are written to a temporary folder beside it and moved in at the end.",
        "",
        "| code | error | hint |",
        "| --- | --- | --- |",
    ]
    for item in ErrorCode:
        lines.append(f"| {item.code} | {item.summary} | {item.hint} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
