"""The contact form of a practice's website, under /p/<slug>/contact/."""

from django.urls import path

from . import views

app_name = "enquiry_form"
urlpatterns = [
    path("", views.contact, name="contact"),
    path("thanks/", views.contact_thanks, name="thanks"),
]
