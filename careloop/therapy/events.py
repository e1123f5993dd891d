from dataclasses import dataclass

from careloop.events import Event


@dataclass(frozen=True)
class SessionAttended(Event):
    """A session was recorded as attended: it may have ended a course of treatment."""

    session_id: int
    client_id: int
