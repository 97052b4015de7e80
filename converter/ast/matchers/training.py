"""Optimizers, schedulers, data loading and checkpoint calls (filled in by the training rule)."""

from __future__ import annotations
