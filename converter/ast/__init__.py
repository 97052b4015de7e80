"""AST conversion: PyTorch scripts → MindSpore scripts with LibCST (and their weights).

Public API: :func:`convert_source` (pure, used by the language server) and
:func:`convert_path` (files and folders, reports, checkpoints; used by the CLI).
"""

from mindconverter.converter.ast.api import AstConversion, convert_path, convert_source
from mindconverter.converter.ast.paths import AstPathResult

__all__ = ["AstConversion", "AstPathResult", "convert_path", "convert_source"]
