import django_filters
from django.db.models import Q

from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.lib.search import query_words
from careloop.practices.models import User, clinicians_of
from careloop.practices.search import CLINICIANS
from careloop.web import textsearch
from careloop.web.filters import PickerFilter, PracticeFilterSet

from .models import Referral, ReferralBasis, ReferralSource, TriageStatus, Urgency


class ReferralFilter(PracticeFilterSet):
    status = django_filters.ChoiceFilter(choices=TriageStatus.choices, empty_label="Any status")
    basis = django_filters.ChoiceFilter(choices=ReferralBasis.choices, empty_label="Any basis")
    source = django_filters.ChoiceFilter(
        choices=ReferralSource.choices, label="Came by", empty_label="Any way"
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, empty_label="Any urgency")
    assigned_clinician = PickerFilter(
        source=CLINICIANS,
        queryset=User.objects.none(),
        to_field_name="uuid",
        label="Clinician",
        empty_label="Anyone",
    )
    received_from = django_filters.DateFilter(
        field_name="referral_date", lookup_expr="gte", label="Dated from"
    )
    received_to = django_filters.DateFilter(
        field_name="referral_date", lookup_expr="lte", label="Dated to"
    )

    class Meta:
        model = Referral
        fields = [
            "q",
            "status",
            "basis",
            "source",
            "urgency",
            "assigned_clinician",
            "received_from",
            "received_to",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.filters["assigned_clinician"].queryset = clinicians_of(self.practice)
        for name in ("received_from", "received_to"):
            self.filters[name].field.widget.attrs["placeholder"] = "dd/mm/yyyy"

    def filter_search(self, queryset, name, value):
        """Each typed word in the client's words, the doctor's, or the referral's own
        (its reference and reason), each through its own search index. A word of one
        or two letters starts the client's or the doctor's name (see textsearch). Read
        in the list's order when many referrals match (textsearch.find)."""
        clients = Client.objects.for_practice(self.practice)
        doctors = Doctor.objects.for_practice(self.practice)
        words = query_words(value)

        def condition(in_order: bool) -> Q:
            found = Q()
            for word in words:
                own = Q(pk__in=[])
                if len(word) >= textsearch.MIN_INDEXED:
                    own = textsearch.matches(Referral, word, using=queryset.db) or own
                found &= (
                    textsearch.among(
                        "client", textsearch.matching_ids(clients, word), in_order=in_order
                    )
                    | textsearch.among(
                        "referring_doctor",
                        textsearch.matching_ids(doctors, word),
                        in_order=in_order,
                    )
                    | own
                )
            return found

        if not words:
            return queryset
        found = textsearch.find(self.queryset, queryset, condition)
        self.paged = found.paged
        return found.counted
