"""Entries corrected after the mapping review, checked against the real MindSpore 2.10.

Each test applies the entry the way the AST converter does (rename the torch keywords, add the
defaults) and calls the MindSpore target, or compares with torch on the same values. MindSpore
runs kernels asynchronously, so every result is synchronised with ``asnumpy()`` at once.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from typing import Any

import numpy as np
import pytest
from mindconverter.mappings import KNOWN_VALUE_TRANSFORMS

from tests.mappings.conftest import resolve

EXPECTED: dict[str, dict[str, Any]] = {
    "torch.nn.functional.nll_loss": {
        "target": "mindspore.ops.nll_loss", "rename": {"input": "inputs"}, "positional": 3,
        "unsupported": ["reduce", "size_average"],
    },
    "torch.nn.Module.load_state_dict": {
        "target": "mindspore.load_param_into_net",
        "rename": {"state_dict": "parameter_dict", "strict": ""},
        "defaults": {"strict_load": True}, "positional": 1,
    },
    "torch.nn.Module.parameters": {"target": "mindspore.nn.Cell.trainable_params"},
    "torchvision.transforms.Normalize": {
        "target": "mindspore.dataset.vision.Normalize", "matcher": "VisionNormalize",
        "defaults": {"is_hwc": False}, "rename": {"inplace": ""}, "positional": 2,
    },
    "torchvision.datasets.MNIST": {
        "target": "mindspore.dataset.MnistDataset",
        "rename": {"root": "dataset_dir", "train": "usage"},
        "defaults": {"usage": "train"},
        "value_transforms": {"train": "'train' if x else 'test'"},
        "unsupported": ["download", "target_transform", "transform"],
    },
    "torch.nn.init.kaiming_normal_": {
        "target": "mindspore.common.initializer.HeNormal", "matcher": "TorchInit",
        "rename": {"a": "negative_slope", "tensor": ""},
    },
    "torch.nn.init.normal_": {
        "target": "mindspore.common.initializer.Normal", "matcher": "TorchInit",
        "rename": {"std": "sigma", "tensor": ""}, "defaults": {"sigma": 1.0},
    },
    "torch.nn.init.uniform_": {
        "target": "mindspore.common.initializer.Uniform", "matcher": "TorchInit",
    },
    "torch.nn.init.constant_": {
        "target": "mindspore.common.initializer.Constant",
        "rename": {"tensor": "", "val": "value"},
    },
    "torch.triu": {"target": "mindspore.ops.triu", "positional": 2},
    "torch.relu": {"target": "mindspore.ops.relu", "positional": 1},
    "torch.clone": {"target": "mindspore.ops.deepcopy", "rename": {"input": "input_x",
                                                                 "memory_format": ""}},
    "torch.Tensor.clone": {"target": "mindspore.Tensor.copy", "matcher": "TensorClone"},
    "torch.nn.Module.modules": {
        "target": "mindspore.nn.Cell.cells_and_names", "matcher": "ModuleModules",
    },
    "torch.nn.Module.named_modules": {
        "target": "mindspore.nn.Cell.cells_and_names", "matcher": "ModuleRename",
    },
    "torch.nn.Module.children": {"target": "mindspore.nn.Cell.cells", "matcher": "ModuleRename"},
    "torch.nn.Module.named_children": {
        "target": "mindspore.nn.Cell.name_cells", "matcher": "ModuleRename",
    },
    "torch.nn.functional.binary_cross_entropy": {
        "rename": {"input": "logits", "target": "labels"}, "positional": 3,
    },
    "torch.Tensor.mul": {"rename": {"value": "other"}, "positional": 1},
    "torch.Tensor.remainder": {"rename": {"divisor": "other"}, "positional": 1},
    "torch.Tensor.narrow": {"rename": {"dimension": "axis"}, "positional": 3},
    "torch.Tensor.float_power": {"rename": {"exponent": "other"}, "positional": 1},
    "torch.Tensor.masked_scatter": {"rename": {"tensor": "source"}, "positional": 2},
    "torch.dot": {"target": "mindspore.ops.inner", "rename": {"tensor": "other"}},
    "torch.gather": {"target": "mindspore.ops.gather_elements", "positional": 3},
    "torch.cuda.is_available": {"target": "mindspore.hal.is_available",
                                "matcher": "CudaAvailable"},
    "torch.nn.Module.register_buffer": {"target": "mindspore.Parameter",
                                        "matcher": "RegisterBuffer"},
    # torch's correction defaults to 1 (unbiased), MindSpore's ddof to 0
    "torch.var": {"target": "mindspore.ops.var", "defaults": {"ddof": 1}, "positional": 2,
                  "rename": {"correction": "ddof", "dim": "axis", "keepdim": "keepdims",
                             "unbiased": "ddof"}},
    "torch.std": {"target": "mindspore.ops.std", "defaults": {"ddof": 1}},
    "torch.var_mean": {"target": "mindspore.ops.var_mean", "defaults": {"ddof": 1}},
    "torch.std_mean": {"target": "mindspore.ops.std_mean", "defaults": {"ddof": 1}},
    "torch.Tensor.var": {"defaults": {"ddof": 1}, "rename": {"correction": "ddof", "dim": "axis",
                                                            "keepdim": "keepdims"}},
    "torch.Tensor.std": {"defaults": {"ddof": 1}, "unsupported": []},
    "torch.det": {"target": "mindspore.ops.det"},
    "torch.linalg.det": {"target": "mindspore.ops.det", "rename": {"A": "input"}},
    "torch.linalg.inv": {"target": "mindspore.ops.inverse", "rename": {"A": "input"}},
    "torch.tensordot": {"target": "mindspore.ops.tensor_dot", "defaults": {"axes": 2},
                        "rename": {"a": "x1", "b": "x2", "dims": "axes"}, "positional": 2},
    "torch.clamp_min": {"target": "mindspore.ops.clamp", "positional": 2},
    "torch.clamp_max": {"target": "mindspore.ops.clamp", "positional": 1},
    "torch.nn.functional.huber_loss": {"target": "mindspore.ops.huber_loss",
                                       "unsupported": ["weight"], "positional": 4},
    "torch.empty": {"target": "mindspore.ops.zeros", "matcher": "PackVarargs"},
    "torch.as_tensor": {"target": "mindspore.tensor", "positional": 2,
                        "rename": {"data": "input_data", "device": ""}},
}

# Required torch arguments that stay unsupported on purpose (different order or meaning).
REQUIRED_UNSUPPORTED = {
    "torch.Tensor.gather",  # mint tier: MindSpore Tensor.gather(input_indices, axis)
    "torch.optim.Optimizer",  # MindSpore (learning_rate, parameters): another order
    "torch.distributed.all_gather",  # output list vs. returned tensor
    "torch.distributed.reduce_scatter",
    "torch.utils.checkpoint.checkpoint",  # a Cell method, not a function wrapper
    "torch.utils.data.RandomSampler",  # MindSpore samplers take no data source
    "torch.utils.data.SequentialSampler",
    "torch.utils.data.distributed.DistributedSampler",
    "torch.randint",  # mint: low/high/size order differs
    "torch.randint_like",
    "torch.addmm",  # out_dtype: a torch overload read as positional from the docstring
    "torch.baddbmm",
    "torch.bmm",
    "torch.mm",
}


@pytest.fixture(scope="module")
def ms(mindspore_module: Any) -> Any:
    from mindconverter.converter.graph.verify import ensure_cpu

    ensure_cpu()  # set_device raises once another test has run a kernel in this process
    return mindspore_module


@pytest.fixture(scope="module")
def torch() -> Any:
    return importlib.import_module("torch")


def _ms_kwargs(entry: dict[str, Any], torch_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Rename torch keywords, drop ``""`` ones, add defaults (steps 3 and 6 of the contract)."""
    out = {}
    for name, value in torch_kwargs.items():
        assert name not in entry["unsupported"], name
        new = entry["rename"].get(name, name)
        if new:
            out[new] = value
    for name, value in entry["defaults"].items():
        out.setdefault(name, value)
    return out


@pytest.mark.parametrize("api", sorted(EXPECTED))
def test_reviewed_entry_fields(raw_tables: dict, api: str) -> None:
    entry = raw_tables["nn_ops"][api]
    for field, value in EXPECTED[api].items():
        assert entry[field] == value, (api, field, entry[field])


def _signature_names(target: str, receiver_call: bool) -> list[inspect.Parameter]:
    obj = resolve(target)
    func = obj.__init__ if inspect.isclass(obj) else obj
    for cell in getattr(func, "__closure__", None) or ():  # undecorated MindSpore __init__
        if inspect.isfunction(cell.cell_contents) and cell.cell_contents.__name__ == "__init__":
            func = cell.cell_contents
    params = [p for p in inspect.signature(func).parameters.values()
              if p.name not in ("self", "cls")]
    return params[1:] if receiver_call else params


@pytest.mark.parametrize(
    "api", sorted(a for a in EXPECTED if not a.startswith("torch.Tensor.")
                  and not EXPECTED[a].get("matcher"))
)
def test_mapped_names_are_in_the_real_signature(ms: Any, raw_tables: dict, api: str) -> None:
    """Every MindSpore keyword the entry produces exists; positional ones line up in order."""
    entry = raw_tables["nn_ops"][api]
    receiver_call = entry["kind"] == "method"  # module method -> function or Cell method
    if entry["target"].startswith("mindspore.nn.Cell."):
        receiver_call = False  # bound method: self already dropped
    params = _signature_names(entry["target"], receiver_call)
    names = {p.name for p in params}
    wanted = {v for v in entry["rename"].values() if v} | set(entry["defaults"])
    assert wanted <= names, (api, wanted - names)
    torch_positional = [a for a in entry["args"] if a != "*"][: entry["positional"]]
    mapped = [entry["rename"].get(a, a) for a in torch_positional]
    assert mapped == [p.name for p in params[: len(mapped)]], (api, mapped)


def test_initializers_accept_the_renamed_torch_arguments(ms: Any, raw_tables: dict) -> None:
    from mindspore.common import initializer as init

    calls = {
        "torch.nn.init.kaiming_normal_": {"a": 0.1, "mode": "fan_out", "nonlinearity": "relu"},
        "torch.nn.init.normal_": {"mean": 0.0},
        "torch.nn.init.constant_": {"val": 0.25},
        "torch.nn.init.xavier_uniform_": {"gain": 2.0},
        "torch.nn.init.trunc_normal_": {"std": 0.02, "a": -0.04, "b": 0.04},
    }
    for api, torch_kwargs in calls.items():
        entry = raw_tables["nn_ops"][api]
        cls = resolve(entry["target"])
        value = init.initializer(cls(**_ms_kwargs(entry, torch_kwargs)), (200, 50),
                                 ms.float32).init_data().asnumpy()
        assert value.shape == (200, 50), api
        if api.endswith("constant_"):
            assert np.all(value == 0.25)
        if api.endswith("normal_") and "kaiming" not in api and "trunc" not in api:
            assert 0.9 < value.std() < 1.1  # torch's std=1 default, not MindSpore's 0.01
        if api.endswith("trunc_normal_"):
            assert np.abs(value).max() <= 0.04 + 1e-6


def test_nll_loss_and_bce_match_torch(ms: Any, torch: Any, raw_tables: dict) -> None:
    logits = np.array([[0.2, 1.5, -0.3], [2.0, 0.1, 0.4]], np.float32)
    target = np.array([1, 0], np.int64)
    log_probs = torch.log_softmax(torch.tensor(logits), dim=1)
    expected = torch.nn.functional.nll_loss(input=log_probs, target=torch.tensor(target))
    entry = raw_tables["nn_ops"]["torch.nn.functional.nll_loss"]
    kwargs = _ms_kwargs(entry, {"input": ms.Tensor(log_probs.numpy()),
                                "target": ms.Tensor(target.astype(np.int32))})
    got = resolve(entry["target"])(**kwargs).asnumpy()
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5)

    probs = np.array([0.2, 0.7, 0.9], np.float32)
    labels = np.array([0.0, 1.0, 1.0], np.float32)
    expected = torch.nn.functional.binary_cross_entropy(input=torch.tensor(probs),
                                                        target=torch.tensor(labels))
    entry = raw_tables["nn_ops"]["torch.nn.functional.binary_cross_entropy"]
    kwargs = _ms_kwargs(entry, {"input": ms.Tensor(probs), "target": ms.Tensor(labels)})
    got = resolve(entry["target"])(**kwargs).asnumpy()
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5)


def test_new_function_entries_match_torch(ms: Any, torch: Any, raw_tables: dict) -> None:
    x = np.arange(-4, 8, dtype=np.float32).reshape(3, 4)
    cases = [
        ("torch.triu", {"input": x, "diagonal": 1}),
        ("torch.relu", {"input": x}),
        ("torch.clone", {"input": x}),
        ("torch.dot", {"input": x[0], "tensor": x[1]}),
        ("torch.gather", {"input": x, "dim": 1, "index": np.array([[0, 0], [3, 1], [2, 2]])}),
    ]
    for api, kwargs in cases:
        entry = raw_tables["nn_ops"][api]
        expected = resolve(api)(**{k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                   for k, v in kwargs.items()})
        ms_kwargs = _ms_kwargs(entry, {k: ms.Tensor(v) if isinstance(v, np.ndarray) else v
                                       for k, v in kwargs.items()})
        got = resolve(entry["target"])(**ms_kwargs).asnumpy()
        np.testing.assert_array_equal(got, expected.numpy(), err_msg=api)


def test_renamed_tensor_methods_take_the_mapped_keywords(ms: Any, torch: Any,
                                                         raw_tables: dict) -> None:
    """Tensor methods have no Python signature: call them with the data's keyword names."""
    x = np.arange(1, 9, dtype=np.float32).reshape(2, 4)
    y = np.full((2, 4), 3.0, np.float32)
    cases = [
        ("torch.Tensor.mul", {"value": y}),
        ("torch.Tensor.div", {"value": y}),
        ("torch.Tensor.true_divide", {"value": y}),
        ("torch.Tensor.remainder", {"divisor": y}),
        ("torch.Tensor.fmod", {"divisor": y}),
        ("torch.Tensor.narrow", {"dimension": 1, "start": 1, "length": 2}),
        ("torch.Tensor.float_power", {"exponent": y}),
        ("torch.Tensor.masked_scatter", {"mask": x > 4, "tensor": -y}),
    ]
    for api, kwargs in cases:
        entry = raw_tables["nn_ops"][api]
        method = api.rsplit(".", 1)[1]
        as_torch = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                    for k, v in kwargs.items()}
        expected = getattr(torch.tensor(x), method)(*as_torch.values())
        as_ms = _ms_kwargs(entry, {k: ms.Tensor(v) if isinstance(v, np.ndarray) else v
                                   for k, v in kwargs.items()})
        got = getattr(ms.Tensor(x), entry["target"].rsplit(".", 1)[1])(**as_ms).asnumpy()
        np.testing.assert_allclose(got, expected.numpy(), err_msg=api)


def test_tensor_clone_target_runs_on_cpu(ms: Any, raw_tables: dict) -> None:
    entry = raw_tables["nn_ops"]["torch.Tensor.clone"]
    x = ms.Tensor(np.ones((2, 2), np.float32))
    method = entry["target"].rsplit(".", 1)[1]
    assert method != "clone"  # MindSpore 2.10: "The kernel Clone unregistered" on CPU
    np.testing.assert_array_equal(getattr(x, method)().asnumpy(), np.ones((2, 2)))


def test_parameters_maps_to_trainable_params_not_get_parameters(ms: Any, torch: Any,
                                                                raw_tables: dict) -> None:
    """torch keeps BatchNorm statistics as buffers; MindSpore as untrainable Parameters."""
    t_net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    m_net = ms.nn.SequentialCell([ms.nn.Dense(3, 2), ms.nn.BatchNorm1d(2)])
    method = raw_tables["nn_ops"]["torch.nn.Module.parameters"]["target"].rsplit(".", 1)[1]
    torch_count = len(list(t_net.parameters()))
    assert len(list(getattr(m_net, method)())) == torch_count == 4
    assert len(list(m_net.get_parameters())) == 6  # + moving_mean, moving_variance


def test_load_state_dict_keeps_exact_name_matching(ms: Any, raw_tables: dict) -> None:
    """strict_load=False would load 'backbone.fc.weight' into 'fc.weight' (suffix match)."""
    entry = raw_tables["nn_ops"]["torch.nn.Module.load_state_dict"]

    class Net(ms.nn.Cell):
        def __init__(self) -> None:
            super().__init__()
            self.fc = ms.nn.Dense(3, 2, weight_init="zeros")

    ones = ms.Parameter(ms.Tensor(np.ones((2, 3), np.float32)), name="backbone.fc.weight")
    net = Net()
    kwargs = _ms_kwargs(entry, {"state_dict": {"backbone.fc.weight": ones}, "strict": False})
    not_loaded, unused = resolve(entry["target"])(net, **kwargs)
    assert "fc.weight" in not_loaded and unused == ["backbone.fc.weight"]
    assert np.all(net.fc.weight.asnumpy() == 0)
    fuzzy = Net()
    ms.load_param_into_net(fuzzy, {"backbone.fc.weight": ones}, strict_load=False)
    assert np.all(fuzzy.fc.weight.asnumpy() == 1)  # why strict is not strict_load


def test_normalize_defaults_to_chw_like_torch(ms: Any, raw_tables: dict) -> None:
    entry = raw_tables["nn_ops"]["torchvision.transforms.Normalize"]
    image = np.random.default_rng(0).random((3, 4, 5), dtype=np.float32)  # CHW, after ToTensor
    mean, std = [0.1, 0.2, 0.3], [0.5, 0.25, 0.125]
    op = resolve(entry["target"])(**_ms_kwargs(entry, {"mean": mean, "std": std}))
    expected = (image - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(op(image), expected, rtol=1e-5)


def test_mnist_train_flag_becomes_usage(ms: Any, raw_tables: dict, tmp_path: Any) -> None:
    entry = raw_tables["nn_ops"]["torchvision.datasets.MNIST"]
    transform = entry["value_transforms"]["train"]
    assert transform in KNOWN_VALUE_TRANSFORMS
    import ast

    for flag, usage in ((True, "train"), (False, "test")):
        expr = ast.parse(transform, mode="eval").body
        assert isinstance(expr, ast.IfExp)
        assert ast.literal_eval(expr.body if flag else expr.orelse) == usage
    dataset = resolve(entry["target"])(**_ms_kwargs(entry, {"root": str(tmp_path)}))
    assert dataset.usage == "train"  # torch's train=True default, not MindSpore's None (all)
    with pytest.raises(TypeError, match="usage"):  # a bare rename of train=True would fail
        resolve(entry["target"])(dataset_dir=str(tmp_path), usage=True)


def test_required_torch_arguments_are_mapped(raw_tables: dict) -> None:
    """A required torch argument marked unsupported leaves every call unconverted (the old
    nll_loss ``input`` bug); only the reviewed exceptions above may do so."""
    found = set()
    for table in raw_tables.values():
        for api, entry in table.items():
            if not entry["target"] or entry["matcher"] or entry["kind"] == "attribute":
                continue
            required = [a for a in entry["args"] if a != "*"][: entry["min_args"]]
            if set(required) & set(entry["unsupported"]):
                found.add(api)
    assert found == REQUIRED_UNSUPPORTED, (found - REQUIRED_UNSUPPORTED,
                                           REQUIRED_UNSUPPORTED - found)


def _torch_and_ms(torch: Any, ms: Any, arrays: dict[str, np.ndarray]) -> tuple[dict, dict]:
    return ({k: torch.tensor(v) for k, v in arrays.items()},
            {k: ms.Tensor(v) for k, v in arrays.items()})


def _run_both(torch: Any, ms: Any, arrays: dict[str, np.ndarray], expr: str, setup: str = ""
              ) -> tuple[Any, Any, Any, dict]:
    """Convert ``r = <expr>`` (the arrays bound as tensors first), run the torch snippet and the
    converted one on the same values: (torch's r, MindSpore's r, the conversion, MindSpore's
    namespace)."""
    from mindconverter.converter.ast import convert_source

    header = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
    header += "".join(f"{k} = torch.as_tensor({k})\n" for k in arrays) + setup
    source = header + f"r = {expr}\n"
    result = convert_source(source)
    assert not [line for line in result.report_lines if "[UnConvert]" in line], result.code
    t_env, m_env = _torch_and_ms(torch, ms, arrays)
    exec(source, t_env)  # the test's own snippet
    exec(result.code, m_env)  # the converted snippet
    return t_env["r"], m_env["r"], result, m_env


def test_variance_entries_default_to_torchs_unbiased_estimate(ms: Any, torch: Any,
                                                              raw_tables: dict) -> None:
    """ops.var/std default to ddof=0: without the ddof=1 default the converted variance was
    silently (N - 1) / N of torch's (torch's ``unbiased=False`` value)."""
    x = np.random.default_rng(3).standard_normal((4, 5)).astype(np.float32)
    t_x, m_x = torch.tensor(x), ms.Tensor(x)
    cases = [
        ("torch.var", {"dim": 1}), ("torch.std", {}), ("torch.std", {"dim": 0, "correction": 0}),
        ("torch.var", {"unbiased": False}),
        ("torch.std", {"dim": 1, "keepdim": True, "unbiased": True}),
        ("torch.var_mean", {"dim": 1}), ("torch.std_mean", {"dim": 0, "correction": 2}),
    ]
    for api, kwargs in cases:
        entry = raw_tables["nn_ops"][api]
        expected = resolve(api)(t_x, **kwargs)
        got = resolve(entry["target"])(m_x, **_ms_kwargs(entry, kwargs))
        pairs = zip(expected, got) if isinstance(expected, tuple) else [(expected, got)]
        for want, have in pairs:
            np.testing.assert_allclose(have.asnumpy(), want.numpy(), rtol=1e-5,
                                       err_msg=f"{api} {kwargs}")
    for api, kwargs in (("torch.Tensor.var", {}), ("torch.Tensor.std", {"dim": 1}),
                        ("torch.Tensor.var", {"dim": 0, "correction": 0})):
        entry = raw_tables["nn_ops"][api]
        method = api.rsplit(".", 1)[1]
        expected = getattr(t_x, method)(**kwargs).numpy()
        got = getattr(m_x, method)(**_ms_kwargs(entry, kwargs)).asnumpy()
        np.testing.assert_allclose(got, expected, rtol=1e-5, err_msg=f"{api} {kwargs}")


def test_linear_algebra_and_loss_entries_match_torch(ms: Any, torch: Any,
                                                     raw_tables: dict) -> None:
    rng = np.random.default_rng(4)
    arrays = {"sq": rng.standard_normal((2, 3, 3)).astype(np.float32),
              "a": rng.standard_normal((3, 4)).astype(np.float32),
              "b": rng.standard_normal((4, 5)).astype(np.float32),
              "x": rng.standard_normal((2, 3, 4)).astype(np.float32),
              "x2": rng.standard_normal((2, 3, 4)).astype(np.float32)}
    t, m = _torch_and_ms(torch, ms, arrays)
    cases = [
        ("torch.det", {"input": "sq"}), ("torch.linalg.det", {"A": "sq"}),
        ("torch.linalg.inv", {"A": "sq"}),
        ("torch.tensordot", {"a": "a", "b": "b", "dims": 1}),
        ("torch.tensordot", {"a": "a", "b": "a"}),  # torch's dims=2 default
        ("torch.tensordot", {"a": "a", "b": "b", "dims": ([1], [0])}),
        ("torch.clamp_min", {"input": "x", "min": 0.1}),
        ("torch.clamp_max", {"input": "x", "max": -0.2}),
        ("torch.nn.functional.huber_loss", {"input": "x", "target": "x2", "delta": 0.5}),
        ("torch.nn.functional.huber_loss", {"input": "a", "target": "a", "reduction": "none"}),
        ("torch.as_tensor", {"data": "numpy", "dtype": "float64"}),
    ]
    for api, kwargs in cases:
        entry = raw_tables["nn_ops"][api]

        def value(v: Any, tensors: dict, dtypes: Any) -> Any:
            if v == "numpy":
                return arrays["a"]
            if v == "float64":
                return dtypes.float64
            return tensors.get(v, v) if isinstance(v, str) else v

        expected = resolve(api)(**{k: value(v, t, torch) for k, v in kwargs.items()})
        got = resolve(entry["target"])(**_ms_kwargs(entry, {k: value(v, m, ms)
                                                             for k, v in kwargs.items()}))
        assert str(got.dtype).lower() == str(expected.dtype).split(".")[-1], api
        np.testing.assert_allclose(got.asnumpy(), expected.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=f"{api} {kwargs}")
    empty = raw_tables["nn_ops"]["torch.empty"]
    assert resolve(empty["target"])((2, 3), dtype=ms.float64).shape == (2, 3)


NORM_CASES = [
    "torch.norm(x)", "torch.norm(x, dim=1)", "torch.norm(x, p=2, dim=-1, keepdim=True)",
    "torch.norm(m)", "torch.norm(m, 2)", "torch.norm(m, 1)", "torch.norm(x, 'fro', [0, 1])",
    "torch.norm(x, float('inf'), 1)", "torch.norm(x, 0)", "torch.norm(x, 3, (1, 2), True)",
    "m.norm()", "m.norm(2)", "x.norm(2, dim=1)", "x.norm(p=1, dim=[1])",
    "torch.linalg.vector_norm(x, 3, dim=(0, 1))", "torch.linalg.vector_norm(m)",
    "torch.allclose(x, y)", "torch.allclose(x, y, rtol=0, atol=0)", "x.allclose(y, 1e-3)",
    "torch.allclose(x, x[0:1] * 1.5)", "torch.equal(x, y)", "torch.equal(x, x)",
    "torch.equal(x, x0)", "x.equal(x)",
    "F.normalize(x)", "F.normalize(x, dim=-1)", "F.normalize(z, p=2, dim=0, eps=1e-6)",
    "F.normalize(x, 2.0, 2, 0.5)", "F.normalize(x * 2, dim=(1,))",
]


@pytest.mark.parametrize("expr", NORM_CASES)
def test_converted_norm_and_closeness_calls_match_torch(ms: Any, torch: Any, expr: str) -> None:
    """Run the torch call and its converted MindSpore code (PyNative) on the same values.

    ``torch.norm(m, 2)`` of a matrix is the 2-norm of all its elements, which is what
    ``ops.vector_norm`` computes (``ops.norm(m, 2)`` would be the largest singular value).
    """
    from mindconverter.converter.ast import convert_source

    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    x[0, :, 0] = 0.0
    arrays = {"x": x, "y": x + np.float32(1e-6), "x0": x[:1].copy(), "m": x[1],
              "z": np.zeros((3, 2), np.float32)}
    header = "import torch\nimport torch.nn.functional as F\n"
    header += "".join(f"{k} = torch.as_tensor({k})\n" for k in arrays)
    result = convert_source(header + f"r = {expr}\n")
    assert not [line for line in result.report_lines if "[UnConvert]" in line], result.code
    t_env, m_env = _torch_and_ms(torch, ms, arrays)
    exec(header + f"r = {expr}\n", t_env)  # the test's own snippet
    exec(result.code, m_env)  # the converted snippet
    expected, got = t_env["r"], m_env["r"]
    if isinstance(expected, bool):
        assert got is expected, (expr, result.code)
    else:
        np.testing.assert_allclose(got.asnumpy(), expected.numpy(), rtol=1e-5, atol=1e-7,
                                   err_msg=result.code)


def _sdpa_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(6)
    mask = rng.random((4, 5)) > 0.4
    mask[1] = False  # a fully masked row: 0 in torch (MindSpore's CPU softmax breaks on it)
    float_mask = rng.standard_normal((2, 1, 4, 5)).astype(np.float32)
    float_mask[0, 0, 2] = -np.inf
    float_mask[1, 0, 0, 1:] = -np.inf
    seq = rng.standard_normal((4, 3)).astype(np.float32)
    return {
        "q": rng.standard_normal((2, 3, 4, 8)).astype(np.float32),
        "k": rng.standard_normal((2, 3, 5, 8)).astype(np.float32),
        "v": rng.standard_normal((2, 3, 5, 6)).astype(np.float32),
        "mb": mask, "mf": float_mask,
        "a": rng.standard_normal((3, 4)).astype(np.float32),
        "b": rng.standard_normal((3, 4)).astype(np.float32),
        "x": rng.standard_normal((2, 3, 9)).astype(np.float32),
        "xn": np.where(rng.random((3, 4)) > 0.7, np.nan, rng.random((3, 4))).astype(np.float32),
        "s1": seq, "s2": seq[:2] * 2, "s3": seq[:1] - 1,
    }


RESTRUCTURED_CASES = [
    "F.scaled_dot_product_attention(q, k, v)",
    "F.scaled_dot_product_attention(q, k, v, is_causal=True)",
    "F.scaled_dot_product_attention(q, k[:, :, :4], v[:, :, :4], is_causal=True, scale=0.3)",
    "F.scaled_dot_product_attention(q, k, v, attn_mask=mb)",
    "F.scaled_dot_product_attention(q, k, v, mf, 0.0, False, scale=0.5)",
    "F.scaled_dot_product_attention(q, k, v, attn_mask=None, dropout_p=0.0)",
    "F.scaled_dot_product_attention(q[0], k[0], v[0], attn_mask=mb)",
    "F.cosine_similarity(a, b)", "F.cosine_similarity(a, b, dim=0, eps=1e-6)",
    "F.cosine_similarity(a, a * 0)",
    "torch.add(a, b, alpha=2)", "torch.add(a, b, alpha=-0.5)", "torch.add(a, 3, alpha=2)",
    "torch.sub(a, b, alpha=3)", "a.add(b, alpha=2)",
    "a.new_ones(2, 3)", "a.new_zeros((2, 3))", "a.new_full((2, 3), 1.5)",
    "a.new_ones(4, dtype=torch.int32)", "a.new_empty(2, 3).shape",
    "nn.utils.rnn.pad_sequence(seqs)", "nn.utils.rnn.pad_sequence(seqs, batch_first=True)",
    "nn.utils.rnn.pad_sequence([s1, s3], True, -1.0, 'left')",
    "F.max_pool1d(x, 2)", "F.max_pool1d(x, 3, 2, 1)", "F.max_pool1d(x, (2,), 3, ceil_mode=True)",
    "F.max_pool1d(x, 3, 1, 1, 2)", "F.max_pool1d(x[1:], 4)",
    "F.avg_pool1d(x, 3)", "F.avg_pool1d(x, 3, 2, 1, count_include_pad=False)",
    "torch.nanmean(xn)", "torch.nanmean(xn, dim=1, keepdim=True)", "xn.nanmean(0)",
    "torch.aminmax(a)", "torch.aminmax(a, dim=1, keepdim=True)", "a.aminmax(dim=0)",
]


@pytest.mark.numerics
@pytest.mark.parametrize("expr", RESTRUCTURED_CASES)
def test_restructured_calls_match_torch(ms: Any, torch: Any, expr: str) -> None:
    """Convert ``r = <expr>``, run torch and the converted MindSpore code (PyNative) on the
    same values: attention, cosine similarity, alpha, new_*, pad_sequence, 1-d pooling."""
    expected, got, result, _ = _run_both(torch, ms, _sdpa_arrays(), expr,
                                         "seqs = [s1, s2, s3]\n")
    if isinstance(expected, torch.Size):
        assert tuple(got) == tuple(expected), result.code
        return
    pairs = zip(expected, got, strict=True) if isinstance(expected, tuple) else [(expected, got)]
    for want, have in pairs:
        assert str(have.dtype).lower() == str(want.dtype).split(".")[-1], result.code
        np.testing.assert_allclose(have.asnumpy(), want.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=result.code)


GRAPH_MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, q, k, v, mb, mf, a, b, x, mask=None):
        q = self.proj(q)
        return (
            F.scaled_dot_product_attention(q, k, v, attn_mask=mask),
            F.scaled_dot_product_attention(q, k, v, attn_mask=mb),
            F.scaled_dot_product_attention(q, k, v, attn_mask=mf, scale=0.2),
            F.scaled_dot_product_attention(q, k, v, is_causal=True),
            F.cosine_similarity(a, b, dim=-1),
            torch.add(a, b, alpha=0.5) + a.new_ones(3, 4),
            F.max_pool1d(x, 3, 2, 1) + 0,
            F.avg_pool1d(x, 2),
        )
'''


@pytest.mark.numerics
def test_restructured_calls_match_torch_in_graph_mode(ms: Any, torch: Any, tmp_path: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The converted expressions compile inside a Cell (GRAPH_MODE): the ``is None`` and
    dtype tests of the attention mask fold at compile time."""
    from mindconverter.converter.ast import convert_source

    result = convert_source(GRAPH_MODEL)
    assert not [line for line in result.report_lines if "[UnConvert]" in line], result.code
    arrays = _sdpa_arrays()
    names = ("q", "k", "v", "mb", "mf", "a", "b", "x")
    torch.manual_seed(0)
    t_env: dict[str, Any] = {}
    exec(GRAPH_MODEL, t_env)
    t_net = t_env["Net"]()
    expected = [t.detach().numpy() for t in t_net(*[torch.tensor(arrays[n]) for n in names])]
    path = tmp_path / "converted_graph_model.py"
    path.write_text(result.code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("converted_graph_model", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "converted_graph_model", module)  # graph mode reads source
    spec.loader.exec_module(module)
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        m_net = module.Net()
        m_net.proj.weight.set_data(ms.Tensor(t_net.proj.weight.detach().numpy()))
        m_net.proj.bias.set_data(ms.Tensor(t_net.proj.bias.detach().numpy()))
        got = [t.asnumpy() for t in m_net(*[ms.Tensor(arrays[n]) for n in names])]
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-5, err_msg=str(index))


def _indexing_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "xi": rng.standard_normal((2, 3, 4, 5)).astype(np.float32) * 3 + 1,
        "x1d": rng.standard_normal((2, 3, 6)).astype(np.float32),
        "w3": rng.standard_normal(3).astype(np.float32),
        "b3": rng.standard_normal(3).astype(np.float32),
        "a": rng.standard_normal((3, 4)).astype(np.float32),
        "b": rng.standard_normal((3, 4)).astype(np.float32),
        "ia": rng.integers(0, 4, (3, 2)),
        "ir": rng.integers(0, 4, (1, 2)),  # broadcast over the rows of a
        "x3": rng.standard_normal((3, 1, 5)).astype(np.float32),
        "i3": rng.integers(0, 5, (1, 4, 2)),  # both sides broadcast
        "iflat": np.array([[0, 5], [11, 3]]),  # dim=None: both flattened
        "ix": np.array([0, 2, 0]),  # repeated index: accumulated
        "ix32": np.array([3, 3, 1], np.int32),
        "s0": rng.standard_normal((3, 4)).astype(np.float32),
        "s1": rng.standard_normal((3, 3)).astype(np.float32),
        "n": np.arange(5, dtype=np.int32),
        "sn": np.array([4, -2, 7], np.int32),
    }


INDEXING_CASES = [
    "F.instance_norm(xi)", "F.instance_norm(xi, weight=w3, bias=b3)",
    "F.instance_norm(xi, None, None, w3 * 2, None, True, 0.3, 1e-2)",
    "F.instance_norm(x1d, bias=b3, eps=0.5)", "F.instance_norm(xi, weight=None, bias=None)",
    "torch.take_along_dim(a, ia, 1)", "torch.take_along_dim(a, ir, dim=-1)",
    "torch.take_along_dim(x3, i3, 2)", "torch.take_along_dim(a, iflat)", "a.take_along_dim(ia, 1)",
    "a.take_along_dim(iflat, None)",
    "a.index_add(0, ix, s0)", "a.index_add(1, ix32, s1, alpha=2)",
    "torch.index_add(a, -1, ix, s1, alpha=-0.5)", "torch.index_add(a * 1, 0, ix, s0)",
    "n.index_add(0, ix, sn, alpha=3)",
    "nn.CosineSimilarity()(a, b)", "nn.CosineSimilarity(dim=0, eps=1e-6)(a, b)",
    "F.pairwise_distance(a, b)", "F.pairwise_distance(a, b, 1, 0.0, True)",
    "torch.pairwise_distance(a, b[0], p=float('inf'), eps=1e-3)",
]


@pytest.mark.numerics
@pytest.mark.parametrize("expr", INDEXING_CASES)
def test_indexing_and_norm_calls_match_torch(ms: Any, torch: Any, expr: str) -> None:
    """Convert ``r = <expr>``, run torch and the converted code (PyNative) on the same values:
    instance_norm, take_along_dim, index_add (the input must stay unchanged, as in torch),
    the CosineSimilarity module and pairwise_distance."""
    arrays = _indexing_arrays()
    expected, got, result, m_env = _run_both(torch, ms, arrays, expr)
    assert str(got.dtype).lower() == str(expected.dtype).split(".")[-1], result.code
    assert got.shape == tuple(expected.shape), result.code
    np.testing.assert_allclose(got.asnumpy(), expected.numpy(), rtol=1e-5, atol=1e-5,
                               err_msg=result.code)
    for name, value in arrays.items():  # Tensor.index_add would have written into 'a'
        np.testing.assert_array_equal(m_env[name].asnumpy(), value, err_msg=name)


GRAPH_MODEL_2 = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(torch.ones(3))
        self.scales = nn.ParameterList([nn.Parameter(torch.randn(4)) for _ in range(2)])
        self.cos = nn.CosineSimilarity(dim=-1, eps=1e-6)

    def forward(self, xi, a, b, ia, ix, s0):
        a = a * self.scales[0] + self.scales[1]
        return (
            F.instance_norm(xi, weight=self.w, bias=None, eps=1e-3),
            torch.take_along_dim(a, ia, 1),
            a.index_add(0, ix, s0, alpha=2),
            self.cos(a, b),
            F.pairwise_distance(a, b, keepdim=True),
        )


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Net()
        self.second = Net()

    def forward(self, xi, a, b, ia, ix, s0):
        return self.first(xi, a, b, ia, ix, s0) + self.second(xi, a, b, ia, ix, s0)
'''


def _load_converted(code: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    path = tmp_path / "converted_graph_model_2.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("converted_graph_model_2", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "converted_graph_model_2", module)  # graph mode reads it
    spec.loader.exec_module(module)
    return module


@pytest.mark.numerics
def test_parameter_list_and_indexing_forms_in_graph_mode(ms: Any, torch: Any, tmp_path: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The converted forms compile inside a Cell (GRAPH_MODE) and match torch; the
    ParameterTuple items are trainable, keep their names across instances and load from a
    checkpoint."""
    from mindconverter.converter.ast import convert_source

    result = convert_source(GRAPH_MODEL_2)
    assert not [line for line in result.report_lines if "[UnConvert]" in line], result.code
    assert "ms.ParameterTuple([" in result.code and "functools.partial(" in result.code
    arrays = _indexing_arrays()
    names = ("xi", "a", "b", "ia", "ix", "s0")
    torch.manual_seed(0)
    t_env: dict[str, Any] = {}
    exec(GRAPH_MODEL_2, t_env)
    t_net = t_env["Outer"]()
    expected = [t.detach().numpy() for t in t_net(*[torch.tensor(arrays[n]) for n in names])]
    module = _load_converted(result.code, tmp_path, monkeypatch)
    m_net = module.Outer()
    params = [p.name for p in m_net.trainable_params()]
    assert params == [f"{cell}.{name}" for cell in ("first", "second")
                      for name in ("w", "Parameter$1", "Parameter$2")]
    assert [p.name for p in module.Outer().trainable_params()] == params  # stable names
    for cell in ("first", "second"):
        m_cell, t_cell = getattr(m_net, cell), getattr(t_net, cell)
        for m_param, t_param in zip(m_cell.scales, t_cell.scales, strict=True):
            m_param.set_data(ms.Tensor(t_param.detach().numpy()))
    checkpoint = str(tmp_path / "scales.ckpt")
    ms.save_checkpoint(m_net, checkpoint)
    loaded = module.Outer()
    assert ms.load_param_into_net(loaded, ms.load_checkpoint(checkpoint)) == ([], [])
    ms.set_context(mode=ms.GRAPH_MODE)
    try:
        got = [t.asnumpy() for t in loaded(*[ms.Tensor(arrays[n]) for n in names])]
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    for index, (want, have) in enumerate(zip(expected, got, strict=True)):
        np.testing.assert_allclose(have, want, rtol=1e-5, atol=1e-5, err_msg=str(index))


SOFTMAX_APIS = ("torch.nn.functional.softmax", "torch.softmax", "torch.Tensor.softmax",
                "torch.nn.Softmax")
FRESH_SOFTMAX = """
import numpy as np, mindspore as ms
ms.set_device("CPU")
x = np.random.default_rng(8).standard_normal((2, 3, 4)).astype(np.float32)
x[0, 1] = -np.inf
print((ms.ops.softmax(ms.Tensor(x), -1).asnumpy() == 0).all(-1).tolist())
"""


def test_softmax_note_states_the_measured_fully_masked_row_behaviour(ms: Any, torch: Any,
                                                                     raw_tables: dict) -> None:
    """The note on the softmax entries is what MindSpore 2.10 does on CPU: a row that is all
    -inf comes back as zeros (torch: NaN in that row only); in a fresh process whose first
    softmax has such a row, every later row is zero too (the rows hit otherwise depend on
    the softmax calls made before, so that part runs in a subprocess)."""
    import subprocess

    x = np.random.default_rng(8).standard_normal((2, 3, 4)).astype(np.float32)
    x[0, 1] = -np.inf
    want = torch.softmax(torch.tensor(x), -1).numpy()
    nan_rows = np.isnan(want).all(-1)
    assert nan_rows.sum() == 1 and nan_rows[0, 1] and not np.isnan(want[~nan_rows]).any()
    got = {
        "ops.softmax": ms.ops.softmax(ms.Tensor(x), -1).asnumpy(),
        "Tensor.softmax": ms.Tensor(x).softmax(-1).asnumpy(),
        "nn.Softmax": ms.nn.Softmax(-1)(ms.Tensor(x)).asnumpy(),
    }
    for name, have in got.items():
        assert (have[0, 1] == 0).all() and not np.isnan(have).any(), name
    fresh = subprocess.run([sys.executable, "-c", FRESH_SOFTMAX], capture_output=True,
                           text=True, check=True, timeout=120)
    assert fresh.stdout.strip().splitlines()[-1] == "[[False, True, True], [True, True, True]]"
    x64 = x.astype(np.float64)
    have = ms.ops.softmax(ms.Tensor(x64), -1).asnumpy()
    np.testing.assert_allclose(have, torch.softmax(torch.tensor(x64), -1).numpy(), rtol=1e-6)
    for api in SOFTMAX_APIS:
        notes = raw_tables["nn_ops"][api]["notes"]
        assert "comes back as zeros where torch gives NaN" in notes, api
        assert "zeros in 5 of the 6 rows" in notes, api
