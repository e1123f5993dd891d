"""The write path every staff form shares: scope, save, audit, in one transaction;
and the small helpers that turn a staff request into an action's keywords."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from careloop.audit.actions import Via, record_change, record_view, via_request

if TYPE_CHECKING:
    from careloop.clients.models import Client
    from careloop.practices.models import Practice, User
    from careloop.practices.scoping import PracticeOwned

_Record = TypeVar("_Record", bound="PracticeOwned")


def acting(request) -> dict:
    """The acting user and the audit context of a staff request, as an action's
    keywords: `actions.do_it(thing, **acting(request))`."""
    return {"by": request.user, "via": via_request(request)}


def audit_view(request, obj, *, client) -> None:
    """One "viewed" row per page: a page showing several records (a client with their
    referral) is one look at the client's information, and a log padded with several
    rows per look hides who really looked at what. The first record named wins."""
    if getattr(request, "_careloop_viewed", False):
        return
    record_view(obj, client=client, **acting(request))
    request._careloop_viewed = True


def unpack(form) -> tuple:
    """A valid ModelForm as an action wants it: the unsaved object, the names of the
    changed fields, and the many-to-many values to set once it is saved."""
    obj = form.save(commit=False)
    m2m = {
        field.name: form.cleaned_data[field.name]
        for field in obj._meta.many_to_many
        if field.name in form.cleaned_data
    }
    return obj, list(form.changed_data), m2m


def save_practice_record(
    obj: _Record,
    *,
    practice: Practice,
    by: User | None,
    via: Via,
    client_of: Callable[[_Record], Client | None] | None = None,
    changed_fields: Iterable[str] = (),
    m2m: dict[str, Any] | None = None,
    created: bool | None = None,
) -> _Record:
    """Save a practice-owned record into `practice`.

    `client_of(obj)` names the client the record is about; when it does, the change
    is written to the audit log in the same transaction, so there is no change
    without its audit row.
    """
    with transaction.atomic():
        if created is None:
            created = obj.pk is None
        if created:
            obj.practice = practice
        obj.save()
        for name, values in (m2m or {}).items():
            getattr(obj, name).set(values)
        client = client_of(obj) if client_of else None
        if client is not None:
            record_change(
                obj, by=by, via=via, client=client, created=created, changed_fields=changed_fields
            )
    return obj


def save_form(form, request, *, client_of=None):
    """The plain case: a staff form whose record needs no action of its own."""
    obj, changed, m2m = unpack(form)
    return save_practice_record(
        obj,
        practice=request.practice,
        client_of=client_of,
        changed_fields=changed,
        m2m=m2m,
        **acting(request),
    )


def practice_member_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if request.practice is None:
            raise PermissionDenied("This account does not belong to a practice.")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def safe_next(request) -> str | None:
    """The `next` page a form was opened from, if it is a page of this site: a link
    elsewhere must not be able to send staff, after saving, to a look-alike site."""
    value = request.GET.get("next", "")
    if (
        value.startswith("/")
        and not value.startswith("//")
        and "\\" not in value
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return None


def with_selected(url: str, name: str, public_id) -> str:
    """`url` with `name=<public id>` added: the page comes back with that record chosen."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != name]
    query.append((name, str(public_id)))
    return urlunsplit(("", "", parts.path, urlencode(query), ""))


def add_in_place_view(request, *, select: str, default_cancel_url: str, **kwargs):
    """A create form opened from another form (a referral being typed beside its letter)
    goes back there once saved, with the new record chosen as `select`."""
    back = safe_next(request)
    if back is None:
        return record_form_view(request, cancel_url=default_cancel_url, **kwargs)
    return record_form_view(
        request,
        cancel_url=back,
        success_url=lambda obj: with_selected(back, select, obj.uuid),
        extra_context={"returns_to_form": True},
        **kwargs,
    )


def record_form_view(
    request,
    *,
    form_class,
    instance=None,
    template,
    title,
    save,
    cancel_url,
    initial=None,
    extra_context=None,
    audit_client=None,
    success_url: Callable[[Any], str] | None = None,
):
    """Render a create or edit form; on a valid POST call `save(form)` and go to
    the saved record's page (or to `success_url(record)`).

    An edit form shows the whole record, so opening one is audited as a view of
    `instance` when `audit_client` names the client it is about."""
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, instance=instance, practice=request.practice)
        if form.is_valid():
            obj = save(form)
            verb = "added" if instance is None else "saved"
            messages.success(request, f"{obj} {verb}.")
            return redirect(success_url(obj) if success_url else obj.get_absolute_url())
    else:
        form = form_class(instance=instance, practice=request.practice, initial=initial)
        if instance is not None and audit_client is not None:
            audit_view(request, instance, client=audit_client)
    context = {"form": form, "title": title, "cancel_url": cancel_url, "object": instance}
    context.update(extra_context or {})
    return render(request, template, context, status=400 if form.errors else 200)
