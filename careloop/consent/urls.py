from django.urls import path

from . import views

app_name = "consent"
urlpatterns = [
    path("<uuid:client>/consent/", views.consent_list, name="list"),
    path("<uuid:client>/consent/<uuid:consent>/withdraw/", views.consent_withdraw, name="withdraw"),
]
