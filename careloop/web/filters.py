import django_filters
from django.db.models import Q
from django_filters.filterset import FilterSetMetaclass
from django_scopes import scopes_disabled

from careloop.lib.form_words import explain_errors


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

    def __init__(self, *args, practice=None, **kwargs):
        self.practice = practice
        super().__init__(*args, **kwargs)
        self.filters["q"].field.widget.input_type = "search"

    @property
    def form(self):
        form = super().form
        if not getattr(form, "_words_explained", False):
            # The same wording as every other form: no "---------", no generic errors.
            for field in form.fields.values():
                explain_errors(field)
            form._words_explained = True
        return form

    def filter_search(self, queryset, name, value):
        condition = Q()
        for word in value.split():
            word_condition = Q()
            for field in self.search_fields:
                word_condition |= Q(**{f"{field}__icontains": word})
            condition &= word_condition
        return queryset.filter(condition)
