"""The lock files hold every dependency of pyproject.toml, at versions it allows, with hashes.

`make install` installs exactly the locked versions (`pip install --require-hashes`), so a
dependency added to pyproject.toml without `make lock` would be missing on a fresh
machine: this test says so first.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^ ;\\]+)", re.MULTILINE)


def pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text()
    return {canonicalize_name(m[1]): m[2] for m in PIN.finditer(text)}


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("main.txt", PYPROJECT["project"]["dependencies"]),
        (
            "main-ga4.txt",
            PYPROJECT["project"]["dependencies"]
            + PYPROJECT["project"]["optional-dependencies"]["ga4"],
        ),
        (
            "dev.txt",
            PYPROJECT["project"]["dependencies"]
            + PYPROJECT["project"]["optional-dependencies"]["dev"]
            # The lock for development and tests holds the GA4 extra too (`make lock`).
            + PYPROJECT["project"]["optional-dependencies"]["ga4"],
        ),
    ],
)
def test_every_dependency_is_locked_at_an_allowed_version(lock, requirements):
    locked = pins(lock)
    for line in requirements:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in locked, f"{wanted.name} is not in requirements/{lock}: run `make lock`"
        assert wanted.specifier.contains(locked[name], prereleases=True), (
            f"requirements/{lock} has {wanted.name}=={locked[name]}, outside {wanted.specifier}:"
            " run `make lock`"
        )


@pytest.mark.parametrize("lock", ["main.txt", "main-ga4.txt", "dev.txt"])
def test_every_locked_version_has_hashes(lock):
    text = (ROOT / "requirements" / lock).read_text()
    blocks = [b for b in re.split(r"\n(?=\S)", text) if PIN.match(b)]
    assert blocks
    for block in blocks:
        assert "--hash=sha256:" in block, block.splitlines()[0]
