"""MindSpore network converted by MindConverter from residual.onnx (opset 13).

Source producer: mindconverter-tests.
Load it with its weights:  net = load_model()  (reads the .ckpt beside this file).
"""
import mindspore as ms
from mindspore import nn, ops


class Layer1Block(nn.Cell):
    """Repeated block (2 instances: layer1.0, layer1.1)"""

    def __init__(self):
        super().__init__()
        self.conv1_conv = nn.Conv2d(8, 8, 3, pad_mode='pad', padding=1, has_bias=False)
        self.conv1_bn = nn.BatchNorm2d(8)
        self.conv2_conv = nn.Conv2d(8, 8, 3, pad_mode='pad', padding=1, has_bias=False)
        self.conv2_bn = nn.BatchNorm2d(8)

    def construct(self, x):
        conv1_conv = self.conv1_conv(x)
        conv1_bn = self.conv1_bn(conv1_conv)
        relu = ops.relu(conv1_bn)
        conv2_conv = self.conv2_conv(relu)
        conv2_bn = self.conv2_bn(conv2_conv)
        add = conv2_bn + x
        relu_1 = ops.relu(add)
        return relu_1


class Residual(nn.Cell):
    """MindSpore network converted by MindConverter from residual.onnx (opset 13)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, pad_mode='pad', padding=1, has_bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.layer1_0 = Layer1Block()
        self.layer1_1 = Layer1Block()
        self.fc = nn.Dense(8, 4)

    def construct(self, image):
        conv = self.conv(image)
        bn = self.bn(conv)
        stem_relu = ops.relu(bn)
        layer1_0 = self.layer1_0(stem_relu)
        layer1_1 = self.layer1_1(layer1_0)
        pool_global_average_pool = ops.mean(layer1_1, (2, 3), keep_dims=True)
        flatten = ops.flatten(pool_global_average_pool)
        fc = self.fc(flatten)
        return fc


def load_model(checkpoint=None):
    """Build Residual and load its weights.

    By default the weights are read from the .ckpt beside this file; weights over
    1.9 GB are split into <stem>_0.ckpt, <stem>_1.ckpt, ... and all parts are read.
    ``checkpoint`` may be one path or a list of parts.
    """
    import glob
    import os

    if checkpoint is None:
        base = os.path.splitext(os.path.abspath(__file__))[0]
        single = base + ".ckpt"
        checkpoint = single if os.path.exists(single) else sorted(
            glob.glob(glob.escape(base) + "_[0-9]*.ckpt"))
    parts = [checkpoint] if isinstance(checkpoint, (str, os.PathLike)) else checkpoint
    net = Residual()
    if net.parameters_dict():
        params = {}
        for part in parts:
            params.update(ms.load_checkpoint(str(part)))
        not_loaded, _ = ms.load_param_into_net(net, params)
        if not_loaded:
            raise ValueError(f"parameters missing from {parts}: {not_loaded}")
    net.set_train(False)
    return net
