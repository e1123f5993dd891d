from django.core import signing

DOWNLOAD_DAYS = 14
_SALT = "careloop.letter-download"


def download_token(letter) -> str:
    return signing.dumps(str(letter.uuid), salt=_SALT)


def letter_uuid_from(token: str) -> str | None:
    try:
        return signing.loads(token, salt=_SALT, max_age=DOWNLOAD_DAYS * 24 * 3600)
    except signing.BadSignature:
        return None
