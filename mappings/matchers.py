"""Names of the special-case handlers and value transforms that the data may reference.

The AST converter registers one handler class per name in KNOWN_MATCHERS; the tests check
that the data uses no other name and that every name here is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

KNOWN_MATCHERS: Mapping[str, str] = MappingProxyType(
    {
        "BatchNormMomentum": (
            "BatchNorm*d/SyncBatchNorm: momentum becomes 1 - momentum (value_transforms); "
            "momentum=None (cumulative average) has no counterpart and must be reported; "
            "track_running_stats=False becomes use_batch_statistics=True."
        ),
        "ConvPadding": (
            "Conv*d/ConvTranspose*d: pad_mode='pad' (from defaults) with padding; an int stays, "
            "a tuple is expanded to 2 values per spatial dim ((ph, pw) -> (ph, ph, pw, pw)); "
            "padding='same'/'valid' becomes pad_mode='same'/'valid' without padding; "
            "padding_mode='zeros' is dropped, other padding_mode values are reported."
        ),
        "CudaAvailable": 'torch.cuda.is_available() -> mindspore.hal.is_available("GPU").',
        "DataLoader": (
            "torch.utils.data.DataLoader(ds, batch_size, shuffle, drop_last, num_workers) -> "
            "mindspore.dataset.GeneratorDataset(ds, column_names=[...], shuffle=shuffle, "
            "num_parallel_workers=...).batch(batch_size, drop_remainder=drop_last)."
        ),
        "DatasetBase": (
            "A class deriving from torch.utils.data.Dataset: drop the base class (any object "
            "with __getitem__/__len__ is a GeneratorDataset source)."
        ),
        "DeviceNoOp": (
            "x.cuda()/x.cpu()/module.to(device): replace the call by its receiver; "
            "MindSpore chooses the device through mindspore.set_device."
        ),
        "FunctionalLayerNorm": (
            "F.layer_norm(x, shape, w, b, eps) -> ops.LayerNorm(begin_norm_axis=-len(shape), "
            "begin_params_axis=-len(shape), epsilon=eps)(x, w, b)[0]; w/b default to "
            "ops.ones(shape)/ops.zeros(shape) (ops.layer_norm has no CPU kernel)."
        ),
        "InterpolateScale": (
            "F.interpolate/nn.Upsample: when scale_factor is given without size, add "
            "recompute_scale_factor=True (MindSpore 2.10 CPU rejects scale_factor otherwise "
            "for 4-D nearest/bilinear)."
        ),
        "LayerNormShape": (
            "nn.LayerNorm: normalized_shape int -> (int,), list -> tuple; begin_norm_axis = "
            "begin_params_axis = -len(normalized_shape) (-1 is the default; for longer shapes "
            "CPU needs the non-negative axis rank - len, so report unless the rank is known)."
        ),
        "LrSchedule": (
            "torch LR schedulers wrap an optimizer and step per epoch; MindSpore passes a "
            "LearningRateSchedule (or a per-step list from piecewise_constant_lr) as the "
            "optimizer's learning_rate. Rewritten with the optimizer, else reported."
        ),
        "ModuleModules": (
            "m.modules() -> (cell for _, cell in m.cells_and_names()) (a generator of cells, "
            "m included, like torch)."
        ),
        "ModuleRename": (
            "nn.Module methods with a one-to-one Cell method: children -> cells, named_children "
            "-> name_cells().items(), named_modules -> cells_and_names; calls with arguments "
            "are reported."
        ),
        "NoGrad": (
            "torch.no_grad() context or decorator: remove it (MindSpore only differentiates "
            "inside mindspore.grad/value_and_grad)."
        ),
        "OneHot": (
            "F.one_hot(t, num_classes): MindSpore requires depth; num_classes omitted or -1 "
            "must be reported."
        ),
        "OptimizerBetas": (
            "Adam/AdamW: betas=(b1, b2) becomes beta1=b1, beta2=b2 (a non-literal tuple "
            "becomes beta1=betas[0], beta2=betas[1])."
        ),
        "PackVarargs": (
            "torch f(*size) against MindSpore f(size): pack two or more positional arguments "
            "into one tuple (torch.zeros(2, 3) -> ops.zeros((2, 3))); one argument passes as is."
        ),
        "Pooling": (
            "MaxPool*/AvgPool* layers and avg_pool*d functions: torch stride omitted or None "
            "means kernel_size (MindSpore defaults to 1), so pass stride=kernel_size; the layers "
            "get pad_mode='pad' from defaults so that padding and ceil_mode are accepted."
        ),
        "RegisterBuffer": (
            "self.register_buffer(name, t) -> setattr(self, name, mindspore.Parameter(t, "
            "requires_grad=False)); register_parameter keeps the parameter trainable."
        ),
        "SaveCheckpoint": (
            "torch.save(model.state_dict(), f) -> mindspore.save_checkpoint(model, f); saving "
            "other objects is reported."
        ),
        "TensorSize": "x.size() -> x.shape; x.size(d) -> x.shape[d].",
        "TensorClone": (
            "x.clone() -> x.copy() (Tensor.clone has no CPU kernel in MindSpore 2.10); "
            "memory_format is dropped."
        ),
        "TensorTo": (
            "x.to(...): drop device arguments; x.to(dtype) -> x.astype(dtype); "
            "x.to(other_tensor) -> x.astype(other_tensor.dtype); x.to(device) -> x."
        ),
        "TorchInit": (
            "torch.nn.init.<f>_(t, ...) -> t.set_data(initializer(<Init>(...), t.shape, "
            "t.dtype)) with the mindspore.common.initializer class in target; uniform_ only "
            "when a == -b (Uniform(scale) is symmetric)."
        ),
        "TrainingLoop": (
            "loss.backward()/optimizer.zero_grad()/optimizer.step(): only convertible as part "
            "of the training-step rewrite (mindspore.value_and_grad + optimizer(grads))."
        ),
        "VisionNormalize": (
            "torchvision Normalize(mean, std) -> vision.Normalize(mean, std, is_hwc=False): "
            "torch normalises CHW tensors, MindSpore defaults to HWC images."
        ),
    }
)
"""Matcher name -> what the handler must do."""

KNOWN_VALUE_TRANSFORMS: Mapping[str, str] = MappingProxyType(
    {
        "1-x": "1 - value (BatchNorm momentum); None cannot be transformed.",
        "x == 'tanh'": "GELU approximate: the string 'tanh' -> True, 'none' -> False.",
        "None if x else True": "track_running_stats -> use_batch_statistics.",
        "'train' if x else 'test'": "torchvision dataset train flag -> MindSpore usage split.",
    }
)
"""Transform expression -> meaning. Each is a Python expression of ``x`` (the argument value):
substitute the argument's expression for ``x`` (parenthesised), or fold it for literals."""
