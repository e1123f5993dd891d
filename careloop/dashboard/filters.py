import django_filters

from careloop.audit.models import AuditAction, AuditEvent
from careloop.practices.models import User
from careloop.web.filters import PracticeFilterSet


class AuditEventFilter(PracticeFilterSet):
    search_fields = ("object_label", "actor_label")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, empty_label="Any action")
    actor = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), to_field_name="uuid", empty_label="Anyone", label="Who"
    )
    client = django_filters.UUIDFilter(field_name="client_uuid", label="Client id")
    date_from = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label="From")
    date_to = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label="To")

    class Meta:
        model = AuditEvent
        fields = ["q", "action", "actor", "client", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["actor"].queryset = User.objects.filter(practice=self.practice).order_by(
            "full_name"
        )
        for name in ("date_from", "date_to"):
            self.filters[name].field.widget.attrs["placeholder"] = "dd/mm/yyyy"
