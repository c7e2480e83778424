from django.urls import path

from deliveries.views import personnel as views

app_name = "personnel"
urlpatterns = [
    path("", views.roster, name="roster"),
    path("add/", views.person_create, name="create"),
    path("command-level/", views.command_share, name="command_share"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/training/", views.training_add, name="training_add"),
    path("<int:pk>/accompaniment/", views.accompaniment_add, name="accompaniment_add"),
    path(
        "accompaniments/<int:pk>/confirm/",
        views.accompaniment_confirm,
        name="accompaniment_confirm",
    ),
    path(
        "accompaniments/<int:pk>/reject/",
        views.accompaniment_reject,
        name="accompaniment_reject",
    ),
]
