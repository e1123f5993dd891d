"""Events about practices themselves."""

from dataclasses import dataclass

from careloop.events import Event


@dataclass(frozen=True)
class DemoPracticeBuilt(Event):
    """`careloop demo` made a synthetic practice; higher apps add their demo content
    (the public website's pages, say) without the demo builder importing them."""

    practice_id: int
