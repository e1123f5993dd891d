"""The directory import in a real browser: upload, say which column is which, check,
import; each step accessible and without CSP errors."""

import pytest

from careloop import testing
from careloop.browser_testing import PageProblems, axe_violations
from careloop.directory.models import Doctor
from careloop.practices.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_imports_a_spreadsheet_with_its_own_headings(
    page, live_server, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    practice = testing.make_practice("harbour", name="Harbour Psychology")
    testing.make_user(practice, Role.OWNER, email="owner@harbour.test", full_name="Olive Owner")
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail").fill("owner@harbour.test")
    page.get_by_label("Password").fill(testing.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/dashboard/")

    page.goto(f"{live_server.url}/doctors/")
    page.get_by_role("link", name="Import doctors and practices").click()
    assert axe_violations(page) == []
    csv = tmp_path / "gps.csv"
    csv.write_text(
        "Surname,First name,Clinic,Town,State,Postcode\nShah,Priya,Bay Medical,Mosman,NSW,2088\n",
        encoding="utf-8",
    )
    page.get_by_label("File to import").set_input_files(str(csv))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url("**/doctors/import/columns/")
    assert axe_violations(page) == []
    assert page.get_by_label("Surname").input_value() == "family_name"
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url("**/doctors/import/check/")
    assert axe_violations(page) == []
    assert "Doctors" in page.locator("table").first.inner_text()
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/doctors/")
    assert "Imported gps.csv" in page.content()
    assert Doctor.objects.get().family_name == "Shah"
    problems.assert_none()
