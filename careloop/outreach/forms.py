from django import forms

from careloop.directory.models import Doctor
from careloop.lib.form_words import explain_errors
from careloop.lib.text import SingleLineForm
from careloop.practices.models import Niche, User
from careloop.web.forms import AustralianDateInput, PracticeModelForm

from .models import (
    Activity,
    ActivityKind,
    DoctorPreference,
    OutreachEvent,
    OutreachSettings,
)

COMMON_FIRST = ["occurred_on"]
COMMON_LAST = ["summary", "next_step", "next_step_due"]

# What each kind of contact records, besides the date, a summary and a next step.
FIELDS_BY_KIND = {
    ActivityKind.VISIT: [
        "staff",
        "people_met",
        "niches_explained",
        "materials_left",
        "asked_for_referrals",
        "duration_minutes",
    ],
    ActivityKind.PHONE_CALL: ["staff", "people_met", "asked_for_referrals"],
    ActivityKind.EMAIL: ["asked_for_referrals"],
    ActivityKind.LETTER: ["asked_for_referrals"],
    ActivityKind.TRAINING: [
        "training_status",
        "topic",
        "attendees",
        "staff",
        "niches_explained",
        "duration_minutes",
    ],
    ActivityKind.EVENT: ["event", "people_met", "staff", "niches_explained"],
    ActivityKind.FEEDBACK: ["people_met"],
    ActivityKind.OPENINGS_UPDATE: [],
}

LABELS = {
    "occurred_on": "Date",
    "staff": "Who went or made contact",
    "people_met": "Who you met or spoke with",
    "niches_explained": "Areas of practice explained",
    "materials_left": "Materials left",
    "asked_for_referrals": "Asked for referrals",
    "duration_minutes": "Time spent, in minutes",
    "training_status": "Offered or delivered",
    "summary": "What happened",
    "next_step": "Next step",
    "next_step_due": "Next step due",
    "doctor": "Doctor",
}

HELP = {
    "materials_left": "For example: leave-behind, business cards, referral pads.",
    "next_step": "With a date, it becomes a task for you and shows on your dashboard.",
    "people_met": "Names and roles, for example: Dr Chen, practice manager Jo.",
}


class ActivityForm(PracticeModelForm):
    """Logging one contact; the fields depend on its kind (see `activity_form`)."""

    kind: str = ""

    class Meta:
        model = Activity
        fields = ["occurred_on", *COMMON_LAST]
        widgets = {
            "occurred_on": AustralianDateInput(),
            "next_step_due": AustralianDateInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "staff": forms.CheckboxSelectMultiple,
            "niches_explained": forms.CheckboxSelectMultiple,
        }
        labels = LABELS
        help_texts = HELP

    def __init__(self, *args, doctors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "staff" in self.fields:
            self.fields["staff"].queryset = User.objects.filter(
                practice=self.practice, is_active=True
            ).order_by("full_name")
        if "niches_explained" in self.fields:
            self.fields["niches_explained"].queryset = Niche.objects.order_by("name")
        if "event" in self.fields:
            self.fields["event"].queryset = OutreachEvent.objects.for_practice(
                self.practice
            ).order_by("-starts_on")
            self.fields["event"].required = True
        if doctors is not None:
            # Logged from a medical practice's page: optionally with one of its doctors.
            self.fields["doctor"] = forms.ModelChoiceField(
                queryset=doctors,
                required=False,
                to_field_name="uuid",
                label="Doctor",
                empty_label="The practice as a whole",
            )
            explain_errors(self.fields["doctor"])
            self.order_fields(["occurred_on", "doctor"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("next_step_due") and not cleaned.get("next_step"):
            self.add_error("next_step", "Say what the next step is, or clear its date.")
        due, when = cleaned.get("next_step_due"), cleaned.get("occurred_on")
        if due and when and due < when:
            self.add_error(
                "next_step_due", "A next step comes after the contact: pick a later date."
            )
        if when and when > self.practice.today():
            self.add_error(
                "occurred_on", "Log a contact once it has happened: pick today or earlier."
            )
        return cleaned


def activity_form(kind: str) -> type[ActivityForm]:
    fields = [*COMMON_FIRST, *FIELDS_BY_KIND[ActivityKind(kind)], *COMMON_LAST]
    meta = type("Meta", (ActivityForm.Meta,), {"fields": fields})
    return type(f"{kind.title()}ActivityForm", (ActivityForm,), {"Meta": meta, "kind": kind})


class DoctorPreferenceForm(PracticeModelForm):
    class Meta:
        model = DoctorPreference
        fields = ["detail_level", "update_every_days", "notes"]
        labels = {
            "detail_level": "How much detail they want",
            "update_every_days": "Hear from us every (days)",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class ChannelForm(PracticeModelForm):
    """The letters channel stays on the doctor, where the outbox reads it."""

    class Meta:
        model = Doctor
        fields = ["preferred_channel"]


class DoNotContactForm(SingleLineForm, forms.Form):
    reason = forms.CharField(
        max_length=200,
        label="Why they are not to be contacted",
        help_text="For example: asked by phone on 3/3 not to receive marketing.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            explain_errors(field)


class SnoozeForm(SingleLineForm, forms.Form):
    until = forms.DateField(label="Snooze until", widget=AustralianDateInput())
    reason = forms.CharField(max_length=200, label="Why it waits")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            explain_errors(field)


class EventForm(PracticeModelForm):
    class Meta:
        model = OutreachEvent
        fields = [
            "name",
            "audience_focus",
            "starts_on",
            "ends_on",
            "location",
            "talk_title",
            "talk_status",
            "niches",
            "notes",
        ]
        widgets = {
            "starts_on": AustralianDateInput(),
            "ends_on": AustralianDateInput(),
            "niches": forms.CheckboxSelectMultiple,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"starts_on": "Starts", "ends_on": "Ends", "niches": "Areas of practice"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["niches"].queryset = Niche.objects.order_by("name")

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "An event ends on or after the day it starts.")
        if cleaned.get("talk_status") and not cleaned.get("talk_title"):
            self.add_error("talk_title", "Give the talk's title, or set the talk to none.")
        return cleaned


class OpeningsForm(SingleLineForm, forms.Form):
    accepting_referrals = forms.BooleanField(required=False, label="Accepting new clients")
    urgent_slots_this_week = forms.IntegerField(
        min_value=0, max_value=99, label="Urgent appointments held this week"
    )
    current_wait_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        required=False,
        label="Current wait for a first appointment, in days",
        help_text="Leave empty if you do not know.",
    )
    niches = forms.ModelMultipleChoiceField(
        queryset=Niche.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Areas of practice",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["niches"].queryset = Niche.objects.order_by("name")
        for field in self.fields.values():
            explain_errors(field)


class SettingsForm(PracticeModelForm):
    class Meta:
        model = OutreachSettings
        fields = [
            "referrer_contact_every_days",
            "thank_you_within_business_days",
            "introduced_follow_up_after_days",
            "call_lapsed_referrers",
            "frequency_cap_days",
            "general_radius_km",
        ]
        labels = {
            "referrer_contact_every_days": "A referring doctor hears from us at least every (days)",
            "thank_you_within_business_days": "Thank a new referrer within (business days)",
            "introduced_follow_up_after_days": "Follow up an introduction after (days)",
            "call_lapsed_referrers": "Call lapsed referrers",
            "frequency_cap_days": "At most one outreach message per doctor every (days)",
            "general_radius_km": "Search radius for general services (km)",
        }

    def __init__(self, *args, niches=(), reaches=None, **kwargs):
        super().__init__(*args, **kwargs)
        reaches = reaches or {}
        self.niches = list(niches)
        for niche in self.niches:
            field = forms.IntegerField(
                min_value=1,
                max_value=500,
                required=False,
                label=f"Search radius for {niche.name} (km)",
                help_text="Empty: the general radius.",
                initial=reaches.get(niche.pk),
            )
            explain_errors(field)
            self.fields[f"reach_{niche.code}"] = field

    def reaches(self) -> dict:
        return {n: self.cleaned_data.get(f"reach_{n.code}") for n in self.niches}
