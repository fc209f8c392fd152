"""A function's source: inside the blueprint's folder (or the source root), no links, within Lambda's quota.

Validate reports each refusal at the function's ``source``; the render refuses the same sources on its own
(``RenderError``), also for a model that was never validated, and never reads a byte through a link.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import drgen
from drgen import awsdata, cli, sources
from drgen.errors import RenderError
from drgen.package import package
from drgen.rendering import build_packages
from drgen.validation import check_file

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = (ROOT / "tests" / "cases" / "valid" / "minimal" / "blueprint.yaml").read_text(encoding="utf-8")
HANDLER = "def handler(event, context):\n    return {'ok': True}\n"
SECRET = b"OUTSIDE-SECRET-aws_secret_access_key"


def blueprint(folder: Path, source: str = "functions/orders", handler: str = "handler.handler") -> Path:
    """A valid blueprint in ``folder`` with one function whose source is ``source``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = MINIMAL.replace("failover:", f"functions:\n  - name: orders\n    source: {source}\n"
                                        f"    handler: {handler}\nfailover:")
    (folder / "blueprint.yaml").write_text(text)
    return folder / "blueprint.yaml"


def function_source(folder: Path) -> Path:
    source = folder / "functions" / "orders"
    source.mkdir(parents=True, exist_ok=True)
    (source / "handler.py").write_text(HANDLER)
    return source


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """A 'machine': a project folder with a blueprint, and a secret outside it."""
    (tmp_path / "home" / ".aws").mkdir(parents=True)
    (tmp_path / "home" / ".aws" / "credentials").write_bytes(SECRET)
    project = tmp_path / "project"
    function_source(project)
    blueprint(project)
    return project


def source_findings(path: Path, source_root: str | None = None) -> list[tuple[str, str, str]]:
    result = check_file(path, source_root)
    return [(d.code, d.path, d.message) for d in result.diagnostics if d.path.startswith("functions[0]")]


def codes(path: Path) -> list[str]:
    return [code for code, _, _ in source_findings(path)]


# ---- outside the blueprint's folder --------------------------------------------------------------------

@pytest.mark.parametrize("source", ["/etc", "/home/runner/.aws", "//server/share"])
def test_an_absolute_source_is_refused_where_it_is_written(machine: Path, source: str) -> None:
    path = blueprint(machine, source)
    result = check_file(path)
    [finding] = [d for d in result.diagnostics if d.code == "E309"]
    assert finding.path == "functions[0].source" and "absolute path" in finding.message
    line = path.read_text().splitlines()[finding.line - 1]
    assert line[finding.column - 1:].startswith(source)


@pytest.mark.parametrize("source", ["..", "../home/.aws", "functions/../../home", "functions/orders/../../../x"])
def test_climbing_out_with_dot_dot_is_refused(machine: Path, source: str) -> None:
    found = source_findings(blueprint(machine, source))
    assert [(code, where) for code, where, _ in found] == [("E309", "functions[0].source")]
    assert "climbs out" in found[0][2]


def test_dot_dot_that_stays_inside_is_fine(machine: Path) -> None:
    assert codes(blueprint(machine, "functions/../functions/orders")) == []


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["a", "b", "..", "."]), min_size=1, max_size=6))
def test_e309_exactly_when_the_path_leaves_the_folder(tmp_path: Path, parts: list[str]) -> None:
    base = tmp_path / "bp"
    for folder in ("a/b", "b/a", "a/a"):
        (base / folder).mkdir(parents=True, exist_ok=True)
    source = "/".join(parts)
    leaves = not Path(os.path.normpath(base / source)).is_relative_to(base)
    try:
        sources.locate(source, base)
        code = None
    except sources.SourceError as error:
        code = error.code
    assert (code == "E309") == leaves
    if not leaves:
        assert code in (None, "E305")


def test_a_source_folder_that_is_a_link_out_is_refused(machine: Path) -> None:
    (machine / "functions" / "stolen").symlink_to(machine.parent / "home" / ".aws", target_is_directory=True)
    found = source_findings(blueprint(machine, "functions/stolen"))
    assert [code for code, _, _ in found] == ["E309"] and "through a symbolic link" in found[0][2]


def test_a_link_in_the_path_of_the_source_that_leads_out_is_refused(machine: Path) -> None:
    (machine / "vendor").symlink_to(machine.parent / "home", target_is_directory=True)
    assert codes(blueprint(machine, "vendor/.aws")) == ["E309"]


def test_a_source_folder_linked_inside_the_blueprint_folder_is_followed(machine: Path) -> None:
    (machine / "functions" / "current").symlink_to("orders", target_is_directory=True)
    path = blueprint(machine, "functions/current")
    assert codes(path) == []
    assert set(_zip_names(drgen.render(drgen.load(path)).files["functions/orders.zip"])) == {"handler.py"}


def test_a_loop_of_links_as_the_source_is_refused(machine: Path) -> None:
    (machine / "functions" / "one").symlink_to("two")
    (machine / "functions" / "two").symlink_to("one")
    found = source_findings(blueprint(machine, "functions/one"))
    assert [code for code, _, _ in found] == ["E309"] and "loop" in found[0][2]


# ---- links and special files inside the source -----------------------------------------------------

def _link(machine: Path, kind: str) -> None:
    source = machine / "functions" / "orders"
    outside = machine.parent / "home" / ".aws"
    if kind == "file-out":
        (source / "credentials").symlink_to(outside / "credentials")
    elif kind == "relative-file-out":
        (source / "credentials").symlink_to("../../../home/.aws/credentials")
    elif kind == "dir-out":
        (source / "aws").symlink_to(outside, target_is_directory=True)
    elif kind == "nested-dir-out":
        (source / "lib" / "deep").mkdir(parents=True)
        (source / "lib" / "deep" / "etc").symlink_to("/etc", target_is_directory=True)
    elif kind == "file-in":
        (source / "alias.py").symlink_to("handler.py")
    elif kind == "dir-in":
        (source / "pkg").mkdir()
        (source / "pkg" / "up").symlink_to("..", target_is_directory=True)
    elif kind == "loop":
        (source / "loop").symlink_to("loop")
    elif kind == "dangling":
        (source / "gone").symlink_to("nowhere")


LINKS = ["file-out", "relative-file-out", "dir-out", "nested-dir-out", "file-in", "dir-in", "loop", "dangling"]


@pytest.mark.parametrize("kind", LINKS)
def test_every_link_in_a_source_is_refused_by_validate(machine: Path, kind: str) -> None:
    _link(machine, kind)
    found = source_findings(machine / "blueprint.yaml")
    assert [(code, where) for code, where, _ in found] == [("E310", "functions[0].source")]
    assert "symbolic link" in found[0][2]


@pytest.mark.parametrize("kind", LINKS)
def test_the_render_refuses_a_link_added_after_validation(machine: Path, kind: str) -> None:
    model = drgen.load(machine / "blueprint.yaml")  # valid when loaded
    _link(machine, kind)
    with pytest.raises(RenderError, match=r"function orders: .*symbolic link.*\(E310\)"):
        drgen.render(model)


def test_the_render_refuses_a_model_built_with_a_source_outside(machine: Path) -> None:
    model = drgen.load(machine / "blueprint.yaml")
    for source in ("../home/.aws", str(machine.parent / "home" / ".aws")):
        bad = dataclasses.replace(model, functions=(dataclasses.replace(model.functions[0], source=source),))
        with pytest.raises(RenderError, match=r"\(E309\)"):
            drgen.render(bad)


def test_package_alone_follows_no_link(machine: Path) -> None:
    """Defence in depth: the zip builder itself refuses links, whoever calls it."""
    source = machine / "functions" / "orders"
    (source / "credentials").symlink_to(machine.parent / "home" / ".aws" / "credentials")
    with pytest.raises(RenderError, match="symbolic link"):
        package("orders", source)
    linked = machine / "linked"
    linked.symlink_to(machine.parent / "home" / ".aws", target_is_directory=True)
    with pytest.raises(RenderError, match="symbolic link or not a folder"):
        package("orders", linked)


def test_a_pipe_in_the_source_is_refused_without_blocking(machine: Path) -> None:
    os.mkfifo(machine / "functions" / "orders" / "fifo")
    assert codes(machine / "blueprint.yaml") == ["E310"]
    with pytest.raises(RenderError, match="not a regular file"):
        package("orders", machine / "functions" / "orders")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_refused_by_validate_and_render(machine: Path) -> None:
    secret = machine / "functions" / "orders" / "private.key"
    secret.write_text("x")
    secret.chmod(0)
    assert codes(machine / "blueprint.yaml") == ["E310"]
    with pytest.raises(RenderError, match="cannot be read"):
        package("orders", machine / "functions" / "orders")


def test_a_file_that_cannot_be_opened_is_an_e310_not_a_traceback(machine: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def refusing(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if str(path) == "handler.py":
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing)
    found = source_findings(machine / "blueprint.yaml")
    assert [code for code, _, _ in found] == ["E310"] and "handler.py" in found[0][2]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["", "d", "d/e"]),
                          st.sampled_from(["file", "file", "file-in", "file-out", "dir-out", "loop", "dangling"])),
                max_size=6))
def test_validate_and_render_agree_and_no_outside_byte_is_ever_packaged(entries: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        machine = Path(scratch)
        (machine / "home").mkdir()
        (machine / "home" / "creds").write_bytes(SECRET)
        project = machine / "project"
        source = function_source(project)
        path = blueprint(project)
        model = drgen.load(path)
        expected = {"handler.py"}
        for index, (where, kind) in enumerate(entries):
            folder = source / where
            folder.mkdir(parents=True, exist_ok=True)
            name = folder / f"entry{index}"
            if kind == "file":
                name.write_bytes(b"data %d" % index)
                expected.add(name.relative_to(source).as_posix())
            elif kind == "file-in":
                name.symlink_to(os.path.relpath(source / "handler.py", folder))
            elif kind == "file-out":
                name.symlink_to(os.path.relpath(machine / "home" / "creds", folder))
            elif kind == "dir-out":
                name.symlink_to(machine / "home", target_is_directory=True)
            elif kind == "loop":
                name.symlink_to(name.name)
            else:
                name.symlink_to("missing")
        refused = [d.code for d in check_file(path).diagnostics if d.is_error]
        try:
            packages = build_packages(model)
        except RenderError as error:
            assert refused == ["E310"], (refused, error)
            return
        assert refused == []
        data = packages["orders"].data
        assert SECRET not in data and set(_zip_names(data)) == expected


# ---- size -------------------------------------------------------------------------------------------

def test_the_quota_is_lambdas_250_mb_unzipped() -> None:
    # AWS Lambda Developer Guide, "Lambda quotas": 250 MB unzipped; Lambda's own refusal says 262144000 bytes.
    assert awsdata.LAMBDA_UNZIPPED_MAX_BYTES == 262_144_000 == sources.UNZIPPED_MAX_BYTES


def test_a_source_over_the_real_quota_is_refused_before_anything_is_read(machine: Path) -> None:
    model = drgen.load(machine / "blueprint.yaml")  # valid before the big file comes
    big = machine / "functions" / "orders" / "model.bin"
    with open(big, "wb") as handle:  # sparse: 250 MB + 1 byte that take no disk
        handle.truncate(awsdata.LAMBDA_UNZIPPED_MAX_BYTES)
    found = source_findings(machine / "blueprint.yaml")
    assert [(code, where) for code, where, _ in found] == [("E406", "functions[0].source")]
    assert "262,144,0" in found[0][2] and "model.bin" in found[0][2]
    with pytest.raises(RenderError, match=r"E406"):
        drgen.render(model)


@pytest.mark.parametrize(("sizes", "refused"), [([40, 60], False), ([40, 61], True), ([101], True), ([], False)])
def test_the_quota_boundary_is_the_same_for_validate_and_render(machine: Path, monkeypatch: pytest.MonkeyPatch,
                                                                sizes: list[int], refused: bool) -> None:
    source = machine / "functions" / "orders"
    (source / "handler.py").write_bytes(b"")
    for index, size in enumerate(sizes):
        (source / f"blob{index}").write_bytes(b"x" * size)
    monkeypatch.setattr(sources, "UNZIPPED_MAX_BYTES", 100)
    assert (codes(machine / "blueprint.yaml") == ["E406"]) is refused
    if refused:
        with pytest.raises(RenderError, match="E406"):
            package("orders", source)
    else:
        assert sorted(_zip_names(package("orders", source).data)) == sorted(
            ["handler.py", *(f"blob{i}" for i in range(len(sizes)))])


def test_caches_do_not_count_towards_the_quota(machine: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = machine / "functions" / "orders"
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "handler.cpython-312.pyc").write_bytes(b"x" * 500)
    monkeypatch.setattr(sources, "UNZIPPED_MAX_BYTES", 100)
    assert codes(machine / "blueprint.yaml") == []


# ---- the source root ----------------------------------------------------------------------------------

@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    function_source(tmp_path / "src")
    blueprint(tmp_path / "infra", "../src/functions/orders")
    return tmp_path


def test_a_source_beside_the_blueprint_folder_needs_a_source_root(monorepo: Path) -> None:
    path = monorepo / "infra" / "blueprint.yaml"
    assert codes(path) == ["E309"]
    assert source_findings(path, str(monorepo)) == []
    rendered = drgen.render(drgen.load(path, source_root=monorepo))
    assert _zip_names(rendered.files["functions/orders.zip"]) == ["handler.py"]
    found = source_findings(path, str(monorepo / "infra"))
    assert [code for code, _, _ in found] == ["E309"] and "the source root" in found[0][2]


def test_the_command_line_takes_source_root(monorepo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(monorepo / "infra" / "blueprint.yaml")
    assert cli.main(["validate", path]) == 1
    assert cli.main(["validate", path, "--source-root", str(monorepo)]) == 0
    assert cli.main(["render", path, "--source-root", str(monorepo), "-o", str(monorepo / "out")]) == 0
    assert (monorepo / "out" / "functions" / "orders.zip").is_file()
    assert cli.main(["plan", path, "--source-root", str(monorepo / "nowhere")]) == 2
    assert "--source-root" in capsys.readouterr().err


def test_the_model_digest_does_not_depend_on_the_source_root(monorepo: Path) -> None:
    path = monorepo / "infra" / "blueprint.yaml"
    one = drgen.render(drgen.load(path, source_root=monorepo)).files["manifest.json"]
    two = drgen.render(drgen.load(path, source_root=str(monorepo) + "/")).files["manifest.json"]
    assert one == two


def _zip_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return archive.namelist()
