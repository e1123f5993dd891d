from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.lib.formguard import GuardedForm
from careloop.lib.identifiers import (
    IdentifierError,
    check_medicare_irn,
    check_medicare_number,
    check_postcode,
    check_provider_number,
)
from careloop.lib.text import SingleLineForm
from careloop.lib.uploads import UploadError, check_document
from careloop.practices.models import STATE_CHOICES, Niche, clinicians_of
from careloop.referrals.models import Urgency
from careloop.web.forms import AustralianDateInput, IdentifierField, PhoneInput, explain_errors

from . import holding

BASIS_CHOICES = [
    ("mhtp", "GP Mental Health Treatment Plan"),
    ("pamp", "Psychiatrist assessment and management plan"),
    ("psychiatrist", "Psychiatrist referral"),
    ("paediatrician", "Paediatrician referral"),
    ("other", "Other"),
]


class PublicReferralForm(SingleLineForm, GuardedForm):
    # Spam protection (a honeypot, the time the form was shown): see lib/formguard.py.
    guard_salt = "careloop.public-referral-form"

    # About the doctor
    doctor_given_name = forms.CharField(label="Your given name", max_length=80)
    doctor_family_name = forms.CharField(label="Your family name", max_length=80)
    doctor_type = forms.ChoiceField(
        label="You are a",
        error_messages={"required": "Choose what kind of doctor you are."},
        choices=[
            ("gp", "General practitioner"),
            ("psychiatrist", "Psychiatrist"),
            ("paediatrician", "Paediatrician"),
            ("other", "Other"),
        ],
    )
    provider_number = IdentifierField(
        check=check_provider_number,
        required=True,
        label="Your Medicare provider number",
        help_text="8 characters, for example 2123456A.",
    )
    practice_name = forms.CharField(
        label="Your practice",
        max_length=160,
        error_messages={"required": "Enter the name of your practice."},
    )
    practice_suburb = forms.CharField(label="Practice suburb", max_length=80, required=False)
    practice_postcode = forms.CharField(label="Practice postcode", max_length=4, required=False)
    doctor_phone = forms.CharField(
        label="Your phone",
        max_length=30,
        widget=PhoneInput(),
        error_messages={"required": "Enter your phone number."},
    )
    doctor_email = forms.EmailField(
        label="Your e-mail", required=False, help_text="For our acknowledgement and any questions."
    )
    # About the patient
    patient_given_name = forms.CharField(label="Patient's given name", max_length=80)
    patient_family_name = forms.CharField(label="Patient's family name", max_length=80)
    patient_date_of_birth = forms.DateField(
        label="Patient's date of birth", widget=AustralianDateInput()
    )
    patient_street = forms.CharField(
        label="Street address",
        max_length=200,
        error_messages={"required": "Enter the patient's street address."},
    )
    patient_suburb = forms.CharField(
        label="Suburb",
        max_length=80,
        error_messages={"required": "Enter the patient's suburb."},
    )
    patient_state = forms.ChoiceField(
        label="State",
        choices=[("", "Choose")] + STATE_CHOICES,
        error_messages={"required": "Choose the patient's state."},
    )
    patient_postcode = forms.CharField(
        label="Postcode",
        max_length=4,
        error_messages={"required": "Enter the patient's postcode."},
    )
    patient_phone = forms.CharField(
        label="Patient's phone",
        max_length=30,
        widget=PhoneInput(attrs={"autocomplete": "off"}),
        error_messages={"required": "Enter the patient's phone number."},
    )
    patient_medicare_number = IdentifierField(
        check=check_medicare_number,
        label="Medicare card number",
        help_text="10 digits. Leave empty if the patient has no card.",
    )
    patient_medicare_irn = forms.CharField(
        label="IRN", max_length=1, required=False, help_text="The number beside their name."
    )
    # The referral
    reason = forms.CharField(
        label="Reason for referral: symptoms or diagnosis",
        error_messages={"required": "Enter the reason for referral: symptoms or diagnosis."},
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )
    medications = forms.CharField(
        label="Current medications",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Write “nil” if none.",
        error_messages={"required": "Enter the patient's current medications, or “nil”."},
    )
    basis = forms.ChoiceField(
        label="Which plan applies",
        choices=BASIS_CHOICES,
        error_messages={"required": "Choose which plan the referral is made under."},
    )
    sessions_referred = forms.IntegerField(
        label="Number of sessions referred",
        error_messages={
            "required": "Enter the number of sessions referred, from 1 to 20.",
            "min_value": "Refer at least 1 session.",
            "max_value": "Refer at most 20 sessions; Medicare allows up to 6 per referral.",
        },
        min_value=1,
        max_value=20,
        help_text="Medicare allows up to 6 per referral (a course of treatment).",
    )
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        error_messages={"required": "Choose how urgent the referral is."},
    )
    preferred_clinician: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        required=False,
        to_field_name="uuid",
        empty_label="No preference",
        label="Preferred clinician",
    )
    preferred_niche = forms.ModelChoiceField(
        queryset=Niche.objects.none(),
        required=False,
        to_field_name="code",
        empty_label="No preference",
        label="Or an area of practice",
    )
    letter = forms.FileField(
        label="Signed referral letter and plan",
        error_messages={"required": "Attach the signed referral letter and plan."},
        help_text="PDF or a photo or scan (PNG, JPEG, TIFF), up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff"}),
    )
    patient_agrees = forms.BooleanField(
        label="The patient knows about this referral and agrees to us contacting them",
        error_messages={
            "required": "Tick the box to confirm that the patient knows about this referral "
            "and agrees to us contacting them."
        },
    )
    # The letter attached on an earlier try of this form (see holding.py).
    held_letter = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields["preferred_clinician"].queryset = clinicians_of(practice).filter(
            clinician_profile__accepting_referrals=True
        )
        self.fields["preferred_niche"].queryset = practice.niches.all()
        for field in self.fields.values():
            explain_errors(field)
        self.held_letter_file = None
        self.held_letter_token = ""
        if self.is_bound and not self.files.get("letter"):
            token = self.data.get("held_letter", "")
            self.held_letter_file = holding.fetch(practice, token)
            if self.held_letter_file is not None:
                self.held_letter_token = token
                self.fields["letter"].required = False

    def clean_patient_date_of_birth(self):
        value = self.cleaned_data["patient_date_of_birth"]
        if value > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        return value

    def clean_patient_medicare_irn(self):
        value = self.cleaned_data.get("patient_medicare_irn", "").strip()
        if not value:
            return None
        try:
            return check_medicare_irn(value)
        except IdentifierError as error:
            raise ValidationError(str(error)) from None

    def clean_letter(self):
        uploaded = self.cleaned_data["letter"] or self.held_letter_file
        if uploaded is None:
            raise ValidationError(self.fields["letter"].error_messages["required"])
        try:
            self.letter_kind = check_document(uploaded)
        except UploadError as error:
            raise ValidationError(f"{error} Attach the letter again.") from None
        return uploaded

    def keep_letter(self) -> str:
        """After an error, hold a letter that passed its checks so the doctor need not
        attach it again; return the token for the page ("" if there is none to keep)."""
        if self.held_letter_token or "letter" in self.errors:
            return self.held_letter_token
        uploaded = self.cleaned_data.get("letter")
        if uploaded is None:
            return ""
        self.held_letter_token = holding.hold(self.practice, uploaded)
        self.held_letter_file = uploaded
        return self.held_letter_token

    def release_letter(self) -> None:
        if self.held_letter_token:
            holding.release(self.practice, self.held_letter_token)

    def clean(self):
        cleaned = super().clean()
        postcode, state = cleaned.get("patient_postcode"), cleaned.get("patient_state")
        if postcode and state:
            try:
                cleaned["patient_postcode"] = check_postcode(postcode, state)
            except IdentifierError as error:
                self.add_error("patient_postcode", str(error))
        if (
            cleaned.get("patient_medicare_number")
            and not cleaned.get("patient_medicare_irn")
            and not self.has_error("patient_medicare_irn")
        ):
            self.add_error("patient_medicare_irn", "Add the IRN (1-9) from the card.")
        return cleaned
