"""Measure ``drgen.template_size.SHAPES`` on real renders: ``python -m tests.fit_sizes [EXAMPLES]``.

Renders generated blueprints, takes each item's entry size less its tags, fits ``base + weight x feature``
per shape by least squares, and prints the table for drgen/template_size.py, with each shape's spread of
residuals (a shape whose spread is not 0 misses a feature; its base covers the largest). A feature that never
varies in the renders gets no weight: where synthesis did not change, keep the upper envelope of the new table
and the current one (the larger base and weight of each), which bounds both sets of renders.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
import textwrap
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from hypothesis.errors import NonInteractiveExampleWarning

from drgen import footprint, template_size
from drgen.rendering import build_packages
from drgen.synth import synthesize
from drgen.validation import check_text
from tests.generated import blueprints, write_source

SECTIONS = {"resource": "Resources", "output": "Outputs", "parameter": "Parameters"}


def entry_bytes(logical_id: str, value: Any) -> int:
    """The bytes of ``    "logical_id": value,\n`` in a template's section, two levels deep."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return len(text.encode("utf-8")) + 4 * text.count("\n") + 4 + len(json.dumps(logical_id)) + len(": ,\n")


def samples(count: int) -> list[tuple[str, dict[str, int], int]]:
    """(shape, features, entry bytes less tags) for every item of ``count`` generated, valid blueprints."""
    folder = Path(tempfile.mkdtemp())
    write_source(folder)
    rows = []
    strategy = blueprints()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NonInteractiveExampleWarning)
        while count > 0:
            result = check_text(yaml.safe_dump(strategy.example()), "fit.yaml", str(folder))
            if not result.ok or result.blueprint is None:
                continue
            bp = result.blueprint
            try:
                rendered = synthesize(bp, build_packages(bp))
            except ValueError:  # past troposphere's 500 resources: what E407 is for
                continue
            count -= 1
            for name, f in footprint.footprints(bp).items():
                data = rendered[name].template.to_dict()
                for item in f.items:
                    size = entry_bytes(item.logical_id, data[SECTIONS[item.kind]][item.logical_id])
                    tags = item.tagged * template_size.tag_bytes(bp, name, *template_size.TAGS.get(item.shape, ("list", 4)))
                    rows.append((item.shape, {"P": len(bp.prefix), **dict(item.features)}, size - tags))
    return rows


def solve(rows: list[tuple[dict[str, int], int]]) -> tuple[dict[str, float], float, float]:
    """Least squares weights (features that never vary get none), and the residuals' range."""
    names = sorted({k for features, _ in rows for k in features if len({f.get(k, 0) for f, _ in rows}) > 1})
    columns = ["1", *names]
    matrix = [[1.0, *(float(f.get(n, 0)) for n in names)] for f, _ in rows]
    ys = [float(y) for _, y in rows]
    k = len(columns)
    a = [[sum(r[i] * r[j] for r in matrix) for j in range(k)] + [sum(r[i] * y for r, y in zip(matrix, ys, strict=True))]
         for i in range(k)]
    pivots: list[int] = []
    for col in range(k):
        row = max(range(len(pivots), k), key=lambda r: abs(a[r][col]), default=None)
        if row is None or abs(a[row][col]) < 1e-6:
            continue
        a[len(pivots)], a[row] = a[row], a[len(pivots)]
        p = a[len(pivots)]
        for r in range(k):
            if r != len(pivots) and abs(a[r][col]) > 0:
                factor = a[r][col] / p[col]
                a[r] = [x - factor * y for x, y in zip(a[r], p, strict=True)]
        pivots.append(col)
    weights = {columns[col]: a[i][-1] / a[i][col] for i, col in enumerate(pivots)}
    residuals = [y - sum(weights.get(c, 0) * x for c, x in zip(columns, r, strict=True)) for r, y in zip(matrix, ys, strict=True)]
    return {c: w for c, w in weights.items() if c != "1"}, min(residuals), max(residuals)


def entry(shape: str, base: int, weights: dict[str, int]) -> str:
    """One line of the table, wrapped at 120 columns."""
    text = f'    "{shape}": ({base}, {{' + ", ".join(f'"{k}": {v}' for k, v in sorted(weights.items())) + "}),"
    return "\n".join(textwrap.wrap(text, 120, subsequent_indent=" " * 8, break_long_words=False))


def main(count: int) -> None:
    by_shape: dict[str, list[tuple[dict[str, int], int]]] = defaultdict(list)
    for shape, features, size in samples(count):
        by_shape[shape].append((features, size))
    print("SHAPES: dict[str, Shape] = {")
    for shape, rows in sorted(by_shape.items()):
        weights, _, _ = solve(rows)
        # whole bytes: a weight a hair off a whole number is that number (the fit's rounding), others round up
        rounded = {k: round(w) if abs(w - round(w)) < 0.02 else math.ceil(w) for k, w in weights.items()}
        rounded = {k: w for k, w in rounded.items() if w}
        base = max(y - sum(rounded.get(k, 0) * v for k, v in f.items()) for f, y in rows)
        spread = base - min(y - sum(rounded.get(k, 0) * v for k, v in f.items()) for f, y in rows)
        print(f"    # {len(rows)} seen, spread {spread}")
        print(entry(shape, base, rounded))
    print("}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
