"""Whether a function's ``handler`` names a function its module defines: the module is parsed with ``ast``,
never imported or run.

``handler: pkg.mod.func`` needs ``pkg/mod/__init__.py`` or ``pkg/mod.py`` in the source (as Python's import
finds them), and ``func`` bound at the module's top level: a ``def`` or ``async def``, an assignment, or an
import, also inside a top-level ``if``, ``try``, ``with``, ``for``, ``while`` or ``match``. A module with a
``from ... import *`` can bind any name, so it passes. Problems raise ``SourceError`` with the code validate
reports at the function's ``handler``.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from drgen.schema_check import suggest
from drgen.sources import SourceError

_BLOCKS: tuple[type[ast.stmt], ...] = (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While,
                                       ast.Match, *([ast.TryStar] if hasattr(ast, "TryStar") else []))


def module_files(handler: str) -> tuple[str, str]:
    """The two files (relative, ``/``) that can hold the handler's module: the package first, as Python looks."""
    module = handler.rsplit(".", 1)[0].replace(".", "/")
    return f"{module}/__init__.py", f"{module}.py"


def check(folder: Path, files: set[str], source: str, handler: str) -> None:
    """Raise ``SourceError`` unless ``handler`` names a function of a module among ``files`` of ``folder``."""
    function = handler.rsplit(".", 1)[1]
    found = next((f for f in module_files(handler) if f in files), None)
    if found is None:
        raise SourceError("E305", f"the handler '{handler}' needs {source}/{module_files(handler)[1]}, "
                                  "which does not exist")
    tree = _parse(folder / found, found)
    bound, functions, classes, star = _top_level(tree)
    if star or (function in bound and function not in classes):
        return
    if function in classes:
        raise SourceError("E311", f"'{function}' is a class in {found}, not a function: Lambda would call the class "
                                  "and try to return the instance")
    where = f"{found} defines {', '.join(sorted(functions))}" if functions else f"{found} defines no function"
    raise SourceError("E311", f"the handler '{handler}' names '{function}', which {found} does not define at its top "
                              f"level{suggest(function, functions)}: {where}")


def _parse(path: Path, name: str) -> ast.Module:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            text = handle.read()
    except OSError as error:
        raise SourceError("E310", f"'{name}' cannot be read ({error.strerror})") from error
    try:
        return ast.parse(text, filename=name)
    except SyntaxError as error:
        where = f" (line {error.lineno})" if error.lineno else ""
        raise SourceError("E312", f"{name} is not valid Python{where}: {error.msg}; Lambda could not import it") \
            from error
    except (ValueError, RecursionError, MemoryError) as error:
        raise SourceError("E312", f"{name} is not valid Python: {error}; Lambda could not import it") from error


def _top_level(tree: ast.Module) -> tuple[set[str], set[str], set[str], bool]:
    """Names the module binds when imported, its functions, its classes, and whether it has ``import *``."""
    bound: set[str] = set()
    functions: set[str] = set()
    classes: set[str] = set()
    star = False
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.add(node.name)
            bound.add(node.name)
        elif isinstance(node, ast.ClassDef):
            classes.add(node.name)
            bound.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets: list[ast.expr] = list(node.targets) if isinstance(node, ast.Assign) else [node.target]
            if not isinstance(node, ast.AnnAssign) or node.value is not None:
                bound.update(_names(targets))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    star = True
                else:
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, _BLOCKS):
            if isinstance(node, (ast.For, ast.AsyncFor)):
                bound.update(_names([node.target]))
            if isinstance(node, (ast.With, ast.AsyncWith)):
                bound.update(_names([item.optional_vars for item in node.items if item.optional_vars is not None]))
            for field in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, field, []):
                    if isinstance(child, (ast.ExceptHandler, ast.match_case)):
                        pending.extend(child.body)
                    elif isinstance(child, ast.stmt):
                        pending.append(child)
    # a function that declares a name global binds it in the module when it runs
    for each in ast.walk(tree):
        if isinstance(each, ast.Global):
            bound.update(each.names)
    return bound, functions, classes, star


def _names(targets: list[ast.expr]) -> set[str]:
    """The names an assignment target binds (``a``, ``a, b``, ``[a, *b]``; not ``a.x`` or ``a[0]``)."""
    out: set[str] = set()
    for target in targets:
        if isinstance(target, ast.Name):
            out.add(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            out |= _names(list(target.elts))
        elif isinstance(target, ast.Starred):
            out |= _names([target.value])
    return out
