"""The email a collector's owners get when it breaks: sent through the alerts app, so
each person can turn it off, and each email says how."""

import re

from performance_platform.alerts import preferences
from performance_platform.alerts.models import Kind
from performance_platform.collectors.models import Collector
from performance_platform.collectors.signals import collector_broken


def _broken(make_collector, journey):
    return make_collector(
        journey,
        "matomo",
        "http://127.0.0.1:9/",
        secrets={"token_auth": "never-in-an-email"},
        state=Collector.State.BROKEN,
        last_error="http://127.0.0.1:9/index.php refused the credentials (HTTP 401)",
    )


def test_each_owner_gets_one_email_with_a_way_to_stop_them(
    make_collector, journey, manager, uploader, mailoutbox, client
):
    collector = _broken(make_collector, journey)
    collector_broken.send(sender=Collector, collector=collector)
    assert sorted(m.to[0] for m in mailoutbox) == [manager.email, uploader.email]
    body = mailoutbox[0].body
    assert "refused the credentials (HTTP 401)" in body
    assert "never-in-an-email" not in body
    assert "To stop emails about collectors that stop" in body
    link = re.search(r"http://\S+/manage/emails/stop/\S+", body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    confirm = client.get(f"/{path}").content.decode()
    assert "csrfmiddlewaretoken" in confirm  # the link asks to confirm; it changes nothing yet
    person = manager if mailoutbox[0].to[0] == manager.email else uploader
    assert preferences.wants(person, Kind.COLLECTOR)


def test_someone_who_turned_them_off_is_not_told(
    make_collector, journey, manager, uploader, mailoutbox
):
    preferences.choose(manager, Kind.COLLECTOR, wanted=False)
    collector_broken.send(sender=Collector, collector=_broken(make_collector, journey))
    assert [m.to for m in mailoutbox] == [[uploader.email]]
