"""Gradient-mode contexts and decorators."""

from __future__ import annotations

from tests.ast.ast_helpers import assert_converts, convert


def test_no_grad_block_is_unwrapped_with_comments() -> None:
    assert_converts(
        """\
        import torch


        def evaluate(model, x):
            # evaluation only
            with torch.no_grad():
                # forward
                y = model(x)  # keep
                z = y + 1
            return z
        """,
        """\


        def evaluate(model, x):
            # evaluation only
            # forward
            y = model(x)  # keep
            z = y + 1
            return z
        """,
    )


def test_no_grad_with_other_items_keeps_them() -> None:
    result = convert(
        """\
        import torch

        with open("f") as fh, torch.no_grad():
            data = fh.read()
        """
    )
    assert 'with open("f") as fh:\n    data = fh.read()' in result.code


def test_no_grad_decorator_and_inference_mode() -> None:
    result = convert(
        """\
        import torch

        @torch.no_grad()
        def predict(x):
            return x

        def other(x):
            with torch.inference_mode(): return x
        """
    )
    assert "@torch" not in result.code and "import torch" not in result.code
    assert "def predict(x):\n    return x" in result.code
    assert "def other(x):\n    return x" in result.code


def test_no_grad_elsewhere_is_reported() -> None:
    result = convert("import torch\nctx = torch.no_grad()\n")
    assert any(i.code == "MC-A003" and i.source_api == "torch.no_grad" for i in result.issues)
