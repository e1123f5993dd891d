from django.urls import path

from . import views

app_name = "publicsite"
urlpatterns = [
    path("<slug:slug>/", views.practice_home, name="home"),
    path("<slug:slug>/refer/", views.refer, name="refer"),
    path("<slug:slug>/refer/thanks/", views.refer_thanks, name="refer_thanks"),
]
