"""Type-ahead pickers: choosing one client, doctor or medical practice among thousands,
or one clinician among hundreds.

A picker is a text box. With JavaScript, typing asks the practice's search endpoint
(`/pick/<source>/`) for at most 20 matches (the most recent first; people by name),
which the keyboard or the mouse chooses from (the ARIA combobox pattern, careloop.js).
Without it, the text is searched when the form is sent: one match is taken, several
are offered as a short list to choose from. Never a <select> of every row. In a list's
filters (web/filters.py: PickerFilter) the same: the address keeps the chosen row.

Apps register what can be picked (`register`) when they are ready; this layer knows
no model of theirs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from careloop.lib.search import after_prefix, query_words

MAX_MATCHES = 20
MIN_QUERY_LENGTH = 2


@dataclass(frozen=True)
class PickerSource:
    name: str  # in the search endpoint's URL
    model: type[Model]
    noun: str  # "client": for the words on screen
    # The practice's rows that may be picked.
    choices: Callable[[Any], QuerySet]
    # Narrows a queryset of choices to those matching the typed text, best first.
    search: Callable[[QuerySet, str], QuerySet]
    # A second line that tells two people of the same name apart.
    describe: Callable[[Any], str] = lambda obj: ""
    # Whether a plain choice of the model in a PracticeModelForm becomes this picker.
    # Members of the practice are picked from different lists (the treating clinicians,
    # everyone in the audit log): their forms say which.
    replaces_choices: bool = True
    # Who may search it (the signed-in member): the endpoint refuses anyone else.
    allowed: Callable[[Any], bool] = lambda user: True

    @property
    def nouns(self) -> str:
        return f"{self.noun}s"


_SOURCES: dict[str, PickerSource] = {}


def register(source: PickerSource) -> None:
    _SOURCES[source.name] = source


def source_named(name: str) -> PickerSource | None:
    return _SOURCES.get(name)


def source_for_model(model: type[Model]) -> PickerSource | None:
    return next((s for s in _SOURCES.values() if s.model is model and s.replaces_choices), None)


def matches(source: PickerSource, queryset: QuerySet, typed: str) -> tuple[list, bool]:
    """At most MAX_MATCHES rows for the typed text, and whether there were more."""
    if len(typed.strip()) < MIN_QUERY_LENGTH:
        return [], False
    found = list(source.search(queryset, typed)[: MAX_MATCHES + 1])
    return found[:MAX_MATCHES], len(found) > MAX_MATCHES


# What the widget reads back from a sent form: the chosen row's public id, and the
# text in the box. `typed` is None when a row was chosen from the offered list.
Picked = tuple[str, str | None]


class SearchPicker(forms.Widget):
    def __init__(self, source: PickerSource, attrs=None):
        super().__init__(attrs)
        self.source = source
        self.queryset: QuerySet | None = None
        self.offered: list = []  # rows offered after an ambiguous search without JS

    def value_from_datadict(self, data, files, name) -> Picked:
        chosen = data.get(f"{name}__choice")
        if chosen:
            return (chosen, None)
        if f"{name}__search" not in data:  # sent by a program, not typed: the id stands
            return (data.get(name, ""), None)
        return (data.get(name, ""), data.get(f"{name}__search", ""))

    def value_omitted_from_data(self, data, files, name) -> bool:
        return name not in data and f"{name}__search" not in data

    def _current(self, value) -> tuple[str, str]:
        """The public id and the text to show for a value: a sent pair, or an id."""
        if isinstance(value, tuple):
            picked, typed = value
            if typed is not None:
                return picked or "", typed
            value = picked
        if not value or self.queryset is None:
            return "", ""
        obj = self.queryset.filter(uuid=value).first()
        return (str(value), str(obj)) if obj else ("", "")

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        box_id = attrs.pop("id", f"id_{name}")
        results_id = f"{box_id}_results"
        # Attributes for htmx (a dependent field refreshing on change) belong to the
        # hidden input that holds the choice, not to the text box.
        hidden_attrs = {k: v for k, v in attrs.items() if k.startswith("hx-")}
        box_attrs = {k: v for k, v in attrs.items() if not k.startswith("hx-")}
        picked, text = self._current(value)
        placeholder = box_attrs.pop("placeholder", None) or (
            "Type a name, date of birth or number"
            if self.source.noun == "client"
            else "Type a name"
        )
        search_url = reverse("pick", args=[self.source.name]) + f"?list={results_id}"
        hidden = format_html(
            '<input type="hidden" name="{}" value="{}" data-picker-value{}>',
            name,
            picked,
            _attributes(hidden_attrs),
        )
        box = format_html(
            '<input type="text" id="{}" name="{}__search" value="{}" role="combobox"'
            ' aria-autocomplete="list" aria-expanded="false" aria-controls="{}"'
            ' autocomplete="off" spellcheck="false" data-picker-input'
            ' placeholder="{}" hx-get="{}" hx-target="#{}" hx-swap="innerHTML"'
            ' hx-trigger="input changed delay:200ms, search" hx-sync="this:replace"'
            ' hx-push-url="false"{}>',
            box_id,
            name,
            text,
            results_id,
            placeholder,
            search_url,
            results_id,
            _attributes(box_attrs),
        )
        results = format_html(
            '<ul id="{}" role="listbox" class="picker-results" aria-label="Matching {}"'
            " hidden></ul>",
            results_id,
            self.source.nouns,
        )
        offered = self._render_offered(name, box_id) if self.offered else ""
        return format_html(
            '<div class="picker" data-picker>{}{}{}{}</div>', hidden, box, results, offered
        )

    def _render_offered(self, name: str, box_id: str) -> SafeString:
        options = format_html_join(
            "",
            '<label class="picker-offer"><input type="radio" name="{}__choice" value="{}">'
            ' {} <span class="picker-detail">{}</span></label>',
            ((name, obj.uuid, str(obj), self.source.describe(obj)) for obj in self.offered),
        )
        return format_html(
            '<fieldset class="picker-offered" aria-describedby="{}_error"><legend>Choose the {}'
            "</legend>{}</fieldset>",
            box_id,
            self.source.noun,
            options,
        )


def _attributes(attrs: dict) -> SafeString:
    return mark_safe(  # noqa: S308 - format_html_join escapes every name and value
        format_html_join("", ' {}="{}"', ((k, v) for k, v in attrs.items() if v is not False))
    )


def find_typed(source: PickerSource, queryset: QuerySet, widget: SearchPicker, typed: str):
    """The one row the typed text names, for a form sent without the script. Several
    matches are offered on the widget to choose from, with an error saying so."""
    found, more = matches(source, queryset, typed)
    if len(typed) < MIN_QUERY_LENGTH:
        raise ValidationError(f"Type at least {MIN_QUERY_LENGTH} letters of the {source.noun}.")
    if not found:
        raise ValidationError(f"No {source.noun} matches “{typed}”. Check the spelling.")
    if len(found) == 1:
        return found[0]
    widget.offered = found
    several = f"More than {MAX_MATCHES}" if more else str(len(found))
    raise ValidationError(
        f"{several} {source.nouns} match “{typed}”: choose one below, or type more of the name."
    )


class PickerField(forms.ModelChoiceField):
    """A foreign key chosen by typing. Accepts the public id the script filled in, or
    finds the row from the typed text when the form is sent without the script."""

    def __init__(self, source: PickerSource, *args, **kwargs):
        self.source = source
        kwargs.setdefault("to_field_name", "uuid")
        kwargs["widget"] = SearchPicker(source)
        super().__init__(*args, **kwargs)
        # The widget names the chosen row from it; the form's practice narrowed it.
        self.widget.queryset = self.queryset

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.queryset = result.queryset
        result.widget.offered = []
        return result

    def to_python(self, value):
        picked, typed = value if isinstance(value, tuple) else (value, None)
        if typed is None:  # chosen from a list: trust the id (still checked below)
            return super().to_python(picked)
        typed = typed.strip()
        if not typed:
            return None
        if picked:
            obj = super().to_python(picked)
            if obj is not None and str(obj) == typed:
                return obj
        return self._find(typed)

    def _find(self, typed: str):
        assert self.queryset is not None  # set by the form before it is cleaned
        return find_typed(self.source, self.queryset, self.widget, typed)

    def has_changed(self, initial, data) -> bool:
        if isinstance(data, tuple):
            data = data[0]
        return super().has_changed(initial, data)

    def bound_data(self, data, initial):
        return data


class MultiSearchPicker(SearchPicker):
    """Several rows: those chosen are ticked boxes (untick to remove), and the text box
    adds one more."""

    def value_from_datadict(self, data, files, name):
        chosen = [v for v in data.getlist(name) if v] if hasattr(data, "getlist") else []
        if f"{name}__search" not in data:
            return (chosen, None)
        return (chosen, data.get(f"{name}__search", ""))

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False  # no box ticked means none chosen

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        attrs = self.build_attrs(self.attrs, attrs)
        box_id = attrs.pop("id", f"id_{name}")
        results_id = f"{box_id}_results"
        ids, typed = value if isinstance(value, tuple) else (value or [], "")
        ids = [str(v) for v in ids if v]
        chosen = (
            list(self.queryset.filter(uuid__in=ids)) if ids and self.queryset is not None else []
        )
        search_url = reverse("pick", args=[self.source.name]) + f"?list={results_id}"
        ticked = format_html_join(
            "",
            '<li><label class="picker-offer"><input type="checkbox" name="{}" value="{}"'
            " checked> {}</label></li>",
            ((name, obj.uuid, str(obj)) for obj in chosen),
        )
        box = format_html(
            '<input type="text" id="{}" name="{}__search" value="{}" role="combobox"'
            ' aria-autocomplete="list" aria-expanded="false" aria-controls="{}"'
            ' autocomplete="off" spellcheck="false" data-picker-input'
            ' placeholder="Type to add a {}" hx-get="{}" hx-target="#{}" hx-swap="innerHTML"'
            ' hx-trigger="input changed delay:200ms, search" hx-sync="this:replace"'
            ' hx-push-url="false"{}>',
            box_id,
            name,
            typed or "",
            results_id,
            self.source.noun,
            search_url,
            results_id,
            _attributes(attrs),
        )
        results = format_html(
            '<ul id="{}" role="listbox" class="picker-results" aria-label="Matching {}"'
            " hidden></ul>",
            results_id,
            self.source.nouns,
        )
        offered = format_html_join(
            "",
            '<label class="picker-offer"><input type="checkbox" name="{}" value="{}">'
            ' {} <span class="picker-detail">{}</span></label>',
            ((name, o.uuid, str(o), self.source.describe(o)) for o in self.offered),
        )
        if self.offered:
            offered = format_html(
                '<fieldset class="picker-offered"><legend>Tick the {}</legend>{}</fieldset>',
                self.source.noun,
                offered,
            )
        return format_html(
            '<div class="picker" data-picker data-picker-multi data-picker-name="{}">'
            '<ul class="picker-chosen" aria-label="Chosen {}">{}</ul>{}{}{}</div>',
            name,
            self.source.nouns,
            ticked,
            box,
            results,
            offered,
        )


class MultiPickerField(forms.ModelMultipleChoiceField):
    def __init__(self, source: PickerSource, *args, **kwargs):
        self.source = source
        kwargs.setdefault("to_field_name", "uuid")
        kwargs["widget"] = MultiSearchPicker(source)
        super().__init__(*args, **kwargs)
        self.widget.queryset = self.queryset

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result.widget.queryset = result.queryset
        result.widget.offered = []
        return result

    def prepare_value(self, value):
        if isinstance(value, tuple):  # as sent: (ticked ids, typed text)
            return ([super().prepare_value(v) for v in value[0]], value[1])
        return super().prepare_value(value)

    def clean(self, value):
        ids, typed = value if isinstance(value, tuple) else (value, None)
        typed = (typed or "").strip()
        if typed:
            # The typed one counts towards "required" only if it is found.
            self.required, required = False, self.required
            try:
                chosen = list(super().clean(ids))
            finally:
                self.required = required
            assert self.queryset is not None
            found = find_typed(self.source, self.queryset, self.widget, typed)
            if found not in chosen:
                chosen.append(found)
            return chosen
        return super().clean(ids)

    def has_changed(self, initial, data) -> bool:
        if isinstance(data, tuple):
            data = data[0]
        return super().has_changed(initial, data)

    def bound_data(self, data, initial):
        return data


def picker_for(
    field: forms.ModelChoiceField, source: PickerSource | None = None
) -> forms.ModelChoiceField | None:
    """The picker that replaces a plain choice: from `source`, else from the source
    registered for its model, if any."""
    if isinstance(field, (PickerField, MultiPickerField)) or field.queryset is None:
        return None
    source = source or source_for_model(field.queryset.model)
    if source is None:
        return None
    if isinstance(field, forms.ModelMultipleChoiceField):
        return MultiPickerField(
            source,
            queryset=field.queryset,
            required=field.required,
            label=field.label,
            help_text=field.help_text,
            initial=field.initial,
        )
    return PickerField(
        source,
        queryset=field.queryset,
        required=field.required,
        label=field.label,
        help_text=field.help_text,
        initial=field.initial,
        error_messages=field.error_messages,
    )


def prefix_match(field: str, prefix: str) -> Q:
    """Rows whose search key starts with `prefix`, as an index range scan."""
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": after_prefix(prefix)})


def name_match(typed: str, family: str = "search_family", given: str = "search_given") -> Q:
    """A person whose family or given name starts with what was typed, or, for two or
    more words, whose names start with them in either order ("jo smi", "smith jo")."""
    words = query_words(typed)
    if not words:
        return Q(pk__in=[])
    whole = "".join(words)
    match = prefix_match(family, whole) | prefix_match(given, whole)
    if len(words) >= 2:
        first, rest = words[0], "".join(words[1:])
        match |= prefix_match(given, first) & prefix_match(family, rest)
        match |= prefix_match(family, first) & prefix_match(given, rest)
    return match
