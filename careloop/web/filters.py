from datetime import datetime, time, timedelta

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters.filterset import FilterSetMetaclass
from django_scopes import scopes_disabled

from careloop.lib.form_words import explain_errors
from careloop.web import textsearch
from careloop.web.forms import use_fast_select
from careloop.web.pickers import PickerField, PickerSource


class _PracticeFilterSetMetaclass(FilterSetMetaclass):
    # django-filter resolves each field's lookups through `_default_manager.all()`
    # when the class is built, at import; no query runs, so no scope is needed.
    def __new__(mcs, name, bases, attrs):
        with scopes_disabled():
            return super().__new__(mcs, name, bases, attrs)


class PracticeFilterSet(django_filters.FilterSet, metaclass=_PracticeFilterSetMetaclass):
    """A FilterSet told which practice it serves, for scoping its choices."""

    search_fields: tuple[str, ...] = ()

    q = django_filters.CharFilter(method="filter_search", label="Search")

    # Where the list reads its page from, when a search found a quicker way to it than
    # to its count (textsearch.find); None: the filtered rows.
    paged: QuerySet | None = None

    def __init__(self, *args, practice=None, **kwargs):
        self.practice = practice
        super().__init__(*args, **kwargs)
        self.filters["q"].field.widget.input_type = "search"

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_words_explained", False):
            # The same wording as every other form: no "---------", no generic errors.
            # Choice lists (a practice's 500 clinicians) render in Python, not through a
            # template per option, which took 150 ms for the sessions list's filters.
            for field in form.fields.values():
                explain_errors(field)
                use_fast_select(field)
            form._words_explained = True
        return form

    def filter_queryset(self, queryset):
        """The search last: it may choose how to find its rows from what the other
        filters leave (textsearch.find)."""
        data = self.form.cleaned_data
        for name in sorted(data, key=lambda name: name == "q"):
            queryset = self.filters[name].filter(queryset, data[name])
        return queryset

    def filter_search(self, queryset, name, value):
        """Every typed word, anywhere in the record's words: through the search index
        of a model with search_text (web/textsearch.py), else a scan of search_fields
        (small tables: enquiries; the audit log reads newest first and stops at a page)."""
        if textsearch.searchable(queryset.model):
            return textsearch.search(queryset, value)
        condition = Q()
        for word in value.split():
            word_condition = Q()
            for field in self.search_fields:
                word_condition |= Q(**{f"{field}__icontains": word})
            condition &= word_condition
        return queryset.filter(condition)


class DayFilter(django_filters.DateFilter):
    """A day typed for a date-and-time field: the practice's whole day, from its first
    instant (or, with `until`, up to the next day's). `starts_at__date__gte` would wrap
    the column in a time-zone conversion that no index serves, so every session of the
    practice was converted and compared; a range of instants is an index range scan."""

    def __init__(self, *args, until: bool = False, **kwargs):
        self.until = until
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if not value:
            return qs
        practice = getattr(self.parent, "practice", None)
        zone = practice.zoneinfo if practice else timezone.get_current_timezone()
        try:
            day = value + timedelta(days=1) if self.until else value
        except OverflowError:  # "to 31/12/9999": no end
            return qs
        start = datetime.combine(day, time.min, tzinfo=zone)
        return qs.filter(**{f"{self.field_name}__{'lt' if self.until else 'gte'}": start})


class PickerFilter(django_filters.ModelChoiceFilter):
    """One row among many, chosen by typing (web/pickers.py) rather than from a list of
    every row. The form sends the chosen row's public id and the name in the box, so the
    address keeps both and the reloaded page shows the name; an address with the id
    alone (a link, the list's opening filters) works as well."""

    field_class = PickerField

    def __init__(self, *args, source: PickerSource, **kwargs):
        super().__init__(*args, source=source, **kwargs)

    @property
    def field(self):
        field = super().field
        empty_label = getattr(field, "empty_label", None)
        if empty_label:
            field.widget.attrs.setdefault("placeholder", f"{empty_label}, or type a name")
        return field
