import django_filters

from careloop.practices.models import User, clinicians_of
from careloop.web.filters import PracticeFilterSet

from .models import Referral, ReferralBasis, ReferralSource, TriageStatus, Urgency


class ReferralFilter(PracticeFilterSet):
    search_fields = (
        "client__given_name",
        "client__family_name",
        "reference",
        "referring_doctor__family_name",
        "reason",
    )
    status = django_filters.ChoiceFilter(choices=TriageStatus.choices, empty_label="Any status")
    basis = django_filters.ChoiceFilter(choices=ReferralBasis.choices, empty_label="Any basis")
    source = django_filters.ChoiceFilter(
        choices=ReferralSource.choices, label="Came by", empty_label="Any way"
    )
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices, empty_label="Any urgency")
    assigned_clinician = django_filters.ModelChoiceFilter(
        queryset=User.objects.none(), to_field_name="uuid", label="Clinician", empty_label="Anyone"
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
