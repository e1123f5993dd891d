from django.urls import path

from . import views_visits

app_name = "outreach"
urlpatterns = [
    path("visit-next/", views_visits.visit_next, name="visit_next"),
    path("visits/", views_visits.plan_list, name="plan_list"),
    path("visits/new/", views_visits.plan_create, name="plan_create"),
    path("visits/<uuid:plan>/", views_visits.plan_detail, name="plan_detail"),
    path("visits/<uuid:plan>/run-sheet/", views_visits.run_sheet, name="run_sheet"),
    path("visits/<uuid:plan>/visits.ics", views_visits.plan_ics, name="plan_ics"),
    path("visits/<uuid:plan>/stops/<uuid:stop>/log/", views_visits.stop_log, name="stop_log"),
    path("leave-behind/", views_visits.leave_behind_page, name="leave_behind"),
    path("leave-behind/practice.pdf", views_visits.leave_behind_pdf, name="leave_behind_pdf"),
    path(
        "leave-behind/clinicians/<uuid:clinician>.pdf",
        views_visits.clinician_leave_behind_pdf,
        name="clinician_leave_behind_pdf",
    ),
    path("templates/", views_visits.template_list, name="template_list"),
    path("templates/<str:kind>/", views_visits.template_edit, name="template_edit"),
    path("send/", views_visits.send_page, name="send"),
    path("send/<uuid:batch>/letters/", views_visits.print_letters, name="print_letters"),
]
