"""`careloop export_practice` and `careloop import_practice`: one practice's data, and
nothing of another's, into a fresh Careloop and back."""

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import models

from careloop import testing
from careloop.audit.models import AuditEvent
from careloop.clients.models import Client
from careloop.consent.models import Consent
from careloop.practices.models import Practice, User
from careloop.records.export import exported_models, rows_of
from careloop.records.importer import ImportRefused, import_practice

MARKER = "qxotherpracticeqx"


def _mark_every_text_field(practice):
    """Every text field of every row of `practice` says MARKER, so any byte of it in
    another practice's export is found."""
    Practice.objects.filter(pk=practice.pk).update(name=MARKER, slug=MARKER, street=MARKER)
    for model in exported_models():
        if model is AuditEvent:
            continue  # append-only: its rows are checked by uuid instead
        for row in rows_of(model, practice):
            values = {}
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField) or field.choices:
                    continue
                if (field.max_length or 999) < len(MARKER) + 10:
                    continue  # too short to hold it (a postcode, a state)
                if isinstance(field, models.EmailField):
                    values[field.attname] = f"{MARKER}{row.pk}@{MARKER}.test"
                else:  # unique on its own or with others: the row's id keeps it so
                    values[field.attname] = f"{MARKER}{row.pk}"
            if values:
                model._base_manager.filter(pk=row.pk).update(**values)


def _zip_texts(path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def _counts(practice) -> dict[str, int]:
    return {m._meta.label_lower: rows_of(m, practice).count() for m in exported_models()}


COUNT_SCRIPT = """
import json, django
django.setup()
from django_scopes import scopes_disabled
from careloop.practices.models import Practice, User
from careloop.records.export import exported_models, rows_of
with scopes_disabled():
    p = Practice.objects.get(slug="harbour")
    counts = {m._meta.label_lower: rows_of(m, p).count() for m in exported_models()}
    owner = User.objects.get(email="owner@harbour.demo")
    print(json.dumps({"counts": counts, "usable": owner.has_usable_password(),
                      "niches": sorted(p.niches.values_list("code", flat=True))}))
"""


@pytest.mark.django_db(transaction=False)
def test_it_exports_one_practice_whole_and_nothing_of_the_other(tmp_path):
    call_command("demo", stdout=io.StringIO())
    harbour = Practice.objects.get(slug="harbour")
    northside = Practice.objects.get(slug="northside")
    for practice in (harbour, northside):
        referral = testing.make_referral(practice)
        testing.make_document(referral)
    consent = Consent.objects.filter(practice=northside).first()
    consent.signed_copy.save(f"{MARKER}.pdf", ContentFile(MARKER.encode()), save=True)
    other_uuids = {
        str(u) for u in Client.objects.filter(practice=northside).values_list("uuid", flat=True)
    }
    other_uuids |= {
        str(u) for u in User.objects.filter(practice=northside).values_list("uuid", flat=True)
    }
    other_uuids |= {
        str(u)
        for u in AuditEvent.objects.filter(practice=northside).values_list("object_uuid", flat=True)
    }
    _mark_every_text_field(northside)
    expected = _counts(harbour)

    out = tmp_path / "harbour.zip"
    call_command("export_practice", "harbour", "--output", str(out), stdout=io.StringIO())

    members = _zip_texts(out)
    names = [name for name, _ in members]
    assert {
        "README.md",
        "manifest.json",
        "data/clients.client.json",
        "csv/clients.client.csv",
    } <= set(names)
    assert any(n.startswith("media/practices/") for n in names)
    everything = b"\n".join(name.encode() + b"\n" + body for name, body in members)
    assert MARKER.encode() not in everything.lower()
    assert not [u for u in other_uuids if u.encode() in everything]
    assert b"argon2" not in everything and b"pbkdf2" not in everything  # no password hashes
    manifest = json.loads(dict(members)["manifest.json"])
    assert {m["model"]: m["rows"] for m in manifest["models"]}.items() >= expected.items()
    assert expected["clients.client"] > 0 and expected["therapy.therapysession"] > 0
    assert "outreach.calendarfeed" not in {m["model"] for m in manifest["models"]}
    client_data = json.loads(dict(members)["data/clients.client.json"])
    assert client_data["key"] == "uuid"
    assert "id" not in client_data["rows"][0] and "practice" not in client_data["rows"][0]
    assert client_data["fields"]["usual_gp"]["refers_to"] == "directory.doctor"

    # A fresh installation, in its own data folder and database.
    fresh = tmp_path / "fresh"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(CARELOOP_DATA_DIR=str(fresh), DJANGO_SETTINGS_MODULE="careloop.settings")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, *args], env=env, capture_output=True, text=True, check=True, cwd=Path.cwd()
    )
    run("-m", "careloop", "migrate", "-v0")
    run("-m", "careloop", "import_practice", str(out))
    result = json.loads(run("-c", COUNT_SCRIPT).stdout)
    assert result["counts"] == expected
    assert result["usable"] is False  # members set a new password
    assert result["niches"] == sorted(harbour.niches.values_list("code", flat=True))
    for name, body in members:
        if name.startswith("media/"):
            stored = fresh / "media" / name.removeprefix("media/")
            assert (
                hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(body).hexdigest()
            )


def _small_export(tmp_path):
    practice = testing.make_practice("alpha")
    testing.make_user(practice)
    referral = testing.make_referral(practice)
    testing.make_document(referral)
    out = tmp_path / "alpha.zip"
    call_command("export_practice", "alpha", "--output", str(out), stdout=io.StringIO())
    return practice, out


def test_it_refuses_a_practice_that_is_here_already_and_writes_nothing(db, tmp_path):
    practice, out = _small_export(tmp_path)
    before = Client.objects.count()
    with pytest.raises(CommandError, match="exists already"):
        call_command("import_practice", str(out), stdout=io.StringIO())
    with pytest.raises(ImportRefused, match="in this installation already"):
        import_practice(out, slug="alpha-two")
    assert Client.objects.count() == before
    assert Practice.objects.count() == 1


def test_it_refuses_a_tampered_export_and_writes_nothing(db, tmp_path):
    practice, out = _small_export(tmp_path)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "data/clients.client.json":
                body = body.replace(b'"given_name": "', b'"given_name": "X')
            dst.writestr(item, body)
    files_before = sorted(Path(default_storage.location).rglob("*"))
    with pytest.raises(ImportRefused, match="does not match its checksum"):
        import_practice(tampered, slug="beta")
    assert not Practice.objects.filter(slug="beta").exists()
    assert sorted(Path(default_storage.location).rglob("*")) == files_before


def test_it_refuses_an_unknown_practice(db, tmp_path):
    with pytest.raises(CommandError, match="No practice"):
        call_command("export_practice", "nowhere", "--output", str(tmp_path / "x.zip"))
