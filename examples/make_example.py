"""Build the bundled example model ``examples/small_cnn.onnx`` (needs torch; run once).

A small residual CNN classifier for 3×64×64 images, exported from PyTorch with the
TorchScript exporter at opset 13, in eval mode with non-trivial BatchNorm statistics.
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn


class Block(nn.Module):
    """conv-bn-relu-conv-bn plus identity, then relu."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


class SmallCNN(nn.Module):
    """Stem, two residual blocks, global pooling, classifier."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16),
                                  nn.ReLU())
        self.layer1 = nn.Sequential(Block(16), Block(16))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer1(self.stem(x))
        return torch.softmax(self.fc(torch.flatten(self.pool(x), 1)), dim=1)


def main(out: str = "examples/small_cnn.onnx") -> None:
    """Export the model with fixed random weights."""
    torch.manual_seed(0)
    model = SmallCNN()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 1.5)
    model.eval()
    torch.onnx.export(model, torch.randn(1, 3, 64, 64), out, input_names=["image"],
                      output_names=["probs"], opset_version=13, dynamo=False)
    print(f"wrote {Path(out).resolve()}")


if __name__ == "__main__":
    main(*sys.argv[1:])
