from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse

from careloop.lib.bodylimit import guard_body
from careloop.practices.permissions import may_manage_practice
from careloop.practices.scoping import get_scoped_or_404
from careloop.referrals.models import Referral
from careloop.web.lists import ORDER_WORDS, PracticeListView
from careloop.web.queries import count_of
from careloop.web.records import (
    acting,
    add_in_place_view,
    practice_member_required,
    record_form_view,
    save_form,
)

from . import actions, importing, uploads
from .filters import DoctorFilter, MedicalPracticeFilter
from .forms import ColumnMappingForm, DirectoryUploadForm, DoctorForm, MedicalPracticeForm
from .importing import csvfile
from .models import Doctor, MedicalPractice


class DoctorListView(PracticeListView):
    page_words = ORDER_WORDS
    model = Doctor
    filterset_class = DoctorFilter
    list_title = "Doctors"
    create_url_name = "directory:doctor_create"
    create_label = "Add a doctor"
    rows_template_name = "directory/doctor_rows.html"
    template_name = "directory/doctor_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["may_import"] = may_manage_practice(self.request.user)
        return context

    def decorate(self, queryset):
        return queryset.prefetch_related(
            Prefetch(
                "medical_practices",
                # Unscoped: tied to the page's doctors (see web/queries.py).
                queryset=MedicalPractice._base_manager.only("id", "uuid", "name", "suburb"),
            )
        ).annotate(referral_count=count_of(Referral._base_manager.all(), "referring_doctor"))


class MedicalPracticeListView(PracticeListView):
    page_words = ORDER_WORDS
    model = MedicalPractice
    filterset_class = MedicalPracticeFilter
    list_title = "Medical practices"
    create_url_name = "directory:medical_practice_create"
    create_label = "Add a medical practice"
    rows_template_name = "directory/medical_practice_rows.html"

    def decorate(self, queryset):
        return queryset.annotate(
            doctor_count=count_of(Doctor.medical_practices.through.objects.all(), "medicalpractice")
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


# --- Import ---------------------------------------------------------------------------
# Upload, then (for a CSV whose headings are not the documented ones) say which column
# is which, then see what would change, then confirm. The file waits in `uploads`.

_SESSION_KEY = "directory_import"


def _importer_required(view):
    @practice_member_required
    def wrapped(request, *args, **kwargs):
        if not may_manage_practice(request.user):
            raise PermissionDenied("Only the practice owner can import into the directory.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return wrapped


def _pending(request):
    """The upload this person is part-way through, as (state, bytes), or None."""
    state = request.session.get(_SESSION_KEY)
    if not state or state.get("practice") != str(request.practice.uuid):
        return None
    data = uploads.fetch(request.practice.uuid, state.get("token", ""))
    if data is None:
        return None
    return state, data


def _mapping_of(state) -> dict[int, str] | None:
    mapping = state.get("mapping")
    return None if mapping is None else {int(k): v for k, v in mapping.items()}


@guard_body(max_bytes=importing.files.MAX_BYTES + 1024 * 1024)
@_importer_required
def directory_import(request):
    form = DirectoryUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read(importing.files.MAX_BYTES + 1)
        try:
            text = importing.files.decode(data)
        except importing.UnreadableFile as error:
            form.add_error("file", f"{error} Nothing was imported.")
        else:
            token = uploads.keep(request.practice.uuid, data)
            state = {
                "practice": str(request.practice.uuid),
                "token": token,
                "name": upload.name[:120],
                # Unticked: each format's own rule (importing/files.py).
                "drop_bad_identifiers": form.cleaned_data["drop_bad_identifiers"] or None,
                "mapping": None,
            }
            request.session[_SESSION_KEY] = state
            if importing.files.kind_of(text) == "csv" and csvfile.needs_mapping(
                csvfile.read_headings(text)
            ):
                return redirect("directory:import_columns")
            return redirect("directory:import_check")
    return render(
        request,
        "directory/import_upload.html",
        {"form": form, "columns": csvfile.COLUMNS},
        status=400 if form.errors else 200,
    )


def _start_again(request):
    messages.info(request, "That upload has expired; please choose the file again.")
    return redirect("directory:import")


@_importer_required
def directory_import_columns(request):
    pending = _pending(request)
    if pending is None:
        return _start_again(request)
    state, data = pending
    text = importing.files.decode(data)
    rows = csvfile.read_first_rows(text, 2)
    headings = rows[0] if rows else []
    samples = rows[1] if len(rows) > 1 else []
    saved = _mapping_of(state)
    guesses = (
        saved if saved is not None else {i: csvfile.guess_column(h) for i, h in enumerate(headings)}
    )
    form = ColumnMappingForm(
        request.POST or None,
        headings=headings,
        samples=samples,
        columns=csvfile.COLUMNS,
        guesses=guesses,
    )
    if request.method == "POST" and form.is_valid():
        state["mapping"] = {str(k): v for k, v in form.mapping().items()}
        request.session[_SESSION_KEY] = state
        return redirect("directory:import_check")
    return render(
        request,
        "directory/import_columns.html",
        {"form": form, "file_name": state["name"]},
        status=400 if form.errors else 200,
    )


@_importer_required
def directory_import_check(request):
    pending = _pending(request)
    if pending is None:
        return _start_again(request)
    state, data = pending
    parsed = importing.read_directory_file(
        data,
        mapping=_mapping_of(state),
        drop_bad_identifiers=state.get("drop_bad_identifiers"),
    )
    confirm = request.method == "POST"
    result = actions.import_directory(
        parsed,
        practice=request.practice,
        file_name=state["name"],
        dry_run=not confirm,
        **acting(request),
    )
    if confirm and result.ok:
        uploads.discard(request.practice.uuid, state["token"])
        del request.session[_SESSION_KEY]
        messages.success(request, f"Imported {state['name']}. {result.summary}")
        return redirect("directory:doctor_list")
    return render(
        request,
        "directory/import_check.html",
        {
            "result": result,
            "file_name": state["name"],
            "mapped": state.get("mapping") is not None,
            "problems": result.problems[:500],
            "warnings": result.warnings[:500],
        },
        status=400 if result.problems else 200,
    )
