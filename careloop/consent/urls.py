from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("clients/<uuid:client>/consent/", views.consent_list, name="list"),
    path("clients/<uuid:client>/consent/form/", views.consent_request, name="request"),
    path(
        "clients/<uuid:client>/consent/<uuid:consent>/withdraw/",
        views.consent_withdraw,
        name="withdraw",
    ),
    path("clients/<uuid:client>/consent/<uuid:consent>/copy/", views.consent_copy, name="copy"),
    path("c/<str:token>/", views.consent_sign, name="sign"),
]
