import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careloop.settings")
application = get_wsgi_application()

# Every view module imported now, then the objects that live as long as the process
# (modules, settings, URL patterns: about 250,000) set aside from the garbage collector.
# Otherwise its full collections walk them all in the middle of a request: tens of
# milliseconds every few requests, the slowest of `make bench`'s twenty.
get_resolver().url_patterns  # noqa: B018 - imports the URLconf and its views
gc.freeze()
