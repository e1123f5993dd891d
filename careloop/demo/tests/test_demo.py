from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from careloop import testing
from careloop.clients.models import Client
from careloop.demo.build import DEMO_PASSWORD
from careloop.directory.models import Doctor, MedicalPractice
from careloop.lib.identifiers import check_medicare_number, check_provider_number
from careloop.practices.models import Practice, User
from careloop.practices.scoping import scopes_disabled
from careloop.referrals.models import Referral
from careloop.therapy.models import TherapySession


@pytest.fixture
def demo(db):
    call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_it_creates_two_practices_with_three_logins_each(demo, client):
    assert set(Practice.objects.values_list("slug", flat=True)) == {"harbour", "northside"}
    for slug in ("harbour", "northside"):
        for role in ("owner", "clinician", "admin"):
            user = User.objects.get(email=f"{role}@{slug}.demo")
            assert (user.practice.slug, user.role) == (slug, role)
            assert user.check_password(DEMO_PASSWORD)
    response = client.post(
        "/account/sign-in/", {"username": "clinician@northside.demo", "password": DEMO_PASSWORD}
    )
    assert response["Location"] == "/dashboard/"


def test_it_fills_each_practice_with_three_years_of_valid_synthetic_history(demo):
    for practice in Practice.objects.all():
        assert MedicalPractice.objects.for_practice(practice).count() >= 24
        assert Doctor.objects.for_practice(practice).count() >= 200
        assert Client.objects.for_practice(practice).count() >= 200
        dates = Referral.objects.for_practice(practice).values_list("referral_date", flat=True)
        assert (max(dates) - min(dates)).days > 2 * 365
        assert TherapySession.objects.for_practice(practice).count() > 1000
    client = Client.objects.first()
    assert check_medicare_number(client.medicare_number) == client.medicare_number
    doctor = Doctor.objects.first()
    assert check_provider_number(doctor.provider_number) == doctor.provider_number
    # Records never cross practices.
    assert not Referral.objects.exclude(practice_id=models_f("client__practice_id")).exists()


def models_f(name):
    from django.db.models import F

    return F(name)


def test_it_keeps_existing_data_when_asked_to_load_only_if_empty(demo, capsys):
    before = TherapySession.objects.count()
    call_command("demo", if_empty=True)
    assert TherapySession.objects.count() == before
    assert "owner@harbour.demo" in capsys.readouterr().out


def test_it_refuses_to_load_twice_without_if_empty(demo):
    with pytest.raises(CommandError, match="already exist"):
        call_command("demo")


def test_it_refuses_a_production_configuration(db, settings):
    settings.DEMO_ALLOWED = False
    with pytest.raises(CommandError, match="production"):
        call_command("demo")
    assert not Practice.objects.exists()


def test_production_does_not_even_install_the_demo(tmp_path):
    import subprocess
    import sys

    env = {
        "PATH": "/usr/bin:/bin",
        "CARELOOP_ENVIRONMENT": "production",
        "SECRET_KEY": "x" * 20 + "production-check-secret-with-enough-entropy-123456",
        "ALLOWED_HOSTS": "careloop.example",
        "CARELOOP_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-m", "careloop", "demo"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0 and "Unknown command: 'demo'" in result.stderr


def test_the_owner_sees_a_believable_outreach_routine(demo, client):
    from careloop.outreach.models import Activity, ActivityKind, OutreachEvent, OutreachTask, Stage
    from careloop.outreach.relationships import situations

    harbour = Practice.objects.get(slug="harbour")
    owner = User.objects.get(email="owner@harbour.demo")
    today = harbour.today()
    stages = {s.verdict.stage for s in situations(harbour, today)}
    assert {Stage.REFERRING, Stage.LAPSED, Stage.INTRODUCED, Stage.DO_NOT_CONTACT} <= stages
    # Introductions came before first referrals for most referrers.
    activities = Activity.objects.for_practice(harbour)
    assert activities.filter(kind=ActivityKind.REFERRAL).count() > 100
    assert activities.filter(kind=ActivityKind.TRAINING).exists()
    assert OutreachEvent.objects.for_practice(harbour).count() >= 4
    # Never introduced: doctors with no activity at all.
    assert Doctor.objects.for_practice(harbour).exclude(outreach_activities__isnull=False).exists()
    mine = OutreachTask.objects.for_practice(harbour).filter(
        assigned_to=owner, done_at__isnull=True
    )
    assert mine.filter(due_on__lte=today + timedelta(days=7)).count() >= 3
    client.force_login(owner)
    page = client.get("/dashboard/").content.decode()
    assert "Outreach due this week" in page and "log it" in page


def test_it_fills_the_search_keys_of_the_rows_it_writes_in_bulk(demo):
    # Written by bulk_create on SQLite and COPY on PostgreSQL: neither calls save().
    assert not Client.objects.filter(search_family="").exists()
    assert not Doctor.objects.filter(search_family="").exists()
    assert not MedicalPractice.objects.filter(search_name="").exists()
    person = Client.objects.order_by("pk").first()
    assert person.search_family and person.search_family in person.family_name.lower()


def test_scales_above_one_practices_worth_need_postgresql(db):
    from django.db import connection

    from careloop.demo import build

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL builds them")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("demo", scale=build.PRACTICE_SCALE_MAX + 1, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not Practice.objects.exists()


def test_a_copied_practice_owns_a_copy_of_every_row_and_nothing_of_the_original(demo):
    from django.apps import apps
    from django.db import connection

    from careloop.demo import network

    if connection.vendor != "postgresql":
        pytest.skip("practices are copied in PostgreSQL's SQL")
    harbour = Practice.objects.get(slug="harbour")
    copy = network.copy_practice(harbour, slug="network-03", name="Network Practice 03")
    for model in apps.get_models():
        if any(
            f.name == "practice" and f.related_model is Practice
            for f in model._meta.concrete_fields
        ):
            rows = model._base_manager
            assert rows.filter(practice=copy).count() == rows.filter(practice=harbour).count()
            # Every reference from a copied row lands on a row of the copy.
            for field in model._meta.concrete_fields:
                target = field.related_model
                if field.is_relation and target is not Practice and hasattr(target, "practice"):
                    stray = rows.filter(practice=copy, **{f"{field.name}__isnull": False}).exclude(
                        **{f"{field.name}__practice": copy}
                    )
                    assert not stray.exists(), (model, field.name)
    sessions = TherapySession._base_manager
    assert not sessions.filter(
        practice=copy, uuid__in=sessions.filter(practice=harbour).values("uuid")
    ).exists()
    # Summary rows that name doctors in text name the copy's own, and read exactly as a
    # recount of the copy would.
    from careloop.directory.models import Doctor
    from careloop.insights import summaries
    from careloop.insights.models import ReferralMonth, SourceTotal

    own = {
        str(pk) for pk in Doctor._base_manager.filter(practice=copy).values_list("pk", flat=True)
    }
    for model in (ReferralMonth, SourceTotal):
        keys = set(
            model._base_manager.filter(practice=copy, dimension="doctor")
            .exclude(key="")
            .values_list("key", flat=True)
        )
        assert keys and keys <= own, model

    def summary_rows():
        kept = {"id", "uuid", "created_at", "updated_at"}
        return {
            model: sorted(
                model._base_manager.filter(practice=copy).values_list(
                    *(f.attname for f in model._meta.concrete_fields if f.attname not in kept)
                )
            )
            for model in (ReferralMonth, SourceTotal)
        }

    copied = summary_rows()
    summaries.rebuild_months(copy)
    assert summary_rows() == copied
    owner = User.objects.get(email="owner@network-03.demo")
    assert owner.practice == copy and owner.check_password(DEMO_PASSWORD)
    assert Client._base_manager.filter(practice=copy, search_family="").count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_network_copies_each_practice_while_the_next_is_built(monkeypatch):
    # Committed for real: the copies run on connections of their own, which read only
    # what the practice's own transaction has committed.
    from django.db import connection

    from careloop.demo import build

    if connection.vendor != "postgresql":
        pytest.skip("practices are copied in PostgreSQL's SQL")
    monkeypatch.setattr(build, "PRACTICE_SCALE_MAX", 1)  # two of each practice at scale 2
    steps: list[str] = []
    with scopes_disabled():
        testing.reference_data()  # an earlier transactional test may have emptied it
        counts = build.create_demo(scale=2, progress=steps.append)
        slugs = set(Practice.objects.values_list("slug", flat=True))
        assert slugs == {"harbour", "northside", "network-03", "network-04"}
        sessions = TherapySession._base_manager
        for source, copy in (("harbour", "network-03"), ("northside", "network-04")):
            assert (
                sessions.filter(practice__slug=copy).count()
                == sessions.filter(practice__slug=source).count()
                > 0
            )
        assert counts["sessions"] == sessions.count()
        owner = User.objects.get(email="owner@network-04.demo")
        assert owner.practice.slug == "network-04"
    assert [step.split(" in ")[0] for step in steps] == [
        "Harbour Psychology built",
        "Northside Mind Clinic built",
        "2 copies made",
    ]


def test_an_incomplete_network_demo_is_refused_not_reused(demo):
    # A network build commits practice by practice: one stopped part-way must be rebuilt.
    from careloop.demo import build

    with pytest.raises(CommandError, match="incomplete"):
        call_command(
            "demo",
            scale=build.PRACTICE_SCALE_MAX + 1,
            if_empty=True,
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
    call_command("demo", if_empty=True, stdout=open("/dev/null", "w"))  # noqa: SIM115 - scale 1 is whole


@pytest.mark.django_db(transaction=True)
def test_a_failed_copy_stops_the_copier_and_is_raised(alice_practice, monkeypatch):
    from django.db import connection

    from careloop.demo import network

    if connection.vendor != "postgresql":
        pytest.skip("practices are copied in PostgreSQL's SQL")

    def fails(plan):
        raise RuntimeError(f"copy {plan.slug} failed")

    monkeypatch.setattr(network, "_make", fails)
    with (
        pytest.raises(RuntimeError, match="network-03 failed"),
        network.Copier(workers=1) as copier,
    ):
        copier.copy(alice_practice, slug="network-03", name="Copy")
    # The caller's own error is the one raised, not a copy's.
    with (
        pytest.raises(ValueError, match="the build's own"),
        network.Copier(workers=1) as copier,
    ):
        copier.copy(alice_practice, slug="network-04", name="Copy")
        raise ValueError("the build's own")
