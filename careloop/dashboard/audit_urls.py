from django.urls import path

from . import views

# The audit log page lives here, above every domain, and keeps its old name.

app_name = "audit"
urlpatterns = [path("", views.AuditEventListView.as_view(), name="list")]
