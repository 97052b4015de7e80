"""PyTorch sources for the server's tests."""

from __future__ import annotations

MODEL = """import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(10, 20, bias=True)
        self.conv = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = x.view(x.size(0), -1)
        y = torch.cat([x, x], dim=1)
        z = torch.stft(x, 4)
        return self.fc(y)


def make():
    return Net()
"""
