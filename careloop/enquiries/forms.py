from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.lib.formguard import GuardedForm
from careloop.lib.identifiers import IdentifierError, check_medicare_irn, check_medicare_number
from careloop.lib.text import SingleLineForm
from careloop.practices.models import Niche, User, clinicians_of
from careloop.referrals.matching import PatientDetails
from careloop.web.forms import AustralianDateInput, IdentifierField, PhoneInput

from .actions import EnquiryDetails


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


class EnquiryForm(SingleLineForm, GuardedForm):
    """The contact form of the practice's website, for people looking for help."""

    guard_salt = "careloop.public-enquiry-form"

    name = forms.CharField(
        label="Your name",
        max_length=120,
        error_messages={"required": "Enter your name, so we know who to ask for."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your e-mail",
        required=False,
        error_messages={"invalid": "Enter an e-mail address like name@example.com."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Your phone",
        max_length=30,
        required=False,
        widget=PhoneInput(),
        help_text="Give an e-mail address, a phone number or both.",
    )
    looking_for = forms.CharField(
        label="What are you looking for help with?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Tell us in a few words what you are looking for help with."},
        help_text="A sentence or two is enough; you can tell us more when we talk.",
    )
    preference = forms.ChoiceField(
        label="Who would you like to see?",
        required=False,
        help_text="A clinician, or the kind of help you are after.",
    )
    consent = forms.BooleanField(
        label="I agree to the practice contacting me about my enquiry by phone or e-mail",
        error_messages={
            "required": "Tick the box to let us contact you: we cannot reply to your "
            "enquiry otherwise."
        },
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.practice = practice
        self.fields[
            "consent"
        ].label = f"I agree to {practice.name} contacting me about my enquiry by phone or e-mail"
        self.clinicians = {
            str(user.uuid): user
            for user in clinicians_of(practice).filter(clinician_profile__accepting_referrals=True)
        }
        self.niches = {niche.code: niche for niche in practice.niches.all()}
        choices: list = [("", "No preference")]
        if self.clinicians:
            choices.append(
                (
                    "A clinician",
                    [(f"clinician:{key}", str(user)) for key, user in self.clinicians.items()],
                )
            )
        if self.niches:
            choices.append(
                (
                    "An area of help",
                    [(f"niche:{code}", niche.name) for code, niche in self.niches.items()],
                )
            )
        self.fields["preference"].choices = choices
        self.fields["preference"].error_messages["invalid_choice"] = (
            "Choose a clinician or an area of help from the list, or “No preference”."
        )

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        if phone and not 8 <= len(_digits(phone)) <= 12:
            raise ValidationError(
                "Enter a phone number with its area code, like 0412 345 678 or (02) 9876 5432."
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("email")
            and not cleaned.get("phone")
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            self.add_error("email", "Give an e-mail address or a phone number, so we can reply.")
        return cleaned

    def details(self) -> EnquiryDetails:
        data = self.cleaned_data
        kind, _, key = data.get("preference", "").partition(":")
        clinician: User | None = self.clinicians.get(key) if kind == "clinician" else None
        niche: Niche | None = self.niches.get(key) if kind == "niche" else None
        return EnquiryDetails(
            name=data["name"].strip(),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            looking_for=data["looking_for"].strip(),
            preferred_clinician=clinician,
            preferred_niche=niche,
        )


def split_name(name: str) -> tuple[str, str]:
    """A best guess at given and family name, for staff to check: "Mia van der Berg"
    gives ("Mia", "van der Berg")."""
    parts = name.split()
    if len(parts) < 2:
        return name.strip(), ""
    return parts[0], " ".join(parts[1:])


class ConvertForm(SingleLineForm, forms.Form):
    """What a client record needs beyond the enquiry: staff ask when they call back."""

    given_name = forms.CharField(label="Given name", max_length=80)
    family_name = forms.CharField(label="Family name", max_length=80)
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=AustralianDateInput(),
        error_messages={"required": "Enter the date of birth: ask when you call back."},
    )
    phone = forms.CharField(label="Phone", max_length=30, required=False, widget=PhoneInput())
    email = forms.EmailField(label="E-mail", required=False)
    medicare_number = IdentifierField(
        check=check_medicare_number,
        label="Medicare card number",
        help_text="Optional. With the date of birth, it finds the client if already on file.",
    )
    medicare_irn = forms.CharField(label="IRN", max_length=1, required=False)

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise ValidationError("The date of birth cannot be in the future.")
        if value.year < 1900:
            raise ValidationError("Please check the year of birth.")
        return value

    def clean_medicare_irn(self):
        value = self.cleaned_data.get("medicare_irn", "").strip()
        if not value:
            return None
        try:
            return check_medicare_irn(value)
        except IdentifierError as error:
            raise ValidationError(str(error)) from None

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("medicare_number")
            and not cleaned.get("medicare_irn")
            and not self.has_error("medicare_irn")
        ):
            self.add_error("medicare_irn", "Add the person's IRN (1-9) from the card.")
        return cleaned

    def patient(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(
            given_name=data["given_name"],
            family_name=data["family_name"],
            date_of_birth=data["date_of_birth"],
            medicare_number=data.get("medicare_number") or "",
            medicare_irn=data.get("medicare_irn"),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
        )
