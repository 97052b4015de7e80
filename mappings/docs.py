"""Documentation links for hover text (strings only: nothing is fetched)."""

from __future__ import annotations

from mindconverter.mappings.model import ApiMapping

DOCS_ROOT = "https://www.mindspore.cn/docs/en"
API_DOCS_VERSION = "r2.10.0"
"""Docs version of the API pages; the tables are checked against MindSpore 2.10."""

# Longest prefix first: MindSpore name prefix -> folder under api_python/.
_API_FOLDERS = (
    ("mindspore.Tensor.", "mindspore/Tensor"),
    ("mindspore.experimental.optim.", "experimental/optim"),
    ("mindspore.dataset.vision.", "dataset_vision"),
    ("mindspore.dataset.audio.", "dataset_audio"),
    ("mindspore.dataset.text.", "dataset_text"),
    ("mindspore.dataset.transforms.", "dataset_transforms"),
    ("mindspore.dataset.", "dataset"),
    ("mindspore.mint.", "mint"),
    ("mindspore.nn.", "nn"),
    ("mindspore.ops.", "ops"),
    ("mindspore.", "mindspore"),
)
_DTYPES = frozenset(
    [
        "bool_",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "bfloat16",
        "complex64",
        "complex128",
    ]
)


def api_doc_url(ms_api: str) -> str | None:
    """URL of the MindSpore API page of a fully qualified MindSpore name.

    Args:
        ms_api: e.g. ``mindspore.nn.Conv2d``, ``mindspore.Tensor.view``,
            ``mindspore.nn.Cell.set_train`` (a method links to its class page).

    Returns:
        The URL, or None for names outside ``mindspore``.
    """
    if not ms_api.startswith("mindspore."):
        return None
    base = f"{DOCS_ROOT}/{API_DOCS_VERSION}/api_python"
    if ms_api.rpartition(".")[2] in _DTYPES and ms_api.count(".") == 1:
        return f"{base}/mindspore/mindspore.dtype.html"
    folder = next(f for prefix, f in _API_FOLDERS if ms_api.startswith(prefix))
    parts = ms_api.split(".")
    if folder != "mindspore/Tensor" and len(parts) > 2 and parts[-2][:1].isupper():
        owner = ".".join(parts[:-1])  # a method: anchor on the class page
        return f"{base}/{folder}/{owner}.html#{ms_api}"
    return f"{base}/{folder}/{ms_api}.html"


def diff_page_url(diff_page: str) -> str:
    """URL of a difference page stored as ``"<docs version>/<path>.md"``."""
    version, _, path = diff_page.partition("/")
    return f"{DOCS_ROOT}/{version}/{path.removesuffix('.md')}.html"


def doc_url(entry: ApiMapping) -> str | None:
    """The most specific MindSpore docs page for a mapping entry.

    Args:
        entry: A mapping entry.

    Returns:
        The difference page when the docs have one, else the target's API page, else None.
    """
    if entry.diff_page:
        return diff_page_url(entry.diff_page)
    if entry.target:
        return api_doc_url(entry.target)
    return None


def onnx_spec_url(op_type: str) -> str:
    """URL of the ONNX operator specification, e.g. for ``Conv``."""
    return f"https://onnx.ai/onnx/operators/onnx__{op_type}.html"
