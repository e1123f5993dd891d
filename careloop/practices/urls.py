from django.urls import path

from . import views

app_name = "practices"
urlpatterns = [
    path("", views.practice_settings, name="settings"),
    path("team/new/", views.member_create, name="member_create"),
    path("team/<uuid:member>/edit/", views.member_edit, name="member_edit"),
]
