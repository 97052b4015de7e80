"""PyTorch documents: chunked, cached converter findings and the preliminary scan."""

from __future__ import annotations

from mindconverter.converter.ast.api import convert_source
from mindconverter.server.converter_pool import convert_chunk
from mindconverter.server.script_analysis import analyse_script
from mindconverter.server.torch_analysis import (
    TorchCache,
    analyse_torch,
    convert_batch,
    split_chunks,
)

from tests.server.torch_samples import MODEL


def key(issue) -> tuple:
    r = issue.range
    return (issue.code, issue.source_api, r.start_line, r.start_col, r.end_line, r.end_col)


def counting_converter():
    calls: list[str] = []

    def convert(text: str, target: str):
        calls.append(text)
        return convert_chunk(text, target)

    return convert, calls


def test_chunks_are_top_level_statements_with_the_import_header() -> None:
    chunks = split_chunks(analyse_script(MODEL))
    assert [(c.first_line, c.last_line, c.header_lines) for c in chunks] == [
        (6, 17, 3),
        (20, 21, 3),
    ]
    assert chunks[0].text.startswith(
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nclass Net"
    )
    grouped = split_chunks(analyse_script("import torch\na = torch.ones(1); b = torch.zeros(1)\n"))
    assert len(grouped) == 1  # statements sharing a line stay together


def test_chunked_findings_equal_the_whole_file_conversion() -> None:
    chunked = analyse_torch(analyse_script(MODEL))
    whole = convert_source(MODEL).issues
    assert chunked.complete
    call_sites = [i for i in whole if i.code not in ("MC-A005", "MC-A006")]  # not imports
    assert sorted(map(key, chunked.issues)) == sorted(map(key, call_sites))


def test_unchanged_chunks_come_from_the_cache() -> None:
    cache, (convert, calls) = TorchCache(), counting_converter()
    analyse_torch(analyse_script(MODEL), cache=cache, converter=convert)
    assert len(calls) == 1  # the class and the function, in one batch
    edited = MODEL.replace("return Net()", "return Net()  # edited")
    again = analyse_torch(analyse_script(edited), cache=cache, converter=convert)
    assert len(calls) == 2 and again.complete  # only the edited function
    assert calls[-1].endswith("def make():\n    return Net()  # edited\n")
    shifted = analyse_torch(analyse_script("\n\n" + MODEL), cache=cache, converter=convert)
    assert len(calls) == 2  # moving chunks does not convert them again
    linear = next(i for i in shifted.issues if i.source_api == "torch.nn.Linear")
    assert linear.range.start_line == 11


def test_a_batch_gives_each_chunk_its_own_findings() -> None:
    chunks = split_chunks(analyse_script(MODEL))
    batched = convert_batch(chunks, "nn_ops", convert_chunk)
    alone = [
        [i for i in convert_chunk(chunk.text, "nn_ops") if i.range.start_line > chunk.header_lines]
        for chunk in chunks
    ]  # header lines (imports) are not the chunks' findings
    assert [sorted(map(key, b)) for b in batched] == [sorted(map(key, a)) for a in alone]
    assert batched[0] and batched[1] == []  # make() has no torch call


def test_preliminary_scan_until_converted() -> None:
    analysis = analyse_torch(analyse_script(MODEL), convert=False)
    assert analysis.pending == 2 and not analysis.complete
    found = {(i.code, i.source_api, i.range.start_line) for i in analysis.issues}
    assert ("MC-A001", "torch.nn.Linear", 9) in found
    assert ("MC-A001", "torch.cat", 15) in found
    assert ("MC-A002", "torch.stft", 16) in found
    assert all(i.data.get("preliminary") for i in analysis.issues)


def test_focus_budget_and_stop_limit_the_work() -> None:
    script = analyse_script(MODEL)
    convert, calls = counting_converter()
    focused = analyse_torch(script, converter=convert, focus=(21, 21))
    assert focused.pending == 1 and len(calls) == 1  # only the function
    stopped = analyse_torch(script, converter=convert, should_stop=lambda: True)
    assert stopped.pending == 2
    assert analyse_torch(script, budget=0.0, converter=convert).pending == 2


def test_a_chunk_left_unchanged_is_reported_at_its_line() -> None:
    from mindconverter.converter.issues import ConversionIssue, SourceRange

    def failing(text: str, target: str):
        if "class Net" in text:
            note = ConversionIssue(
                "MC-A015", "note", "", None, "left unchanged", SourceRange(1, 0, 1, 0)
            )
            return [note]
        return convert_chunk(text, target)

    analysis = analyse_torch(analyse_script(MODEL), converter=failing)
    notes = [i for i in analysis.issues if i.code == "MC-A015"]
    assert [(n.range.start_line, n.kind) for n in notes] == [(6, "note")]
    assert all(i.range.start_line not in range(7, 18) for i in analysis.issues)  # none inside


def test_document_analysis_passes_the_converter_and_focus_through() -> None:
    from mindconverter.server.analysis import analyse
    from mindconverter.server.settings import Settings

    convert, calls = counting_converter()
    cache = TorchCache()
    focused = analyse(MODEL, None, Settings(), torch_cache=cache, focus=(21, 21), converter=convert)
    assert len(calls) == 1 and focused.torch.pending == 1
    edited = MODEL.replace("(10, 20", "(11, 20")
    again = analyse(
        edited, None, Settings(), torch_cache=cache, converter=convert, previous=focused
    )
    assert again.torch.complete and len(calls) == 2
    assert again.script.tree.body[-1] is focused.script.tree.body[-1]  # re-parsed incrementally
