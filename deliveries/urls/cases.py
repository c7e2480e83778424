from django.urls import path

from deliveries.views import cases as views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("my-work/", views.my_work, name="my_work"),
    path("approval-queue/", views.approval_queue, name="approval_queue"),
    path("open/<int:candidate_pk>/", views.case_open, name="open"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/threat-assessment/", views.threat, name="threat"),
    path("<int:pk>/background-check/", views.background, name="background"),
    path("<int:pk>/letter/draft/", views.letter_draft, name="letter_draft"),
    path("<int:pk>/letter/accept/", views.letter_accept, name="letter_accept"),
    path("<int:pk>/letter/none/", views.no_letter, name="no_letter"),
    path("<int:pk>/letter/", views.letter_preview, name="letter_preview"),
    path("<int:pk>/letter.pdf", views.letter_pdf, name="letter_pdf"),
    path("<int:pk>/team/add/", views.team_add, name="team_add"),
    path("<int:pk>/team/remove/", views.team_remove, name="team_remove"),
    path("<int:pk>/social-services/", views.social, name="social"),
    path("<int:pk>/juvenile/jpo/", views.jpo, name="jpo"),
    path("<int:pk>/juvenile/decision/", views.juvenile_decision, name="juvenile_decision"),
    path("<int:pk>/juvenile/guardian-contact/", views.guardian_contact, name="guardian_contact"),
    path("<int:pk>/juvenile/planned-guardian/", views.planned_guardian, name="planned_guardian"),
]
