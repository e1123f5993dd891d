"""Finding a doctor by name or Medicare provider number, and a medical practice by
name, as staff type them. Most recently updated first."""

from django.db.models import Q, QuerySet

from careloop.lib.search import search_key
from careloop.web.pickers import MIN_QUERY_LENGTH, PickerSource, name_match, prefix_match
from careloop.web.textsearch import words_of


def search_doctors(queryset: QuerySet, typed: str) -> QuerySet:
    typed = typed.strip()
    compact = typed.upper().replace(" ", "")
    if len(compact) >= 4 and compact[:4].isdigit():
        match = prefix_match("provider_number", compact[:8])
    elif len(typed) >= MIN_QUERY_LENGTH:
        words = search_key(typed).split()
        if words[:1] == ["dr"]:  # "Dr Smith"
            typed = " ".join(words[1:])
        match = name_match(typed)
    else:
        match = Q(pk__in=[])
    return queryset.filter(match).order_by("-updated_at", "-pk")


def search_medical_practices(queryset: QuerySet, typed: str) -> QuerySet:
    words = search_key(typed).split()
    if words[:1] == ["the"]:
        words = words[1:]
    whole = "".join(words)
    if len(whole) < MIN_QUERY_LENGTH:
        return queryset.none()
    return queryset.filter(prefix_match("search_name", whole)).order_by("-updated_at", "-pk")


def doctor_text(doctor) -> str:
    """What the doctor list's search finds a doctor by (Doctor.search_text)."""
    return " ".join(
        words_of(
            doctor.given_name,
            doctor.family_name,
            doctor.search_family,  # "obrien" finds O'Brien
            doctor.provider_number,
            doctor.email,
        )
    )


def medical_practice_text(medical_practice) -> str:
    """What the medical-practice list's search finds one by (search_text)."""
    mp = medical_practice
    return " ".join(words_of(mp.name, mp.search_name, mp.suburb, mp.postcode, mp.email))


def describe_doctor(doctor) -> str:
    return " · ".join(
        part for part in (doctor.get_doctor_type_display(), doctor.provider_number) if part
    )


def describe_medical_practice(medical_practice) -> str:
    return medical_practice.street


def picker_sources() -> list[PickerSource]:
    from .models import Doctor, MedicalPractice

    return [
        PickerSource(
            name="doctors",
            model=Doctor,
            noun="doctor",
            choices=lambda practice: Doctor.objects.for_practice(practice),
            search=search_doctors,
            describe=describe_doctor,
        ),
        PickerSource(
            name="medical-practices",
            model=MedicalPractice,
            noun="medical practice",
            choices=lambda practice: MedicalPractice.objects.for_practice(practice),
            search=search_medical_practices,
            describe=describe_medical_practice,
        ),
    ]
