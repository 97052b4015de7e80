"""The op converter registry: registration, duplicates, version resolution."""

from __future__ import annotations

import mindconverter.converter.graph.ops  # noqa: F401  (registers the built-in converters)
import pytest
from mindconverter.converter.graph.registry import (
    ConverterRegistry,
    OpKey,
    UnsupportedOpError,
    default_registry,
    register,
)
from mindconverter.converter.graph.spec import LayerSpec, Ref


def _conv(ctx: object) -> LayerSpec:
    return LayerSpec(Ref(0))


def test_duplicate_registration_raises() -> None:
    reg = ConverterRegistry()
    register("Relu", since=6, registry=reg)(_conv)
    with pytest.raises(ValueError, match="duplicate"):
        register("Relu", since=6, registry=reg)(_conv)


def test_resolves_schema_since_version_to_nearest_lower_registration() -> None:
    reg = ConverterRegistry()
    register("Relu", since=(6,), registry=reg)(_conv)
    # opset 12 resolves Relu to schema version 6; opset 14 to 14, which falls back to 6.
    assert reg.resolve("Relu", 12)[0] == OpKey("", "Relu", 6)
    assert reg.resolve("Relu", 14)[0] == OpKey("", "Relu", 6)


def test_picks_exact_version_when_several_are_registered() -> None:
    reg = ConverterRegistry()
    register("Squeeze", since=(1, 11), registry=reg)(_conv)
    register("Squeeze", since=13, registry=reg)(_conv)
    assert reg.resolve("Squeeze", 11)[0].since_version == 11
    assert reg.resolve("Squeeze", 12)[0].since_version == 11
    assert reg.resolve("Squeeze", 17)[0].since_version == 13


def test_missing_converter_raises_typed_error() -> None:
    reg = ConverterRegistry()
    register("Relu", since=14, registry=reg)(_conv)
    with pytest.raises(UnsupportedOpError) as info:
        reg.resolve("Relu", 13)  # schema version 13 < 14: nothing at or below
    assert (info.value.op_type, info.value.opset) == ("Relu", 13)
    with pytest.raises(UnsupportedOpError):
        reg.resolve("NoSuchOp", 13)


def test_custom_domain_uses_model_opset() -> None:
    reg = ConverterRegistry()
    register("MyOp", since=1, domain="com.example", registry=reg)(_conv)
    assert reg.resolve("MyOp", 3, "com.example")[0] == OpKey("com.example", "MyOp", 1)
    with pytest.raises(UnsupportedOpError):
        reg.resolve("MyOp", 3)


def test_ai_onnx_domain_is_the_default_domain() -> None:
    reg = ConverterRegistry()
    register("Relu", since=6, domain="ai.onnx", registry=reg)(_conv)
    assert reg.resolve("Relu", 13, "")[0] == OpKey("", "Relu", 6)


def test_copy_and_remove_do_not_touch_the_original() -> None:
    reg = default_registry.copy()
    reg.remove("Relu")
    with pytest.raises(UnsupportedOpError):
        reg.resolve("Relu", 13)
    assert default_registry.resolve("Relu", 13)[0].op_type == "Relu"


@pytest.mark.parametrize("op", ["Conv", "Relu", "Add", "Softmax", "Clip"])
def test_default_registry_covers_core_ops_at_every_cnn_opset(op: str) -> None:
    for opset in (11, 13, 17):
        key, func = default_registry.resolve(op, opset)
        assert key.op_type == op and callable(func)
