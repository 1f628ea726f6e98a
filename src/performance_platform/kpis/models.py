"""Transforms: derived data sets computed from others, and how each last ran."""

from django.core.exceptions import ValidationError
from django.db import models

from performance_platform.datastore.models import DataGroup, DataType

from .errors import TransformConfigError
from .options import TRANSFORM_TYPES, check_transform, secondary_type_name


class Transform(models.Model):
    """Read one data set through the query engine; write derived records into another.

    With no ``input_group`` the transform applies to every data set of ``input_type``
    (as the original's type-wide transforms did); a transform for one group replaces a
    type-wide one of the same type and output type, so a service can differ (say, in
    which channels count as digital). With no ``output_group`` the output goes to the
    input's group.
    """

    type = models.CharField(max_length=40, choices=TRANSFORM_TYPES)
    input_group = models.ForeignKey(
        DataGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank: every data group that has a data set of the input type.",
    )
    input_type = models.ForeignKey(DataType, on_delete=models.PROTECT, related_name="+")
    query = models.JSONField(
        default=dict,
        blank=True,
        help_text='Read API parameters, added to the type\'s defaults (e.g. {"period": '
        '"month"}). The date range comes from the write that triggered the run.',
    )
    options = models.JSONField(default=dict, blank=True)
    output_group = models.ForeignKey(
        DataGroup,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank: the input's data group.",
    )
    output_type = models.ForeignKey(DataType, on_delete=models.PROTECT, related_name="+")
    # A second data type of the same group this transform reads (cost per transaction's
    # volumes); a write to it queues the transform too. Set from the options on save.
    also_reads = models.ForeignKey(
        DataType, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    enabled = models.BooleanField(default=True)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["input_type__name", "type", "pk"]

    def __str__(self) -> str:
        group = self.input_group.name if self.input_group_id else "*"
        out = self.output_group.name if self.output_group_id else group
        return f"{self.type}: {group}/{self.input_type.name} → {out}/{self.output_type.name}"

    def save(self, *args, **kwargs):
        name = secondary_type_name(self.type, self.options)
        self.also_reads = DataType.objects.get_or_create(name=name)[0] if name else None
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            check_transform(
                self.type,
                self.query,
                self.options,
                output_group=self.output_group.name if self.output_group_id else None,
            )
        except TransformConfigError as exc:
            raise ValidationError({exc.field: exc.message})

    def identity(self) -> tuple:
        """What makes two transforms the same one: type, input and output (as import-config)."""
        return (
            self.type,
            self.input_group.name if self.input_group_id else None,
            self.input_type.name,
            self.output_group.name if self.output_group_id else None,
            self.output_type.name,
        )
