from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.lib.text import SingleLineForm
from careloop.web.forms import AustralianDateInput

from .scoring import Measure


class MeasureForm(SingleLineForm, forms.Form):
    """The questionnaire, item by item, built from the measure's definition."""

    def __init__(self, *args, measure: Measure, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure
        if staff:
            self.fields["administered_on"] = forms.DateField(
                label="Completed on", initial=timezone.localdate, widget=AustralianDateInput()
            )
        choices = [(str(o["value"]), o["label"]) for o in measure.options]
        for item in measure.items:
            self.fields[f"item_{item['number']}"] = forms.ChoiceField(
                label=f"{item['number']}. {item['text']}",
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
            )
        for extra in measure.extra_items:
            self.fields[f"extra_{extra['code']}"] = forms.ChoiceField(
                label=extra["text"],
                required=False,
                widget=forms.RadioSelect,
                choices=[(label, label) for label in extra["options"]],
            )

    def clean_administered_on(self):
        value = self.cleaned_data["administered_on"]
        if value > timezone.localdate():
            raise ValidationError("A questionnaire cannot be completed in the future.")
        return value

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(f"item_{i['number']}") for i in self.measure.items):
            raise ValidationError("Answer at least one question.")
        return cleaned

    @property
    def answers(self) -> dict:
        return {
            i["number"]: (self.cleaned_data.get(f"item_{i['number']}") or None)
            for i in self.measure.items
        }

    @property
    def extra_answers(self) -> dict:
        return {
            e["code"]: self.cleaned_data.get(f"extra_{e['code']}", "")
            for e in self.measure.extra_items
            if self.cleaned_data.get(f"extra_{e['code']}")
        }
