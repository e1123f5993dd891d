"""What the public website does when something happens in a lower app. Every
subscription of this app is listed in `connect()`."""

from careloop import events
from careloop.practices.events import DemoPracticeBuilt
from careloop.practices.models import Practice
from careloop.practices.scoping import practice_scope

from . import demo_content


def build_demo_site(event: DemoPracticeBuilt) -> None:
    practice = Practice.objects.get(pk=event.practice_id)
    with practice_scope(practice):
        demo_content.build(practice)


def connect() -> None:
    events.subscribe(DemoPracticeBuilt, build_demo_site)
