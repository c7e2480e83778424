from django.urls import path

from deliveries.views import attempts as views

app_name = "attempts"
urlpatterns = [
    path("", views.ready, name="ready"),
    path("queue/", views.queue, name="queue"),
    path("cases/<int:case_pk>/attempts/new/", views.attempt_record, name="record"),
    path("cases/<int:case_pk>/follow-ups/new/", views.follow_up_record, name="follow_up"),
    path("attempts/<int:pk>/", views.attempt_detail, name="detail"),
    path("attempts/<int:pk>/edit/", views.attempt_edit, name="edit"),
    path("attempts/<int:pk>/after-action/", views.after_action_record, name="after_action"),
    path("attempts/<int:pk>/confirm/", views.after_action_confirm, name="confirm"),
]
