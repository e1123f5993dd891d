"""The monthly practice report: the same figures on screen and in a one-page PDF that
is e-mailed to the owners on the first business day of each month."""

from datetime import date
from typing import Any

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from careloop.audit.actions import JOB, record
from careloop.lib.business_days import is_business_day
from careloop.outreach.models import Activity
from careloop.practices.models import Practice, Role, User
from careloop.web.pdf import render_pdf

from . import periods, queries
from .facts import settings_for
from .models import Dimension, MonthlyReport, ReferralMonth
from .tables import Table


def first_business_day(month: date, state: str) -> date:
    day = month
    while not is_business_day(day, state):
        day = day.replace(day=day.day + 1)
    return day


def figures(practice: Practice, month: date) -> dict[str, Any]:
    """The report of `month` (its first day)."""
    previous = periods.add_months(month, -1)
    summary_rows = ReferralMonth.objects.filter(practice=practice, month__in=[month, previous])
    totals = {row.month: row for row in summary_rows.filter(dimension=Dimension.ALL)}
    this_month = totals.get(month) or ReferralMonth(month=month)
    received = this_month.referrals
    before = totals[previous].referrals if previous in totals else 0
    closure = queries.loop_closure(practice, [month])
    promises = {
        "ack": this_month.acknowledged_on_time,
        "ack_known": this_month.acknowledged_known,
        "contact": this_month.contacted_on_time,
        "contact_known": this_month.contacted_known,
    }
    busiest = [
        (int(key), n)
        for key, n in summary_rows.filter(dimension=Dimension.DOCTOR, month=month)
        .exclude(key="")
        .order_by("-referrals", "key")
        .values_list("key", "referrals")[:5]
    ]
    # Named are the five shown, not the month's every referrer.
    names = queries._names(practice, "doctor", {doctor_id for doctor_id, _ in busiest})
    top = [[names.get(doctor_id, ("(removed)", ""))[0], n] for doctor_id, n in busiest]
    activities = Activity.objects.filter(
        practice=practice,
        kind__in=queries.OUTREACH_KINDS,
        occurred_on__gte=month,
        occurred_on__lt=periods.add_months(month, 1),
    ).count()
    owed = len(queries.letters_owed(practice, timezone.now()).rows)
    summary = Table(
        "summary",
        f"{month:%B %Y} at a glance",
        ["Figure", "Value"],
        [
            ["Referrals received", received],
            [f"In {previous:%B}", before],
            ["Acknowledged on time", queries.percent(promises["ack"], promises["ack_known"])],
            [
                "Client contacted on time",
                queries.percent(promises["contact"], promises["contact_known"]),
            ],
            [
                "Loop-closure rate (loops decided so far)",
                queries.percent(closure.closed, closure.decided),
            ],
            ["Loops broken", closure.broken],
            ["Outreach activities", activities],
            ["Letters owed today", owed],
        ],
    )
    doctors = Table(
        "top-doctors",
        "Doctors who referred most",
        ["Doctor", "Referrals"],
        top,
        empty="No referral from a doctor this month.",
    )
    return {"month": month, "tables": [summary, doctors], "practice": practice}


def pdf(practice: Practice, month: date) -> bytes:
    return render_pdf("insights/monthly_report_pdf.html", figures(practice, month))


def send_if_due(practice: Practice, *, today: date | None = None) -> MonthlyReport | None:
    today = today or practice.today()
    month = today.replace(day=1)
    if today != first_business_day(month, practice.state):
        return None
    if not settings_for(practice).email_monthly_report:
        return None
    return send(practice, periods.add_months(month, -1))


def send(practice: Practice, month: date) -> MonthlyReport | None:
    """E-mail the report of `month` to the practice's owners, once."""
    owners = list(
        User.objects.filter(practice=practice, role=Role.OWNER, is_active=True).values_list(
            "email", flat=True
        )
    )
    try:
        with transaction.atomic():
            sent = MonthlyReport.objects.create(
                practice=practice, month=month, sent_at=timezone.now(), recipients=len(owners)
            )
    except IntegrityError:
        return None  # already sent
    if owners:
        message = EmailMessage(
            subject=f"{practice.name}: your report for {month:%B %Y}",
            body=(
                f"Attached is {practice.name}'s report for {month:%B %Y}: referrals, "
                "promises kept to doctors and outreach. The same figures, and more, are "
                "under Insights in Careloop."
            ),
            to=owners,
        )
        message.attach(
            f"careloop-report-{month:%Y-%m}.pdf", pdf(practice, month), "application/pdf"
        )
        message.send()
    record(sent, action="create", by=None, via=JOB, label=str(sent))
    return sent
