"""The registry of module types (``dashboards.module_types``): each type listed once."""

import jsonschema

from performance_platform.dashboards import module_types
from performance_platform.dashboards.module_types import CONTAINERS, NAMES, TIME_SERIES, TYPES


def test_every_type_is_listed_once_with_a_title_and_a_valid_schema():
    assert len(NAMES) == len(set(NAMES)) == len(module_types._ALL)
    for name, kind in TYPES.items():
        assert kind.name == name and kind.title.strip()
        jsonschema.Draft202012Validator.check_schema(kind.schema)
    assert [name for name, _ in module_types.CHOICES] == list(NAMES)


def test_sections_and_tabs_are_the_containers_and_are_not_drawn_over_time():
    assert CONTAINERS == {"section", "tab"}
    assert not CONTAINERS & TIME_SERIES
