"""The server's features, one module each, registered in the order listed.

Each module exposes ``register(server)``, which registers its handlers wrapped with
:func:`mindconverter.server.guard.guarded`. A module whose registration fails is logged and
skipped; the others still register.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mindconverter.server.features import (
    code_actions,
    commands,
    configuration,
    diagnostics,
    hover,
)

if TYPE_CHECKING:
    from mindconverter.server.server import MindConverterServer

logger = logging.getLogger(__name__)

FEATURE_MODULES = (configuration, diagnostics, code_actions, hover, commands)


def register_all(server: MindConverterServer) -> None:
    """Register every feature module's handlers on ``server``."""
    for module in FEATURE_MODULES:
        try:
            module.register(server)
        except Exception:
            logger.exception("could not register feature module %s", module.__name__)
