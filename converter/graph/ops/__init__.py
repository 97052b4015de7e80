"""Op converter families; importing this package registers every built-in converter."""

from mindconverter.converter.graph.ops import (  # noqa: F401
    activations,
    conv,
    elementwise,
    gather,
    linear,
    logical,
    norm,
    pool,
    reduce,
    resize,
    rnn,
    shape,
)
