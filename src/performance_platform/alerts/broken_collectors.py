"""Emailing a data set's owners when one of its collectors breaks.

The collectors app, a layer below, cannot read who turned which email off, so it sends
``collectors.signals.collector_broken`` and this receiver does the telling.
"""

import logging

from django.dispatch import receiver
from django.urls import reverse

from performance_platform.accounts import mail
from performance_platform.collectors.signals import collector_broken
from performance_platform.dashboards.permissions import owners_of

from . import preferences
from .models import Kind

logger = logging.getLogger(__name__)


@receiver(collector_broken, dispatch_uid="alerts.tell_owners_broken")
def tell_owners_broken(sender, collector, **kwargs) -> int:
    """Email each owner of ``collector``'s data set who wants these emails; how many."""
    data_set = collector.data_set
    people = owners_of(data_set)
    off = preferences.turned_off(people, Kind.COLLECTOR)
    context = {
        "collector": collector,
        "data_set": data_set,
        "data_set_url": mail.absolute_url(reverse("manage:data-set", args=[data_set.name])),
        "preferences_url": mail.absolute_url(reverse("alerts:preferences")),
    }
    sent = 0
    for person in people:
        if person.pk in off:
            continue
        personal = {
            **context,
            "unsubscribe_url": preferences.unsubscribe_url(person, Kind.COLLECTOR),
        }
        try:
            sent += mail.send(
                [person.email],
                f"The {collector.name} collector has stopped: it needs new credentials",
                "alerts/email/collector_broken.txt",
                personal,
            )
        except Exception:
            logger.exception("could not email %s about %s", person.email, collector.name)
    return sent
