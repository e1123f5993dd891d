from careloop.lib import tokens

FEEDBACK_DAYS = 90
_SALT = "careloop.letter-feedback"


def token_for(letter) -> str:
    return tokens.make(str(letter.uuid), salt=_SALT)


def letter_uuid_from(token: str) -> str | None:
    return tokens.read(token, salt=_SALT, max_age_days=FEEDBACK_DAYS)
