from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from careloop.lib.text import SingleLineForm
from careloop.lib.uploads import UploadError, check_document
from careloop.practices.models import User
from careloop.practices.search import clinician_picker
from careloop.web.forms import AustralianDateInput, AustralianDateTimeInput, PracticeModelForm

from .models import ContactMethod, ContactOutcome, Referral, ReferralBasis, TriageStatus
from .validity import referral_date_problem

# MN.6.3: a course of treatment is up to 6 sessions; a larger number is kept as the
# doctor wrote it and flagged for confirmation rather than refused.
MAX_SESSIONS_ON_A_REFERRAL = 20


class ReferralForm(PracticeModelForm):
    document = forms.FileField(
        required=False,
        label="Referral letter or plan",
        help_text="PDF or an image (PNG, JPEG, TIFF), up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff"}),
    )

    class Meta:
        model = Referral
        fields = [
            "client",
            "referring_doctor",
            "referral_date",
            "basis",
            "sessions_referred",
            "reason",
            "medications",
            "letter_signed",
            "urgency",
            "preferred_niche",
            "assigned_clinician",
        ]
        widgets = {
            "referral_date": AustralianDateInput(),
            "reason": forms.Textarea(attrs={"rows": 3}),
            "medications": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, with_document=True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_document:
            del self.fields["document"]
        self.fields["client"].queryset = self.fields["client"].queryset.order_by(
            "family_name", "given_name"
        )
        self.fields["assigned_clinician"] = clinician_picker(
            self.fields["assigned_clinician"], self.practice
        )

    def clean_referral_date(self):
        value = self.cleaned_data["referral_date"]
        if value > timezone.localdate():
            raise ValidationError("A referral cannot be dated in the future.")
        return value

    def clean_sessions_referred(self):
        value = self.cleaned_data.get("sessions_referred")
        if value is not None and not 1 <= value <= MAX_SESSIONS_ON_A_REFERRAL:
            raise ValidationError(
                f"Enter the number of sessions on the referral (1 to "
                f"{MAX_SESSIONS_ON_A_REFERRAL}), or leave it empty if the referral does not say."
            )
        return value

    def clean_document(self):
        uploaded = self.cleaned_data.get("document")
        if uploaded:
            try:
                self.document_kind = check_document(uploaded)
            except UploadError as error:
                raise ValidationError(str(error)) from None
        return uploaded

    def clean(self):
        cleaned = super().clean()
        basis = cleaned.get("basis")
        if basis and basis != ReferralBasis.SELF and not cleaned.get("referring_doctor"):
            self.add_error(
                "referring_doctor",
                "Choose the referring doctor, or choose “Self-referral” as the basis.",
            )
        if basis == ReferralBasis.SELF and cleaned.get("referring_doctor"):
            self.add_error("basis", "A referral from a doctor is not a self-referral.")
        client = cleaned.get("client")
        problem = referral_date_problem(
            cleaned.get("referral_date"),
            client.date_of_birth if client else None,
            self.practice.today() if self.practice else timezone.localdate(),
        )
        if problem:
            self.add_error("referral_date", problem)
        return cleaned


# How far back reception may date a letter's arrival: a fax found after a long weekend
# or a holiday, not a backlog typed months later (that would show as long overdue).
MAX_DAYS_RECEIVED_BEFORE_UPLOAD = 30


class LetterUploadForm(SingleLineForm, forms.Form):
    letter = forms.FileField(
        label="Scanned referral letter",
        help_text="PDF or an image (PNG, JPEG, TIFF), up to 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff"}),
    )
    received_at = forms.DateTimeField(
        label="Received on",
        required=False,
        initial=timezone.now,
        help_text="When the letter arrived, as dd/mm/yyyy hh:mm. Change it for a fax that "
        "came in earlier: the time to respond counts from then.",
        widget=AustralianDateTimeInput(),
    )

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value is None:
            return None
        now = timezone.now()
        # A minute's grace: the time shown when the page opened is "now" to the user.
        if value > now + timedelta(minutes=1):
            raise ValidationError("A letter cannot have been received in the future.")
        if value < now - timedelta(days=MAX_DAYS_RECEIVED_BEFORE_UPLOAD):
            raise ValidationError(
                f"Enter a date in the last {MAX_DAYS_RECEIVED_BEFORE_UPLOAD} days. For an "
                "older letter, type the referral and add a note of when it arrived."
            )
        return value

    def clean_letter(self):
        uploaded = self.cleaned_data["letter"]
        try:
            self.document_kind = check_document(uploaded)
        except UploadError as error:
            raise ValidationError(str(error)) from None
        return uploaded


class AcknowledgeForm(SingleLineForm, forms.Form):
    method = forms.ChoiceField(
        label="How",
        choices=[
            ("phone", "Phone"),
            ("fax", "Fax"),
            ("email", "E-mail"),
            ("secure_message", "Secure message"),
            ("letter", "Letter"),
        ],
    )
    note = forms.CharField(required=False, max_length=500)


class ContactAttemptForm(SingleLineForm, forms.Form):
    method = forms.ChoiceField(label="How", choices=ContactMethod.choices)
    outcome = forms.ChoiceField(choices=ContactOutcome.choices)
    note = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssignForm(SingleLineForm, forms.Form):
    clinician = forms.ModelChoiceField(
        queryset=User.objects.none(), required=False, to_field_name="uuid", empty_label="Nobody yet"
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"] = clinician_picker(self.fields["clinician"], practice)
        self.fields["clinician"].widget.attrs["placeholder"] = "Nobody yet: type a name"


class StatusForm(SingleLineForm, forms.Form):
    status = forms.ChoiceField(choices=TriageStatus.choices)
    reason = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClarificationForm(SingleLineForm, forms.Form):
    message = forms.CharField(
        required=False,
        max_length=2000,
        label="Anything else to tell the doctor",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
