"""Special-case call matchers, registered by name (see :mod:`.registry`).

Importing this package registers every matcher family.
"""

from mindconverter.converter.ast.matchers.registry import (
    MATCHERS,
    CallMatcher,
    CallPlan,
    default_sources,
    find,
    register,
)

# Families register themselves on import (order does not matter; names are unique).
from mindconverter.converter.ast.matchers import layers  # noqa: E402, F401, I001
from mindconverter.converter.ast.matchers import functional  # noqa: E402, F401
from mindconverter.converter.ast.matchers import tensor  # noqa: E402, F401
from mindconverter.converter.ast.matchers import module_methods  # noqa: E402, F401
from mindconverter.converter.ast.matchers import training  # noqa: E402, F401
from mindconverter.converter.ast.matchers import init  # noqa: E402, F401

__all__ = ["MATCHERS", "CallMatcher", "CallPlan", "default_sources", "find", "register"]
