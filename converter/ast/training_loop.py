"""Rule: training loops, optimizers, schedulers and data loading (see issue 5).

Filled in after the model-definition rules; for now it recognises nothing.
"""

from __future__ import annotations

from mindconverter.converter.ast.rule import Rule


class TrainingRule(Rule):
    """Placeholder for the training-loop rewrite."""

    DESCRIPTION = "training loop, optimizer, scheduler and data pipeline"
