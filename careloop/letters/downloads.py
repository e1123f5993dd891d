from careloop.lib import tokens

DOWNLOAD_DAYS = 14
_SALT = "careloop.letter-download"


def download_token(letter) -> str:
    return tokens.make(str(letter.uuid), salt=_SALT)


def letter_uuid_from(token: str) -> str | None:
    return tokens.read(token, salt=_SALT, max_age_days=DOWNLOAD_DAYS)
