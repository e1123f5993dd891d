from django.urls import path

from . import views

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
]
