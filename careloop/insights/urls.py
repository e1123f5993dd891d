from django.urls import path

from . import views

app_name = "insights"
urlpatterns = [
    path("", views.index, name="index"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
    path("sources/", views.sources, name="sources"),
    path("funnel/", views.funnel, name="funnel"),
    path("promises/", views.promises, name="promises"),
    path("promises/broken/", views.broken, name="broken"),
    path("outreach/", views.outreach, name="outreach"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("doctors/", views.doctors, name="doctors"),
    path("settings/", views.insight_settings, name="settings"),
    path("doctors/<uuid:doctor>/", views.doctor_summary, name="doctor_summary"),
]
