import django_filters

from careloop.practices.models import STATE_CHOICES
from careloop.web.filters import PracticeFilterSet

from .models import Doctor, DoctorType, MedicalPractice


class DoctorFilter(PracticeFilterSet):
    search_fields = ("given_name", "family_name", "provider_number", "email")
    doctor_type = django_filters.ChoiceFilter(
        choices=DoctorType.choices, label="Type", empty_label="Any type"
    )
    suburb = django_filters.CharFilter(
        field_name="medical_practices__suburb", lookup_expr="iexact", label="Suburb", distinct=True
    )

    class Meta:
        model = Doctor
        fields = ["q", "doctor_type", "suburb"]


class MedicalPracticeFilter(PracticeFilterSet):
    search_fields = ("name", "suburb", "postcode", "email")
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, empty_label="Any state")

    class Meta:
        model = MedicalPractice
        fields = ["q", "state"]
