import pytest
from django.test import RequestFactory

from careloop.lib.network import client_address, lockout_username, normalise_username


def request(remote="10.0.0.2", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.mark.parametrize(
    "proxies, remote, forwarded, expected",
    [
        (0, "10.0.0.2", None, "10.0.0.2"),
        (0, "10.0.0.2", "203.0.113.5", "10.0.0.2"),  # no proxy: the header is the client's
        (1, "10.0.0.2", "203.0.113.5", "203.0.113.5"),
        (1, "10.0.0.2", "192.0.2.1, 203.0.113.5", "203.0.113.5"),  # left part is forgeable
        (2, "10.0.0.3", "192.0.2.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "10.0.0.3", "203.0.113.5", "10.0.0.3"),  # too few hops: not believed
        (1, "10.0.0.2", None, "10.0.0.2"),
        (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
        (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
        (0, "", None, None),
    ],
)
def test_it_finds_the_client_behind_the_trusted_proxies(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_address(request(remote, forwarded)) == expected


@pytest.mark.parametrize(
    "typed", ["clinician@alice.test", "CLINICIAN@Alice.TEST", "  clinician@alice.test\t"]
)
def test_it_normalises_the_username_the_way_sign_in_matches_it(typed):
    assert normalise_username(typed) == "clinician@alice.test"


def test_the_lockout_reads_the_username_from_credentials_or_the_form():
    form = RequestFactory().post("/", {"username": "Someone@Example.org"})
    assert lockout_username(form, None) == "someone@example.org"
    assert lockout_username(form, {"username": "OTHER@example.org"}) == "other@example.org"
    assert normalise_username(None) == ""
