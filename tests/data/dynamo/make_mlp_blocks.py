"""How mlp_blocks.onnx was made: PyTorch 2.13's default (dynamo) ONNX exporter, opset 18.

Needs onnxscript (not a project dependency): run it by hand to regenerate the file.
"""
import torch, torch.nn as nn
torch.manual_seed(0)
class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(16); self.fc1 = nn.Linear(16, 32); self.act = nn.GELU(); self.fc2 = nn.Linear(32, 16)
    def forward(self, x):
        return x + self.fc2(self.act(self.fc1(self.norm(x))))
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv1d(4, 16, 3, padding=1)
        self.blocks = nn.Sequential(Block(), Block())
        self.head = nn.Linear(16, 3)
    def forward(self, x):
        y = self.stem(x).transpose(1, 2)
        return self.head(self.blocks(y).mean(1))
net = Net().eval()
torch.onnx.export(net, (torch.randn(2, 4, 8),), "mlp_blocks.onnx", dynamo=True, external_data=False, input_names=["x"], output_names=["y"])
