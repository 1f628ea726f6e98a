"""Fixtures for the rollup, equivalence, concurrency and fuzz tests."""

import itertools
import os
import uuid

import pytest
from django.core.cache import cache
from hypothesis import Phase
from hypothesis import settings as hypothesis_settings

from performance_platform.datastore.models import DataGroup, DataSet, DataType, WriteToken

TOKEN = "rollup-test-token-0123456789"
_serial = itertools.count()

# `pytest --hypothesis-profile=rollups-quick` reports failures without shrinking them.
hypothesis_settings.register_profile(
    "rollups-quick", phases=[Phase.explicit, Phase.reuse, Phase.generate]
)


@pytest.fixture(autouse=True)
def _any_host_and_empty_cache(settings):
    # The Django test client uses the host "testserver".
    settings.ALLOWED_HOSTS = ["*"]
    cache.clear()
    yield
    cache.clear()


def examples(count: int) -> int:
    """``count`` hypothesis examples, times ``ROLLUP_EXAMPLES_SCALE`` for a deeper run."""
    return max(1, int(count * float(os.environ.get("ROLLUP_EXAMPLES_SCALE", "1"))))


def new_data_set(prefix: str = "rollup", **options) -> DataSet:
    """A data set in a group of its own (so every hypothesis example starts empty)."""
    group = f"{prefix}-{next(_serial)}-{uuid.uuid4().hex[:8]}"
    data_group = DataGroup.objects.create(name=group)
    data_type, _ = DataType.objects.get_or_create(name="totals")
    data_set = DataSet.objects.create(data_group=data_group, data_type=data_type, **options)
    WriteToken.issue(data_set, "test", token=f"{TOKEN}-{data_set.pk}")
    return data_set


def token_for(data_set: DataSet) -> str:
    return f"{TOKEN}-{data_set.pk}"


def url_for(data_set: DataSet) -> str:
    return f"/data/{data_set.data_group.name}/{data_set.data_type.name}"
