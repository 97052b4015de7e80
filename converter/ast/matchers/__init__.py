"""Special-case call matchers, registered by name (see :mod:`.registry`).

Importing this package registers every matcher family.
"""

# Families register themselves on import (order does not matter; names are unique).
from mindconverter.converter.ast.matchers import (
    attention,  # noqa: F401
    functional,  # noqa: F401
    functional_extra,  # noqa: F401
    gather_scatter,  # noqa: F401
    init,  # noqa: F401
    instance_norm,  # noqa: F401
    layers,  # noqa: F401
    module_forms,  # noqa: F401
    module_methods,  # noqa: F401
    norms,  # noqa: F401
    tensor,  # noqa: F401
    tensor_new,  # noqa: F401
    training,  # noqa: F401
)
from mindconverter.converter.ast.matchers.registry import (
    MATCHERS,
    CallMatcher,
    CallPlan,
    default_sources,
    find,
    register,
)

__all__ = ["MATCHERS", "CallMatcher", "CallPlan", "default_sources", "find", "register"]
