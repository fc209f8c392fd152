"""How a deployed StackSet or stack compares with the render, and the request shapes both use."""

from __future__ import annotations

import json
from typing import Any

from drgen.synth.base import LayerTemplate


def parameter_list(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]


def tags(t: LayerTemplate) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in sorted(t.tag_map().items())]


def tag_map(tags: list[dict[str, str]]) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags}


def drift(current: dict[str, Any], body: bytes, parameters: dict[str, str], tags: list[dict[str, str]]) -> str:
    """Why a deployed StackSet or stack (``TemplateBody``, ``Parameters``, ``Tags``) differs from the render."""
    reasons = []
    if _as_json(current.get("TemplateBody", "")) != json.loads(body):
        reasons.append("template changed")
    have = {p["ParameterKey"]: p.get("ParameterValue", "") for p in current.get("Parameters", [])}
    if have != parameters:
        reasons.append("parameters " + dict_change(have, parameters))
    if tag_map(current.get("Tags", [])) != tag_map(tags):
        reasons.append("tags changed")
    return "; ".join(reasons)


def dict_change(old: dict[str, str], new: dict[str, str]) -> str:
    parts = [f"{k}: {old.get(k, '(none)')} -> {new.get(k, '(none)')}"
             for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
    return ", ".join(parts)


def _as_json(body: Any) -> Any:
    if isinstance(body, (dict, list)):
        return body
    try:
        return json.loads(body)
    except ValueError:
        return None
