"""The generated docs are the ones committed (CI also runs python -m drgen.docsgen --check)."""

from __future__ import annotations

from drgen import docsgen


def test_generated_docs_are_fresh() -> None:
    for path, text in docsgen.generated().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python -m drgen.docsgen"


def test_every_code_and_top_level_key_is_documented() -> None:
    from drgen import codes, resources

    generated = {path.name: text for path, text in docsgen.generated().items()}
    for code in codes.REGISTRY:
        assert f"### {code}:" in generated["errors.md"]
    for key in resources.schema()["properties"]:
        assert f"| `{key}` |" in generated["reference.md"]
