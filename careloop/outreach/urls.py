from django.urls import path

from . import views, views_visits

app_name = "outreach"
urlpatterns = [
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<uuid:task>/snooze/", views.task_snooze, name="task_snooze"),
    path("tasks/<uuid:task>/done/", views.task_done, name="task_done"),
    path("doctors/<uuid:doctor>/", views.doctor_relationship, name="doctor"),
    path("doctors/<uuid:doctor>/log/", views.log_doctor_activity, name="log_doctor"),
    path("doctors/<uuid:doctor>/preferences/", views.doctor_preferences, name="doctor_preferences"),
    path(
        "doctors/<uuid:doctor>/do-not-contact/",
        views.doctor_do_not_contact,
        name="doctor_do_not_contact",
    ),
    path(
        "medical-practices/<uuid:medical_practice>/",
        views.medical_practice_relationship,
        name="medical_practice",
    ),
    path(
        "medical-practices/<uuid:medical_practice>/log/",
        views.log_medical_practice_activity,
        name="log_medical_practice",
    ),
    path(
        "medical-practices/<uuid:medical_practice>/do-not-contact/",
        views.medical_practice_do_not_contact,
        name="medical_practice_do_not_contact",
    ),
    path("events/", views.event_list, name="events"),
    path("events/new/", views.event_create, name="event_create"),
    path("events/<uuid:event>/", views.event_edit, name="event_edit"),
    path("events/<uuid:event>/delete/", views.event_delete, name="event_delete"),
    path("openings/", views.openings, name="openings"),
    path("openings/<uuid:user>/", views.openings_edit, name="openings_edit"),
    path("settings/", views.outreach_settings, name="settings"),
    path("calendar/", views.calendar_feed_settings, name="calendar"),
    path("calendar/<str:token>/outreach.ics", views.calendar_feed, name="calendar_feed"),
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
