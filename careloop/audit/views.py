from django.core.exceptions import PermissionDenied

from careloop.web.lists import PracticeListView

from .filters import AuditEventFilter
from .models import AuditEvent


class AuditEventListView(PracticeListView):
    """The practice owner's view of who saw or changed which client record."""

    model = AuditEvent
    filterset_class = AuditEventFilter
    list_title = "Audit log"
    rows_template_name = "audit/event_rows.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_owner:
            raise PermissionDenied("Only the practice owner can read the audit log.")
        return super().dispatch(request, *args, **kwargs)
