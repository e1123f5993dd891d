from django import forms
from django.core.exceptions import ValidationError

from careloop.lib.identifiers import IdentifierError, check_medicare_irn, check_medicare_number
from careloop.lib.text import SingleLineForm
from careloop.web.forms import AustralianDateInput, IdentifierField, PhoneInput, PracticeModelForm

from .models import Client


class ClientForm(PracticeModelForm):
    class Meta:
        model = Client
        fields = [
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "medicare_number",
            "medicare_irn",
            "phone",
            "email",
            "street",
            "suburb",
            "state",
            "postcode",
            "usual_gp",
            "emergency_contact_name",
            "emergency_contact_relationship",
            "emergency_contact_phone",
        ]
        widgets = {
            "date_of_birth": AustralianDateInput(),
            "phone": PhoneInput(),
            # Someone else's number: the browser must not offer the user's own.
            "emergency_contact_phone": PhoneInput(attrs={"autocomplete": "off"}),
        }

    medicare_number = IdentifierField(
        check=check_medicare_number,
        label="Medicare card number",
        help_text="The 10 digits on the card, without the IRN.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usual_gp"].queryset = self.fields["usual_gp"].queryset.filter(doctor_type="gp")
        self.fields["medicare_irn"].widget = forms.TextInput(
            attrs={"inputmode": "numeric", "maxlength": 1, "size": 2}
        )

    def clean_medicare_irn(self):
        value = self.cleaned_data.get("medicare_irn")
        if value is None:
            return None
        try:
            return check_medicare_irn(value)
        except IdentifierError as error:
            raise ValidationError(str(error)) from None

    def clean_date_of_birth(self):
        from django.utils import timezone

        dob = self.cleaned_data["date_of_birth"]
        if dob > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        if dob.year < 1900:
            raise ValidationError("Please check the year of birth.")
        return dob

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("medicare_number")
            and not cleaned.get("medicare_irn")
            and not self.has_error("medicare_irn")
        ):
            self.add_error("medicare_irn", "Add the person's IRN (1-9) from the card.")
        return cleaned


class ElsewhereClaimsForm(SingleLineForm, forms.Form):
    year = forms.IntegerField(min_value=2006, max_value=2100)
    individual = forms.IntegerField(min_value=0, max_value=50, initial=0)
    group = forms.IntegerField(min_value=0, max_value=50, initial=0)
    family_carer = forms.IntegerField(label="Family or carer", min_value=0, max_value=10, initial=0)
    note = forms.CharField(
        required=False,
        max_length=200,
        help_text="Where the numbers came from, e.g. “HPOS check 12/03”.",
    )
