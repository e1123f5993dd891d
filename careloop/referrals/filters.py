import django_filters

from careloop.web.filters import PracticeFilterSet

from .models import Referral, ReferralBasis


class ReferralFilter(PracticeFilterSet):
    search_fields = (
        "client__given_name",
        "client__family_name",
        "referring_doctor__family_name",
        "reason",
    )
    basis = django_filters.ChoiceFilter(choices=ReferralBasis.choices, empty_label="Any basis")
    received_from = django_filters.DateFilter(
        field_name="referral_date", lookup_expr="gte", label="Dated from"
    )
    received_to = django_filters.DateFilter(
        field_name="referral_date", lookup_expr="lte", label="Dated to"
    )

    class Meta:
        model = Referral
        fields = ["q", "basis", "received_from", "received_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("received_from", "received_to"):
            self.filters[name].field.widget.attrs["placeholder"] = "dd/mm/yyyy"
