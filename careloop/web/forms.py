"""Form pieces shared by every staff form."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_scopes import scopes_disabled

from careloop.lib.form_words import explain_errors
from careloop.lib.identifiers import IdentifierError, check_postcode
from careloop.lib.text import SingleLineForm

from .escaping import escape
from .pickers import picker_for

DATE_PLACEHOLDER = "dd/mm/yyyy"


class AustralianDateInput(forms.DateInput):
    def __init__(self, attrs=None):
        attrs = {
            "placeholder": DATE_PLACEHOLDER,
            "inputmode": "numeric",
            "autocomplete": "off",
            **(attrs or {}),
        }
        super().__init__(attrs=attrs, format="%d/%m/%Y")


class AustralianDateTimeInput(forms.DateTimeInput):
    def __init__(self, attrs=None):
        attrs = {"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off", **(attrs or {})}
        super().__init__(attrs=attrs, format="%d/%m/%Y %H:%M")


class PhoneInput(forms.TextInput):
    """A phone number field: phones open their dialling keypad for it."""

    input_type = "tel"

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "tel", "autocomplete": "tel", **(attrs or {})})


class IdentifierField(forms.CharField):
    """A text field for an Australian identifier: accepts it as people type it (with
    spaces or dashes), checks it with the published algorithm and stores it compact."""

    def __init__(self, *, check, required=False, **kwargs):
        self.check = check
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        )
        super().__init__(required=required, max_length=40, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return self.check(value)
        except IdentifierError as error:
            raise ValidationError(str(error)) from None


class FastSelect(forms.Select):
    """A <select> rendered in Python rather than one template per <option>.

    Django's template per option costs about 0.15 ms; a practice with thousands of
    clients made the booking form take over half a second. Same HTML, same escaping.
    """

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        selected = {str(v) for v in self.format_value(value)}
        options = []
        for choice_value, label in self.choices:
            text = "" if choice_value is None else str(choice_value)
            options.append(
                f'<option value="{escape(text)}"{" selected" if text in selected else ""}>'
                f"{escape(label)}</option>"
            )
        return mark_safe(  # noqa: S308 - every value and label above is escaped
            format_html('<select name="{}"{}>', name, flatatt(attrs))
            + "".join(options)
            + "</select>"
        )


class FastSelectMultiple(FastSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data, files, name):
        return forms.SelectMultiple.value_from_datadict(self, data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return False


class _PracticeModelFormMetaclass(forms.models.ModelFormMetaclass):
    # Building the class makes each foreign key's choice queryset at import, outside
    # any practice's scope. It is never evaluated as built: __init__ below narrows it
    # to the form's practice first.
    def __new__(mcs, name, bases, attrs):
        with scopes_disabled():
            return super().__new__(mcs, name, bases, attrs)


class PracticeModelForm(SingleLineForm, forms.ModelForm, metaclass=_PracticeModelFormMetaclass):
    """A ModelForm that knows its practice and limits every related choice to it."""

    def __init__(self, *args, practice, **kwargs):
        self.practice = practice
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_practice"):
                field.queryset = queryset.for_practice(practice)
                labels = getattr(queryset.model, "CHOICE_LABEL_FIELDS", None)
                if labels:
                    # A choice list needs the label, not whole records: thousands of
                    # clients load several times faster this way.
                    field.queryset = field.queryset.only("pk", "uuid", *labels)

            if isinstance(field, forms.ModelChoiceField):
                # Clients, doctors and medical practices are too many to list: typed.
                picker = picker_for(field)
                if picker is not None:
                    self.fields[name] = field = picker
                self._choose_by_public_id(name, field)
                use_fast_select(field)
            explain_errors(field)

    def _choose_by_public_id(self, name, field) -> None:
        # Options carry the public uuid, never the integer key (STYLE: ids never leave
        # the database). Initial values from the instance are keys, so swap in objects.
        if not any(f.name == "uuid" for f in field.queryset.model._meta.fields):
            return
        field.to_field_name = "uuid"
        if (
            self.instance.pk
            and name in self.initial
            and not isinstance(field, forms.ModelMultipleChoiceField)
        ):
            self.initial[name] = getattr(self.instance, name)

    def clean(self):
        return check_postcode_against_state(self, super().clean())


def check_postcode_against_state(form, cleaned: dict) -> dict:
    """A postcode must lie in its state's ranges; the error goes on the postcode."""
    postcode = cleaned.get("postcode")
    if "postcode" in form.fields and postcode and not form.has_error("postcode"):
        try:
            cleaned["postcode"] = check_postcode(postcode, cleaned.get("state") or None)
        except IdentifierError as error:
            form.add_error("postcode", str(error))
    return cleaned


def use_fast_select(field) -> None:
    widget = field.widget
    if type(widget) is forms.Select:
        fast = FastSelect(attrs=widget.attrs)
    elif type(widget) is forms.SelectMultiple:
        fast = FastSelectMultiple(attrs=widget.attrs)
    else:
        return
    fast.choices = widget.choices
    fast.is_required = widget.is_required
    field.widget = fast
