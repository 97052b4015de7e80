"""MobileNetV3-style blocks: squeeze-and-excitation, hard-swish, SiLU, depthwise convolutions."""
import torch
import torch.nn as nn


class SqueezeExcitation(nn.Module):
    def __init__(self, channels, squeeze_channels):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze_channels, 1)
        self.fc2 = nn.Conv2d(squeeze_channels, channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = nn.Hardsigmoid()

    def forward(self, x):
        scale = self.avgpool(x)
        scale = self.fc2(self.activation(self.fc1(scale)))
        return x * self.scale_activation(scale)


class Block(nn.Module):
    def __init__(self, cin, cexp, cout, use_hs=True):
        super().__init__()
        act = nn.Hardswish if use_hs else nn.SiLU
        self.expand = nn.Sequential(nn.Conv2d(cin, cexp, 1, bias=False), nn.BatchNorm2d(cexp),
                                    act())
        self.dw = nn.Sequential(
            nn.Conv2d(cexp, cexp, 3, padding=1, groups=cexp, bias=False), nn.BatchNorm2d(cexp),
            act()
        )
        self.se = SqueezeExcitation(cexp, max(1, cexp // 4))
        self.project = nn.Sequential(nn.Conv2d(cexp, cout, 1, bias=False), nn.BatchNorm2d(cout))
        self.use_res = cin == cout

    def forward(self, x):
        out = self.project(self.se(self.dw(self.expand(x))))
        return out + x if self.use_res else out


class TinyMobileNetV3(nn.Module):
    def __init__(self, num_classes=7):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1, bias=False),
                                  nn.BatchNorm2d(8), nn.Hardswish())
        self.blocks = nn.Sequential(Block(8, 16, 8, False), Block(8, 24, 12, True))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(12, 16), nn.Hardswish(), nn.Dropout(p=0.2),
                                        nn.Linear(16, num_classes))

    def forward(self, x):
        x = self.pool(self.blocks(self.stem(x)))
        x = torch.flatten(x, 1)
        return self.classifier(x)
