from django.urls import path

from candidates.views import people, records

app_name = "candidates"
urlpatterns = [
    path("", people.candidate_list, name="list"),
    path("new/", people.candidate_create, name="create"),
    path("<int:pk>/", people.candidate_detail, name="detail"),
    path("<int:pk>/edit/", people.candidate_edit, name="edit"),
    path("<int:pk>/bases/add/", people.basis_add, name="basis_add"),
    path(
        "<int:pk>/bases/<int:basis_pk>/withdraw/",
        people.basis_withdraw,
        name="basis_withdraw",
    ),
    path("<int:pk>/determination/", people.determination_record, name="determination"),
    path("<int:pk>/relationships/add/", people.relationship_add, name="relationship_add"),
    path(
        "<int:pk>/relationships/<int:rel_pk>/edit/",
        people.relationship_edit,
        name="relationship_edit",
    ),
    path("<int:pk>/names/", people.names_addresses, name="aliases"),
    path("<int:pk>/names/add/", people.alias_add, name="alias_add"),
    path("<int:pk>/names/<int:alias_pk>/remove/", people.alias_remove, name="alias_remove"),
    path("<int:pk>/addresses/add/", people.address_add, name="address_add"),
    path(
        "<int:pk>/addresses/<int:address_pk>/edit/",
        people.address_edit,
        name="address_edit",
    ),
    path(
        "<int:pk>/addresses/<int:address_pk>/remove/",
        people.address_remove,
        name="address_remove",
    ),
    path("<int:pk>/duplicates/", people.duplicates, name="duplicates"),
    path("<int:pk>/merge/", people.merge, name="merge"),
    # shootings
    path("shootings/", records.shooting_list, name="shootings"),
    path("shootings/new/", records.shooting_form, name="shooting_create"),
    path("shootings/<int:pk>/", records.shooting_detail, name="shooting_detail"),
    path("shootings/<int:pk>/edit/", records.shooting_form, name="shooting_edit"),
    path(
        "shootings/<int:pk>/people/add/",
        records.involvement_add,
        name="involvement_add",
    ),
    path(
        "shootings/<int:pk>/people/<int:involvement_pk>/remove/",
        records.involvement_remove,
        name="involvement_remove",
    ),
    # GVIS meetings
    path("gvis/", records.gvis_list, name="gvis"),
    path("gvis/new/", records.gvis_form, name="gvis_create"),
    path("gvis/<int:pk>/", records.gvis_detail, name="gvis_detail"),
    path("gvis/<int:pk>/edit/", records.gvis_form, name="gvis_edit"),
    # groups
    path("groups/", records.group_list, name="groups"),
    path("groups/new/", records.group_form, name="group_create"),
    path("groups/<int:pk>/", records.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", records.group_form, name="group_edit"),
    path("groups/<int:pk>/members/add/", records.group_member_add, name="group_member_add"),
    path(
        "groups/<int:pk>/members/<int:membership_pk>/remove/",
        records.group_member_remove,
        name="group_member_remove",
    ),
]
