"""Identifiers derived from untrusted names are safe and readable."""

from __future__ import annotations

import keyword

import pytest
from hypothesis import given
from hypothesis import strategies as st
from mindconverter.converter.graph.emitter import class_name_for
from mindconverter.converter.graph.names import node_base_name
from mindconverter.converter.naming import NameAllocator, to_identifier
from onnx import helper


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/features/features.0/Conv", "features_features_0_Conv"),
        ("__import__('os').system('x')", "import_os_system_x"),
        ("class", "class_"),
        ("self", "self_"),
        ("123abc", "v_123abc"),
        ("", "v"),
        ("ｘ", "x"),  # full-width look-alike folds to ASCII
        ("a\nb\"c", "a_b_c"),
    ],
)
def test_to_identifier(raw: str, expected: str) -> None:
    assert to_identifier(raw) == expected


@given(st.text())
def test_to_identifier_is_always_a_valid_non_keyword_identifier(raw: str) -> None:
    ident = to_identifier(raw)
    assert ident.isidentifier() and ident.isascii()
    assert not keyword.iskeyword(ident)


def test_allocator_deduplicates() -> None:
    names = NameAllocator({"x"})
    assert [names.allocate(n) for n in ("x", "x", "y", "y")] == ["x_1", "x_2", "y", "y_1"]


@pytest.mark.parametrize(
    ("name", "op", "expected"),
    [
        ("/features/features.0/features.0.0/Conv", "Conv", "features_0_0"),
        ("/layer1/layer1.0/Add", "Add", "layer1_0_add"),
        ("/Flatten", "Flatten", "flatten"),
        ("Conv_12", "Conv", "conv_12"),
        ("n3", "Conv", "conv_n3"),
        ("", "GlobalAveragePool", "global_average_pool"),
    ],
)
def test_node_base_name(name: str, op: str, expected: str) -> None:
    assert node_base_name(helper.make_node(op, ["a"], ["b"], name=name)) == expected


def test_class_name() -> None:
    assert class_name_for("mobilenet_v2") == "MobilenetV2"
    assert class_name_for("123") == "Model123"
