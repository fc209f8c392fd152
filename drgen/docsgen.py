"""Generated documentation: the blueprint reference (from the schema) and the error list (from the registry).

``python -m drgen.docsgen`` rewrites docs/reference.md and docs/errors.md; ``--check`` exits 1 when either
is stale (CI runs it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from drgen import codes

ROOT = Path(__file__).resolve().parents[1]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target = schema["$defs"][node["$ref"].rsplit("/", 1)[-1]]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _type(node: dict[str, Any]) -> str:
    kind = node.get("type", "")
    kinds: list[str] = kind if isinstance(kind, list) else [kind]
    words = {"array": "list", "object": "mapping"}
    text = " or ".join(words.get(k, k) for k in kinds if k)
    if "enum" in node:
        text = " | ".join(f"`{v}`" for v in node["enum"])
    elif "const" in node:
        text = f"`{json.dumps(node['const'])}`"
    if node.get("pattern") == "^[0-9]+(ms|s|m|h|d)$" and kinds == ["string"]:
        text = "duration"
    if node.get("pattern") == "^[a-z][a-z0-9-]{1,38}[a-z0-9]$":
        text = "name"
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _example(node: dict[str, Any]) -> str:
    examples = node.get("examples", [])
    return f"`{json.dumps(examples[0], separators=(', ', ': '))}`" if examples else ""


def _table(schema: dict[str, Any], node: dict[str, Any], path: str, out: list[str], nested: list[tuple[str, Any]]) -> None:
    required = set(node.get("required", []))
    out.append("| key | type | required | default | description | example |")
    out.append("|---|---|---|---|---|---|")
    for key, raw in node.get("properties", {}).items():
        child = _resolve(schema, raw)
        default = f"`{json.dumps(child['default'])}`" if "default" in child else ""
        out.append(f"| `{key}` | {_cell(_type(child))} | {'yes' if key in required else ''} | {default} | "
                   f"{_cell(child.get('description', ''))} | {_cell(_example(child))} |")
        inner = child.get("items") if child.get("type") == "array" else child
        if isinstance(inner, dict) and inner.get("properties"):
            nested.append((f"{path}.{key}" + ("[]" if child.get("type") == "array" else ""), inner))
    if "oneOf" in node:
        keys = " or ".join("+".join(alt["required"]) for alt in node["oneOf"])
        out.append(f"\nGive exactly one of {keys}.")


def blueprint_reference(schema: dict[str, Any]) -> str:
    out = [
        "# Blueprint reference",
        "",
        "Generated from `schemas/blueprint.schema.json` by `python -m drgen.docsgen`; do not edit by hand.",
        "",
        schema["description"],
        "",
        "## Editor completion",
        "",
        "Write the schema beside your blueprint once, and point the YAML language server at it with a modeline",
        "on the blueprint's first line (VS Code's YAML extension, Neovim and others read it):",
        "",
        "```sh",
        "drgen schema > blueprint.schema.json",
        "```",
        "",
        "```yaml",
        "# yaml-language-server: $schema=blueprint.schema.json",
        "```",
        "",
        "Durations are strings with a unit: `500ms`, `90s`, `15m`, `1h`, `14d`. Names are 3 to 40 lower-case",
        "letters, digits and hyphens, starting with a letter. Unknown keys are errors.",
        "",
        "## Top level",
        "",
    ]
    nested: list[tuple[str, Any]] = []
    _table(schema, schema, "", out, nested)
    while nested:
        path, node = nested.pop(0)
        out += ["", f"## `{path.lstrip('.')}`", "", _cell(node.get("description", "")), ""]
        _table(schema, node, path, out, nested)
    return "\n".join(out) + "\n"


def error_list() -> str:
    out = [
        "# Diagnostic codes",
        "",
        "Generated from the registry in `drgen/codes/` by `python -m drgen.docsgen`; do not edit by hand.",
        "",
        "`drgen validate` prints one line per finding: `FILE:LINE:COL: CODE message (at path)`. The first letter of",
        "a code is its severity: `E` an error (the blueprint is invalid, exit status 1), `W` a warning.",
    ]
    families: dict[str, list[codes.Code]] = {}
    for code in codes.REGISTRY.values():
        families.setdefault(code.family, []).append(code)
    for family, members in families.items():
        out += ["", f"## {family}", ""]
        for code in members:
            out += [f"### {code.code}: {code.title}", "", code.explanation, ""]
            if code.source:
                out += [f"Source: {code.source}", ""]
    return "\n".join(out).rstrip("\n") + "\n"


def generated() -> dict[Path, str]:
    schema = json.loads((ROOT / "schemas" / "blueprint.schema.json").read_text(encoding="utf-8"))
    return {ROOT / "docs" / "reference.md": blueprint_reference(schema), ROOT / "docs" / "errors.md": error_list()}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    stale = [path for path, text in generated().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if "--check" in args:
        for path in stale:
            sys.stderr.write(f"{path.relative_to(ROOT)} is stale: run python -m drgen.docsgen\n")
        return 1 if stale else 0
    for path, text in generated().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
