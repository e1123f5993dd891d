"""Drafting letters when they fall due, editing, signing."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from careloop.audit.actions import COMMAND, JOB, Via, record_change
from careloop.clients.models import Client
from careloop.consent.rules import DisclosureRefused, check_disclosure
from careloop.entitlements import engine
from careloop.events import Notice
from careloop.measures.scoring import get_measure
from careloop.practices import permissions
from careloop.referrals.models import Referral
from careloop.therapy.entitlements import evaluate_client, evaluate_prefetched, with_history

from . import outbox, tasks
from .kinds import KINDS, SECTION_LIMIT
from .models import (
    ONE_PER_REFERRAL,
    Delivery,
    DeliveryStatus,
    Feedback,
    Letter,
    LetterStatus,
    LetterVersion,
)

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from careloop.directory.models import Doctor
    from careloop.measures.models import MeasureResult
    from careloop.practices.models import Practice, User
    from careloop.therapy.entitlements import Entitlement


class LetterError(ValueError):
    pass


class AlreadyDrafted(LetterError):
    """Another worker or person drafted this referral's letter of this kind first."""


# Why a session given under the referral was not part of its Medicare course.
NOT_REBATED = {
    engine.ANNUAL_CAP_REACHED: "annual cap reached",
    engine.REFERRAL_EXHAUSTED: "no sessions left on any referral",
    engine.NO_REFERRAL: "no referral dated on or before the session",
    engine.NO_ITEM_ON_DATE: "no Medicare item for that type of session on the date",
    engine.PROVIDER_NOT_ELIGIBLE: "private fee",
}


def _sessions_given(
    referral: Referral | None, client: Client, entitlement: Entitlement | None = None
) -> str:
    """The course as the entitlement engine counts it (the count the letter's opening
    gives too), then the sessions given under the referral that Medicare did not rebate."""
    if referral is None:
        return ""
    zone = client.practice.zoneinfo
    entitlement = entitlement or evaluate_client(client)
    if entitlement.course_row(referral) is None:
        # A self-referral has no Medicare course: every session is private.
        course = list(referral.sessions.filter(status="attended").order_by("starts_at"))
        not_rebated = []
    else:
        course = entitlement.course_sessions(referral)
        not_rebated = entitlement.not_rebated_under(referral)
    sentences = []
    if course:
        sentences.append(
            f"{_count(len(course), 'session')} from "
            f"{timezone.localtime(course[0].starts_at, zone):%d/%m/%Y} to "
            f"{timezone.localtime(course[-1].starts_at, zone):%d/%m/%Y}."
        )
    for reason, sessions in not_rebated:
        further = len(sessions)
        sentences.append(
            f"{further} {'further ' if course else ''}session{'s' if further != 1 else ''} "
            f"{'were' if further != 1 else 'was'} not Medicare-rebated ({NOT_REBATED[reason]})."
        )
    return " ".join(sentences)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"


def _prefill(
    kind: str, referral: Referral | None, client: Client, entitlement: Entitlement | None = None
) -> dict[str, str]:
    """Starting text from the referral and the scores: never from session notes."""
    sections = {}
    if kind == "acknowledgement":
        booked = (
            referral.sessions.filter(status="booked").order_by("starts_at").first()
            if referral
            else None
        )
        sections["appointment"] = (
            f"{client.given_name} is booked for {timezone.localtime(booked.starts_at):%A %d/%m/%Y}."
            if booked
            else f"We are contacting {client.given_name} to book a first appointment."
        )
    measures = _measure_summary(client)
    if kind == "assessment_plan":
        sections["presenting_concerns"] = referral.reason if referral else ""
        sections["assessment"] = measures["first"]
    if kind in ("end_of_course", "discharge"):
        sections["treatment" if kind == "end_of_course" else "summary"] = _sessions_given(
            referral, client, entitlement
        )
        sections["outcomes"] = measures["change"]
        if kind == "end_of_course":
            sections["assessments"] = measures["used"]
    return {k: v[:SECTION_LIMIT] for k, v in sections.items()}


def _measure_summary(client: Client) -> dict[str, str]:
    """Plain sentences about the client's scores: which measures, first and latest."""

    by_measure: dict[str, list[MeasureResult]] = {}
    for result in client.measure_results.order_by("administered_on", "created_at"):
        by_measure.setdefault(result.measure, []).append(result)

    # The K10's "High" means different things in the ABS and CRUfAD/GPcare groupings, so
    # where a measure has more than one band set the reader is told which one: once for
    # the measure when its results share one, or with each result when they differ.
    def bands_of(result: MeasureResult) -> str:
        band_sets = get_measure(result.measure).band_sets
        return band_sets[result.band_set]["label"] if len(band_sets) > 1 else ""

    def describe(result: MeasureResult, *, with_bands: bool = False) -> str:
        named = bands_of(result) if with_bands else ""
        return "; ".join(
            f"{s['label'].lower()} {s['score']}"
            + (f" ({s['band']}{'; bands: ' + named if named else ''})" if s["band"] else "")
            for s in result.scores
            if s["score"] is not None
        )

    def shared_bands(results: list[MeasureResult]) -> str:
        named = {bands_of(r) for r in results}
        return f"; bands: {named.pop()}" if len(named) == 1 and "" not in named else ""

    names = [get_measure(code).short_name for code in by_measure]
    changes = []
    for code, results in by_measure.items():
        first, last = results[0], results[-1]
        if first.pk != last.pk:
            shared = shared_bands([first, last])
            changes.append(
                f"{get_measure(code).short_name}: {describe(first, with_bands=not shared)} on "
                f"{first.administered_on:%d/%m/%Y}, {describe(last, with_bands=not shared)} on "
                f"{last.administered_on:%d/%m/%Y}{shared}."
            )
    return {
        "used": f"Measures used: {', '.join(names)}." if names else "",
        "first": " ".join(
            f"{get_measure(code).short_name} on "
            f"{results[0].administered_on:%d/%m/%Y}: {describe(results[0])}"
            f"{shared_bands(results[:1])}."
            for code, results in by_measure.items()
        ),
        "change": " ".join(changes),
    }


def draft(
    kind: str,
    *,
    client: Client,
    doctor: Doctor,
    referral: Referral | None = None,
    author: User | None = None,
    due_reason: str = "",
    entitlement: Entitlement | None = None,
    by: User | None = None,
    via: Via = JOB,
) -> Letter:
    """A new draft, started from the referral, the sessions and the scores (never the
    notes). Drafted by a person (`by`) or, when a letter falls due, by a job."""
    if kind not in KINDS:
        raise LetterError(f"Unknown kind of letter {kind!r}.")
    prefilled = _prefill(kind, referral, client, entitlement)
    try:
        with transaction.atomic():
            letter = Letter.objects.create(
                practice=client.practice,
                client=client,
                referral=referral,
                doctor=doctor,
                author=author,
                kind=kind,
                sections=prefilled,
                prefilled=prefilled,
                due_reason=due_reason,
            )
            record_change(letter, by=by, via=via, client=client, created=True)
    except IntegrityError:
        if referral is None or kind not in ONE_PER_REFERRAL:
            raise
        # The database keeps one live letter of this kind per referral.
        raise AlreadyDrafted(
            f"This referral already has its {KINDS[kind].title.lower()}: open it from "
            "the referral's page, or cancel it to write a new one."
        ) from None
    return letter


def update_sections(
    letter: Letter, values: dict[str, str], *, by: User | None = None, via: Via = COMMAND
) -> Letter:
    if letter.status != LetterStatus.DRAFT:
        raise LetterError("A signed letter cannot be changed; write a new one.")
    known = {s.code for s in letter.kind_info.sections}
    before = dict(letter.sections)
    letter.sections = {code: (values.get(code) or "").strip()[:SECTION_LIMIT] for code in known}
    with transaction.atomic():
        letter.save(update_fields=["sections", "updated_at"])
        changed = [
            s.title
            for s in letter.kind_info.sections
            if before.get(s.code, "") != letter.sections[s.code]
        ]
        if changed:
            record_change(
                letter, by=by, via=via, client=letter.client, created=False, changed_fields=changed
            )
    return letter


class NotAllowed(LetterError):
    pass


def may_sign(letter: Letter, user: User) -> bool:
    if letter.kind_info.clinical:
        return permissions.may_sign_clinical_letters(user)
    return permissions.may_approve_administrative_letters(user)


def _check_may_sign(letter: Letter, by: User) -> None:
    if may_sign(letter, by):
        return
    if letter.kind_info.clinical:
        raise NotAllowed(
            f"Only a clinician can sign {letter.kind_info.title.lower()}s: it carries a "
            "clinical opinion. Ask the treating clinician to sign it."
        )
    raise NotAllowed("Only a member of the practice can approve this letter.")


def sign(letter: Letter, *, by: User, via: Via = COMMAND) -> Letter:
    """Sign a draft: atomically (two people pressing Sign at once sign it once), audited,
    and only by whom the kind allows. A clinical letter is signed in the clinician's
    name; an administrative one approved by other staff goes out for the practice."""
    _check_may_sign(letter, by)
    with transaction.atomic():
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.status != LetterStatus.DRAFT:
            raise LetterError("Only a draft can be signed.")
        letter.sections, letter.prefilled = locked.sections, locked.prefilled
        _check_complete(letter)
        letter.status = LetterStatus.SIGNED
        letter.signed_by = by if permissions.is_treating_clinician(by) else None
        letter.signed_at = timezone.now()
        letter.save(update_fields=["status", "signed_by", "signed_at", "updated_at"])
        record_change(
            letter,
            by=by,
            via=via,
            client=letter.client,
            created=False,
            changed_fields=["signed" if letter.signed_by else "approved for the practice"],
        )
    return letter


def withdraw_to_amend(
    letter: Letter, *, reason: str, by: User, via: Via = COMMAND
) -> LetterVersion:
    """Take back a signed letter that has not gone, so it can be corrected: it becomes a
    draft again and the signed version is kept, with who withdrew it and why. Only
    someone who may sign it may withdraw it. A letter sent, on its way, or waiting to
    be printed is out of the practice's hands: correct it with a new letter."""
    _check_may_sign(letter, by)
    reason = " ".join(reason.split())[:500]
    if not reason:
        raise LetterError("Say what needs amending, so the history shows why it was withdrawn.")
    with transaction.atomic():
        # Locked so that it cannot be queued while it is being withdrawn (outbox.queue
        # takes the same lock).
        locked = Letter.objects.select_for_update().get(pk=letter.pk)
        if locked.status != LetterStatus.SIGNED:
            raise LetterError("Only a signed letter can be withdrawn to amend.")
        going = locked.deliveries.filter(status__in=outbox.LIVE_STATUSES).first()
        if going is not None:
            raise LetterError(_cannot_withdraw(going, letter))
        now = timezone.now()
        version = LetterVersion.objects.create(
            practice=letter.practice,
            letter=letter,
            sections=locked.sections,
            signed_by=locked.signed_by,
            signed_at=locked.signed_at or now,
            withdrawn_by=by,
            withdrawn_at=now,
            reason=reason,
        )
        letter.sections = locked.sections
        letter.status = LetterStatus.DRAFT
        letter.signed_by = None
        letter.signed_at = None
        letter.save(update_fields=["status", "signed_by", "signed_at", "updated_at"])
        record_change(
            letter,
            by=by,
            via=via,
            client=letter.client,
            created=False,
            changed_fields=["withdrawn to amend"],
        )
    return version


def _cannot_withdraw(delivery: Delivery, letter: Letter) -> str:
    if delivery.status == DeliveryStatus.TO_PRINT:
        return (
            "This letter is waiting to be printed and posted or faxed, so it cannot be "
            "withdrawn: if it has not gone, do not send the printout. To correct a letter "
            "that has gone, write a new one."
        )
    if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED):
        return (
            f"This letter has already been sent to {letter.doctor}, so it cannot be "
            "withdrawn. To correct it, write a new letter."
        )
    return (
        f"This letter is on its way to {letter.doctor} by "
        f"{delivery.get_channel_display().lower()}, so it cannot be withdrawn. To correct "
        "it, write a new letter."
    )


def _check_complete(letter: Letter) -> None:
    missing = [
        s.title
        for s in letter.kind_info.sections
        if s.required and not letter.sections.get(s.code, "").strip()
    ]
    if missing:
        raise LetterError("Fill in before signing: " + ", ".join(missing) + ".")
    only_automatic = [
        s.title
        for s in letter.kind_info.sections
        if s.own_words
        and _words(letter.prefilled.get(s.code, ""))
        and _words(letter.sections.get(s.code, "")) == _words(letter.prefilled[s.code])
    ]
    if only_automatic:
        several = len(only_automatic) > 1
        raise LetterError(
            f"Write the {_and(only_automatic)} section{'s' if several else ''} in your own "
            f"words: {'they still hold' if several else 'it still holds'} only the "
            "automatic text."
        )


def _words(text: str) -> str:
    # Spacing and line breaks added to the automatic text do not make it the
    # clinician's own.
    return " ".join(text.split())


def _and(titles: list[str]) -> str:
    return titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]


def create_due_drafts(
    practice: Practice, *, clients: QuerySet[Client] | None = None
) -> list[Letter]:
    """End-of-course reports for every finished course without one (the engine's
    report_due). Idempotent; a fixed number of queries plus one per new draft."""

    if clients is None:
        clients = (
            Client.objects.for_practice(practice)
            .filter(
                referrals__referring_doctor__isnull=False,
                referrals__report_sent_at__isnull=True,
            )
            .distinct()
        )
    existing = set(
        Letter.objects.filter(practice=practice, kind="end_of_course")
        .exclude(status=LetterStatus.CANCELLED)
        .values_list("referral_id", flat=True)
    )
    made = []
    for client in with_history(clients):
        entitlement = evaluate_prefetched(client)
        for action in entitlement.actions():
            referral = action.get("referral_obj")
            if (
                action["code"] != "report_due"
                or referral is None
                or referral.referring_doctor is None
                or referral.pk in existing
            ):
                continue
            # Another run may have drafted it a moment ago: that one stands.
            with contextlib.suppress(AlreadyDrafted):
                made.append(
                    draft(
                        "end_of_course",
                        client=client,
                        doctor=referral.referring_doctor,
                        referral=referral,
                        author=referral.assigned_clinician,
                        due_reason="The course of treatment has ended.",
                        entitlement=entitlement,
                    )
                )
            existing.add(referral.pk)
    return made


def draft_due_reports_for(client_id: int) -> list[Letter]:
    """After a session is recorded: draft the report if it ended a course."""

    client = Client.objects.select_related("practice").get(pk=client_id)
    return create_due_drafts(client.practice, clients=Client.objects.filter(pk=client_id))


def acknowledge_first_booking(referral: Referral, *, by: User | None = None) -> Notice | None:
    """When a referral's first session is booked, the referring doctor is owed an
    acknowledgement. It is drafted for a person to review and send, unless the practice
    chose automatic acknowledgements. Nothing is drafted when the referral is already
    acknowledged by any means (a phone call, an earlier letter)."""

    doctor = referral.referring_doctor
    if doctor is None or referral.acknowledged_at is not None:
        return None
    if (
        Letter.objects.filter(referral=referral, kind="acknowledgement")
        .exclude(status=LetterStatus.CANCELLED)
        .exists()
    ):
        return None
    try:
        letter = draft(
            "acknowledgement",
            client=referral.client,
            doctor=doctor,
            referral=referral,
            author=referral.assigned_clinician,
            due_reason="The first session was booked.",
            by=by,
            via=JOB,
        )
    except AlreadyDrafted:
        return None  # a simultaneous booking drafted it first
    url = letter.get_absolute_url()
    try:
        check_disclosure(referral.client, doctor, letter.kind_info.scope)
    except DisclosureRefused as refused:
        letter.due_reason = f"Cannot be sent yet: {refused}"[:500]
        letter.save(update_fields=["due_reason", "updated_at"])
        return Notice(
            f"An acknowledgement to {doctor} is ready to review, but it cannot be sent "
            f"yet: {refused}",
            url,
            warning=True,
        )
    if not referral.practice.send_acknowledgements_automatically:
        return Notice(f"An acknowledgement to {doctor} is ready to review.", url)
    # The practice chose to send these unseen: signed for the practice, not in a
    # clinician's name.
    letter.status = LetterStatus.SIGNED
    letter.signed_at = timezone.now()
    letter.save(update_fields=["status", "signed_at", "updated_at"])
    try:
        delivery = outbox.queue(letter, doctor.preferred_channel, by=by)
    except ValueError as problem:
        letter.due_reason = f"Not sent automatically: {problem}"[:500]
        letter.save(update_fields=["due_reason", "updated_at"])
        return Notice(
            f"An acknowledgement to {doctor} was written but not sent: {problem}",
            url,
            warning=True,
        )
    if delivery.status == DeliveryStatus.TO_PRINT:
        return Notice(f"An acknowledgement to {doctor} is ready to print or fax.", url)
    return Notice(
        f"An acknowledgement to {doctor} is being sent by "
        f"{delivery.get_channel_display().lower()}.",
        url,
    )


def draft_discharge_summary(referral_id: int, reason: str = "") -> Letter | None:
    """A discharge drafts the summary to the referrer (once per referral)."""

    referral = Referral.objects.select_related(
        "client__practice", "referring_doctor", "assigned_clinician"
    ).get(pk=referral_id)
    if referral.referring_doctor is None:
        return None  # a self-referral has no one to write to
    if (
        Letter.objects.filter(referral=referral, kind="discharge")
        .exclude(status=LetterStatus.CANCELLED)
        .exists()
    ):
        return None
    try:
        letter = draft(
            "discharge",
            client=referral.client,
            doctor=referral.referring_doctor,
            referral=referral,
            author=referral.assigned_clinician,
            due_reason="The client was discharged.",
        )
    except AlreadyDrafted:
        return None  # drafted by a job that ran at the same moment
    if reason:
        letter.sections = {**letter.sections, "reason": reason[:SECTION_LIMIT]}
        letter.save(update_fields=["sections", "updated_at"])
    return letter


def record_feedback(letter: Letter, answers: dict[str, Any], *, via: Via) -> Feedback | None:
    """The doctor's answer from the feedback link. Sent twice (a double tap), the first
    answer stands. The clinician is told by e-mail that there is feedback to read."""
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                practice=letter.practice, letter=letter, doctor=letter.doctor, **answers
            )
            record_change(
                feedback,
                by=None,
                via=via,
                client=letter.client,
                created=True,
                label=f"Feedback from {letter.doctor} on {letter.kind_info.title.lower()}",
            )
    except IntegrityError:
        return None
    transaction.on_commit(lambda: tasks.tell_clinician_of_feedback(letter.pk), robust=True)
    return feedback
