from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.directory.models import Doctor
from careloop.lib.text import SingleLineForm
from careloop.referrals.models import Referral
from careloop.web.forms import AustralianDateInput, FastSelect, explain_errors
from careloop.web.pickers import picker_for

from .models import Method, Scope


class ConsentForm(SingleLineForm, forms.Form):
    doctor = forms.ModelChoiceField(
        queryset=Doctor.objects.none(),
        required=False,
        to_field_name="uuid",
        label="A named doctor",
        empty_label="—",
        widget=FastSelect,
    )
    referral = forms.ModelChoiceField(
        queryset=Referral.objects.none(),
        required=False,
        to_field_name="uuid",
        label="Or the referring doctor of the referral",
        empty_label="—",
        widget=FastSelect,
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, label="What may be shared"
    )
    method = forms.ChoiceField(
        choices=[c for c in Method.choices if c[0] != Method.SIGNED_ONLINE],
        label="How consent was given",
    )
    obtained_on = forms.DateField(initial=timezone.localdate, widget=AustralianDateInput())
    expires_on = forms.DateField(
        required=False, widget=AustralianDateInput(), help_text="Leave empty if it does not expire."
    )
    notes = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client
        doctors = Doctor.objects.for_practice(client.practice).only(
            "pk", "uuid", "title", "given_name", "family_name", "doctor_type", "provider_number"
        )
        # A practice knows thousands of doctors: the named doctor is typed, not listed.
        self.fields["doctor"] = picker_for(
            forms.ModelChoiceField(
                queryset=doctors, required=False, label=self.fields["doctor"].label
            )
        )
        self.fields["referral"].queryset = client.referrals.exclude(
            referring_doctor__isnull=True
        ).select_related("client")
        for field in self.fields.values():
            explain_errors(field)

    def clean_obtained_on(self):
        value = self.cleaned_data["obtained_on"]
        if value and value > timezone.localdate():
            raise ValidationError("Consent cannot be recorded as given in the future.")
        return value

    def clean(self):
        cleaned = super().clean()
        if bool(cleaned.get("doctor")) == bool(cleaned.get("referral")):
            raise ValidationError(
                "Name one recipient: a doctor, or a referral whose referring doctor it covers."
            )
        expires, obtained = cleaned.get("expires_on"), cleaned.get("obtained_on")
        if expires and obtained and expires < obtained:
            self.add_error("expires_on", "The consent cannot expire before it was given.")
        return cleaned


class WithdrawalForm(SingleLineForm, forms.Form):
    reason = forms.CharField(
        max_length=500,
        label="Why it was withdrawn",
        error_messages={"required": "Say why the consent was withdrawn."},
    )


class SignatureForm(SingleLineForm, forms.Form):
    agree = forms.BooleanField(
        label="I agree to this",
        error_messages={"required": "Tick the box if you agree; if you do not, tell the practice."},
    )
    signed_name = forms.CharField(label="Type your full name as your signature", max_length=160)

    def __init__(self, *args, client, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client

    def clean_signed_name(self):
        name = " ".join(self.cleaned_data["signed_name"].split())
        if self.client.family_name.casefold() not in name.casefold():
            raise ValidationError("Type your full name, including your family name.")
        return name
