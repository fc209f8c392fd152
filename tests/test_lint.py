"""`drgen render --lint`: cfn-lint per region with findings that name their regions, the blueprint's ignored rules
(each a real rule, with a reason, reported with what it suppressed), a cfn-lint configuration file, and the regions
to lint in. The templates linted here are real renders, or small templates that trip real cfn-lint rules."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import drgen
from drgen import cli, lint, lint_config, lint_rules
from drgen.checks.tooling import offered
from drgen.errors import UsageError
from drgen.lint import Ignore, Settings
from drgen.validation import check_text

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "blueprints" / "minimal-backup-restore.yaml"
PRIMARY, SECONDARY = "us-east-2", "us-west-2"
# a type CloudFormation offers in the primary only: E3006 in the secondary, nowhere else
ONLY_PRIMARY = sorted(offered(PRIMARY) - offered(SECONDARY))[0]
TEMPLATE = json.dumps({"Resources": {
    "Topic": {"Type": "AWS::SNS::Topic"},
    "Mail": {"Type": "AWS::SNS::Subscription", "DependsOn": "Topic",  # W3005: the Ref already orders it
             "Properties": {"TopicArn": {"Ref": "Topic"}, "Protocol": "email", "Endpoint": "a@example.com"}},
    "Regional": {"Type": ONLY_PRIMARY, "Properties": {}}}}, indent=2)
LINT_SECTION = """lint:
  ignore:
    - {rule: W3005, reason: "the DependsOn documents the order for a reader"}
"""


def _blueprint(extra: str = LINT_SECTION) -> drgen.Blueprint:
    result = check_text(MINIMAL.read_text() + extra, "minimal.yaml", str(MINIMAL.parent))
    assert result.blueprint is not None, [d.text() for d in result.diagnostics]
    return result.blueprint


def _with_template(bp: drgen.Blueprint) -> drgen.Rendered:
    """The blueprint's render with only the template above in it (linting the real layers takes a minute)."""
    rendered = drgen.render(bp)
    return replace(rendered, files={"templates/extra.json": TEMPLATE.encode(), "runbook.md": b"not linted"})


# ---- the rule ids -----------------------------------------------------------------------------------------


def test_the_rule_ids_read_from_cfn_lints_files_are_those_its_own_loader_makes() -> None:
    from cfnlint.rules import Rules

    loaded = Rules.create_from_directory(str(lint_rules.rules_folder()))
    assert lint_rules.known() == frozenset(loaded)
    assert {"W3005", "E3012", "E3006"} <= lint_rules.reported() and not any(r[0] == "I" for r in lint_rules.reported())


def test_validate_reads_the_rule_ids_without_importing_cfn_lint() -> None:
    probe = ("import sys, drgen; from pathlib import Path; "
             f"text = Path({str(MINIMAL)!r}).read_text(); "
             "assert not drgen.validate(text); assert 'drgen.lint_rules' not in sys.modules, 'read without a lint'; "
             f"assert not drgen.validate(text + {LINT_SECTION!r}), 'invalid'; "
             "assert 'drgen.lint_rules' in sys.modules and 'cfnlint' not in sys.modules, 'cfn-lint imported'")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


REASONS = st.text(st.characters(min_codepoint=32, max_codepoint=126) | st.characters(min_codepoint=0xA0,
                                                                                       max_codepoint=0x2FF),
                  min_size=1, max_size=40).filter(str.strip)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(lint_rules.reported())), REASONS)
def test_any_rule_cfn_lint_reports_can_be_ignored_with_a_reason(rule: str, reason: str) -> None:
    bp = _blueprint(f"lint:\n  ignore:\n    - {{rule: {rule}, reason: {json.dumps(reason)}}}\n")
    assert bp.lint.ignore[0].rule == rule and bp.lint.ignore[0].reason == reason


@settings(max_examples=30, deadline=None)
@given(st.from_regex(r"[A-Za-z]{1,2}[0-9]{0,5}", fullmatch=True).filter(lambda r: r not in lint_rules.reported()))
def test_a_rule_cfn_lint_does_not_report_is_refused(rule: str) -> None:
    result = check_text(MINIMAL.read_text() + f"lint:\n  ignore:\n    - {{rule: '{rule}', reason: why}}\n", "m.yaml",
                        str(MINIMAL.parent))
    assert [(d.code, d.path) for d in result.diagnostics] == [("E330", "lint.ignore[0].rule")]


# ---- findings by region, and what the ignores suppress ----------------------------------------------------


def test_a_finding_names_the_regions_it_is_seen_in_once() -> None:
    findings = lint.lint_text("extra.json", TEMPLATE, [SECONDARY, PRIMARY])
    w3005 = [f for f in findings if " W3005 " in f]
    assert w3005 == [f"extra.json:8:7: [{PRIMARY}, {SECONDARY}] W3005 'Topic' dependency already enforced by a "
                     "'Ref' at 'Resources/Mail/Properties/TopicArn'"]
    assert [f for f in findings if " E3006 " in f] == [
        f"extra.json:18:7: [{SECONDARY}] E3006 Resource type '{ONLY_PRIMARY}' does not exist in '{SECONDARY}'"]


def test_an_ignored_rule_is_suppressed_and_counted_unless_mandatory() -> None:
    ignore = Ignore("W3005", "documented order")
    found, suppressed = lint.lint_template("extra.json", TEMPLATE, [PRIMARY], Settings(ignore=(ignore,)))
    assert not [f for f in found if f.rule == "W3005"] and suppressed[ignore] == 1
    found, suppressed = lint.lint_template("extra.json", TEMPLATE, [PRIMARY],
                                           Settings(ignore=(ignore,), mandatory=("W3",)))
    assert [f.rule for f in found if f.rule == "W3005"] == ["W3005"] and not suppressed


def test_the_blueprints_ignores_are_reported_with_their_reasons() -> None:
    bp = _blueprint(LINT_SECTION + "    - {rule: E3012, reason: \"no property is typed wrong here\"}\n")
    report = lint.lint_rendered(_with_template(bp), bp)
    assert report.regions == (PRIMARY, SECONDARY)
    assert "W3005" not in {f.rule for f in report.findings} and "E3006" in {f.rule for f in report.findings}
    assert report.summary()[1:] == ["ignored: W3005 (the DependsOn documents the order for a reader): 1 finding "
                                    "suppressed", "ignored: E3012 (no property is typed wrong here): suppressed nothing"]


def test_lint_regions_scope_the_lint() -> None:
    bp = _blueprint()
    rendered = _with_template(bp)
    everywhere = lint.lint_rendered(rendered, bp)
    only = lint.lint_rendered(rendered, bp, lint.settings_for(bp, regions=[PRIMARY]))
    seen = {region for f in everywhere.findings for region in f.regions}
    assert seen == {PRIMARY, SECONDARY} and everywhere.summary()[0].endswith(f"in {PRIMARY}, {SECONDARY}")
    assert {region for f in only.findings for region in f.regions} == {PRIMARY}
    assert only.regions == (PRIMARY,) and "E3006" not in {f.rule for f in only.findings}


def test_the_regions_to_lint_come_from_the_command_line_then_the_file_then_the_blueprint() -> None:
    bp = _blueprint(LINT_SECTION + f"  regions: [{SECONDARY}]\n")
    assert lint.settings_for(bp).regions == (SECONDARY,)
    assert lint.settings_for(bp, Settings(regions=(PRIMARY,))).regions == (PRIMARY,)
    assert lint.settings_for(bp, Settings(regions=(SECONDARY,)), [PRIMARY, PRIMARY]).regions == (PRIMARY,)
    with pytest.raises(UsageError, match=f"lint regions eu-west-1: not a region of the blueprint; its templates are "
                                         f"linted in {PRIMARY}, {SECONDARY}"):
        lint.settings_for(bp, regions=["eu-west-1"])


def test_a_lint_region_must_be_one_the_templates_are_linted_in() -> None:
    text = MINIMAL.read_text() + "lint:\n  regions: [us-east-1]\n"
    assert [(d.code, d.message) for d in check_text(text, "m.yaml", str(MINIMAL.parent)).diagnostics] == [
        ("E302", f"no region named 'us-east-1' (did you mean '{PRIMARY}'?): the templates are linted in {PRIMARY}, "
                 f"{SECONDARY}")]


# ---- a cfn-lint configuration file ------------------------------------------------------------------------


def test_a_cfn_lint_configuration_file_is_applied(tmp_path: Path) -> None:
    config = tmp_path / ".cfnlintrc.yaml"
    config.write_text(f"ignore_checks: [E30]\nregions: [{SECONDARY}]\ntemplates: [templates/*.json]\n")
    read = lint_config.read(str(config))
    assert read.ignore == (Ignore("E30", f"ignore_checks of {config}"),) and read.regions == (SECONDARY,)
    bp = _blueprint()
    report = lint.lint_rendered(_with_template(bp), bp, lint.settings_for(bp, read))
    assert report.regions == (SECONDARY,) and not report.findings  # W3005 by the blueprint, E3006 by the file
    assert report.summary() == [f"cfn-lint: no findings in {SECONDARY}",
                                "ignored: W3005 (the DependsOn documents the order for a reader): 1 finding suppressed",
                                f"ignored: E30 (ignore_checks of {config}): 1 finding suppressed"]


@pytest.mark.parametrize("text, said", [
    ("ignore_checks: [W3050]\n", "ignore_checks 'W3050' is not a rule of the installed cfn-lint (did you mean"),
    ("ignore_checks: [I3042]\n", "ignore_checks 'I3042' is not a rule of the installed cfn-lint"),
    ("append_rules: [rules/]\n", "drgen does not apply append_rules (it applies ignore_checks, mandatory_checks"),
    ("ignore_check: [W3005]\n", "Invalid configuration key 'ignore_check'"),
    ("ignore_checks: [\n", "while parsing a flow node"),
])
def test_a_configuration_file_drgen_cannot_apply_is_refused(tmp_path: Path, text: str, said: str) -> None:
    config = tmp_path / "lint.yaml"
    config.write_text(text)
    with pytest.raises(UsageError, match=f"--lint-config {config}: .*{said}".replace("(", r"\(")):
        lint_config.read(str(config))


def test_cfn_lint_reads_no_configuration_of_its_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for home in (tmp_path / "home", tmp_path / "project"):
        home.mkdir()
        (home / ".cfnlintrc").write_text("ignore_checks: [W3005]\nregions: [eu-west-1]\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "project")
    assert [f.regions for f in lint.lint_template("t.json", TEMPLATE, [PRIMARY])[0] if f.rule == "W3005"] == [(PRIMARY,)]


# ---- the command line -------------------------------------------------------------------------------------


def test_render_lints_in_the_regions_asked_with_the_files_ignores(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "cfnlintrc"
    config.write_text("ignore_checks: [W3005]\n")
    assert cli.main(["render", str(MINIMAL), "-o", str(tmp_path / "out"), "--lint-regions", SECONDARY,
                     "--lint-config", str(config)]) == 0
    assert capsys.readouterr().out.splitlines()[1:3] == [
        f"  cfn-lint: no findings in {SECONDARY}", f"  ignored: W3005 (ignore_checks of {config}): suppressed nothing"]


@pytest.mark.parametrize("argv, said", [
    (["--lint-regions", "eu-west-1"], "lint regions eu-west-1: not a region of the blueprint"),
    (["--lint-regions", ","], "lint regions (none): not a region of the blueprint"),
    (["--lint", "--lint-config", "missing.yaml"], "--lint-config missing.yaml: no such file"),
])
def test_render_refuses_lint_options_it_cannot_apply_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], said: str) -> None:
    assert cli.main(["render", str(MINIMAL), "-o", str(tmp_path / "out"), *argv]) == 2
    assert said in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_what_is_linted_is_not_part_of_the_blueprints_digest() -> None:
    from drgen.rendering import digest

    assert digest(_blueprint()) == digest(_blueprint("")) != digest(_blueprint("description: other\n"))
