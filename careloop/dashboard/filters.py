import django_filters
from django import forms

from careloop.audit.models import AuditAction, AuditEvent
from careloop.clients.models import Client
from careloop.practices.models import User
from careloop.practices.search import MEMBERS
from careloop.web import textsearch
from careloop.web.filters import DayFilter, PickerFilter, PracticeFilterSet


class AuditEventFilter(PracticeFilterSet):
    search_fields = ("object_label", "actor_label")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, empty_label="Any action")
    actor = PickerFilter(
        source=MEMBERS,
        queryset=User.objects.none(),
        to_field_name="uuid",
        empty_label="Anyone",
        label="Who",
    )
    client = django_filters.CharFilter(method="filter_client_name", label="Client name")
    # The "client history" link in each row: one client exactly, whatever their name.
    client_record = django_filters.UUIDFilter(
        field_name="client_uuid", widget=forms.HiddenInput, label="One client's history"
    )
    date_from = DayFilter(field_name="at", label="From")
    date_to = DayFilter(field_name="at", until=True, label="To")

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "actor", "client", "client_record", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["actor"].queryset = User.objects.filter(practice=self.practice).order_by(
            "full_name"
        )
        for name in ("date_from", "date_to"):
            self.filters[name].field.widget.attrs["placeholder"] = "dd/mm/yyyy"
        self.filters["client"].field.widget.attrs["placeholder"] = "Given or family name"

    def filter_client_name(self, queryset, name, value):
        """Audit rows keep the client's uuid, not their name (a renamed client keeps
        their history): find the practice's clients by name (the client list's search
        index), then their rows."""
        clients = textsearch.search(Client.objects.for_practice(self.practice), value)
        return queryset.filter(client_uuid__in=clients.order_by().values("uuid"))

    @property
    def one_client(self) -> Client | None:
        """The client whose history the page shows, when reached by a row's link."""
        if not self.is_bound or not self.form.is_valid():
            return None
        uuid = self.form.cleaned_data.get("client_record")
        if not uuid:
            return None
        return Client.objects.for_practice(self.practice).filter(uuid=uuid).first()
