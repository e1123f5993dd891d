"""Spam held off a public form without a third-party service: a field people never see
(the honeypot), and a signed token saying when the form was shown, so a form sent
faster than a person types is refused and each shown form is good for one submission.

The public forms (the doctors' referral form, the clients' contact form) share it, and
share how they say no (`Refusals`): one page naming the practice and the reason, for a
body too large (413), too many submissions from one address (429, counted by
careloop.lib.ratelimit before the body is read) and a form that looked automated or was
sent twice (400).

The token is also why these forms need no CSRF cookie (public pages set no cookies):
they act for nobody (the public, `by=None`), so a forged cross-site submission could do
nothing the forger cannot do by sending the form themselves; and a submission must
still carry a fresh signed token that only a page of this site gives out. A request
whose browser says it came from another site is refused as well (`cross_site`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django import forms
from django.core import signing
from django.shortcuts import render
from django.utils import timezone

from .ratelimit import client_address, hit
from .tokens import use_once

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

# A person takes longer than this to fill in a form; a script does not.
MINIMUM_SECONDS = 3
STARTED_MAX_AGE = 60 * 60 * 24


def fresh_token(salt: str) -> str:
    """A new "form shown now" token. The nonce makes it good for one submission."""
    return signing.dumps(
        {"at": timezone.now().timestamp(), "nonce": secrets.token_urlsafe(16)}, salt=salt
    )


def cross_site(request: HttpRequest) -> bool:
    """The browser says the form was sent from a page of another site."""
    if request.META.get("HTTP_SEC_FETCH_SITE", "") == "cross-site":
        return True
    origin = str(request.META.get("HTTP_ORIGIN", ""))
    if not origin or origin == "null":
        return False
    return urlsplit(origin).netloc.lower() != request.get_host().lower()


class GuardedForm(forms.Form):
    """The base of a public form. Subclasses set `guard_salt`; their template shows
    `website` hidden from people (class "honeypot") and `started`."""

    guard_salt: str

    # A field people never see: a script filling in every field fills it in too.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The form's own fields first, in the order it declares them.
        self.order_fields([name for name in self.fields if name not in ("website", "started")])
        if not self.is_bound:
            self.initial["started"] = fresh_token(self.guard_salt)

    @property
    def form_token(self) -> str:
        """The token this (unbound) form shows: a cached page swaps in a fresh one."""
        return str(self.initial.get("started", ""))

    def _started(self) -> dict[str, Any] | None:
        try:
            started = signing.loads(
                self.data.get("started", ""), salt=self.guard_salt, max_age=STARTED_MAX_AGE
            )
        except signing.BadSignature:
            return None
        if not isinstance(started, dict) or not isinstance(started.get("at"), int | float):
            return None
        return started

    @property
    def looks_automated(self) -> bool:
        """Honeypot filled in, or sent faster than a person could type it."""
        if self.data.get("website"):
            return True
        started = self._started()
        if started is None:
            return True
        return bool(timezone.now().timestamp() - started["at"] < MINIMUM_SECONDS)

    def claim_form_token(self) -> bool:
        """Use up this form's token: False if the form was already sent with it.
        Claimed only once the form is valid, so fixing a mistake does not burn it."""
        started = self._started()
        return started is not None and bool(
            use_once(
                str(started.get("nonce", "")), salt=self.guard_salt, max_age_seconds=STARTED_MAX_AGE
            )
        )


@dataclass(frozen=True)
class Refusals:
    """How one public form says no. ``too_large`` and ``before`` are the two callables
    ``careloop.lib.bodylimit.guard_body`` takes; the view calls ``automated`` and
    ``already_sent`` itself. ``practice_of(request, *args, **kwargs)`` finds the
    practice the form belongs to (404 when there is none); the template gets
    ``practice`` and ``reason``."""

    template: str
    practice_of: Callable[..., Any]
    # Counted per practice and address: "<rate_key>:<practice pk>:<address>".
    rate_key: str
    per_hour: int
    too_large_reason: str
    too_many_reason: str
    automated_reason: str
    already_sent_reason: str

    def refuse(self, request: HttpRequest, practice: Any, reason: str, status: int) -> HttpResponse:
        return render(
            request, self.template, {"practice": practice, "reason": reason}, status=status
        )

    def too_large(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        practice = self.practice_of(request, *args, **kwargs)
        return self.refuse(request, practice, self.too_large_reason, 413)

    def before(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | None:
        """Counted before the body is read, so a flood costs no disk or parsing and
        stores nothing."""
        if request.method != "POST":
            return None
        practice = self.practice_of(request, *args, **kwargs)
        if hit(
            f"{self.rate_key}:{practice.pk}:{client_address(request)}",
            limit=self.per_hour,
            window_seconds=3600,
        ):
            return None
        return self.refuse(request, practice, self.too_many_reason, 429)

    def automated(self, request: HttpRequest, practice: Any) -> HttpResponse:
        return self.refuse(request, practice, self.automated_reason, 400)

    def already_sent(self, request: HttpRequest, practice: Any) -> HttpResponse:
        return self.refuse(request, practice, self.already_sent_reason, 400)
