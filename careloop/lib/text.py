"""One rule for single-line text (names, addresses, phone numbers, identifiers), used
by every form and by the HL7 importer: no line breaks or other control characters.

A family name typed as "Nguyen\\r\\nBcc: …" would otherwise be stored as typed and
break every e-mail that carries it in a header, on every later send.
"""

import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError

from careloop.lib.form_words import explain_errors

# C0 and C1 control characters (tab, CR and LF among them), DEL, and the Unicode line
# and paragraph separators, which some mail and PDF software also treat as line breaks.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")

SINGLE_LINE_MESSAGE = (
    "This must be on one line: it contains a line break or another invisible control "
    "character (often pasted in by accident). Retype it and try again."
)


def has_control_characters(value: str) -> bool:
    return bool(value) and _CONTROL.search(value) is not None


def validate_single_line(value: object) -> None:
    """A Django validator for single-line text fields."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="control_characters")


def is_single_line(field: forms.Field) -> bool:
    """A text field typed on one line: not a text area, and not a password (never
    shown or sent anywhere, so any character is harmless there)."""
    return isinstance(field, forms.CharField) and not isinstance(
        field.widget, forms.Textarea | forms.PasswordInput
    )


if TYPE_CHECKING:
    # A mixin: forms.Form or forms.ModelForm follows it, which mypy cannot know.
    _FormMixinBase = forms.BaseForm
else:
    _FormMixinBase = object


class SingleLineForm(_FormMixinBase):
    """Mix into every form, before forms.Form or forms.ModelForm: each single-line
    text field then refuses control characters, whichever page or channel it is on,
    and no field shows Django's generic messages (see form_words)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if is_single_line(field) and validate_single_line not in field.validators:
                # Each form instance has its own copy of its fields and their validators.
                field.validators.append(validate_single_line)
            explain_errors(field)

    def full_clean(self) -> None:
        # Some forms add fields after __init__ (a questionnaire's items, a letter's
        # sections): they get the same wording before any message is made.
        for field in self.fields.values():
            explain_errors(field)
        super().full_clean()


def single_line(value: object) -> str:
    """The value as one clean line, for places that cannot refuse it any more: e-mail
    headers built from names stored before the rule above (or by a channel that missed
    it). Control characters become spaces, runs of spaces one space."""
    return " ".join(_CONTROL.sub(" ", str(value or "")).split())
