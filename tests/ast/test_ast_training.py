"""Training code: datasets, loaders, optimizers, schedulers and the training step."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from mindconverter.converter.ast import convert_path

from tests.ast.ast_helpers import DATA, assert_converts, codes_of, convert, load_module

TRAINING = DATA / "training"


def test_training_step_becomes_value_and_grad() -> None:
    assert_converts(
        """\
        import torch


        def fit(model, loader, criterion, epochs):
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            # epochs
            for epoch in range(epochs):
                for x, y in loader:
                    optimizer.zero_grad()
                    out = model(x)  # forward
                    loss = criterion(out, y)
                    loss.backward()
                    optimizer.step()
                    print(loss.item())
        """,
        """\
        import mindspore as ms
        from mindspore import nn


        def fit(model, loader, criterion, epochs):
            optimizer = nn.SGD(model.trainable_params(), 0.1)

            def forward_fn(x, y):
                out = model(x)  # forward
                loss = criterion(out, y)
                return loss, out
            grad_fn = ms.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)

            # epochs
            for epoch in range(epochs):
                for x, y in loader:
                    (loss, out), grads = grad_fn(x, y)
                    optimizer(grads)
                    print(loss.item())
        """,
    )


def test_unrecognised_step_is_reported_not_guessed() -> None:
    result = convert(
        """\
        import torch

        optimizer = torch.optim.SGD(params, lr=0.1)
        for x in data:
            loss = model(x)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimizer.step()
        """
    )
    assert "loss.backward()" in result.code and "optimizer.step()" in result.code
    found = codes_of(result)
    assert ("MC-A013", "torch.Tensor.backward") in found
    assert ("MC-A013", "torch.optim.Optimizer.step") in found


def test_dataset_and_loader() -> None:
    result = convert(
        """\
        from torch.utils.data import Dataset, DataLoader

        class Triples(Dataset):
            def __getitem__(self, idx):
                \"\"\"Doc.\"\"\"
                return 1, 2, 3

            def __len__(self):
                return 3

        data = Triples()
        loader = DataLoader(data, batch_size=2, num_workers=2, drop_last=True)
        plain = DataLoader(data)
        """
    )
    code = result.code
    assert "class Triples:" in code
    assert '        """Doc."""\n        idx = int(idx)\n' in code
    assert (
        "loader = ds.GeneratorDataset(data, column_names=['column_0', 'column_1', "
        "'column_2'], shuffle=False, num_parallel_workers=2).batch(2, drop_remainder=True)"
    ) in code
    assert "plain = ds.GeneratorDataset(data, column_names=['column_0', 'column_1', " in code
    assert code.endswith("shuffle=False).batch(1)\n")


def test_loader_with_sampler_is_reported() -> None:
    result = convert("from torch.utils.data import DataLoader\nl = DataLoader(d, sampler=s)\n")
    assert ("MC-A013", "torch.utils.data.DataLoader") in codes_of(result)


def test_scheduler_switches_the_optimizer_to_the_torch_compatible_api() -> None:
    result = convert(
        """\
        import torch

        opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=0.05)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
        other = torch.optim.Adam(params, betas=(0.8, 0.9))
        """
    )
    code = result.code
    assert "opt = optim.AdamW(params, lr=1e-3, weight_decay=0.05)" in code
    assert "sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)" in code
    assert "other = nn.Adam(params, beta1=0.8, beta2=0.9)" in code
    assert "from mindspore.experimental import optim" in code


def test_device_selection() -> None:
    result = convert(
        """\
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        x = batch.to(device)
        """
    )
    assert result.code == (
        "import mindspore as ms\n\n"
        'device = "cuda" if ms.hal.is_available("GPU") else "cpu"\n'
        "x = batch\n"
    )


def run_converted(script: Path, tmp_path: Path, name: str) -> object:
    result = convert_path(str(script), str(tmp_path / name))
    assert result.converted == result.total, (result.converted, result.total)
    return load_module(Path(result.files[0].script), f"converted_{name}")


@pytest.mark.numerics
def test_sgd_training_script_runs_one_step(tmp_path: Path) -> None:
    ms = pytest.importorskip("mindspore")
    ms.set_seed(0)
    module = run_converted(TRAINING / "train_sgd.py", tmp_path, "train_sgd")
    before = module.Classifier()  # type: ignore[attr-defined]
    model, losses = module.train(epochs=1, max_steps=1)  # type: ignore[attr-defined]
    assert len(losses) == 1 and math.isfinite(losses[0])
    weights = model.fc1.weight.asnumpy()
    assert weights.shape == before.fc1.weight.shape
    data = module.ds.GeneratorDataset(
        module.RandomDataset(),
        column_names=["data", "label"],  # type: ignore[attr-defined]
        shuffle=False,
    ).batch(32)
    accuracy = module.evaluate(model, data)  # type: ignore[attr-defined]
    assert 0.0 <= accuracy <= 1.0


@pytest.mark.numerics
def test_adam_scheduler_script_trains_and_saves(tmp_path: Path) -> None:
    ms = pytest.importorskip("mindspore")
    ms.set_seed(0)
    module = run_converted(TRAINING / "train_adam_scheduler.py", tmp_path, "train_adam")
    _model, history = module.main(epochs=2, path=str(tmp_path / "m.ckpt"))  # type: ignore[attr-defined]
    assert len(history) == 8 and all(math.isfinite(v) for v in history)
    assert np.mean(history[4:]) < np.mean(history[:4])
    saved = ms.load_checkpoint(str(tmp_path / "m.ckpt"))
    assert set(saved) >= {"0.weight", "0.bias", "2.weight", "2.bias"}


def test_torchvision_transforms() -> None:
    result = convert(
        """\
        import torchvision.transforms as T

        tf = T.Compose([T.Resize(32), T.ToTensor(), T.Normalize((0.5,), (0.5,))])
        """
    )
    assert result.code == (
        "from mindspore.dataset import transforms, vision\n\n"
        "tf = transforms.Compose([vision.Resize(32), vision.ToTensor(), "
        "vision.Normalize((0.5,), (0.5,), is_hwc=False)])\n"
    )
