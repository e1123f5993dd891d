from django.urls import path

from . import views

app_name = "referrals"
urlpatterns = [
    path("", views.ReferralListView.as_view(), name="list"),
    path("new/", views.referral_create, name="create"),
    path("upload/", views.referral_upload, name="upload"),
    path("upload/<uuid:document>/", views.referral_upload_type, name="upload_type"),
    path("upload/<uuid:document>/file/", views.referral_upload_file, name="upload_file"),
    path("<uuid:referral>/", views.referral_detail, name="detail"),
    path("<uuid:referral>/edit/", views.referral_edit, name="edit"),
    path("<uuid:referral>/signature-seen/", views.referral_signature_seen, name="signature_seen"),
    path("<uuid:referral>/acknowledge/", views.referral_acknowledge, name="acknowledge"),
    path("<uuid:referral>/contact/", views.referral_contact, name="contact"),
    path("<uuid:referral>/assign/", views.referral_assign, name="assign"),
    path("<uuid:referral>/status/", views.referral_status, name="status"),
    path("<uuid:referral>/clarify/", views.referral_clarify, name="clarify"),
    path("<uuid:referral>/report-sent/", views.referral_report_sent, name="report_sent"),
    path("<uuid:referral>/confirm-sender/", views.referral_confirm_sender, name="confirm_sender"),
    path(
        "<uuid:referral>/clarifications/<uuid:clarification>/",
        views.clarification_letter,
        name="clarification",
    ),
    path(
        "<uuid:referral>/clarifications/<uuid:clarification>/answered/",
        views.clarification_answered,
        name="clarification_answered",
    ),
    path("<uuid:referral>/documents/<uuid:document>/", views.referral_document, name="document"),
]
