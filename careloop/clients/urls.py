from django.urls import path

from . import views

app_name = "clients"
urlpatterns = [
    path("", views.ClientListView.as_view(), name="list"),
    path("new/", views.client_create, name="create"),
    path("<uuid:client>/", views.client_detail, name="detail"),
    path("<uuid:client>/edit/", views.client_edit, name="edit"),
    path("<uuid:client>/elsewhere/", views.client_elsewhere, name="elsewhere"),
    path("<uuid:client>/duplicate/", views.client_duplicate, name="duplicate"),
]
