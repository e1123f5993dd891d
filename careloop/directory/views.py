from django.db.models import Prefetch
from django.shortcuts import render
from django.urls import reverse

from careloop.practices.scoping import get_scoped_or_404
from careloop.referrals.models import Referral
from careloop.web.lists import PracticeListView
from careloop.web.queries import count_of
from careloop.web.records import (
    add_in_place_view,
    practice_member_required,
    record_form_view,
    save_form,
)

from .filters import DoctorFilter, MedicalPracticeFilter
from .forms import DoctorForm, MedicalPracticeForm
from .models import Doctor, MedicalPractice


class DoctorListView(PracticeListView):
    model = Doctor
    filterset_class = DoctorFilter
    list_title = "Doctors"
    create_url_name = "directory:doctor_create"
    create_label = "Add a doctor"
    rows_template_name = "directory/doctor_rows.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "medical_practices",
                    queryset=MedicalPractice.objects.only("id", "uuid", "name", "suburb"),
                )
            )
            .annotate(referral_count=count_of(Referral.objects.all(), "referring_doctor"))
        )


class MedicalPracticeListView(PracticeListView):
    model = MedicalPractice
    filterset_class = MedicalPracticeFilter
    list_title = "Medical practices"
    create_url_name = "directory:medical_practice_create"
    create_label = "Add a medical practice"
    rows_template_name = "directory/medical_practice_rows.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .annotate(
                doctor_count=count_of(
                    Doctor.medical_practices.through.objects.all(), "medicalpractice"
                )
            )
        )


def _doctor_queryset():
    return Doctor.objects.prefetch_related("medical_practices")


@practice_member_required
def doctor_detail(request, doctor):
    doctor = get_scoped_or_404(_doctor_queryset(), request.practice, doctor)
    referrals = doctor.referrals.select_related("client").order_by("-referral_date")[:20]
    feedback = doctor.feedback.select_related("letter__client").order_by("-created_at")[:20]
    return render(
        request,
        "directory/doctor_detail.html",
        {"doctor": doctor, "referrals": referrals, "feedback": feedback},
    )


@practice_member_required
def doctor_create(request):
    return add_in_place_view(
        request,
        select="doctor",
        form_class=DoctorForm,
        template="web/record_form.html",
        title="Add a doctor",
        save=lambda form: save_form(form, request),
        default_cancel_url=reverse("directory:doctor_list"),
    )


@practice_member_required
def doctor_edit(request, doctor):
    doctor = get_scoped_or_404(_doctor_queryset(), request.practice, doctor)
    return record_form_view(
        request,
        form_class=DoctorForm,
        instance=doctor,
        template="web/record_form.html",
        title=f"Edit {doctor}",
        save=lambda form: save_form(form, request),
        cancel_url=doctor.get_absolute_url(),
    )


@practice_member_required
def medical_practice_detail(request, medical_practice):
    medical_practice = get_scoped_or_404(
        MedicalPractice.objects.all(), request.practice, medical_practice
    )
    doctors = medical_practice.doctors.order_by("family_name", "given_name")
    return render(
        request,
        "directory/medical_practice_detail.html",
        {"medical_practice": medical_practice, "doctors": doctors},
    )


@practice_member_required
def medical_practice_create(request):
    return record_form_view(
        request,
        form_class=MedicalPracticeForm,
        template="web/record_form.html",
        title="Add a medical practice",
        save=lambda form: save_form(form, request),
        cancel_url=reverse("directory:medical_practice_list"),
    )


@practice_member_required
def medical_practice_edit(request, medical_practice):
    medical_practice = get_scoped_or_404(
        MedicalPractice.objects.all(), request.practice, medical_practice
    )
    return record_form_view(
        request,
        form_class=MedicalPracticeForm,
        instance=medical_practice,
        template="web/record_form.html",
        title=f"Edit {medical_practice.name}",
        save=lambda form: save_form(form, request),
        cancel_url=medical_practice.get_absolute_url(),
    )
