"""The render stage: a blueprint's every artifact as relative path -> bytes, in memory, deterministically."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from troposphere import Template

from drgen import __version__, awsdata, handlers, naming, objectives, sources
from drgen.errors import RenderError
from drgen.layers import own_functions
from drgen.model import Blueprint
from drgen.package import Package, package
from drgen.planning import Plan, build_plan
from drgen.synth import synthesize
from drgen.synth.base import LayerTemplate
from drgen.synth.roles import roles_template
from drgen.synth.stacksets import definition

FUNCTIONS_DIR = Path(__file__).resolve().parent / "functions"
ROLES_FILE = "roles/stackset-roles.json"
"""The StackSet administration and execution roles, deployed once per account before the StackSets."""

# CloudFormation quotas a template must stay within (drgen.awsdata); validate checks them first (E407).
MAX_RESOURCES = awsdata.CFN_MAX_RESOURCES
MAX_PARAMETERS = awsdata.CFN_MAX_PARAMETERS
MAX_OUTPUTS = awsdata.CFN_MAX_OUTPUTS
MAX_TEMPLATE_BYTES = awsdata.CFN_TEMPLATE_URL_MAX_BYTES


@dataclass
class Rendered:
    """A render in memory. ``files`` is what ``drgen render`` writes; ``templates`` the troposphere objects."""

    blueprint: Blueprint
    plan: Plan
    files: dict[str, bytes] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    layer_templates: dict[str, LayerTemplate] = field(default_factory=dict)
    packages: dict[str, Package] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def to_json(data: Any) -> bytes:
    """drgen's one JSON form: two-space indent, sorted keys, a trailing newline. Never anything that is not
    JSON: infinity, NaN or text that is not Unicode (possible only in a model built by hand, since the loader
    refuses them) raise ``RenderError``."""
    try:
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    except ValueError as error:  # UnicodeEncodeError is one too
        raise RenderError(f"cannot write JSON: {error}") from error


def build_packages(bp: Blueprint) -> dict[str, Package]:
    """Every function's zip. Each source is checked as ``drgen validate`` checks it (also for a model built
    without validating): inside the blueprint's folder or source root, no links, the handler defined."""
    packages = {}
    for f in bp.functions:
        try:
            folder = sources.locate(f.source, bp.base_dir, bp.source_root)
            handlers.check(folder, {file.path for file in sources.listing(folder)}, f.source, f.handler)
        except sources.SourceError as error:
            raise RenderError(f"function {f.name}: {error.message} ({error.code})") from error
        packages[f.name] = package(f.name, folder)
    for name in own_functions(bp):
        packages[name] = package(name, FUNCTIONS_DIR / name)
    return packages


def check_limits(name: str, data: dict[str, Any], body: bytes) -> None:
    problems = []
    if len(data.get("Resources", {})) > MAX_RESOURCES:
        problems.append(f"{len(data['Resources'])} resources (CloudFormation allows {MAX_RESOURCES})")
    if len(data.get("Parameters", {})) > MAX_PARAMETERS:
        problems.append(f"{len(data['Parameters'])} parameters (limit {MAX_PARAMETERS})")
    if len(data.get("Outputs", {})) > MAX_OUTPUTS:
        problems.append(f"{len(data['Outputs'])} outputs (limit {MAX_OUTPUTS})")
    if len(body) > MAX_TEMPLATE_BYTES:
        problems.append(f"{len(body)} bytes (limit {MAX_TEMPLATE_BYTES} from S3)")
    if problems:
        raise RenderError(f"the {name} template would have {' and '.join(problems)}: split the blueprint "
                          "into smaller systems (one blueprint per workload group)")


def digest(bp: Blueprint) -> str:
    """A digest of the blueprint's meaning (its model), independent of where the file lies."""
    data = dataclasses.asdict(dataclasses.replace(bp, base_dir="."))
    del data["source_root"]
    del data["lint"]  # how the render is linted changes nothing deployed
    if not bp.deployment.organization and not data["deployment"]["layers"] \
            and not any(data["deployment"]["concurrency"].values()):
        del data["deployment"]  # the defaults: the digest of a blueprint without deployment settings stays as it was
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def render_blueprint(bp: Blueprint) -> Rendered:
    plan = build_plan(bp)
    packages = build_packages(bp)
    rendered = Rendered(bp, plan, packages=packages)
    files: dict[str, bytes] = {}
    layer_templates = synthesize(bp, packages)
    stacksets: dict[str, dict[str, Any]] = {}
    for name, t in layer_templates.items():
        data = t.template.to_dict()
        body = to_json(data)
        check_limits(name, data, body)
        files[f"templates/{name}.json"] = body
        rendered.templates[name] = t.template
        if t.layer.kind == "stackset":
            sha = hashlib.sha256(body).hexdigest()
            stackset = definition(t, body.decode("utf-8"), sha)
            files[f"stacksets/{name}.json"] = to_json(stackset.to_dict())
            if len(body) > 51_200:
                rendered.notes.append(f"the {name} template is {len(body)} bytes: its StackSet reads it from "
                                      f"the artifact bucket (TemplateURL), not inline")
            stacksets[name] = {"template_sha256": sha, "template_key": f"templates/{name}/{sha}.json"}
    if bp.deployment.organization is None:  # service-managed StackSets: AWS creates the roles in every account
        roles = roles_template(bp, layer_templates).to_dict()
        files[ROLES_FILE] = to_json(roles)
        check_limits(ROLES_FILE, roles, files[ROLES_FILE])
    for state_machine_file, document in _state_machines(layer_templates).items():
        files[state_machine_file] = to_json(document)
    for pkg in packages.values():
        files[pkg.file] = pkg.data
    assessment = objectives.assess(bp)
    files["runbook.md"] = _runbook(bp, plan, assessment, layer_templates)
    manifest = {
        "drgen_version": __version__,
        "blueprint": {"name": bp.name, "environment": bp.environment, "prefix": bp.prefix, "digest": digest(bp),
                      "strategy": bp.strategy, "regions": {r.name: r.role for r in bp.regions}},
        "artifacts": [
            {"path": path, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for path, data in sorted(files.items())
        ],
        "functions": {name: {"key": p.key, "sha256": p.sha256, "file": p.file} for name, p in sorted(packages.items())},
        "stacks": {name: {"name": naming.stack(bp.prefix, name), "kind": t.layer.kind, "regions": list(t.layer.regions),
                          "parameters": t.region_values, **stacksets.get(name, {})}
                   for name, t in layer_templates.items()},
        "roles": ROLES_FILE if ROLES_FILE in files else None,
        "plan": plan.to_dict(),
        "objectives": assessment.to_dict(),
        "notes": rendered.notes,
    }
    files["manifest.json"] = to_json(manifest)
    rendered.files = dict(sorted(files.items()))
    rendered.layer_templates = layer_templates
    return rendered


def _state_machines(layer_templates: dict[str, LayerTemplate]) -> dict[str, Any]:
    orchestration = layer_templates.get("orchestration")
    if orchestration is None:
        return {}
    from drgen import asl

    return {f"statemachines/{region}.asl.json": asl.document(orchestration.bp, region)
            for region in orchestration.layer.regions}


def _runbook(bp: Blueprint, plan: Plan, assessment: objectives.Assessment,
             layer_templates: dict[str, LayerTemplate]) -> bytes:
    from drgen.runbook import render_runbook

    return render_runbook(bp, plan, assessment).encode("utf-8")
