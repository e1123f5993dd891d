from dataclasses import dataclass

from careloop.events import Event


@dataclass(frozen=True)
class ScoresRecorded(Event):
    """A questionnaire was scored and stored for a client."""

    result_id: int
    client_id: int
