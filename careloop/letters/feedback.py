from django.core import signing

FEEDBACK_DAYS = 90
_SALT = "careloop.letter-feedback"


def token_for(letter) -> str:
    return signing.dumps(str(letter.uuid), salt=_SALT)


def letter_uuid_from(token: str) -> str | None:
    try:
        return signing.loads(token, salt=_SALT, max_age=FEEDBACK_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
