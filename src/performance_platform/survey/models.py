"""One answer to a dashboard's done-page survey."""

from django.db import models
from django.utils import timezone

#: The answers, best first, as the page lists them; the value is the rating the
#: ``customer-satisfaction`` data set counts (``rating_5`` is very satisfied).
RATINGS = [
    (5, "Very satisfied"),
    (4, "Satisfied"),
    (3, "Neither satisfied or dissatisfied"),
    (2, "Dissatisfied"),
    (1, "Very dissatisfied"),
]
RATING_LABELS = dict(RATINGS)


class SurveyResponse(models.Model):
    """One person's answer: a rating and, perhaps, a comment (personal data removed).

    Never public: the rating reaches the public only as a day's count in the data set,
    the comment only through the managers' comments page. Deleted after
    ``SURVEY_COMMENT_RETENTION_DAYS`` (the count stays in the data set).
    """

    dashboard = models.ForeignKey(
        "dashboards.Dashboard", on_delete=models.CASCADE, related_name="survey_responses"
    )
    rating = models.PositiveSmallIntegerField(choices=RATINGS)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["dashboard", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.dashboard_id}: {self.rating} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def rating_label(self) -> str:
        """The answer as the person chose it ("Very satisfied")."""
        return RATING_LABELS.get(self.rating, str(self.rating))
