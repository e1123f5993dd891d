from django.core.exceptions import ValidationError

from careloop.practices.models import Role, User
from careloop.web.forms import AustralianDateTimeInput, PracticeModelForm

from .models import SessionStatus, TherapySession


class TherapySessionForm(PracticeModelForm):
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
        # Clinicians of this practice only (an owner who treats has a profile too).
        self.fields["clinician"].queryset = (
            (
                User.objects.filter(practice=self.practice, is_active=True).filter(
                    clinician_profile__isnull=False
                )
                | User.objects.filter(practice=self.practice, is_active=True, role=Role.CLINICIAN)
            )
            .distinct()
            .order_by("full_name")
        )
        self.fields["referral"].queryset = (
            self.fields["referral"].queryset.select_related("client").order_by("-referral_date")
        )
        self.fields["referral"].required = False

    def clean_duration_minutes(self):
        minutes = self.cleaned_data["duration_minutes"]
        if not 5 <= minutes <= 240:
            raise ValidationError("A session lasts between 5 and 240 minutes.")
        return minutes

    def clean(self):
        cleaned = super().clean()
        client, referral = cleaned.get("client"), cleaned.get("referral")
        if referral and client and referral.client_id != client.pk:
            self.add_error("referral", "This referral is for another client.")
        starts_at, status = cleaned.get("starts_at"), cleaned.get("status")
        if starts_at and status in (SessionStatus.ATTENDED, SessionStatus.NO_SHOW):
            from django.utils import timezone

            if starts_at > timezone.now():
                self.add_error(
                    "status", "A session in the future cannot be marked attended or missed yet."
                )
        return cleaned
