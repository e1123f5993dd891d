from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from careloop.audit.models import AuditEvent
from careloop.clients.models import Client
from careloop.directory.models import Doctor
from careloop.insights.periods import last_months
from careloop.insights.queries import loop_closure
from careloop.measures.actions import open_alerts_for
from careloop.outreach.relationships import due_this_week
from careloop.referrals.models import OPEN_STATUSES, Referral
from careloop.therapy.entitlements import courses_needing_attention
from careloop.therapy.models import SessionStatus, TherapySession
from careloop.web.lists import PracticeListView
from careloop.web.records import practice_member_required

from .filters import AuditEventFilter

# The dashboard counts clients up to this many and says "10,000+" beyond: counting
# every client of a large practice on every view would read them all.
CLIENTS_COUNTED = 10_000
TODAYS_SESSIONS_SHOWN = 20
STATUSES_SHOWN = [status for status in SessionStatus if status != SessionStatus.CANCELLED]
# What the dashboard's rows show, and no more: every timestamp is a parse in Python on
# PostgreSQL, and the rows' clients and doctors have dozens of columns. A client or a
# doctor is named by what labels it in a choice list.
TODAYS_SESSION_FIELDS = (
    "uuid",
    "starts_at",
    "status",
    *(f"client__{name}" for name in Client.CHOICE_LABEL_FIELDS),
    "clinician__full_name",
    "clinician__email",
)
RECENT_REFERRAL_FIELDS = (
    "uuid",
    "received_at",
    *(f"client__{name}" for name in Client.CHOICE_LABEL_FIELDS),
    *(f"referring_doctor__{name}" for name in Doctor.CHOICE_LABEL_FIELDS),
)


@practice_member_required
def dashboard(request):
    practice = request.practice
    today = practice.today()
    day_start = datetime.combine(today, time.min, tzinfo=practice.zoneinfo)
    todays = TherapySession.objects.for_practice(practice).filter(
        starts_at__gte=day_start, starts_at__lt=day_start + timedelta(days=1)
    )
    if request.user.is_clinician and not request.user.is_owner:
        todays = todays.filter(clinician=request.user)
    todays_sessions = (
        todays.exclude(status=SessionStatus.CANCELLED)
        .select_related("client", "clinician")
        .only(*TODAYS_SESSION_FIELDS)
        .order_by("starts_at")
    )
    # The first few of the day; the session list has them all (a large practice books
    # hundreds a day). Counted by the index on practice, status and time, today's rows
    # only: asked for the statuses but cancelled, the index alone answers (asked to
    # exclude cancelled, SQLite read each of 1,300 sessions for its status).
    todays_count = todays.filter(status__in=STATUSES_SHOWN).count()
    month_start = today.replace(day=1)
    closure_months = last_months(today, 12)
    referrals = Referral.objects.for_practice(practice)
    # Each figure reads only the rows it counts, through an index leading with the
    # practice: the open referrals (the inbox's index), this month's (by date).
    open_counts = referrals.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(next_due_at__lt=timezone.now()))
    )
    # Counted up to a bound: a practice of any size costs the same.
    client_count = Client.objects.for_practice(practice).order_by()[: CLIENTS_COUNTED + 1].count()
    context = {
        "alerts": list(open_alerts_for(request.user, practice)[:50]),
        "open_referrals": open_counts["open"],
        "overdue_referrals": open_counts["overdue"],
        "courses": courses_needing_attention(request.user, today=today)
        if request.user.is_clinician
        else None,
        "today": today,
        "todays_sessions": todays_sessions[:TODAYS_SESSIONS_SHOWN],
        "todays_count": todays_count,
        "recent_referrals": referrals.select_related("client", "referring_doctor")
        .only(*RECENT_REFERRAL_FIELDS)
        .order_by("-received_at")[:8],
        "referrals_this_month": referrals.filter(referral_date__gte=month_start).count(),
        "client_count": min(client_count, CLIENTS_COUNTED),
        "more_clients": client_count > CLIENTS_COUNTED,
        "outreach": due_this_week(request.user, practice, today),
        # The owner's one figure of promises kept: the last twelve months' loops, as
        # the promises page shows by default (recent months' loops are mostly still open).
        "loop_closure": loop_closure(practice, closure_months) if request.user.is_owner else None,
        "loop_closure_since": closure_months[0],
    }
    return render(request, "dashboard/dashboard.html", context)


class AuditEventListView(PracticeListView):
    """The practice owner's view of who saw or changed which client record."""

    model = AuditEvent
    filterset_class = AuditEventFilter
    list_title = "Audit log"
    rows_template_name = "audit/event_rows.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_owner:
            raise PermissionDenied("Only the practice owner can read the audit log.")
        return super().dispatch(request, *args, **kwargs)
