"""CloudWatch metric math, the part drgen's alarms use: ``IF``, ``FILL``, comparisons, ``AND``/``OR``, arithmetic,
over the values of one period (CloudWatch User Guide, "Using math expressions with CloudWatch metrics").

Each metric of the alarm is reduced to one value for the period, or ``None`` when it has no datapoint there; the
expression is then evaluated on those values. As CloudWatch does, an expression over a metric with no data has no
data (``None``) unless ``FILL`` gives it a value. Anything else in an expression raises ``ValueError``: the drill
says what it cannot evaluate rather than guessing.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable

_BINARY: dict[type[ast.AST], Callable[[float, float], float]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}
_COMPARE: dict[type[ast.AST], Callable[[float, float], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
    ast.NotEq: operator.ne}


def evaluate(expression: str, values: dict[str, float | None]) -> float | None:
    """The expression's value for one period; ``values``: each metric's value there (``None``: no data)."""
    text = re.sub(r"\bOR\b", " or ", re.sub(r"\bAND\b", " and ", expression))
    return _eval(ast.parse(text, mode="eval").body, values)


def _eval(node: ast.AST, values: dict[str, float | None]) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in values:
            raise ValueError(f"unknown metric id {node.id}")
        return values[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left, values), _eval(node.right, values)
        return None if left is None or right is None else _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _eval(node.left, values), _eval(node.comparators[0], values)
        return None if left is None or right is None else float(_COMPARE[type(node.ops[0])](left, right))
    if isinstance(node, ast.BoolOp):
        parts = [_eval(v, values) for v in node.values]
        if any(p is None for p in parts):
            return None
        truth = any if isinstance(node.op, ast.Or) else all
        return float(truth(bool(p) for p in parts))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        args = node.args
        if node.func.id == "FILL" and len(args) == 2:
            value = _eval(args[0], values)
            return _eval(args[1], values) if value is None else value
        if node.func.id == "IF" and len(args) == 3:
            condition = _eval(args[0], values)
            if condition is None:
                return None
            return _eval(args[1] if condition else args[2], values)
    raise ValueError(f"metric math the emulation does not evaluate: {ast.unparse(node)}")
