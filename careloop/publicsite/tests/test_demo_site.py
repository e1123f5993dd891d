import pytest
from django.core.management import call_command

from careloop.publicsite.models import Article, ClinicianPage


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_demo_practices_have_published_websites(demo, client):
    home = client.get("/p/harbour/").content.decode()
    assert "Mental Health Treatment Plan" in home and "Our clinicians" in home
    assert (
        ClinicianPage.objects.filter(practice__slug="harbour", published__isnull=False).count() == 4
    )
    assert Article.objects.filter(practice__slug="harbour", published__isnull=False).count() == 3
    post = client.get("/p/harbour/articles/why-we-like-to-work-with-your-gp/").content.decode()
    assert "<h2>It can cost you less</h2>" in post
    doctors = client.get("/p/harbour/for-doctors/").content.decode()
    assert "HealthLink EDI: harbourpsy" in doctors and "Urgent places this week" in doctors
    assert client.get("/p/northside/").status_code == 200
