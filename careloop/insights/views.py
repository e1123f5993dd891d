"""Insights: owners' pages on where referrals come from, whether loops close, which
outreach works and how clients fare. Every table exports as CSV (?csv=<table>)."""

import uuid
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import slugify

from careloop.directory.models import Doctor
from careloop.practices.permissions import may_manage_practice
from careloop.practices.scoping import get_scoped_or_404
from careloop.web import keyset
from careloop.web.records import acting, practice_member_required, record_form_view, unpack

from . import actions, facts, periods, queries, report, yearly
from .forms import InsightSettingsForm, SendYearlyForm
from .tables import to_csv

SECTIONS = [
    ("Monthly report", "insights:index"),
    ("Sources", "insights:sources"),
    ("Funnel", "insights:funnel"),
    ("Promises", "insights:promises"),
    ("Outreach", "insights:outreach"),
    ("Outcomes", "insights:outcomes"),
    ("Yearly letters", "insights:doctors"),
]
PERIODS = {"12": "Last 12 months", "24": "Last 24 months", "6": "Last 6 months"}


def owner_required(view):
    @practice_member_required
    def wrapped(request, *args, **kwargs):
        if not may_manage_practice(request.user):
            raise PermissionDenied("Insights are for the practice owner.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _months(request) -> tuple[list[date], str]:
    chosen = request.GET.get("months", "12")
    if chosen not in PERIODS:
        chosen = "12"
    return periods.last_months(request.practice.today(), int(chosen)), chosen


def _page(request, template: str, title: str, data: dict, **extra):
    """Render the page, or one of its tables as CSV."""
    wanted = request.GET.get("csv")
    if wanted:
        for table in data["tables"]:
            if table.slug == wanted:
                response = HttpResponse(to_csv(table), content_type="text/csv; charset=utf-8")
                name = slugify(f"{request.practice.slug}-{title}-{table.slug}")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                return response
        raise Http404("No such table.")
    context = {"title": title, "sections": SECTIONS, "periods": PERIODS, **data, **extra}
    return render(request, template, context)


@owner_required
def index(request):
    """The monthly report on screen: last month by default, or ?month=YYYY-MM."""
    month = _month_param(request) or periods.add_months(request.practice.today().replace(day=1), -1)
    data = report.figures(request.practice, month)
    months = periods.last_months(request.practice.today(), 13)[:-1]
    return _page(
        request,
        "insights/index.html",
        "Monthly report",
        data,
        report_months=reversed(months),
    )


def _month_param(request, name: str = "month") -> date | None:
    value = request.GET.get(name, "")
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


@owner_required
def report_pdf(request):
    month = _month_param(request)
    if month is None:
        raise Http404("Choose a month.")
    response = HttpResponse(report.pdf(request.practice, month), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="careloop-report-{month:%Y-%m}.pdf"'
    return response


@owner_required
def sources(request):
    months, chosen = _months(request)
    data = queries.sources(request.practice, months)
    return _page(request, "insights/section.html", "Referral sources", data, chosen=chosen)


@owner_required
def funnel(request):
    months, chosen = _months(request)
    data = queries.funnel_page(request.practice, months)
    return _page(request, "insights/section.html", "Funnel", data, chosen=chosen)


@owner_required
def promises(request):
    months, chosen = _months(request)
    data = queries.promises(request.practice, months)
    return _page(request, "insights/section.html", "Promises kept", data, chosen=chosen)


BROKEN_PER_PAGE = 50


@owner_required
def broken(request):
    """The referrals whose loop broke: what the loop-closure rate links to."""
    month = _month_param(request)
    since = None if month else _month_param(request, "since")
    page = keyset.page_of(
        queries.broken_loops(request.practice, month, since=since),
        request.GET.get("page"),
        BROKEN_PER_PAGE,
        decorate=lambda rows: rows.select_related("referral__client", "doctor"),
    )
    kept = request.GET.copy()
    links = {}
    for name, position in (("previous", page.previous), ("next", page.next)):
        if position:
            kept["page"] = position
            links[name] = "?" + kept.urlencode()
    return render(
        request,
        "insights/broken.html",
        {
            "title": "Broken loops",
            "sections": SECTIONS,
            "facts": page.rows,
            "page": page,
            "links": links,
            "per_page": BROKEN_PER_PAGE,
            "month": month,
            "since": since,
        },
    )


@owner_required
def outreach(request):
    data = queries.outreach(request.practice, request.practice.today())
    return _page(request, "insights/section.html", "Outreach that worked", data)


@owner_required
def outcomes(request):
    # On screen inside the practice every client's scores count; the CSV leaves the
    # practice, so it uses only clients whose consent covers sharing their scores.
    shareable = bool(request.GET.get("csv"))
    data = queries.outcomes_page(
        request.practice, request.practice.today(), shareable_only=shareable
    )
    return _page(request, "insights/section.html", "Outcomes by source", data)


@owner_required
def doctors(request):
    """The yearly summary each referring doctor may be sent, with what it would say, and
    sending them all (once per form: a re-posted form sends nothing twice)."""
    # Worked out once per request: what the page shows is what is sent. A page of the
    # list is shown; sending covers every doctor.
    result = None
    if request.method == "POST":
        data = yearly.page(request.practice, request.practice.today())
        form = SendYearlyForm(request.POST)
        if form.is_valid():
            result = actions.send_yearly_summaries(
                request.practice,
                data["summaries"],
                batch_key=str(form.cleaned_data["batch"]),
                **acting(request),
            )
        data["summaries"] = data["summaries"][: yearly.PAGE_SIZE]
        data["pages"] = -(-data["doctors_count"] // yearly.PAGE_SIZE)
    else:
        data = yearly.page(
            request.practice, request.practice.today(), page_number=_page_number(request)
        )
        form = SendYearlyForm(initial={"batch": uuid.uuid4()})
    return render(
        request,
        "insights/doctors.html",
        {
            "title": "Yearly letters to doctors",
            "sections": SECTIONS,
            "form": form,
            "result": result,
            "printed": [m for m in result.queued if m.channel == "print"] if result else [],
            "batch": form["batch"].value(),
            **data,
        },
    )


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@owner_required
def doctor_summary(request, doctor):
    found = get_scoped_or_404(Doctor.objects.all(), request.practice, doctor)
    data = yearly.page(request.practice, request.practice.today(), doctor_ids=[found.pk])
    summary = next((s for s in data["summaries"] if s.doctor.pk == found.pk), None)
    return render(
        request,
        "insights/doctor_summary.html",
        {
            "title": f"Yearly summary for {found}",
            "sections": SECTIONS,
            "doctor": found,
            "summary": summary,
        },
    )


@owner_required
def insight_settings(request):
    instance = facts.settings_for(request.practice)

    def save(form):
        obj, changed, _ = unpack(form)
        return actions.save_settings(
            obj, practice=request.practice, changed_fields=changed, **acting(request)
        )

    return record_form_view(
        request,
        form_class=InsightSettingsForm,
        instance=instance if instance.pk else None,
        initial=None if instance.pk else {"report_within_days": 10, "email_monthly_report": True},
        template="web/record_form.html",
        title="Insight settings",
        save=save,
        cancel_url=reverse("insights:promises"),
        success_url=lambda _obj: reverse("insights:promises"),
    )
