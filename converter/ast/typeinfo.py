"""A small, flow-insensitive guess of what an expression holds: tensor, module, optimizer...

``x.view(...)`` is a tensor method only if ``x`` is a tensor; ``s.split(",")`` on a string is not.
The tracker runs first in the batched traversal and follows assignments in source order, so
when a rule looks at an expression, every earlier binding has been seen. It also records, per
``nn.Module`` subclass, which layer each ``self.<attr>`` holds (the weight converter uses it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst import BatchableCSTVisitor
from mindconverter.converter.ast.metadata import CachedVisitorsMixin, ModuleMetadata
from mindconverter.converter.ast.resolve import torch_name

TENSOR = "tensor"
MODULE = "module"
OPTIMIZER = "optimizer"
SCHEDULER = "scheduler"
LOADER = "loader"
DATASET = "dataset"
OTHER = "other"
UNKNOWN = "unknown"
MODULE_METHOD = "module_method"
TENSOR_METHOD = "tensor_method"

MODULE_BASES = frozenset(
    {"torch.nn.Module", "torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"}
)
DATASET_BASES = frozenset({"torch.utils.data.Dataset", "torch.utils.data.IterableDataset"})
NON_TENSOR_TORCH = frozenset(
    {
        "torch.device",
        "torch.no_grad",
        "torch.save",
        "torch.load",
        "torch.manual_seed",
        "torch.Size",
        "torch.is_tensor",
        "torch.numel",
        "torch.set_grad_enabled",
        "torch.enable_grad",
        "torch.inference_mode",
    }
)
NON_TENSOR_RESULTS = frozenset(
    {
        "size",
        "dim",
        "ndimension",
        "numel",
        "item",
        "tolist",
        "is_contiguous",
        "element_size",
        "data_ptr",
        "nelement",
        "get_device",
        "numpy",
        "is_floating_point",
    }
)
TENSOR_ATTRS = frozenset({"T", "mT", "H", "data", "grad", "real", "imag"})
SCALAR_ATTRS = frozenset({"shape", "ndim", "dtype", "device", "is_cuda", "requires_grad"})
MODULE_RETURNING = frozenset(
    {
        "to",
        "cuda",
        "cpu",
        "eval",
        "train",
        "float",
        "double",
        "half",
        "requires_grad_",
        "apply",
        "type",
        "bfloat16",
    }
)
BUILTIN_OTHER = frozenset(
    {
        "len",
        "int",
        "float",
        "str",
        "bool",
        "range",
        "list",
        "dict",
        "tuple",
        "set",
        "enumerate",
        "zip",
        "open",
        "print",
        "isinstance",
        "hasattr",
        "repr",
        "sorted",
        "reversed",
        "map",
        "filter",
        "type",
        "id",
        "hash",
        "round",
        "format",
        "iter",
        "next",
        "super",
        "object",
    }
)


@dataclass
class ClassInfo:
    """What the tracker knows about one class defined in the file."""

    name: str
    kind: str = OTHER
    bases: list[str] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    methods: set[str] = field(default_factory=set)
    items: list[dict[str, Any] | None] | None = None
    getitem_arity: int | None = None


@dataclass
class _Scope:
    kinds: dict[str, str] = field(default_factory=dict)
    layers: dict[str, dict[str, Any]] = field(default_factory=dict)
    instances: dict[str, str] = field(default_factory=dict)
    cls: ClassInfo | None = None
    function: str = ""


class TypeTracker(CachedVisitorsMixin, BatchableCSTVisitor):
    """Follows assignments to guess expression kinds (see module docstring).

    Args:
        meta: The module's metadata (names are resolved through it); set before the traversal.
    """

    def __init__(self, meta: ModuleMetadata | None = None) -> None:
        super().__init__()
        self.meta = meta
        self.classes: dict[str, ClassInfo] = {}
        self.scopes: list[_Scope] = [_Scope()]
        self.class_stack: list[ClassInfo] = []
        self.narrowed: list[tuple[str, tuple[str, ...]]] = []

    # --- isinstance narrowing ---------------------------------------------------------------
    def visit_If_body(self, node: cst.If) -> None:  # noqa: N802
        self.narrowed.append(self._isinstance_test(node.test))

    def leave_If_body(self, node: cst.If) -> None:  # noqa: N802
        self.narrowed.pop()

    def _isinstance_test(self, test: cst.BaseExpression) -> tuple[str, tuple[str, ...]]:
        """``isinstance(m, (nn.A, nn.B))`` → (``m``, (``torch.nn.A``, ``torch.nn.B``))."""
        if not (
            isinstance(test, cst.Call)
            and isinstance(test.func, cst.Name)
            and test.func.value == "isinstance"
            and len(test.args) == 2
        ):
            return ("", ())
        subject, kinds = test.args[0].value, test.args[1].value
        if not isinstance(subject, cst.Name):
            return ("", ())
        elements = kinds.elements if isinstance(kinds, cst.Tuple) else [cst.Element(kinds)]
        names = tuple(torch_name(self.meta, el.value) or "" for el in elements)
        return (subject.value, names) if all(names) else ("", ())

    def layer_types(self, expr: cst.BaseExpression) -> tuple[str, ...]:
        """torch layer types ``expr`` is known to hold (``isinstance`` tests, layer attributes)."""
        if isinstance(expr, cst.Name):
            for name, types in reversed(self.narrowed):
                if name == expr.value:
                    return types
            layer = self.describe_layer(expr)
            return (layer["type"],) if layer and layer.get("type") != "user" else ()
        if isinstance(expr, cst.Attribute) and _is_self(expr.value):
            cls = self.current_class()
            layer = cls.layers.get(expr.attr.value) if cls is not None else None
            return (layer["type"],) if layer and layer.get("type") != "user" else ()
        return ()

    # --- queries --------------------------------------------------------------------------
    def current_class(self) -> ClassInfo | None:
        """The innermost class being visited."""
        return self.class_stack[-1] if self.class_stack else None

    def in_module_class(self) -> bool:
        """Whether the visit is inside an ``nn.Module`` subclass."""
        cls = self.current_class()
        return bool(cls and cls.kind == MODULE)

    def kind_of(self, expr: cst.BaseExpression) -> str:
        """The guessed kind of ``expr`` at this point of the traversal."""
        if isinstance(expr, cst.Name):
            return self._name_kind(expr.value)
        if isinstance(expr, cst.Attribute):
            return self._attribute_kind(expr)
        if isinstance(expr, cst.Call):
            return self._call_kind(expr)
        if isinstance(expr, cst.Subscript):
            inner = self.kind_of(expr.value)
            return inner if inner in (TENSOR, MODULE) else UNKNOWN
        if isinstance(expr, cst.BinaryOperation):
            left, right = self.kind_of(expr.left), self.kind_of(expr.right)
            if TENSOR in (left, right):
                return TENSOR
            return OTHER if left == right == OTHER else UNKNOWN
        if isinstance(expr, cst.UnaryOperation):
            return self.kind_of(expr.expression)
        if isinstance(expr, cst.IfExp):
            body, orelse = self.kind_of(expr.body), self.kind_of(expr.orelse)
            return body if body == orelse else UNKNOWN
        if isinstance(expr, cst.Comparison):
            sides = [expr.left, *(c.comparator for c in expr.comparisons)]
            return TENSOR if TENSOR in (self.kind_of(e) for e in sides) else UNKNOWN
        if isinstance(
            expr,
            (
                cst.Integer,
                cst.Float,
                cst.Imaginary,
                cst.SimpleString,
                cst.ConcatenatedString,
                cst.FormattedString,
                cst.List,
                cst.Tuple,
                cst.Dict,
                cst.Set,
                cst.ListComp,
                cst.DictComp,
                cst.SetComp,
                cst.Lambda,
            ),
        ):
            return OTHER
        return UNKNOWN

    def _name_kind(self, name: str) -> str:
        for scope in reversed(self.scopes):
            if name in scope.kinds:
                return scope.kinds[name]
        if name == "self" and self.in_module_class():
            return MODULE
        if name in self.classes:
            return "class"
        return UNKNOWN

    def _attribute_kind(self, expr: cst.Attribute) -> str:
        if torch_name(self.meta, expr):
            return OTHER
        attr = expr.attr.value
        if isinstance(expr.value, cst.Name) and expr.value.value == "self":
            cls = self.current_class()
            if cls is not None and attr in cls.attrs:
                return cls.attrs[attr]
        receiver = self.kind_of(expr.value)
        if receiver == TENSOR:
            if attr in TENSOR_ATTRS:
                return TENSOR
            return OTHER if attr in SCALAR_ATTRS else TENSOR_METHOD
        if receiver == MODULE:
            return MODULE_METHOD if attr[:1].islower() else UNKNOWN
        return UNKNOWN

    def _call_kind(self, call: cst.Call) -> str:
        name = torch_name(self.meta, call.func)
        if name:
            return torch_call_kind(name)
        func = call.func
        if isinstance(func, cst.Name):
            if func.value in self.classes:
                return self.classes[func.value].kind
            if func.value in BUILTIN_OTHER:
                return OTHER
        callee = self.kind_of(func)
        if callee == MODULE:
            return TENSOR
        if callee == MODULE_METHOD and isinstance(func, cst.Attribute):
            return MODULE if func.attr.value in MODULE_RETURNING else OTHER
        if callee == TENSOR_METHOD and isinstance(func, cst.Attribute):
            return OTHER if func.attr.value in NON_TENSOR_RESULTS else TENSOR
        return UNKNOWN

    # --- scopes ---------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:  # noqa: N802
        info = ClassInfo(name=node.name.value)
        for base in node.bases:
            info.bases.append(self._base_name(base.value))
        info.kind = self._class_kind(info.bases)
        self.classes[info.name] = info
        self.class_stack.append(info)
        self.scopes.append(_Scope(cls=info))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:  # noqa: N802
        self.class_stack.pop()
        self.scopes.pop()

    def _base_name(self, expr: cst.BaseExpression) -> str:
        name = torch_name(self.meta, expr)
        if name:
            return name
        if isinstance(expr, cst.Name):
            return expr.value
        return ""

    def _class_kind(self, bases: list[str]) -> str:
        for base in bases:
            if base in MODULE_BASES or is_torch_layer(base):
                return MODULE
            if base in DATASET_BASES:
                return DATASET
            known = self.classes.get(base)
            if known is not None and known.kind in (MODULE, DATASET):
                return known.kind
        return OTHER

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:  # noqa: N802
        scope = _Scope(function=node.name.value, cls=None)
        cls = self.current_class() if self.scopes[-1].cls is not None else None
        forward = cls is not None and cls.kind == MODULE and node.name.value == "forward"
        if cls is not None:
            cls.methods.add(node.name.value)
        for index, param in enumerate(node.params.params):
            scope.kinds[param.name.value] = self._param_kind(param, index, cls, forward)
        for param in node.params.kwonly_params:
            scope.kinds[param.name.value] = self._param_kind(param, 1, cls, forward)
        self.scopes.append(scope)
        if cls is not None and cls.kind == DATASET and node.name.value == "__getitem__":
            cls.getitem_arity = _return_arity(node)

    def _param_kind(
        self, param: cst.Param, index: int, cls: ClassInfo | None, forward: bool
    ) -> str:
        if index == 0 and cls is not None and param.name.value == "self":
            return MODULE if cls.kind == MODULE else OTHER
        if param.annotation is not None:
            annotated = torch_name(self.meta, param.annotation.annotation)
            if annotated in ("torch.Tensor", "torch.FloatTensor", "torch.LongTensor"):
                return TENSOR
        if forward:
            default = param.default
            if default is None or (isinstance(default, cst.Name) and default.value == "None"):
                return TENSOR
        return UNKNOWN

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:  # noqa: N802
        self.scopes.pop()

    # --- bindings -------------------------------------------------------------------------
    def leave_Assign(self, original_node: cst.Assign) -> None:  # noqa: N802
        for target in original_node.targets:
            self._bind(target.target, original_node.value)

    def leave_AnnAssign(self, original_node: cst.AnnAssign) -> None:  # noqa: N802
        if original_node.value is not None:
            self._bind(original_node.target, original_node.value)

    def visit_CompFor(self, node: cst.CompFor) -> None:  # noqa: N802
        self._bind_loop(node.target, node.iter)

    def visit_For(self, node: cst.For) -> None:  # noqa: N802
        self._bind_loop(node.target, node.iter)

    def _bind_loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        """Loop targets: batches of a loader are tensors; items of a module list are modules."""
        source = self.kind_of(iterable)
        if source == LOADER:
            self._bind_kind(target, TENSOR)
            return
        if (
            isinstance(iterable, cst.Call)
            and isinstance(iterable.func, cst.Name)
            and iterable.func.value == "enumerate"
            and iterable.args
            and isinstance(target, cst.Tuple)
            and target.elements
            and self.kind_of(iterable.args[0].value) == LOADER
        ):
            self._bind_kind(target.elements[0].value, OTHER)
            for element in target.elements[1:]:
                self._bind_kind(element.value, TENSOR)
            return
        self._bind_kind(target, MODULE if source == MODULE else UNKNOWN)

    def visit_WithItem(self, node: cst.WithItem) -> None:  # noqa: N802
        if node.asname is not None:
            self._bind_kind(node.asname.name, UNKNOWN)

    def _bind(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        sequences = (cst.Tuple, cst.List)
        if (
            isinstance(target, sequences)
            and isinstance(value, sequences)
            and len(target.elements) == len(value.elements)
        ):
            for t_el, v_el in zip(target.elements, value.elements, strict=True):
                self._bind(t_el.value, v_el.value)
            return
        kind = self.kind_of(value)
        if isinstance(target, (cst.Tuple, cst.List)):
            kind = TENSOR if kind == TENSOR else UNKNOWN
        self._bind_kind(target, kind)
        self._record_layer(target, value)

    def _bind_kind(self, target: cst.BaseExpression, kind: str) -> None:
        if isinstance(target, cst.Name):
            self.scopes[-1].kinds[target.value] = kind
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_kind(element.value, kind)
        elif isinstance(target, cst.StarredElement):
            self._bind_kind(target.value, UNKNOWN)
        elif isinstance(target, cst.Attribute) and _is_self(target.value):
            cls = self.current_class()
            if cls is not None:
                cls.attrs[target.attr.value] = kind

    def instance_class(self, name: str) -> str | None:
        """The file-local class a variable was last assigned an instance of."""
        for scope in reversed(self.scopes):
            if name in scope.instances:
                return scope.instances[name]
        return None

    def _record_layer(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        layer = self.describe_layer(value)
        if isinstance(target, cst.Name):
            if (
                isinstance(value, cst.Call)
                and isinstance(value.func, cst.Name)
                and value.func.value in self.classes
            ):
                self.scopes[-1].instances[target.value] = value.func.value
            if layer:
                self.scopes[-1].layers[target.value] = layer
            else:
                self.scopes[-1].layers.pop(target.value, None)
            return
        cls = self.current_class()
        if cls is None or cls.kind != MODULE:
            return
        if isinstance(target, cst.Attribute) and _is_self(target.value) and layer:
            cls.layers[target.attr.value] = layer

    def describe_layer(self, expr: cst.BaseExpression) -> dict[str, Any] | None:
        """What layer an expression builds, for the weight converter (``None`` if unknown)."""
        if isinstance(expr, cst.Name):
            for scope in reversed(self.scopes):
                if expr.value in scope.layers:
                    return scope.layers[expr.value]
            return None
        if not isinstance(expr, cst.Call):
            return None
        name = torch_name(self.meta, expr.func)
        if name is None and isinstance(expr.func, cst.Name) and expr.func.value in self.classes:
            return {"type": "user", "class": expr.func.value}
        if name is None or (not is_torch_layer(name) and name not in MODULE_BASES):
            return None
        layer: dict[str, Any] = {"type": name}
        if name == "torch.nn.Sequential":
            items = self.sequential_items(expr.args)
            if items is not None:
                layer["items"] = items
        elif name == "torch.nn.ModuleList" and expr.args:
            layer["item"] = self._element_layer(expr.args[0].value)
        elif name == "torch.nn.ModuleDict" and expr.args:
            layer["entries"] = self._dict_layers(expr.args[0].value)
        return layer

    def sequential_items(self, args: Sequence[cst.Arg]) -> Any:
        """Layers of ``Sequential(a, b)`` (a list) or ``Sequential(OrderedDict(...))`` (a dict)."""
        if any(arg.star for arg in args):
            return None
        if len(args) == 1 and isinstance(args[0].value, cst.Call):
            inner = args[0].value
            if isinstance(inner.func, cst.Name) and inner.func.value == "OrderedDict":
                return self._dict_layers(inner.args[0].value) if inner.args else None
        return [self.describe_layer(arg.value) for arg in args]

    def _dict_layers(self, expr: cst.BaseExpression) -> dict[str, Any] | None:
        pairs: list[tuple[cst.BaseExpression, cst.BaseExpression]] = []
        if isinstance(expr, cst.Dict):
            pairs = [(el.key, el.value) for el in expr.elements if isinstance(el, cst.DictElement)]
        elif isinstance(expr, (cst.List, cst.Tuple)):
            for el in expr.elements:
                if isinstance(el.value, cst.Tuple) and len(el.value.elements) == 2:
                    pairs.append((el.value.elements[0].value, el.value.elements[1].value))
        result: dict[str, Any] = {}
        for key, value in pairs:
            if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
                result[key.evaluated_value] = self.describe_layer(value)
        return result or None

    def visit_Call(self, node: cst.Call) -> None:  # noqa: N802
        """Record ``super().__init__(layers...)`` of Sequential subclasses and ``add_module``."""
        cls = self.current_class()
        if cls is None or cls.kind != MODULE or not isinstance(node.func, cst.Attribute):
            return
        method = node.func.attr.value
        receiver = node.func.value
        if (
            method == "__init__"
            and isinstance(receiver, cst.Call)
            and isinstance(receiver.func, cst.Name)
            and receiver.func.value == "super"
        ):
            if "torch.nn.Sequential" in cls.bases and node.args:
                items = self.sequential_items(node.args)
                if isinstance(items, list):
                    cls.items = items
                elif isinstance(items, dict):
                    cls.layers.update(items)
        elif (
            method in ("add_module", "register_module")
            and _is_self(receiver)
            and len(node.args) == 2
            and isinstance(node.args[0].value, cst.SimpleString)
        ):
            key = node.args[0].value.evaluated_value
            layer = self.describe_layer(node.args[1].value)
            if isinstance(key, str) and layer:
                cls.layers[key] = layer

    def _element_layer(self, expr: cst.BaseExpression) -> dict[str, Any] | None:
        if isinstance(expr, (cst.ListComp, cst.GeneratorExp)):
            return self.describe_layer(expr.elt)
        if isinstance(expr, (cst.List, cst.Tuple)) and expr.elements:
            return self.describe_layer(expr.elements[0].value)
        return None


def _is_self(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "self"


def _return_arity(node: cst.FunctionDef) -> int | None:
    arities: set[int] = set()

    class _Returns(cst.CSTVisitor):
        def visit_Return(self, ret: cst.Return) -> None:  # noqa: N802
            if isinstance(ret.value, cst.Tuple):
                arities.add(len(ret.value.elements))
            elif ret.value is not None:
                arities.add(1)

        def visit_FunctionDef(self, inner: cst.FunctionDef) -> bool:  # noqa: N802
            return inner is node

    node.visit(_Returns())
    return arities.pop() if len(arities) == 1 else None


def is_torch_layer(name: str) -> bool:
    """Whether a torch name is an ``nn`` layer class (``torch.nn.Conv2d``...)."""
    if not name.startswith("torch.nn."):
        return False
    rest = name[len("torch.nn.") :]
    return "." not in rest and rest[:1].isupper() and rest not in ("Parameter",)


def torch_call_kind(name: str) -> str:
    """The kind of value a torch call returns."""
    if name == "torch.nn.Parameter":
        return TENSOR
    if is_torch_layer(name) or name in MODULE_BASES:
        return MODULE
    if name.startswith("torch.optim.lr_scheduler."):
        return SCHEDULER
    if name.startswith("torch.optim."):
        return OPTIMIZER
    if name == "torch.utils.data.DataLoader":
        return LOADER
    if name.startswith("torch.utils.data."):
        return DATASET
    if name in NON_TENSOR_TORCH or name.startswith(("torch.cuda.", "torch.backends.")):
        return OTHER
    return TENSOR
