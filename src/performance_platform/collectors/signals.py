"""What collectors tell the layers above them (which may not be imported from here)."""

from django.dispatch import Signal

#: Sent once when a collector becomes broken (its provider refused the credentials), with
#: ``collector``. The alerts app emails the data set's owners who want such emails.
collector_broken = Signal()
