from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from careloop.clients.models import Client
from careloop.lib.text import SingleLineForm
from careloop.practices.models import User
from careloop.practices.scoping import scoped_or_none
from careloop.practices.search import clinician_picker
from careloop.web.forms import AustralianDateTimeInput, PracticeModelForm

from .diary import clash_message, clashing_sessions
from .models import SessionStatus, TherapySession

BOOK_ANYWAY = "Book anyway (double-booked on purpose)"


class TherapySessionForm(PracticeModelForm):
    # Hidden until the clinician's time clashes: then it appears, unticked, beside the
    # message saying which session it clashes with.
    book_anyway = forms.BooleanField(label=BOOK_ANYWAY, required=False, widget=forms.HiddenInput)
    field_order = ["client", "clinician", "referral", "starts_at", "book_anyway"]

    class Meta:
        model = TherapySession
        fields = [
            "client",
            "clinician",
            "referral",
            "starts_at",
            "duration_minutes",
            "session_type",
            "modality",
            "status",
        ]
        widgets = {"starts_at": AustralianDateTimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Typed, not a list of every clinician: a large practice has hundreds.
        self.fields["clinician"] = clinician_picker(self.fields["clinician"], self.practice)
        self._limit_referrals_to_the_client()

    def _limit_referrals_to_the_client(self) -> None:
        """Offer only the chosen client's referrals; choosing another client refreshes
        this list through htmx (and without JavaScript, after saving)."""
        client = self._chosen_client()
        field: Any = self.fields["referral"]  # a ModelChoiceField
        field.required = False
        field.queryset = (
            field.queryset.filter(client=client).order_by("-referral_date")
            if client
            else field.queryset.none()
        )
        field.empty_label = "The client's latest referral" if client else "Choose a client first"
        field.help_text = (
            "Leave as it is to use the latest referral dated on or before the session."
        )
        field.error_messages["invalid_choice"] = (
            "Choose one of this client's referrals, or leave it empty."
        )
        self.fields["client"].widget.attrs.update(
            {
                "hx-get": reverse("therapy:referral_field"),
                "hx-target": "#field-referral",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )

    def _chosen_client(self):
        if self.is_bound:
            public_id = self.data.get(self.add_prefix("client"))
            return scoped_or_none(Client.objects.all(), self.practice, public_id)
        initial = self.initial.get("client")
        if isinstance(initial, Client):
            return initial
        return self.instance.client if self.instance.client_id else None

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 240:
            raise ValidationError("A session lasts between 5 and 240 minutes.")
        return minutes

    def clean(self):
        cleaned = super().clean()
        client, referral = cleaned.get("client"), cleaned.get("referral")
        starts_at, status = cleaned.get("starts_at"), cleaned.get("status")
        if client and starts_at and not referral and not self.has_error("referral"):
            cleaned["referral"] = (
                client.referrals.filter(referral_date__lte=timezone.localdate(starts_at))
                .order_by("-referral_date", "-pk")
                .first()
            )
        if referral and starts_at and referral.referral_date > timezone.localdate(starts_at):
            self.add_error("referral", "This referral is dated after the session.")
        if (
            starts_at
            and status in (SessionStatus.ATTENDED, SessionStatus.NO_SHOW)
            and starts_at > timezone.now()
        ):
            self.add_error(
                "status", "A session in the future cannot be marked attended or missed yet."
            )
        self._check_clash(cleaned)
        return cleaned

    def _check_clash(self, cleaned: dict[str, Any]) -> None:
        """A clinician is in one place at a time: booking over another of their sessions
        is refused unless the person booking says it is on purpose (a group, a family
        session run alongside). Editing a session that is already double-booked asks
        again only when its time, length, clinician or status changes."""
        clinician, starts_at = cleaned.get("clinician"), cleaned.get("starts_at")
        minutes, status = cleaned.get("duration_minutes"), cleaned.get("status")
        if not (clinician and starts_at and minutes) or status == SessionStatus.CANCELLED:
            return
        moved = {"clinician", "starts_at", "duration_minutes", "status"} & set(self.changed_data)
        if self.instance.pk is not None and not moved:
            return
        others = clashing_sessions(
            practice=self.practice,
            clinician=clinician,
            starts_at=starts_at,
            minutes=minutes,
            exclude_pk=self.instance.pk,
        )
        if not others:
            return
        self.fields["book_anyway"].widget = forms.CheckboxInput()
        if cleaned.get("book_anyway"):
            return
        message = clash_message(others[0], self.practice.zoneinfo)
        if len(others) > 1:
            message += f" It also overlaps {len(others) - 1} more."
        self.add_error("starts_at", f"{message} Choose another time, or tick “{BOOK_ANYWAY}”.")


class DiaryClinicianForm(SingleLineForm, forms.Form):
    """Whose diary to show: a GET form, typed like every choice of clinician."""

    clinician = forms.ModelChoiceField(
        queryset=User.objects.none(), to_field_name="uuid", required=False
    )

    def __init__(self, *args, practice, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"] = clinician_picker(self.fields["clinician"], practice)


class ClinicalNoteForm(SingleLineForm, forms.Form):
    text = forms.CharField(
        label="Clinical note",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Private to the practice's clinicians. Never included in "
        "letters or any message to a doctor.",
    )
