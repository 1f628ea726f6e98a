"""Form widgets of the signed-in pages' forms (the hub, publishing)."""

from django import forms


class _FirstOptionId:
    """Radios and checkboxes whose field id is the first option's (``id_period_0``).

    Django gives a radio or checkbox group no id of its own; the shared field template
    (``manage/includes/field.html``) gives the first option the field's id and the error
    summary links to it, so without this the first option had ``id=""`` and the summary's
    link went nowhere.
    """

    def id_for_label(self, id_, index=None):
        return super().id_for_label(id_, "0" if index is None else index)


class Radios(_FirstOptionId, forms.RadioSelect):
    """GOV.UK radios (see :class:`_FirstOptionId`)."""


class Checkboxes(_FirstOptionId, forms.CheckboxSelectMultiple):
    """GOV.UK checkboxes (see :class:`_FirstOptionId`)."""
