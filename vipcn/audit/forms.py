import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from vipcn.models import AccessLogEntry


class AccessLogFilterForm(forms.Form):
    username = forms.CharField(label=_("username"), required=False, max_length=150)
    action = forms.ChoiceField(
        label=_("action"),
        required=False,
        choices=[("", _("any"))] + list(AccessLogEntry.Action.choices),
    )
    outcome = forms.ChoiceField(
        label=_("outcome"),
        required=False,
        choices=[("", _("any"))] + list(AccessLogEntry.Outcome.choices),
    )
    object_type = forms.CharField(label=_("object type"), required=False, max_length=64)
    object_id = forms.CharField(label=_("object id"), required=False, max_length=64)
    ip_address = forms.GenericIPAddressField(label=_("source IP"), required=False)
    date_from = forms.DateField(
        label=_("from (UTC date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("to (UTC date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned

    def filter(self, queryset):
        data = self.cleaned_data
        if data.get("username"):
            queryset = queryset.filter(username__iexact=data["username"])
        for field in ("action", "outcome", "object_type", "ip_address"):
            if data.get(field):
                queryset = queryset.filter(**{field: data[field]})
        if data.get("object_id"):
            queryset = queryset.filter(object_id=data["object_id"])
        # Whole UTC days (a __date lookup would use the local time zone).
        if data.get("date_from"):
            queryset = queryset.filter(at__gte=_utc_midnight(data["date_from"]))
        if data.get("date_to"):
            queryset = queryset.filter(
                at__lt=_utc_midnight(data["date_to"]) + datetime.timedelta(days=1)
            )
        return queryset


def _utc_midnight(day):
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
