import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from careloop.practices.models import Practice, User


def test_it_creates_a_practice_whose_owner_sets_a_password_from_the_link(client, db):
    out = StringIO()
    call_command(
        "add_practice",
        "Bayside Psychology",
        owner_email="Ana@Bayside.example",
        owner_name="Ana Lee",
        state="vic",
        time_zone="Australia/Melbourne",
        abn="51 824 753 556",
        stdout=out,
    )
    practice = Practice.objects.get(slug="bayside-psychology")
    owner = User.objects.get(email="ana@bayside.example")
    assert (owner.practice, owner.role, practice.state) == (practice, "owner", "VIC")
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+)", out.getvalue())[1]
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "bayside passphrase 1", "new_password2": "bayside passphrase 1"},
    )
    owner.refresh_from_db()
    assert owner.check_password("bayside passphrase 1")


def test_it_refuses_bad_input_and_creates_nothing(db):
    with pytest.raises(CommandError, match="checksum"):
        call_command(
            "add_practice", "X", owner_email="a@x.example", owner_name="A", abn="51824753557"
        )
    with pytest.raises(CommandError, match="Enter a valid email"):
        call_command("add_practice", "X", owner_email="not-an-email", owner_name="A")
    assert not Practice.objects.exists() and not User.objects.exists()
