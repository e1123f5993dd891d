from django.urls import path

from . import views

app_name = "letters"
urlpatterns = [
    path("letters/", views.letters_due, name="due"),
    path("letters/<uuid:letter>/", views.letter_detail, name="detail"),
    path("letters/<uuid:letter>/send/", views.letter_send, name="send"),
    path("letters/<uuid:letter>/withdraw/", views.letter_withdraw, name="withdraw"),
    path(
        "letters/<uuid:letter>/deliveries/<uuid:delivery>/printed/",
        views.letter_confirm_printed,
        name="confirm_printed",
    ),
    path("letters/<uuid:letter>/pdf/", views.letter_pdf, name="pdf"),
    path("referrals/<uuid:referral>/letters/new/", views.letter_new, name="new"),
    path("d/<str:token>/", views.letter_download, name="download"),
    path("f/<str:token>/", views.letter_feedback, name="feedback"),
]
