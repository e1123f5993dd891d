import django_filters

from careloop.web.filters import PracticeFilterSet

from .models import Enquiry, EnquiryStatus


class EnquiryFilter(PracticeFilterSet):
    search_fields = ("name", "email", "phone")
    status = django_filters.ChoiceFilter(
        choices=EnquiryStatus.choices, label="Status", empty_label="Any status"
    )

    class Meta:
        model = Enquiry
        fields = ["q", "status"]
