from django.urls import path

from . import views

app_name = "interop"
urlpatterns = [path("hl7/", views.hl7_inbound, name="hl7_inbound")]
