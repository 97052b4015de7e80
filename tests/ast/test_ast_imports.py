"""Imports: torch imports out when unused after conversion, MindSpore imports in."""

from __future__ import annotations

from tests.ast.ast_helpers import assert_converts, convert


def test_aliases_resolved_and_replaced() -> None:
    assert_converts(
        """\
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        y = F.relu(torch.cat([a, b], dim=1))
        layer = nn.Linear(2, 3)
        """,
        """\
        from mindspore import nn, ops

        y = ops.relu(ops.cat([a, b], 1))
        layer = nn.Dense(2, 3)
        """,
    )


def test_from_import_forms() -> None:
    assert_converts(
        """\
        from torch import nn
        from torch.nn import functional as fn, Conv2d

        conv = Conv2d(3, 8, 3)
        out = fn.gelu(nn.Identity()(x))
        """,
        """\
        from mindspore import nn, ops

        conv = nn.Conv2d(3, 8, 3, has_bias=True, pad_mode='valid')
        out = ops.gelu(nn.Identity()(x))
        """,
    )


def test_import_kept_when_something_stays_unconverted() -> None:
    result = convert(
        """\
        import torch

        a = torch.cat([x, y])
        b = torch.frobnicate(x)
        """
    )
    assert result.code.splitlines()[:2] == ["from mindspore import ops", "import torch"]
    assert "b = torch.frobnicate(x)" in result.code


def test_partial_import_statement_keeps_the_unconverted_name() -> None:
    result = convert(
        """\
        from torch import cat, frobnicate

        a = cat([x, y])
        b = frobnicate(x)
        """
    )
    assert "from torch import frobnicate\n" in result.code
    assert "a = ops.cat([x, y])" in result.code


def test_alias_clash_uses_a_fresh_name() -> None:
    result = convert(
        """\
        import torch

        ops = ["keep", "me"]
        y = torch.cat([a, b])
        """
    )
    assert "from mindspore import ops as ms_ops" in result.code
    assert "y = ms_ops.cat([a, b])" in result.code
    assert 'ops = ["keep", "me"]' in result.code


def test_imports_go_after_docstring_and_future_when_torch_is_imported_locally() -> None:
    result = convert(
        '''\
        """Doc."""
        from __future__ import annotations


        def f(a, b):
            import torch
            return torch.cat([a, b])
        '''
    )
    lines = result.code.splitlines()
    assert lines[:3] == [
        '"""Doc."""',
        "from __future__ import annotations",
        "from mindspore import ops",
    ]
    assert "import torch" not in result.code


def test_comments_above_the_first_import_are_kept() -> None:
    result = convert(
        """\
        # Copyright line
        # second line
        import torch  # trailing
        import numpy as np

        y = torch.cat([a, b])
        """
    )
    assert result.code.startswith("# Copyright line\n# second line\nfrom mindspore import ops\n")
    assert "import numpy as np" in result.code


def test_insert_and_import_sites_are_reported() -> None:
    result = convert("import torch\ny = torch.cat([a])\n")
    inserts = [i for i in result.issues if i.kind == "insert"]
    assert [i.target for i in inserts] == ["from mindspore import ops"]
    assert result.report_lines[0] == (
        "[Insert] 'from mindspore import ops' is inserted to the converted file."
    )
    assert "line 1:0: [Convert] 'import torch' is converted to 'import mindspore'." in (
        result.report_lines
    )


def test_star_import_is_kept_and_reported() -> None:
    result = convert("from torch.nn import *\nx = Linear(2, 3)\n")
    assert result.code.splitlines()[:3] == [
        "# TODO(mindconverter): 'torch.nn.*' didn't convert. Star imports cannot be resolved;"
        " import names explicitly.",
        "from torch.nn import *",
        "x = Linear(2, 3)",
    ]
    assert any(i.code == "MC-A011" for i in result.issues)


def test_no_torch_no_change() -> None:
    source = "import numpy as np\n\n# comment\nx = np.zeros(3)  # keep\n"
    result = convert(source)
    assert result.code == source
    assert result.issues == [] and result.total == 0
