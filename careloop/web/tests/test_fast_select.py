import re

from django import forms

from careloop.web.forms import FastSelect, FastSelectMultiple

CHOICES = [("", "---------"), ("a1", "O'Brien & Sons <b>"), ("b2", "Plain"), (3, "Three")]


def options(html):
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)


def test_it_renders_the_same_options_as_djangos_select():
    for value in ("a1", "", 3, None):
        ours = FastSelect(choices=CHOICES).render("pick", value, {"id": "id_pick"})
        django = forms.Select(choices=CHOICES).render("pick", value, {"id": "id_pick"})
        assert options(ours) == options(django)
        assert 'name="pick"' in ours and 'id="id_pick"' in ours
    assert "&lt;b&gt;" in FastSelect(choices=CHOICES).render("pick", None)


def test_it_keeps_several_selected_values():
    html = FastSelectMultiple(choices=CHOICES).render("pick", ["a1", "b2"])
    assert "multiple" in html
    assert [o[0] for o in options(html) if o[1]] == ["a1", "b2"]
    widget = FastSelectMultiple(choices=CHOICES)
    assert widget.value_from_datadict(_QueryDict("pick=a1&pick=b2"), {}, "pick") == ["a1", "b2"]


def _QueryDict(query):  # noqa: N802 - reads like the class it builds
    from django.http import QueryDict

    return QueryDict(query)
