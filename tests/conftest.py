"""Test-wide settings: quiet MindSpore logging, shared paths."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")  # see mindconverter/__init__.py
os.environ.setdefault("GLOG_v", "3")  # MindSpore: errors only
os.environ.setdefault("GLOG_stderrthreshold", "3")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
MODELS = DATA / "models"


def pytest_addoption(parser: object) -> None:
    """``--update-goldens`` rewrites golden files (CI never passes it, so a diff fails)."""
    parser.addoption("--update-goldens", action="store_true", default=False,  # type: ignore[attr-defined]
                     help="rewrite golden files instead of comparing")
