import pytest
import requests


@pytest.mark.django_db(transaction=True)
def test_served_write_is_stored(live_server_process, make_data_set):
    data_set, token = make_data_set()
    response = requests.post(
        f"{live_server_process.url}/data/test-group/test-type",
        json=[{"_timestamp": "2015-01-01T00:00:00Z", "count": 1}],
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}
    from performance_platform.datastore.models import Record

    assert Record.objects.filter(data_set=data_set).count() == 1
