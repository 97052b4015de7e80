"""``pytest --update-goldens`` rewrites golden files instead of comparing."""

from __future__ import annotations

import pytest


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """Whether golden files should be rewritten."""
    return bool(request.config.getoption("--update-goldens"))
