"""No Django default wording and no internal terms reach practice staff or doctors."""

import importlib
import inspect
import pkgutil

import django_filters
import pytest
from django import forms

import careloop
from careloop import testing
from careloop.audit.models import AuditAction, AuditEvent
from careloop.letters.models import Letter
from careloop.lib.form_words import object_phrase
from careloop.measures.scoring import definitions
from careloop.practices.models import Role

from .test_crawl import crawl, populate

DEFAULT_WORDING = (
    "This field is required",
    "---------",
    "Is active",
    "Enter the the",
    "Enter the your",
)
INTERNAL_TERMS = ("MSH-6", "--practice", "scoring 2026", "application/pdf", "image/png")


def _classes(kind):
    found = {}
    for module_info in pkgutil.walk_packages(careloop.__path__, "careloop."):
        if module_info.name.rsplit(".", 1)[-1] not in ("forms", "filters"):
            continue
        module = importlib.import_module(module_info.name)
        for _, klass in inspect.getmembers(module, inspect.isclass):
            if issubclass(klass, kind) and klass.__module__ == module.__name__:
                found[f"{klass.__module__}.{klass.__qualname__}"] = klass
    return found


def _bound(klass, practice, client, letter):
    """Every form and filter set, bound to empty data as if sent blank."""
    name = klass.__name__
    kwargs = {}
    takes_practice = any(
        "practice" in inspect.signature(k.__init__).parameters
        for k in klass.__mro__
        if "__init__" in vars(k)
    )
    if takes_practice or issubclass(klass, django_filters.FilterSet):
        kwargs["practice"] = practice
    if name in ("ConsentForm", "SignatureForm", "DisposalForm"):
        kwargs["client"] = client
    if name == "LetterForm":
        kwargs["letter"] = letter
    if name == "MeasureForm":
        kwargs.update(measure=definitions()["phq9"], staff=True)
    if issubclass(klass, django_filters.FilterSet):
        return klass({"q": ""}, queryset=klass._meta.model.objects.none(), **kwargs).form
    if name == "SignInForm":
        return klass(None, data={})
    return klass(data={}, **kwargs)


def test_no_form_or_filter_shows_djangos_default_wording(alice_practice, owner):
    populate(alice_practice)
    client = testing.make_client(alice_practice, given_name="Ada")
    letter = Letter.objects.filter(practice=alice_practice).first()
    classes = {**_classes(forms.BaseForm), **_classes(django_filters.FilterSet)}
    # The shared bases have no fields of their own.
    classes = {
        path: klass
        for path, klass in classes.items()
        if klass.__name__ not in ("PracticeModelForm", "PracticeFilterSet")
    }
    assert len(classes) > 20  # it did find them: staff, public and filter forms
    for path, klass in classes.items():
        form = _bound(klass, alice_practice, client, letter)
        form.is_valid()
        html = str(form) + "".join(str(e) for e in form.errors.values())
        for wording in DEFAULT_WORDING:
            assert wording not in html, (path, wording)
        for name, field in form.fields.items():
            # Labels made from code names read like code: "Is active", "Client uuid".
            if name.startswith(("is_", "has_")) or name.endswith(("_id", "_uuid", "_at")):
                label = (field.label or name).lower()
                assert label != name.replace("_", " "), (path, name)


@pytest.mark.parametrize(
    ("label", "phrase"),
    [
        ("Your given name", "your given name"),
        ("Patient's given name", "the patient's given name"),
        ("IRN", "the IRN"),
        ("HPI-I", "the HPI-I"),
        ("The patient knows", "the patient knows"),
        ("Family name", "the family name"),
        ("", "this"),
    ],
)
def test_a_label_reads_as_the_object_of_a_message(label, phrase):
    assert object_phrase(label) == phrase


@pytest.mark.parametrize("role", [Role.OWNER, Role.CLINICIAN, Role.ADMIN])
def test_no_staff_page_shows_internal_terms(client, alice_practice, role):
    populate(alice_practice)
    user = testing.make_user(alice_practice, role)
    client.force_login(user)
    found = []

    def check(url, html):
        found.extend((url, term) for term in INTERNAL_TERMS + DEFAULT_WORDING if term in html)

    seen, problems = crawl(client, "/dashboard/", on_page=check)
    assert problems == []
    assert len(seen) > 30
    assert found == []


def test_each_page_view_writes_at_most_one_viewed_row(owner_client, alice_practice):
    populate(alice_practice)
    seen, problems = crawl(owner_client, "/dashboard/")
    assert problems == []
    several = {}
    for url, status in seen.items():
        if status != 200:
            continue
        before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
        owner_client.get(url)
        written = AuditEvent.objects.filter(action=AuditAction.VIEW).count() - before
        if written > 1:
            several[url] = written
    assert several == {}
