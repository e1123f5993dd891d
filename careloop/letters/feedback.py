import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction

from careloop.lib import tokens

FEEDBACK_DAYS = 90
_SALT = "careloop.letter-feedback"

# Ten characters typed from a printed letter: no 0/O, 1/I/L or U, so nothing is
# misread; 31 letters and digits give about 2^49 codes, far beyond guessing.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
SHORT_CODE_LENGTH = 10


def token_for(letter) -> str:
    return tokens.make(str(letter.uuid), salt=_SALT)


def letter_uuid_from(token: str) -> str | None:
    return tokens.read(token, salt=_SALT, max_age_days=FEEDBACK_DAYS)


def looks_like_short_code(value: str) -> bool:
    code = normalise_short_code(value)
    return len(code) == SHORT_CODE_LENGTH and all(c in SHORT_CODE_ALPHABET for c in code)


def normalise_short_code(value: str) -> str:
    return value.replace("-", "").replace(" ", "").upper()


def format_short_code(code: str) -> str:
    """ "ABCDE23456" → "ABCDE-23456", easier to read off paper."""
    return f"{code[:5]}-{code[5:]}"


def short_code_for(letter) -> str:
    """The letter's short feedback code, made the first time a signed letter is
    rendered (a draft preview never needs one, so previews save nothing)."""
    from .models import FeedbackLink

    existing = FeedbackLink.objects.filter(letter=letter).values_list("code", flat=True).first()
    if existing:
        return existing
    for _ in range(5):
        code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
        try:
            with transaction.atomic():
                return FeedbackLink.objects.create(letter=letter, code=code).code
        except IntegrityError:
            # Another render made this letter's code at the same moment, or (rarely)
            # the code is taken: use theirs, or try another.
            existing = (
                FeedbackLink.objects.filter(letter=letter).values_list("code", flat=True).first()
            )
            if existing:
                return existing
    raise RuntimeError("Could not make a unique feedback code.")


def token_for_short_code(value: str, *, now) -> str | None:
    """The long signed token a short code stands for, or None if there is no such
    code or it is older than a feedback link lives."""
    from .models import FeedbackLink

    link = (
        FeedbackLink.objects.filter(code=normalise_short_code(value))
        .select_related("letter")
        .first()
    )
    if link is None or now - link.created_at > timedelta(days=FEEDBACK_DAYS):
        return None
    return token_for(link.letter)
