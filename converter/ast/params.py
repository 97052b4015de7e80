"""Parameter names that differ between torch layers and their MindSpore counterparts.

Used twice: to rename parameter attributes in converted code (``bn.weight`` → ``bn.gamma``) and
to rename checkpoint entries (``bn.running_mean`` → ``bn.moving_mean``).
"""

from __future__ import annotations

from typing import Any

_NORM = {"weight": "gamma", "bias": "beta"}
_BATCH_NORM = {**_NORM, "running_mean": "moving_mean", "running_var": "moving_variance"}

# torch layer → {torch parameter/buffer attribute: MindSpore attribute}
ATTRIBUTE_RENAMES: dict[str, dict[str, str]] = {
    **{f"torch.nn.BatchNorm{d}d": _BATCH_NORM for d in (1, 2, 3)},
    "torch.nn.SyncBatchNorm": _BATCH_NORM,
    "torch.nn.LayerNorm": _NORM,
    "torch.nn.GroupNorm": _NORM,
    **{f"torch.nn.InstanceNorm{d}d": _NORM for d in (1, 2, 3)},
    "torch.nn.Embedding": {"weight": "embedding_table"},
    "torch.nn.PReLU": {"weight": "w"},
}

# torch layer → {torch state_dict leaf: MindSpore checkpoint leaf}; "" drops the entry.
CHECKPOINT_RENAMES: dict[str, dict[str, str]] = {
    **{
        name: {**renames, "num_batches_tracked": ""}
        for name, renames in ATTRIBUTE_RENAMES.items()
        if "running_mean" in renames
    },
    "torch.nn.LayerNorm": _NORM,
    "torch.nn.GroupNorm": _NORM,
    **{f"torch.nn.InstanceNorm{d}d": _NORM for d in (1, 2, 3)},
    "torch.nn.Embedding": {"weight": "embedding_table"},
    "torch.nn.PReLU": {"weight": "w"},
}

# Sub-layers of composite torch layers, and the names MindSpore gives them.
TORCH_CHILDREN: dict[str, dict[str, dict[str, Any]]] = {
    "torch.nn.TransformerEncoderLayer": {
        "self_attn": {"type": "torch.nn.MultiheadAttention"},
        "linear1": {"type": "torch.nn.Linear", "ms_name": "dense1"},
        "linear2": {"type": "torch.nn.Linear", "ms_name": "dense2"},
        "norm1": {"type": "torch.nn.LayerNorm"},
        "norm2": {"type": "torch.nn.LayerNorm"},
    },
    "torch.nn.TransformerDecoderLayer": {
        "self_attn": {"type": "torch.nn.MultiheadAttention"},
        "multihead_attn": {"type": "torch.nn.MultiheadAttention"},
        "linear1": {"type": "torch.nn.Linear", "ms_name": "dense1"},
        "linear2": {"type": "torch.nn.Linear", "ms_name": "dense2"},
        "norm1": {"type": "torch.nn.LayerNorm"},
        "norm2": {"type": "torch.nn.LayerNorm"},
        "norm3": {"type": "torch.nn.LayerNorm"},
    },
    "torch.nn.TransformerEncoder": {
        "layers": {
            "type": "torch.nn.ModuleList",
            "item": {"type": "torch.nn.TransformerEncoderLayer"},
        },
        "norm": {"type": "torch.nn.LayerNorm"},
    },
    "torch.nn.TransformerDecoder": {
        "layers": {
            "type": "torch.nn.ModuleList",
            "item": {"type": "torch.nn.TransformerDecoderLayer"},
        },
        "norm": {"type": "torch.nn.LayerNorm"},
    },
    "torch.nn.MultiheadAttention": {"out_proj": {"type": "torch.nn.Linear"}},
}

# Layers whose MindSpore weight has another layout: torch layer → target rank.
RESHAPE_TO_RANK: dict[str, int] = {
    "torch.nn.Conv1d": 4,
    "torch.nn.ConvTranspose1d": 4,
}
