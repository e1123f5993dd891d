"""Form pieces shared by every staff form."""

from django import forms
from django.core.exceptions import ValidationError

from careloop.lib.identifiers import IdentifierError, check_postcode

DATE_PLACEHOLDER = "dd/mm/yyyy"


class AustralianDateInput(forms.DateInput):
    def __init__(self, attrs=None):
        attrs = {
            "placeholder": DATE_PLACEHOLDER,
            "inputmode": "numeric",
            "autocomplete": "off",
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format="%d/%m/%Y")


class AustralianDateTimeInput(forms.DateTimeInput):
    def __init__(self, attrs=None):
        attrs = {"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=attrs, format="%d/%m/%Y %H:%M")


class IdentifierField(forms.CharField):
    """A text field for an Australian identifier: accepts it as people type it (with
    spaces or dashes), checks it with the published algorithm and stores it compact."""

    def __init__(self, *, check, required=False, **kwargs):
        self.check = check
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        )
        super().__init__(required=required, max_length=40, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return self.check(value)
        except IdentifierError as error:
            raise ValidationError(str(error)) from None


class PracticeModelForm(forms.ModelForm):
    """A ModelForm that knows its practice and limits every related choice to it."""

    def __init__(self, *args, practice, **kwargs):
        self.practice = practice
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_practice"):
                field.queryset = queryset.for_practice(practice)

    def clean(self):
        cleaned = super().clean()
        state = cleaned.get("state")
        postcode = cleaned.get("postcode")
        if "postcode" in self.fields and postcode and not self.has_error("postcode"):
            try:
                cleaned["postcode"] = check_postcode(postcode, state or None)
            except IdentifierError as error:
                self.add_error("postcode", str(error))
        return cleaned
