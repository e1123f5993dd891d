"""A person's outreach calendar as iCalendar: their open tasks on their due days and
the visit days they planned. Doctors' names and practices only; nothing about clients."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from careloop.directory.models import MedicalPractice

from .models import CalendarFeed, OutreachTask, VisitPlan, VisitStop

# Visit days further back than this drop out of the feed.
PAST_VISITS_DAYS = 30


def _all_day(event: Event, day) -> None:
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))


# A calendar app asks for the feed every quarter of an hour or so, and it rarely changes
# in between: the body is kept in the shared cache under a fingerprint of everything it
# shows (one grouped query), so a poll costs that query, not 500 events' rendering.
# The time bound keeps "today" and the visit days' window moving.
KEPT_SECONDS = 15 * 60


def feed_for(feed: CalendarFeed, *, base_url: str) -> bytes:
    key = _cache_key(feed, base_url)
    body = cache.get(key)
    if body is None:
        body = _render(feed, base_url=base_url)
        cache.set(key, body, KEPT_SECONDS)
    return body


def _open_tasks(feed: CalendarFeed):
    return OutreachTask.objects.for_practice(feed.practice).filter(
        assigned_to=feed.user, done_at__isnull=True
    )


def _plans(feed: CalendarFeed, today):
    return VisitPlan.objects.for_practice(feed.practice).filter(
        planned_by=feed.user, planned_for__gte=today - timedelta(days=PAST_VISITS_DAYS)
    )


def _cache_key(feed: CalendarFeed, base_url: str) -> str:
    user, practice = feed.user, feed.practice
    today = practice.today()
    tasks = _open_tasks(feed).aggregate(
        n=Count("id"),
        changed=Max("updated_at"),
        doctors=Max("doctor__updated_at"),
        practices=Max("medical_practice__updated_at"),
    )
    plans = _plans(feed, today).aggregate(
        n=Count("id"),
        changed=Max("updated_at"),
        stop_count=Count("stops"),
        stops_changed=Max("stops__updated_at"),
        stop_practices=Max("stops__medical_practice__updated_at"),
    )
    fingerprint = repr(
        (
            feed.pk,
            base_url,
            today,
            user.get_full_name(),
            practice.name,
            sorted(tasks.items()),
            sorted(plans.items()),
        )
    )
    return "outreach-calendar:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def _render(feed: CalendarFeed, *, base_url: str) -> bytes:
    user, practice = feed.user, feed.practice
    today = practice.today()
    base = base_url.rstrip("/")
    calendar = Calendar()
    calendar.add("prodid", "-//Careloop//Outreach//EN-AU")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Outreach: {user.get_full_name()} ({practice.name})")
    stamp = timezone.now()
    tasks = (
        _open_tasks(feed)
        .select_related("doctor", "medical_practice")
        .order_by("due_on", "pk")[:500]
    )
    for task in tasks:
        event = Event()
        event.add("uid", f"task-{task.uuid}@careloop")
        event.add("dtstamp", stamp)
        day = task.due_on
        if task.snoozed_until and task.snoozed_until > day:
            day = task.snoozed_until
        _all_day(event, day)
        event.add("summary", task.title)
        lines = [task.get_source_display()]
        if task.snooze_reason:
            lines.append(f"Snoozed: {task.snooze_reason}")
        lines.append(base + reverse("outreach:tasks"))
        event.add("description", "\n".join(lines))
        event.add("url", base + reverse("outreach:task_done", args=[task.uuid]))
        calendar.add_component(event)
    plans = list(_plans(feed, today).order_by("planned_for", "pk")[:200])
    stops_by_plan: dict[int, list[MedicalPractice]] = {}
    for stop in (
        VisitStop.objects.for_practice(practice)
        .filter(plan__in=plans)
        .select_related("medical_practice")
        .order_by("plan_id", "position")
    ):
        stops_by_plan.setdefault(stop.plan_id, []).append(stop.medical_practice)
    for plan in plans:
        stops = stops_by_plan.get(plan.pk, [])
        event = Event()
        event.add("uid", f"visit-day-{plan.uuid}@careloop")
        event.add("dtstamp", stamp)
        _all_day(event, plan.planned_for)
        event.add(
            "summary", f"Visit day: {len(stops)} medical practice{'s' if len(stops) != 1 else ''}"
        )
        event.add(
            "description",
            "\n".join(
                f"{i}. {mp.name}, {', '.join(mp.postal_lines[1:])}"
                for i, mp in enumerate(stops, start=1)
            ),
        )
        calendar.add_component(event)
    return calendar.to_ical()
