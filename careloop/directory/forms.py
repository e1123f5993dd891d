from django import forms

from careloop.lib.identifiers import check_hpii, check_hpio, check_provider_number
from careloop.web.forms import IdentifierField, PhoneInput, PracticeModelForm

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
