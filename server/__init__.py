"""MindConverter's language server (``mindconverter-lsp``, ``python -m mindconverter.server``).

Layout:

* :mod:`~mindconverter.server.server`: the pygls server object and per-document state;
* :mod:`~mindconverter.server.features`: one module per LSP feature, each with ``register``;
* pure modules the features are thin wrappers over (unit-tested without a protocol):
  :mod:`~mindconverter.server.analysis` (one analysis per document version),
  :mod:`~mindconverter.server.torch_analysis` / :mod:`~mindconverter.server.torch_scan`
  (PyTorch call sites), :mod:`~mindconverter.server.placeholders` and
  :mod:`~mindconverter.server.placeholder_actions` (migrated scripts),
  :mod:`~mindconverter.server.hovers`, :mod:`~mindconverter.server.actions`,
  :mod:`~mindconverter.server.positions` (the one source ↔ LSP position helper).

Nothing here imports mindspore, onnxruntime or torch: graph conversions run in a worker
process (:mod:`~mindconverter.server.worker`), AST conversions in a converter process
(:mod:`~mindconverter.server.converter_pool`).
"""
