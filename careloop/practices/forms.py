from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from careloop.lib.identifiers import (
    check_abn,
    check_ahpra_registration,
    check_hpii,
    check_hpio,
    check_provider_number,
)
from careloop.lib.network import normalise_username
from careloop.lib.ratelimit import hit
from careloop.lib.text import SingleLineForm
from careloop.lib.uploads import UploadError, sniff_document
from careloop.web.forms import IdentifierField, PhoneInput, check_postcode_against_state

from .models import Niche, Practice, Profession, Role, User


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The e-mail or password is not right. After 5 failed attempts in a "
        "row the account is locked for 15 minutes.",
        "inactive": "This account has been turned off. Ask your practice owner.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "E-mail"
        self.fields["username"].error_messages["required"] = "Enter your e-mail address."
        self.fields["password"].error_messages["required"] = "Enter your password."
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "type": "email"})


class TokenForm(SingleLineForm, forms.Form):
    token = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise ValidationError("The code is 6 digits.")
        return token


class SignInCodeForm(SingleLineForm, forms.Form):
    """The code at sign-in: from the authenticator app, or one of the backup codes."""

    token = forms.CharField(
        label="6-digit code from your authenticator app, or a backup code",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if token.isdigit() and len(token) == 6:
            return token
        code = token.replace("-", "").lower()
        if len(code) == 8 and code.isalnum():
            return code
        raise ValidationError(
            "Enter the 6-digit code from your app, or a backup code such as k4j2-mq7z."
        )


class PracticeSettingsForm(SingleLineForm, forms.ModelForm):
    class Meta:
        model = Practice
        fields = [
            "name",
            "abn",
            "hpio",
            "street",
            "suburb",
            "state",
            "postcode",
            "phone",
            "email",
            "time_zone",
            "niches",
            "acknowledge_within_days",
            "contact_within_days",
            "hl7_facility_ids",
            "k10_band_set",
            "logo",
            "letters_by_link",
            "send_acknowledgements_automatically",
            "require_two_factor",
        ]
        widgets = {
            "niches": forms.CheckboxSelectMultiple,
            "phone": PhoneInput(attrs={"autocomplete": "off"}),
        }
        # Written for practice staff; the model's help text is for whoever sets up the
        # secure-messaging import.
        labels = {"hl7_facility_ids": "Other names for this practice in secure messages"}
        help_texts = {
            "hl7_facility_ids": "Only if your secure-messaging provider asks: the other "
            "names or numbers that incoming referrals use for this practice, separated by "
            "commas. Leave empty if you are not sure."
        }

    abn = IdentifierField(check=check_abn, label="ABN", help_text="11 digits.")
    hpio = IdentifierField(
        check=check_hpio,
        label="HPI-O",
        help_text="16 digits starting 800362. Secure messages and FHIR letters name the "
        "practice by it.",
    )

    def clean_logo(self):

        logo = self.cleaned_data.get("logo")
        if not logo or not hasattr(logo, "content_type"):
            return logo  # unchanged
        if logo.size > 1024 * 1024:
            raise ValidationError("The logo is larger than 1 MB.")
        try:
            kind = sniff_document(logo.read(16))
        except UploadError:
            kind = None
        logo.seek(0)
        if kind is None or kind.content_type not in ("image/png", "image/jpeg"):
            raise ValidationError("The logo must be a PNG or JPEG image.")
        return logo

    def clean_acknowledge_within_days(self):
        return _target_days(self.cleaned_data["acknowledge_within_days"])

    def clean_contact_within_days(self):
        return _target_days(self.cleaned_data["contact_within_days"])

    def clean(self):
        return check_postcode_against_state(self, super().clean())


NEW_MEMBER_ADDRESSES_PER_HOUR = 30


class MemberForm(SingleLineForm, forms.ModelForm):
    """A practice member and, when they treat clients, their clinician profile."""

    profession = forms.ChoiceField(
        choices=[("", "Does not treat clients")] + list(Profession.choices), required=False
    )
    ahpra_registration = IdentifierField(
        check=check_ahpra_registration,
        label="Ahpra registration",
        help_text="3 letters and 10 digits. Social workers and counsellors have none.",
    )
    provider_number = IdentifierField(
        check=check_provider_number,
        label="Medicare provider number",
        help_text="For this practice's location.",
    )
    hpii = IdentifierField(check=check_hpii, label="HPI-I", help_text="16 digits starting 800361.")
    niches = forms.ModelMultipleChoiceField(
        queryset=Niche.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = User
        fields = ["full_name", "email", "role", "is_active"]
        labels = {"is_active": "Can sign in"}
        help_texts = {"is_active": "Untick when someone leaves: their name stays on their records."}

    def __init__(self, *args, practice, **kwargs):
        self.practice = practice
        super().__init__(*args, **kwargs)
        profile = getattr(self.instance, "clinician_profile", None) if self.instance.pk else None
        if profile:
            self.initial.update(
                {
                    "profession": profile.profession,
                    "ahpra_registration": profile.ahpra_registration,
                    "provider_number": profile.provider_number,
                    "hpii": profile.hpii,
                    "niches": list(profile.niches.all()),
                }
            )

    def clean_email(self):
        email = normalise_username(self.cleaned_data["email"])
        if self.instance.pk and email == self.instance.email:
            return email
        # One account per e-mail across the whole server, so whether an address is free
        # says something about other practices. The refusal names no reason, and the
        # number of new addresses an owner may try each hour is capped, so the form
        # cannot be used to check a list of people.
        if not hit(
            f"member-email:{self.practice.uuid}",
            limit=NEW_MEMBER_ADDRESSES_PER_HOUR,
            window_seconds=3600,
        ):
            raise ValidationError(
                "Too many new e-mail addresses have been tried in the last hour. "
                "Please try again in an hour."
            )
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                "This e-mail address cannot be used for a new account. Ask the person "
                "for another address, for example their e-mail at this practice."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        profession = cleaned.get("profession")
        if cleaned.get("role") == Role.CLINICIAN and not profession:
            self.add_error("profession", "Choose the clinician's profession.")
        if profession == Profession.COUNSELLOR and cleaned.get("provider_number"):
            self.add_error(
                "provider_number",
                "Counsellors cannot bill Medicare under Better "
                "Access, so they have no provider number here.",
            )
        if (
            profession
            in (
                Profession.PSYCHOLOGIST,
                Profession.CLINICAL_PSYCHOLOGIST,
                Profession.OCCUPATIONAL_THERAPIST,
            )
            and not cleaned.get("ahpra_registration")
            and not self.has_error("ahpra_registration")
        ):
            self.add_error(
                "ahpra_registration",
                "Psychologists and occupational therapists "
                "are registered with Ahpra; enter the number.",
            )
        if (
            self.instance.pk
            and self.instance.role == Role.OWNER
            and (cleaned.get("role") != Role.OWNER or not cleaned.get("is_active"))
            and not self.practice.members.filter(role=Role.OWNER, is_active=True)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("role", "A practice needs at least one active owner.")
        return cleaned


def _target_days(value: int) -> int:
    if not 1 <= value <= 10:
        raise ValidationError("Choose between 1 and 10 business days.")
    return value
