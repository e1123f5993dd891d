from django.urls import path

from . import views

app_name = "directory"
urlpatterns = [
    path("doctors/", views.DoctorListView.as_view(), name="doctor_list"),
    path("doctors/new/", views.doctor_create, name="doctor_create"),
    path("doctors/import/", views.directory_import, name="import"),
    path("doctors/import/columns/", views.directory_import_columns, name="import_columns"),
    path("doctors/import/check/", views.directory_import_check, name="import_check"),
    path("doctors/<uuid:doctor>/", views.doctor_detail, name="doctor_detail"),
    path("doctors/<uuid:doctor>/edit/", views.doctor_edit, name="doctor_edit"),
    path(
        "medical-practices/", views.MedicalPracticeListView.as_view(), name="medical_practice_list"
    ),
    path("medical-practices/new/", views.medical_practice_create, name="medical_practice_create"),
    path(
        "medical-practices/<uuid:medical_practice>/",
        views.medical_practice_detail,
        name="medical_practice_detail",
    ),
    path(
        "medical-practices/<uuid:medical_practice>/edit/",
        views.medical_practice_edit,
        name="medical_practice_edit",
    ),
]
