"""Test models defined with ``torch.nn`` (torchvision does not import beside torch 2.13)."""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn


def conv_bn(cin: int, cout: int, stride: int = 1, groups: int = 1) -> nn.Sequential:
    """3x3 conv, BatchNorm, no activation."""
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, groups=groups, bias=False),
                         nn.BatchNorm2d(cout))


class BasicBlock(nn.Module):
    """ResNet basic block with an optional 1x1 projection."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1, self.conv2 = conv_bn(cin, cout, stride), conv_bn(cout, cout)
        self.down = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                   nn.BatchNorm2d(cout)) if stride != 1 or cin != cout else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.down is None else self.down(x)
        return F.relu(self.conv2(F.relu(self.conv1(x))) + identity)


class ResNetTiny(nn.Module):
    """Stem, max pool, two stages of basic blocks, global pool, classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 7, 2, 3, bias=False), nn.BatchNorm2d(16),
                                  nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, 2), BasicBlock(32, 32))
        self.fc = nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: expand 1x1, depthwise 3x3 with ReLU6, project 1x1."""

    def __init__(self, cin: int, cout: int, stride: int, expand: int) -> None:
        super().__init__()
        hidden = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.block = nn.Sequential(
            nn.Conv2d(cin, hidden, 1, bias=False), nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False),
            nn.BatchNorm2d(hidden), nn.ReLU6(),
            nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x) if self.use_res else self.block(x)


class MobileNetV2Tiny(nn.Module):
    """A narrow MobileNetV2 with dropout before the classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU6(),
            InvertedResidual(16, 16, 1, 1), InvertedResidual(16, 24, 2, 6),
            InvertedResidual(24, 24, 1, 6))
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(24, 5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = nn.functional.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class UpsampleNet(nn.Module):
    """Encoder-decoder with nearest and bilinear upsampling and a skip concat."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = nn.Conv2d(3, 8, 3, padding=1)
        self.enc2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.dec = nn.Conv2d(24, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = F.relu(self.enc1(x))
        e2 = F.relu(self.enc2(e1))
        d = self.dec(torch.cat([self.up(e2), e1], dim=1))
        return F.interpolate(d, scale_factor=2.0, mode="bilinear", align_corners=False)


class VGGBNTiny(nn.Module):
    """Small VGG with BatchNorm, max pooling and a dropout classifier."""

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for cout in (8, "M", 16, 16, "M"):
            if cout == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, int(cout), 3, padding=1), nn.BatchNorm2d(int(cout)),
                           nn.ReLU(inplace=True)]
                cin = int(cout)
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(16 * 4 * 4, 32), nn.ReLU(), nn.Dropout(),
                                        nn.Linear(32, 7))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(torch.flatten(self.features(x), 1))


class GeluLayerNormNet(nn.Module):
    """Flatten, Linear, LayerNorm, GELU, Linear, Softmax."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(3 * 8 * 8, 64)
        self.norm = nn.LayerNorm(64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.gelu(self.norm(self.fc1(torch.flatten(x, 1))))
        return torch.softmax(self.fc2(x), dim=-1)


class TwoInTwoOut(nn.Module):
    """An image branch and a vector branch, fused; returns logits and an embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.vec = nn.Linear(6, 8)
        self.head = nn.Linear(16, 3)

    def forward(self, image: torch.Tensor, meta: torch.Tensor) -> tuple[torch.Tensor, ...]:
        a = torch.mean(F.relu(self.conv(image)), dim=(2, 3))
        b = torch.sigmoid(self.vec(meta))
        emb = torch.cat([a, b], dim=1)
        return self.head(emb), emb * 2.0 - 1.0


MODELS = {
    "resnet_basic": (ResNetTiny, [(1, 3, 32, 32)]),
    "mobilenet_v2_style": (MobileNetV2Tiny, [(2, 3, 32, 32)]),
    "upsample": (UpsampleNet, [(1, 3, 16, 16)]),
    "vgg_bn": (VGGBNTiny, [(2, 3, 16, 16)]),
    "gelu_layernorm": (GeluLayerNormNet, [(4, 3, 8, 8)]),
    "two_in_two_out": (TwoInTwoOut, [(2, 3, 8, 8), (2, 6)]),
}


def build(name: str) -> tuple[nn.Module, list[torch.Tensor]]:
    """The model in eval mode with seeded weights and BatchNorm statistics, and its inputs."""
    factory, shapes = MODELS[name]
    torch.manual_seed(0)
    model = factory()
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.2, 0.2)
    model.eval()
    return model, [torch.randn(*s) for s in shapes]
