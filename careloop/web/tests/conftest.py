import os
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread

from careloop.browser_testing import CHROMIUM, CHROMIUM_ARGS, require_chromium


# The browser tests' server shares the test's in-memory SQLite connection. Two requests
# at once on it (htmx refreshing two parts of a form) fail with "table is locked", which
# the file database of a real installation, with its busy timeout, never does. The
# server still takes connections in threads (a browser's idle preconnection must not
# block it) but runs the application for one request at a time.
class OneAtATimeWSGIServer(ThreadedWSGIServer):
    def set_app(self, application):
        lock = threading.Lock()

        def one_at_a_time(environ, start_response):
            with _requests:
                _requests.in_flight += 1
            try:
                with lock:
                    return application(environ, start_response)
            finally:
                with _requests:
                    _requests.in_flight -= 1
                    _requests.notify_all()

        super().set_app(one_at_a_time)


class _InFlight(threading.Condition):
    in_flight = 0


_requests = _InFlight()


@pytest.fixture(autouse=True)
def _server_quiet_before_the_database_is_emptied(request):
    """A page's last htmx request may still be on the server when its test ends; the
    database is emptied only once it is done (else: "table is locked", and the next test
    starts on the last one's rows). Set up after the database, so torn down before it."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    with _requests:
        _requests.wait_for(lambda: _requests.in_flight == 0, timeout=15)


LiveServerThread.server_class = OneAtATimeWSGIServer


@pytest.fixture(scope="session")
def browser():
    require_chromium()
    # Playwright's sync API runs an event loop in this thread; the Django ORM calls
    # the tests make around it are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-AU", timezone_id="Australia/Sydney"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
