from django.urls import path

from . import views

app_name = "therapy"
urlpatterns = [
    path("", views.TherapySessionListView.as_view(), name="list"),
    path("diary/", views.diary, name="diary"),
    path("new/", views.session_create, name="create"),
    path("new/referral-field/", views.referral_field, name="referral_field"),
    path("new/medicare/", views.entitlement_panel, name="entitlement_panel"),
    path("<uuid:session>/", views.session_detail, name="detail"),
    path("<uuid:session>/edit/", views.session_edit, name="edit"),
    path("<uuid:session>/note/", views.clinical_note, name="note"),
    path("<uuid:session>/status/", views.session_mark, name="mark"),
]
