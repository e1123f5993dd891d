import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError

import careloop
from careloop.lib.text import SingleLineForm, has_control_characters, validate_single_line


@pytest.mark.parametrize(
    "value",
    [
        "Nguyen\r\nBcc: x@evil.example",
        "Nguyen\n",
        "Ngu\tyen",
        "Ngu\x00yen",
        "Ngu\x85yen",
        "A\u2028B",
    ],
)
def test_line_breaks_and_control_characters_are_refused(value):
    assert has_control_characters(value)
    with pytest.raises(ValidationError, match="must be on one line"):
        validate_single_line(value)


@pytest.mark.parametrize("value", ["", "O'Brien-Nguyễn", "Zoë d’Arcy", "(02) 9960 1234", "Ōta"])
def test_ordinary_names_pass(value):
    assert not has_control_characters(value)
    validate_single_line(value)


class Example(SingleLineForm, forms.Form):
    name = forms.CharField()
    email = forms.EmailField(required=False)
    note = forms.CharField(widget=forms.Textarea, required=False)
    password = forms.CharField(widget=forms.PasswordInput, required=False)


def test_the_mixin_guards_single_line_fields_and_leaves_text_areas_alone():
    form = Example({"name": "Mia\r\nBcc: x", "note": "Line one\r\nLine two", "password": "a\tb"})
    assert not form.is_valid()
    assert list(form.errors) == ["name"]
    assert Example({"name": "Mia"}).is_valid()
    # Each form instance gets its own validators: nothing piles up on the class.
    assert Example.base_fields["name"].validators.count(validate_single_line) == 0


def _careloop_form_classes():
    for module_info in pkgutil.walk_packages(careloop.__path__, "careloop."):
        if module_info.name.rsplit(".", 1)[-1] != "forms":
            continue
        module = importlib.import_module(module_info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


# Sign-in stores and sends nothing; its lockout handling stays Django's and axes'.
NOT_GUARDED = {"careloop.practices.forms.SignInForm"}


def test_every_form_in_careloop_refuses_control_characters():
    classes = list(_careloop_form_classes())
    assert len(classes) > 15
    unguarded = [
        f"{cls.__module__}.{cls.__name__}"
        for cls in classes
        if not issubclass(cls, SingleLineForm)
        and f"{cls.__module__}.{cls.__name__}" not in NOT_GUARDED
    ]
    assert unguarded == []
