"""The documentation keeps up with the code: schema copy, environment variables, README."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src" / "performance_platform"
DOCS = ROOT / "docs"

# os.environ.get("X"...), os.environ["X"], os.getenv("X"...) and the settings helpers
# _env_bool("X", ...), _env_int("X", ...) and any later _env_<kind>("X", ...).
ENV_READ = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|os\.environ\.setdefault|_env_\w+|_env)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
# Set by the platform itself for Django; not something an operator configures.
NOT_CONFIGURATION = {"DJANGO_SETTINGS_MODULE"}


def env_vars_read(path: Path) -> set[str]:
    names = set()
    for match in ENV_READ.finditer(path.read_text()):
        names.add(match.group(1) or match.group(2))
    return names - NOT_CONFIGURATION


def configuration_doc() -> str:
    return (DOCS / "configuration.md").read_text()


def test_config_schema_copy_matches_the_one_the_code_uses():
    code = json.loads((SRC / "configuration" / "config_schema.json").read_text())
    docs = json.loads((DOCS / "config-schema.json").read_text())
    assert docs == code, "docs/config-schema.json is out of date: copy the one in src/"


def test_every_environment_variable_in_settings_is_documented():
    names = env_vars_read(SRC / "settings.py")
    # Guard against the pattern silently matching nothing.
    assert {"DATABASE_URL", "SECRET_KEY", "WRITE_MAX_BODY_BYTES", "DEBUG"} <= names
    doc = configuration_doc()
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/configuration.md does not document {missing}"


def test_environment_variables_read_anywhere_in_the_code_are_documented():
    doc = configuration_doc()
    missing = {}
    for path in sorted(SRC.rglob("*.py")):
        names = sorted(n for n in env_vars_read(path) if f"`{n}`" not in doc)
        if names:
            missing[str(path.relative_to(ROOT))] = names
    assert not missing, f"read but not in docs/configuration.md: {missing}"


def test_build_and_ci_variables_are_documented():
    doc = configuration_doc()
    for name in ("TEST_DATABASE_URL", "PYTHON"):
        assert f"`{name}`" in doc


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


def test_docs_links_point_at_files_and_headings_that_exist():
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]*))?\)", text):
            if "://" in target:
                continue
            linked = (page.parent / target) if target else page
            assert linked.exists(), f"{page.name} links to missing {target}"
            if anchor and linked.suffix == ".md":
                assert anchor in _anchors(linked), f"{page.name} links to {target}#{anchor}"


def test_the_licence_is_an_spdx_expression_with_a_setuptools_that_reads_it():
    """The table form (`license = { text = ... }`) makes every install print a warning."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"
    floor = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    assert floor == ["setuptools>=77"]  # 77: the first to accept an SPDX `license`
