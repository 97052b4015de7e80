"""Test-wide settings: quiet MindSpore logging, shared paths."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("GLOG_v", "3")  # MindSpore: errors only
os.environ.setdefault("GLOG_stderrthreshold", "3")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
MODELS = DATA / "models"
