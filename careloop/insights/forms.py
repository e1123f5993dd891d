from django import forms

from careloop.lib.text import SingleLineForm
from careloop.web.forms import PracticeModelForm

from .models import InsightSettings


class InsightSettingsForm(PracticeModelForm):
    class Meta:
        model = InsightSettings
        fields = ["report_within_days", "email_monthly_report"]

    def clean_report_within_days(self) -> int:
        days = self.cleaned_data["report_within_days"]
        if not 1 <= days <= 60:
            raise forms.ValidationError(
                "Enter a number of business days from 1 to 60 (most practices use 10)."
            )
        return days


class SendYearlyForm(SingleLineForm, forms.Form):
    """The batch key comes with the form: a re-posted form is the same send."""

    batch = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form is out of date: reload the page and send again.",
            "invalid": "This form is out of date: reload the page and send again.",
        },
    )
