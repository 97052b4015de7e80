"""Every case the original MindConverter documented as unsupported, in one network.

Tensor.shape/ndim/dtype, nn.AdaptiveAvgPool2d/AdaptiveMaxPool2d and their functional forms,
F.dropout, torch.unsqueeze/Tensor.unsqueeze, torch.chunk/Tensor.chunk, and classes deriving
from nn.Sequential, nn.ModuleList and nn.ModuleDict.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvBNReLU(nn.Sequential):
    def __init__(self, in_planes, out_planes, kernel_size=3, stride=1):
        padding = (kernel_size - 1) // 2
        super(ConvBNReLU, self).__init__(
            nn.Conv2d(in_planes, out_planes, kernel_size, stride, padding, bias=False),
            nn.BatchNorm2d(out_planes),
            nn.ReLU6(inplace=True),
        )


class Branches(nn.ModuleList):
    def __init__(self, channels):
        super().__init__([nn.Conv2d(channels, channels, 1) for _ in range(2)])


class Heads(nn.ModuleDict):
    def __init__(self, channels, classes):
        super().__init__({"avg": nn.Linear(channels, classes), "max": nn.Linear(channels, classes)})


class Unsupported(nn.Module):
    def __init__(self, classes=4):
        super().__init__()
        self.stem = ConvBNReLU(3, 8)
        self.branches = Branches(16)
        self.avg = nn.AdaptiveAvgPool2d((1, 1))
        self.max = nn.AdaptiveMaxPool2d(1)
        self.heads = Heads(32, classes)

    def forward(self, x):
        assert x.ndim == 4 and x.dtype == torch.float32
        batch = x.shape[0]
        x = self.stem(x)
        a, b = torch.chunk(x, 2, dim=1)
        c, d = x.chunk(2, 1)
        x = torch.cat([a + d, b + c, a * b, c - d], 1)
        outs = [branch(x) for branch in self.branches]
        x = outs[0] + outs[1]
        pooled = torch.cat([self.avg(x), F.adaptive_avg_pool2d(x, 1)], dim=1).view(batch, -1)
        peaks = torch.cat([self.max(x), F.adaptive_max_pool2d(x, (1, 1))], 1).reshape(batch, -1)
        pooled = F.dropout(pooled, p=0.5, training=self.training)
        logits = self.heads["avg"](pooled) + self.heads["max"](peaks)
        return torch.unsqueeze(logits, 1), logits.unsqueeze(-1)
