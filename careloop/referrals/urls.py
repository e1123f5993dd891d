from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.ReferralListView.as_view(), name="list"),
    path("new/", views.referral_create, name="create"),
    path("<uuid:referral>/", views.referral_detail, name="detail"),
    path("<uuid:referral>/edit/", views.referral_edit, name="edit"),
    path("<uuid:referral>/documents/<uuid:document>/", views.referral_document, name="document"),
]
