from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("clients/<uuid:client>/access/", views.access_reports, name="access"),
    path(
        "clients/<uuid:client>/access/<uuid:report>/pdf/",
        views.access_report_file,
        {"kind": "pdf"},
        name="access_pdf",
    ),
    path(
        "clients/<uuid:client>/access/<uuid:report>/json/",
        views.access_report_file,
        {"kind": "json"},
        name="access_json",
    ),
    path("clients/<uuid:client>/dispose/", views.dispose, name="dispose"),
    path("practice/retention/", views.retention, name="retention"),
]
