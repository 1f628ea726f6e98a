"""The data API is unchanged by publishing: a dashboard's status does not hide its data.

As in the original, an unpublished data set's records are served to anyone, with a
``warning`` and ``Cache-Control: no-cache`` (docs/api.md); a published one's without. The
dashboard's status (draft, unlisted, in review, unpublished after publication) plays no
part: only the data set's own ``published`` setting does.
"""

import pytest

from performance_platform.dashboards import publishing
from performance_platform.datastore.models import DataSet
from performance_platform.datastore.query import UNPUBLISHED_WARNING

from .conftest import set_status

pytestmark = pytest.mark.django_db

URL = "/data/renew-passport/by-channel?group_by=channel&collect=count:sum"


@pytest.mark.parametrize("status", ["draft", "unlisted", "in_review", "published"])
def test_an_unpublished_data_set_is_served_with_a_warning_whatever_the_dashboard(
    client, board, status
):
    DataSet.objects.update(published=False)
    set_status(board, status)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["warning"] == UNPUBLISHED_WARNING
    assert {row["channel"] for row in body["data"]} == {"digital", "paper"}
    assert response["Cache-Control"] == "no-cache"


def test_a_published_data_set_has_no_warning_even_when_its_dashboard_is_gone(client, people, board):
    DataSet.objects.update(published=True)
    set_status(board, "published")
    publishing.unpublish(people["admin"], board)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert "warning" not in body
    assert {row["channel"] for row in body["data"]} == {"digital", "paper"}
