import django_filters
from django.db.models import Exists, OuterRef, Q

from careloop.clients.models import Client
from careloop.practices.models import Role, User
from careloop.practices.search import CLINICIANS
from careloop.web import textsearch
from careloop.web.filters import DayFilter, PickerFilter, PracticeFilterSet

from .models import Modality, SessionStatus, SessionType, TherapySession


class TherapySessionFilter(PracticeFilterSet):
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices, empty_label="Any status")
    session_type = django_filters.ChoiceFilter(
        choices=SessionType.choices, label="Type", empty_label="Any type"
    )
    modality = django_filters.ChoiceFilter(choices=Modality.choices, empty_label="Any modality")
    clinician = PickerFilter(
        source=CLINICIANS, queryset=User.objects.none(), to_field_name="uuid", empty_label="Anyone"
    )
    date_from = DayFilter(field_name="starts_at", label="From")
    date_to = DayFilter(field_name="starts_at", until=True, label="To")

    class Meta:
        model = TherapySession
        fields = ["q", "status", "session_type", "modality", "clinician", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Clinicians with no session yet too: the list opens on the signed-in
        # clinician's own sessions, an empty day for someone new. Those who have left
        # keep their sessions: typed without the script, or in a link, they still filter.
        self.filters["clinician"].queryset = (
            User.objects.filter(practice=self.practice)
            .filter(
                # Unscoped: tied to the practice's users (see web/queries.py).
                Exists(TherapySession._base_manager.filter(clinician=OuterRef("pk")))
                | Q(role=Role.CLINICIAN)
                | Q(clinician_profile__isnull=False)
            )
            .order_by("full_name")
        )
        for name in ("date_from", "date_to"):
            self.filters[name].field.widget.attrs["placeholder"] = "dd/mm/yyyy"

    def filter_search(self, queryset, name, value):
        """Sessions of the clients the words find (their names, Medicare number...)."""
        clients = Client.objects.for_practice(self.practice)
        return queryset.filter(textsearch.among("client", textsearch.matching_ids(clients, value)))
