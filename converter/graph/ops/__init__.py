"""Op converter families; importing this package registers every built-in converter."""

from mindconverter.converter.graph.ops import (  # noqa: F401
    activations,
    attention,
    controlflow,
    conv,
    detection,
    elementwise,
    gather,
    linear,
    logical,
    loss,
    misc,
    norm,
    pool,
    quant,
    reduce,
    resize,
    rnn,
    shape,
)
