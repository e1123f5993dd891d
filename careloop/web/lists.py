"""List pages: search, filters and pagination, with one partial for htmx."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_filters.views import FilterView

from careloop.web import keyset
from careloop.web.htmx import htmx_partial

# A list says how many rows it has up to this many; beyond, "more than 500". Counting
# stops there: a filter no index serves reads about that many rows, not the practice's.
COUNT_LIMIT = 500

# The words of the page links: lists in time order go newer and older, the others
# (by name, or the inbox's most overdue first) forwards and back.
TIME_WORDS = {"first": "Newest", "previous": "Newer", "next": "Older", "last": "Oldest"}
ORDER_WORDS = {"first": "First", "previous": "Previous", "next": "Next", "last": "Last"}


class PracticeMemberRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.practice is None:
            raise PermissionDenied("This account does not belong to a practice.")
        return super().dispatch(request, *args, **kwargs)


class PracticeListView(PracticeMemberRequiredMixin, FilterView):
    """A filtered list of one practice's records, a page at a time.

    Subclasses name the template of the full page and of its rows partial; the
    same partial answers htmx's requests, so filtering never reloads the page.

    Pages are keyset pages (web/keyset.py): the `page` parameter is a sealed cursor
    or "last", so a page deep in the list costs what the first does, and nothing
    counts the whole table: the count stops at COUNT_LIMIT.
    """

    paginate_by = 25
    template_name = "includes/list_page.html"
    rows_template_name: str
    list_title: str
    create_url_name: str | None = None
    create_label = ""
    strict = False
    page_words = TIME_WORDS

    def get_queryset(self):
        # Explicit order ending with the primary key: annotated (GROUP BY) queries drop
        # Meta.ordering, and keyset pages need a total order not to repeat or skip rows.
        ordering = self.ordering or self.model._meta.ordering
        return self.model.objects.for_practice(self.request.practice).order_by(*ordering, "-pk")

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["practice"] = self.request.practice
        return kwargs

    def get_template_names(self):
        if htmx_partial(self.request):
            return [self.rows_template_name]
        return [self.template_name]

    def decorate(self, queryset):
        """What the rows show beyond their own columns (joins, per-row counts): added
        to the page's rows only (see keyset.page_of)."""
        return queryset

    def paginate_queryset(self, queryset, page_size):
        position = self.request.GET.get("page")
        paged = getattr(self.filterset, "paged", None)
        page = keyset.page_of(
            queryset if paged is None else paged, position, page_size, self.decorate
        )
        return None, page, page.rows, page.is_paginated

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        context["rows_template"] = self.rows_template_name
        context["list_title"] = self.list_title
        context["page_links"] = self.page_links(context["page_obj"], query)
        context["count_text"] = self.count_text(keyset.count_up_to(self.object_list, COUNT_LIMIT))
        if self.create_url_name:
            context["create_url"] = reverse(self.create_url_name)
            context["create_label"] = self.create_label
        return context

    def get_page_words(self) -> dict[str, str]:
        return self.page_words

    def page_links(self, page: keyset.Page, query) -> dict[str, list[dict[str, str]]]:
        """The links to the other pages, before and after the count. Plain links, so
        paging works without JavaScript; htmx swaps just the rows when it can."""

        def link(position: str | None, word: str, arrow: str, rel: str = "") -> dict[str, str]:
            target = query.copy()
            if position:
                target["page"] = position
            return {
                "href": f"?{target.urlencode()}",
                "label": words[word],
                "arrow": arrow,
                "rel": rel,
            }

        words = self.get_page_words()
        before, after = [], []
        if not page.is_first:
            before.append(link(None, "first", "«"))
        if page.previous:
            before.append(link(page.previous, "previous", "‹", "prev"))
        if page.next:
            after.append(link(page.next, "next", "›", "next"))
        if not page.is_last:
            after.append(link(keyset.LAST, "last", "»"))
        return {"before": before, "after": after}

    def count_text(self, count: int) -> str:
        meta = self.model._meta
        noun = meta.verbose_name if count == 1 else meta.verbose_name_plural
        if count > COUNT_LIMIT:
            return f"More than {COUNT_LIMIT:,} {noun}"
        return f"{count:,} {noun}"
