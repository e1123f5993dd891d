"""Error messages and labels that say what to do, instead of Django's generic ones.

Applied to every field of every form (through SingleLineForm) and every filter set,
so that "This field is required.", "---------" and labels made from field names
("Is active") never reach a user. A message a form sets itself is kept: only
Django's own wording is replaced.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.forms.fields import Field

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DJANGO_EMPTY_LABEL = "---------"

# A label that already begins with one of these reads on without "the":
# "Your given name" → "Enter your given name", not "Enter the your given name".
_DETERMINERS = ("the ", "your ", "a ", "an ", "this ", "their ", "his ", "her ", "its ")


def _lower_first(label: str) -> str:
    """ "Given name" → "given name", but "IRN" and "HPI-I" stay as written."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def object_phrase(label: "str | StrPromise | None") -> str:
    """The label as the object of "Enter …" or "Choose …"."""
    label = (label or "").strip().rstrip(":?").strip()
    if not label:
        return "this"
    phrase = _lower_first(label)
    if phrase.lower().startswith(_DETERMINERS):
        return phrase
    return f"the {phrase}"


def _is_django_default(field: Field, code: str) -> bool:
    """True when the message for ``code`` is still Django's: a form's own wording,
    set through ``error_messages=``, must survive."""
    current = field.error_messages.get(code)
    if current is None:
        return True
    for klass in type(field).__mro__:
        default = getattr(klass, "default_error_messages", {}).get(code)
        if default is not None and str(default) == str(current):
            return True
    return False


def _set(field: Field, code: str, message: str) -> None:
    if _is_django_default(field, code):
        field.error_messages[code] = message


def explain_errors(field: Field) -> None:
    """Replace Django's default messages on ``field`` with specific ones."""
    phrase = object_phrase(field.label)
    if isinstance(field, forms.DateTimeField):
        _set(
            field,
            "invalid",
            "Enter the date and time as dd/mm/yyyy hh:mm, for example 15/12/2026 14:30.",
        )
    elif isinstance(field, forms.DateField):
        _set(field, "invalid", "Enter the date as dd/mm/yyyy, for example 07/03/1994.")
    if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        _set(field, "required", f"Choose {phrase}.")
        _set(field, "invalid_choice", f"That is not one of the choices; choose {phrase} again.")
        _set(field, "invalid_pk_value", f"That is not one of the choices; choose {phrase} again.")
        _set(field, "list", f"Choose {phrase} from the list.")
    elif isinstance(field, forms.BooleanField):
        _set(field, "required", f"Tick the box to confirm: {_lower_first(str(field.label or ''))}.")
    elif isinstance(field, forms.FileField):
        _set(field, "required", f"Attach {phrase}.")
        _set(field, "missing", f"Attach {phrase}.")
        _set(field, "empty", "The attached file is empty. Attach the file again.")
        _set(field, "invalid", "The file did not arrive. Attach it again.")
    else:
        _set(field, "required", f"Enter {phrase}.")
    if isinstance(field, forms.EmailField):
        _set(field, "invalid", "Enter an e-mail address such as name@example.com.au.")
    if isinstance(field, forms.IntegerField):
        _set(field, "invalid", "Enter a whole number, in digits.")
    if isinstance(field, forms.DecimalField | forms.FloatField):
        _set(field, "invalid", "Enter a number, in digits.")
    _replace_empty_label(field)


def _replace_empty_label(field: Field) -> None:
    """Django shows "---------" for "nothing chosen"; say what it means."""
    blank = "Choose…" if field.required else "None"
    if getattr(field, "empty_label", None) == DJANGO_EMPTY_LABEL:
        # A ModelChoiceField, or one of django-filter's choice fields: no common base.
        chooser: Any = field
        chooser.empty_label = blank
        if hasattr(chooser.widget, "choices"):
            chooser.widget.choices = chooser.choices
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        # django-stubs types the getter like the setter, which also takes a callable;
        # the field has already turned a callable into its list of choices.
        choices = list(field.choices)  # type: ignore[arg-type]
        if any(label == DJANGO_EMPTY_LABEL for _, label in choices):
            field.choices = [
                (value, blank if label == DJANGO_EMPTY_LABEL else label) for value, label in choices
            ]
