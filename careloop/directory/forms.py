from django import forms

from careloop.lib.identifiers import check_hpii, check_hpio, check_provider_number
from careloop.lib.text import SingleLineForm
from careloop.web.forms import IdentifierField, PhoneInput, PracticeModelForm

from .importing.csvfile import COLUMNS, check_mapping
from .models import Doctor, MedicalPractice


class DoctorForm(PracticeModelForm):
    class Meta:
        model = Doctor
        fields = [
            "title",
            "given_name",
            "family_name",
            "doctor_type",
            "medical_practices",
            "provider_number",
            "hpii",
            "email",
            "phone",
            "fax",
            "secure_messaging_address",
            "secure_messaging_service",
            "preferred_channel",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 4}),
            "phone": PhoneInput(attrs={"autocomplete": "off"}),
            "fax": PhoneInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {"medical_practices": "Type to add one; untick a practice to take it off."}

    provider_number = IdentifierField(
        check=check_provider_number,
        label="Medicare provider number",
        help_text="8 characters, for example 2123456A.",
    )
    hpii = IdentifierField(check=check_hpii, label="HPI-I", help_text="16 digits starting 800361.")


class MedicalPracticeForm(PracticeModelForm):
    class Meta:
        model = MedicalPractice
        fields = [
            "name",
            "street",
            "suburb",
            "state",
            "postcode",
            "latitude",
            "longitude",
            "hpio",
            "phone",
            "fax",
            "email",
        ]
        widgets = {
            "phone": PhoneInput(attrs={"autocomplete": "off"}),
            "fax": PhoneInput(attrs={"autocomplete": "off"}),
        }

    hpio = IdentifierField(check=check_hpio, label="HPI-O", help_text="16 digits starting 800362.")

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None):
            self.add_error(
                "longitude" if longitude is None else "latitude",
                "Give both latitude and longitude, or neither.",
            )
        # Australia and its territories lie within these bounds.
        if latitude is not None and not -44 <= latitude <= -9:
            self.add_error("latitude", "An Australian latitude is between -44 and -9.")
        if longitude is not None and not 96 <= longitude <= 168:
            self.add_error("longitude", "An Australian longitude is between 96 and 168.")
        return cleaned


class DirectoryUploadForm(SingleLineForm, forms.Form):
    file = forms.FileField(
        label="File to import",
        help_text="A CSV file (saved from Excel as “CSV UTF-8”), or a FHIR R4 bundle "
        "(JSON or XML) of Practitioner, PractitionerRole, Organization and Location.",
    )
    drop_bad_identifiers = forms.BooleanField(
        required=False,
        label="Import records whose provider number, HPI-I or HPI-O fails its check, "
        "leaving that number out",
        help_text="Without this, any such number in a CSV file stops the import so you can "
        "fix it. A FHIR bundle always leaves it out, with a warning.",
    )


class ColumnMappingForm(SingleLineForm, forms.Form):
    """One choice per column of the file: which documented column it is, or none."""

    def __init__(self, *args, headings=(), samples=(), columns=COLUMNS, guesses=None, **kwargs):
        super().__init__(*args, **kwargs)
        guesses = guesses or {}
        choices = [("", "— Don't import this column —")] + [(c.name, c.label) for c in columns]
        self.headings = headings
        for index, heading in enumerate(headings):
            sample = samples[index] if index < len(samples) else ""
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=heading.strip() or f"Column {index + 1} (no heading)",
                choices=choices,
                required=False,
                initial=guesses.get(index, ""),
                help_text=f"First row: “{sample[:60]}”" if sample.strip() else "First row: empty",
            )

    def mapping(self) -> dict[int, str]:
        return {
            index: self.cleaned_data.get(f"column_{index}") or ""
            for index in range(len(self.headings))
        }

    def clean(self):
        cleaned = super().clean()
        for error in check_mapping(self.headings, self.mapping()):
            self.add_error(None, error)
        return cleaned
