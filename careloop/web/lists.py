"""List pages: search, filters and pagination, with one partial for htmx."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_filters.views import FilterView

from careloop.web.htmx import htmx_partial


class PracticeMemberRequiredMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.practice is None:
            raise PermissionDenied("This account does not belong to a practice.")
        return super().dispatch(request, *args, **kwargs)


class PracticeListView(PracticeMemberRequiredMixin, FilterView):
    """A filtered, paginated list of one practice's records.

    Subclasses name the template of the full page and of its rows partial; the
    same partial answers htmx's requests, so filtering never reloads the page.
    """

    paginate_by = 25
    template_name = "includes/list_page.html"
    rows_template_name: str
    list_title: str
    create_url_name: str | None = None
    create_label = ""
    strict = False

    def get_queryset(self):
        # Explicit order with a unique tie-breaker: annotated (GROUP BY) queries drop
        # Meta.ordering, and pages must not repeat or skip rows.
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

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_without_page"] = query.urlencode()
        context["rows_template"] = self.rows_template_name
        context["list_title"] = self.list_title
        if self.create_url_name:
            context["create_url"] = reverse(self.create_url_name)
            context["create_label"] = self.create_label
        return context
