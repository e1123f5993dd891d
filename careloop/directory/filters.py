import django_filters

from careloop.practices.models import STATE_CHOICES
from careloop.web.filters import PracticeFilterSet

from .models import Doctor, DoctorType, MedicalPractice


class DoctorFilter(PracticeFilterSet):
    doctor_type = django_filters.ChoiceFilter(
        choices=DoctorType.choices, label="Type", empty_label="Any type"
    )
    suburb = django_filters.CharFilter(method="filter_suburb", label="Suburb")

    class Meta:
        model = Doctor
        fields = ["q", "doctor_type", "suburb"]

    def filter_suburb(self, queryset, name, value):
        # A subquery, not a join: a doctor with two rooms in the suburb is listed once
        # without DISTINCT, which would make the database sort every match.
        rooms = Doctor.medical_practices.through.objects.filter(
            medicalpractice__suburb__iexact=value
        )
        return queryset.filter(pk__in=rooms.values("doctor_id"))


class MedicalPracticeFilter(PracticeFilterSet):
    state = django_filters.ChoiceFilter(choices=STATE_CHOICES, empty_label="Any state")

    class Meta:
        model = MedicalPractice
        fields = ["q", "state"]
