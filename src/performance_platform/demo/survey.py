"""The demo's done-page comments: a few for the demo manager to read.

Every demo service dashboard reads a ``customer-satisfaction`` data set, so each has a
working done page (``/performance/<slug>/done``). The comments below belong to the demo
manager's services (Department for Transport and its agency). They are kept as answers
only, not counted into the data sets: the demo's monthly ratings stand for every answer
already. Loading again puts the same comments back (found by dashboard and text), with
times relative to the clock, and leaves any answer given through the page alone.
"""

from datetime import timedelta

from django.utils import timezone

from performance_platform.dashboards.models import Dashboard
from performance_platform.survey.models import SurveyResponse
from performance_platform.survey.scrubbing import scrub

#: (dashboard slug, rating, comment, hours ago). Some hold personal data, as real ones
#: do: it is removed as the done page would remove it.
COMMENTS = [
    ("vehicle-tax", 5, "Quick and easy, done in two minutes.", 3),
    ("vehicle-tax", 4, "Fine, but I had to find my V5C reference first.", 20),
    ("vehicle-tax", 2, "The payment page timed out twice. Call me on 07700 900123.", 30),
    ("vehicle-tax", 1, "Could not set up a Direct Debit, it said my bank details were wrong.", 52),
    ("vehicle-tax", 3, "OK. Email me at sam.driver@example.com when it is due next year?", 75),
    ("vehicle-tax", 5, "Much better than the post office.", 100),
    ("vehicle-tax", 4, "Clear, though the 'vehicle registration' box wants no spaces.", 140),
    ("renew-driving-licence", 2, "The photo upload kept rejecting my picture.", 6),
    ("renew-driving-licence", 5, "Really simple. Thank you!", 28),
    ("renew-driving-licence", 3, "My NI number QQ 12 34 56 C was not accepted.", 50),
    ("renew-driving-licence", 4, "Took longer than expected to get the licence in the post.", 96),
    ("book-driving-test", 1, "No test dates for months anywhere near me.", 2),
    ("book-driving-test", 2, "Had to keep refreshing to find a cancellation.", 26),
    ("book-driving-test", 4, "Booked fine once I found a slot.", 70),
]


def load_comments() -> int:
    """Put the demo's comments back; returns how many there are."""
    now = timezone.now()
    dashboards = {d.slug: d for d in Dashboard.objects.filter(slug__in={c[0] for c in COMMENTS})}
    for slug, rating, text, hours_ago in COMMENTS:
        comment = scrub(text)
        SurveyResponse.objects.update_or_create(
            dashboard=dashboards[slug],
            comment=comment,
            defaults={"rating": rating, "created_at": now - timedelta(hours=hours_ago)},
        )
    return len(COMMENTS)
