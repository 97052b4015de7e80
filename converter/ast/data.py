"""Rule: datasets and loaders (``torch.utils.data`` → ``mindspore.dataset``).

Spec:
- ``class D(Dataset)``: the torch base class is dropped (any object with ``__getitem__`` and
  ``__len__`` is a ``GeneratorDataset`` source), and ``__getitem__`` turns its index into a
  Python ``int`` first (``GeneratorDataset`` passes NumPy integers, which MindSpore tensors
  cannot be indexed with).
- ``DataLoader(ds, batch_size=b, shuffle=s, drop_last=d, num_workers=w)`` →
  ``ds.GeneratorDataset(ds, column_names=[...], shuffle=s, num_parallel_workers=w)
  .batch(b, drop_remainder=d)``; the column names follow the arity of the dataset class's
  ``__getitem__`` when the file defines it. Iterating the result yields the same batches
  (``for x, y in loader``). Samplers and ``collate_fn`` are not converted.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.callargs import UnconvertibleError, bind, keyword_arg
from mindconverter.converter.ast.rule import Rule
from mindconverter.converter.ast.typeinfo import DATASET, DATASET_BASES

LOADER = "torch.utils.data.DataLoader"
LOADER_ARGS = (
    "dataset",
    "batch_size",
    "shuffle",
    "sampler",
    "batch_sampler",
    "num_workers",
    "collate_fn",
    "pin_memory",
    "drop_last",
    "timeout",
    "worker_init_fn",
    "multiprocessing_context",
    "generator",
    "*",
    "prefetch_factor",
    "persistent_workers",
    "pin_memory_device",
    "in_order",
)
IGNORED = frozenset(
    {
        "pin_memory",
        "timeout",
        "prefetch_factor",
        "persistent_workers",
        "pin_memory_device",
        "in_order",
        "multiprocessing_context",
        "worker_init_fn",
        "generator",
    }
)
UNSUPPORTED = frozenset({"sampler", "batch_sampler", "collate_fn"})


class DataRule(Rule):
    """Dataset classes and ``DataLoader`` calls."""

    DESCRIPTION = "torch.utils.data datasets and loaders"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:  # noqa: N802
        drop = [
            i for i, base in enumerate(node.bases) if self.torch_name(base.value) in DATASET_BASES
        ]
        if not drop:
            return
        for index in drop:
            base = node.bases[index].value
            self.ctx.claim(base)
            self.ctx.handled.add(base)
            self.ctx.consume(base)
            self.site(
                base,
                codes.TRAINING_CONVERTED,
                self.torch_name(base) or "",
                "mindspore.dataset.GeneratorDataset source",
            )
        self.ctx.edit(node, lambda updated: _drop_bases(updated, drop))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:  # noqa: N802
        cls = self.types.current_class()
        scopes = self.types.scopes
        direct = len(scopes) >= 2 and scopes[-2].cls is not None
        if cls is None or cls.kind != DATASET or not direct or node.name.value != "__getitem__":
            return
        params = node.params.params
        if len(params) < 2 or not isinstance(node.body, cst.IndentedBlock):
            return
        index = params[1].name.value
        self.ctx.edit(node, lambda updated: _int_index(updated, index))

    def visit_Call(self, node: cst.Call) -> None:  # noqa: N802
        if node in self.ctx.handled or self.torch_name(node.func) != LOADER:
            return
        self.ctx.handled.add(node)
        self.ctx.claim(node.func)
        try:
            plan = self._plan_loader(node)
        except UnconvertibleError as exc:
            self.site(
                node,
                codes.TRAINING_UNRECOGNISED,
                LOADER,
                None,
                hint=f"{exc.reason} Maybe could convert to mindspore.dataset.GeneratorDataset.",
            )
            return
        imports = self.ctx.imports
        self.ctx.edit(node, lambda updated: _build_loader(updated, plan, imports))
        self.ctx.consume(node.func)
        self.site(
            node,
            codes.TRAINING_CONVERTED,
            LOADER,
            "mindspore.dataset.GeneratorDataset",
            data={"columns": plan["columns"]},
            hint="" if plan["arity_known"] else "check column_names",
        )

    def _plan_loader(self, node: cst.Call) -> dict[str, Any]:
        bound = bind(node, LOADER_ARGS)
        if bound.stars or bound.extra_positional:
            raise UnconvertibleError("*args/**kwargs are not mapped.")
        used = set(bound.params) & UNSUPPORTED
        if used:
            raise UnconvertibleError(f"{', '.join(sorted(used))} cannot be converted.")
        if "dataset" not in bound.params:
            raise UnconvertibleError("the dataset argument is missing.")
        arity = self._arity(bound.call.args[bound.params["dataset"]].value)
        columns = ["data", "label"] if arity in (None, 2) else [f"column_{i}" for i in range(arity)]
        if arity == 1:
            columns = ["data"]
        return {"params": dict(bound.params), "columns": columns, "arity_known": arity is not None}

    def _arity(self, dataset: cst.BaseExpression) -> int | None:
        cls_name = None
        if isinstance(dataset, cst.Call) and isinstance(dataset.func, cst.Name):
            cls_name = dataset.func.value
        elif isinstance(dataset, cst.Name):
            cls_name = self.types.instance_class(dataset.value)
        info = self.types.classes.get(cls_name or "")
        return info.getitem_arity if info is not None else None


def _drop_bases(updated: cst.CSTNode, drop: list[int]) -> cst.CSTNode:
    assert isinstance(updated, cst.ClassDef)
    bases = [base for i, base in enumerate(updated.bases) if i not in drop]
    if bases:
        bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(bases=bases)
    return updated.with_changes(
        bases=[], lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT
    )


def _int_index(updated: cst.CSTNode, index: str) -> cst.CSTNode:
    assert isinstance(updated, cst.FunctionDef) and isinstance(updated.body, cst.IndentedBlock)
    body = list(updated.body.body)
    position = 1 if body and _is_docstring(body[0]) else 0
    body.insert(position, cst.parse_statement(f"{index} = int({index})"))
    return updated.with_changes(body=updated.body.with_changes(body=body))


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _build_loader(updated: cst.CSTNode, plan: dict[str, Any], imports: Any) -> cst.CSTNode:
    assert isinstance(updated, cst.Call)
    params: dict[str, int] = plan["params"]

    def value(name: str) -> cst.BaseExpression | None:
        index = params.get(name)
        return None if index is None else updated.args[index].value

    columns = cst.List([cst.Element(cst.SimpleString(repr(c))) for c in plan["columns"]])
    dataset_arg = value("dataset")
    assert dataset_arg is not None  # checked while planning
    source_args = [cst.Arg(dataset_arg), keyword_arg("column_names", columns)]
    source_args.append(keyword_arg("shuffle", value("shuffle") or cst.Name("False")))
    workers = value("num_workers")
    if workers is not None and not (isinstance(workers, cst.Integer) and workers.value == "0"):
        source_args.append(keyword_arg("num_parallel_workers", workers))
    dataset = cst.Call(imports.render("mindspore.dataset.GeneratorDataset"), source_args)
    batch = value("batch_size")
    if isinstance(batch, cst.Name) and batch.value == "None":
        return dataset
    batch_args = [cst.Arg(batch or cst.Integer("1"))]
    drop_last = value("drop_last")
    if drop_last is not None:
        batch_args.append(keyword_arg("drop_remainder", drop_last))
    return cst.Call(cst.Attribute(dataset, cst.Name("batch")), batch_args)
