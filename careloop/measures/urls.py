from django.urls import path

from . import views

app_name = "measures"
urlpatterns = [
    path("clients/<uuid:client>/measures/new/", views.measure_new, name="new"),
    path("clients/<uuid:client>/measures/invite/", views.measure_invite, name="invite"),
    path("clients/<uuid:client>/measures/<uuid:result>/", views.measure_result, name="result"),
    path(
        "clients/<uuid:client>/alerts/<uuid:alert>/follow-up/",
        views.alert_follow_up,
        name="alert_follow_up",
    ),
    path("m/<str:token>/", views.public_measure, name="public"),
]
