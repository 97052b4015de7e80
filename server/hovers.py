"""Hover content, computed purely from an analysis and a position.

* On a torch API: its mapping for the configured tier (MindSpore target, status, argument
  differences, documentation page).
* On a MindSpore API: its PyTorch counterpart(s).
* On a placeholder: the operator's record (shapes, dtypes, attributes, constant inputs).
* On a line of a generated script: the ONNX node(s) it came from and the source weights of the
  parameters it uses (from the JSON report and the weight map).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lsprotocol import types
from mindconverter.converter.issues import ConversionIssue
from mindconverter.converter.report import NodeTrace
from mindconverter.server.analysis import DocumentAnalysis
from mindconverter.server.mapping_info import doc_link, torch_counterparts, torch_entry
from mindconverter.server.names import NameAtCursor, name_at, qualify
from mindconverter.server.op_records import describe_shapes
from mindconverter.server.placeholders import Placeholder
from mindconverter.server.positions import UTF16, ast_range, from_lsp_position, to_lsp_range
from mindconverter.server.reports import ReportIndex
from mindconverter.server.script_analysis import ScriptAnalysis

MAX_NODES = 8


def _md(text: str) -> str:
    return f"`{text}`"


def mapping_section(name: str, entry: Any, tier: str) -> str:
    """Markdown for a torch API's mapping entry."""
    target = getattr(entry, "target", None)
    status = getattr(entry, "status", "") or "unknown"
    lines = [f"**{name}** → {_md(target) if target else '*no MindSpore counterpart*'}"]
    lines.append(f"status: {status} · tier: {getattr(entry, 'tier', None) or tier}")
    rename = getattr(entry, "rename", None) or {}
    renamed = [f"{_md(k)}→{_md(v)}" for k, v in rename.items() if v and k != v]
    dropped = [_md(k) for k, v in rename.items() if v == ""]
    if renamed:
        lines.append("arguments: " + ", ".join(renamed))
    if dropped:
        lines.append("dropped: " + ", ".join(dropped))
    unsupported = getattr(entry, "unsupported", None) or []
    if unsupported:
        lines.append("unsupported: " + ", ".join(_md(u) for u in unsupported))
    defaults = getattr(entry, "defaults", None) or {}
    if defaults:
        lines.append("added: " + ", ".join(f"{_md(k)}={v!r}" for k, v in defaults.items()))
    notes = getattr(entry, "notes", "")
    if notes:
        lines.append(str(notes))
    link = doc_link(entry)
    if link:
        lines.append(f"[API difference page]({link})")
    return "  \n".join(lines)


def counterpart_section(name: str, entries: Sequence[Any]) -> str:
    """Markdown for a MindSpore API's PyTorch counterparts."""
    sources = sorted({str(getattr(e, "source", "")) for e in entries if getattr(e, "source", "")})
    shown = ", ".join(_md(s) for s in sources[:6]) + (" …" if len(sources) > 6 else "")
    return f"**{name}**  \nPyTorch counterpart: {shown}"


def placeholder_section(analysis: ScriptAnalysis, placeholder: Placeholder) -> str:
    """Markdown for a placeholder's record."""
    record = analysis.record(placeholder)
    node = f" {_md(record.node_name)}" if record.node_name else ""
    lines = [f"**Unconverted ONNX {record.op_type}**{node}", describe_shapes(record)]
    if record.input_dtypes or record.output_dtypes:
        ins = ", ".join(d or "?" for d in record.input_dtypes)
        outs = ", ".join(d or "?" for d in record.output_dtypes)
        lines.append(f"dtypes: {ins} → {outs}")
    if record.attributes:
        lines.append("attributes: " + _md(_short(record.attributes)))
    if record.constant_inputs:
        lines.append("constant inputs: " + _md(_short(record.constant_inputs)))
    return "  \n".join(lines)


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def trace_section(report: ReportIndex, traces: Sequence[NodeTrace]) -> str:
    """Markdown for the ONNX nodes (and source weights) behind a script line."""
    lines = []
    for trace in traces[:MAX_NODES]:
        lines.append(f"from ONNX {trace.op_type} {_md(trace.name)}")
        for param in trace.params:
            weight = report.weights.get(param)
            if weight is None:
                lines.append(f"  · {_md(param)}")
                continue
            shape = list(weight.source_shape or weight.shape)
            lines.append(
                f"  · {_md(param)} ← {_md(weight.source_name)} {shape} {weight.source_dtype}"
            )
    if len(traces) > MAX_NODES:
        lines.append(f"… and {len(traces) - MAX_NODES} more nodes")
    return "  \n".join(lines)


def _issue_at(issues: Sequence[ConversionIssue], line: int, col: int) -> ConversionIssue | None:
    """The innermost converter finding covering a source position."""
    best = None
    for issue in issues:
        r = issue.range
        if (r.start_line, r.start_col) <= (line, col) <= (r.end_line, r.end_col) and (
            best is None
            or (r.start_line, r.start_col) >= (best.range.start_line, best.range.start_col)
        ):
            best = issue
    return best


def _placeholder_at(script: ScriptAnalysis, line: int, col: int) -> Placeholder | None:
    for placeholder in script.placeholders:
        for rng in (placeholder.statement, *(s.range for s in placeholder.calls)):
            if (rng.start_line, rng.start_col) <= (line, col) <= (rng.end_line, rng.end_col):
                return placeholder
    return None


def _self_attrs(script: ScriptAnalysis, line: int) -> list[str]:
    text = script.lines[line - 1] if 0 < line <= len(script.lines) else ""
    found = []
    for chunk in text.split("self.")[1:]:
        attr = ""
        for char in chunk:
            if not (char.isalnum() or char == "_"):
                break
            attr += char
        if attr and attr not in found:
            found.append(attr)
    return found


def traces_for_line(
    report: ReportIndex, script: ScriptAnalysis, line: int, trust_lines: bool
) -> list[NodeTrace]:
    """The ONNX nodes behind a script line: by ``self.<attr>`` on it, and by line number when
    the document still matches the converted script."""
    traces: list[NodeTrace] = []
    for attr in _self_attrs(script, line):
        traces += [t for t in report.traces_of_attr(attr) if t not in traces]
    if trust_lines:
        traces += [t for t in report.traces_at_line(line) if t not in traces]
    return traces


def _api_section(name: NameAtCursor, imports: dict[str, str], tier: str) -> str | None:
    for parts in (name.parts, name.full):
        qualified = qualify(parts, imports)
        if qualified is None:
            continue
        root = qualified.split(".")[0]
        if root == "torch":
            entry = torch_entry(qualified, tier)
            if entry is not None:
                return mapping_section(qualified, entry, tier)
        elif root == "mindspore":
            entries = torch_counterparts(qualified, tier)
            if entries:
                return counterpart_section(qualified, entries)
    return None


def hover_at(
    analysis: DocumentAnalysis,
    position: types.Position,
    tier: str = "nn_ops",
    encoding: str = UTF16,
    markdown: bool = True,
    trust_lines: bool = False,
) -> types.Hover | None:
    """The hover for a position, or ``None`` when there is nothing to say.

    Args:
        analysis: The document's analysis.
        position: The LSP position.
        tier: Mapping tier for torch APIs.
        encoding: The negotiated position encoding.
        markdown: Whether the client renders markdown (plain text otherwise).
        trust_lines: The report's line numbers still match the document.
    """
    script = analysis.script
    if script.tree is None:
        return None
    line, col = from_lsp_position(script.lines, position, encoding)
    text = script.lines[line - 1]
    byte_col = len(text[:col].encode("utf-8"))
    sections: list[str] = []
    rng = None
    name = name_at(script.tree, line, byte_col)
    api = _api_section(name, script.imports, tier) if name is not None else None
    if api is not None and name is not None:
        sections.append(api)
        rng = to_lsp_range(script.lines, ast_range(script.lines, name.node), encoding)
    elif analysis.torch is not None:
        issue = _issue_at(analysis.torch.issues, line, col)
        entry = torch_entry(issue.source_api, tier) if issue is not None else None
        if issue is not None and entry is not None:  # e.g. a tensor method the converter typed
            sections.append(mapping_section(issue.source_api, entry, tier))
            rng = to_lsp_range(script.lines, issue.range, encoding)
    placeholder = _placeholder_at(script, line, col)
    if placeholder is not None:
        sections.append(placeholder_section(script, placeholder))
    elif script.report is not None:
        traces = traces_for_line(script.report, script, line, trust_lines)
        if traces:
            sections.append(trace_section(script.report, traces))
    if not sections:
        return None
    value = "\n\n---\n\n".join(sections)
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    if not markdown:
        value = value.replace("`", "").replace("**", "").replace("  \n", "\n")
    return types.Hover(contents=types.MarkupContent(kind=kind, value=value), range=rng)
