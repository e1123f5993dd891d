from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from careloop.lib.text import SingleLineForm

from .models import RetentionSettings


class AccessReportForm(SingleLineForm, forms.Form):
    include_clinical_notes = forms.BooleanField(
        required=False,
        label="Include clinical notes",
        help_text="Australian Privacy Principle 12 lets you withhold notes on some grounds, "
        "for example a serious threat to someone's life, health or safety.",
    )
    notes_withheld_reason = forms.CharField(
        required=False,
        max_length=300,
        label="Why clinical notes are withheld",
        help_text="Needed when notes are left out: the client is told the reason in writing.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("include_clinical_notes") and not data.get("notes_withheld_reason"):
            self.add_error(
                "notes_withheld_reason",
                "Say why clinical notes are withheld, or tick “Include clinical notes”.",
            )
        return data


class RetentionSettingsForm(SingleLineForm, forms.ModelForm):
    class Meta:
        model = RetentionSettings
        fields = ["adult_years", "minor_until_age", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, low in (("adult_years", 1), ("minor_until_age", 18)):
            field = self.fields[name]
            field.validators += [MinValueValidator(low), MaxValueValidator(99)]
            field.error_messages["min_value"] = f"Enter a number from {low} to 99."
            field.error_messages["max_value"] = f"Enter a number from {low} to 99."


class DisposalForm(SingleLineForm, forms.Form):
    typed_name = forms.CharField(
        label="Type the client's full name to confirm",
        max_length=170,
    )
    understood = forms.BooleanField(
        label="I understand this deletes the record and everything in it for good",
        error_messages={"required": "Tick the box to confirm that this cannot be undone."},
    )

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_typed_name(self):
        typed = " ".join(self.cleaned_data["typed_name"].split()).casefold()
        if typed != " ".join(self.client.full_name.split()).casefold():
            raise forms.ValidationError(
                "The name typed is not this client's full name. Nothing was deleted."
            )
        return typed
