"""Which record a request served, for the access log (CJIS AU-3: "the identity of the object").

Resolved from the view that served it, never guessed from a URL argument's name:

- a page declares what its URL arguments are in the URL conf, e.g.
  ``path("shootings/<int:pk>/", record_view(shooting_detail, pk="shooting"), ...)``; the last
  one declared is the record the page is about (``<pk>/addresses/<address_pk>/edit/``:
  ``pk="candidate", address_pk="address"`` is about the address, and names the candidate);
- a view may add what only it knows (the letter version a PDF was made from, the export
  record a download wrote) with ``note_record``;
- an admin view is about its model (``app_label.model``) and the object id of its URL: change,
  history, a history form and its revert, delete, and the other object pages a ModelAdmin adds.

``object_refs`` of the entry names every record: each declared type, the page type of an admin
model (``deliveries.cncase`` is also a ``case``), and the candidate, case and attempt the
record belongs to, so that the auditor's "who viewed candidate 7" finds the views of his cases,
letters and addresses, in the pages and in the admin, and never a view of shooting 7.
"""

import functools

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import DatabaseError, router, transaction

# Page type -> the model it names (``app_label.ModelName``).
RECORD_TYPES = {
    "candidate": "candidates.Candidate",
    "alias": "candidates.Alias",
    "address": "candidates.Address",
    "basis": "candidates.IdentificationBasis",
    "relationship": "candidates.Relationship",
    "group": "candidates.Group",
    "membership": "candidates.GroupMembership",
    "shooting": "candidates.Shooting",
    "involvement": "candidates.ShootingInvolvement",
    "gvis_meeting": "candidates.GVISMeeting",
    "case": "deliveries.CNCase",
    "letter": "deliveries.LetterVersion",
    "attempt": "deliveries.DeliveryAttempt",
    "personnel": "deliveries.Personnel",
    "accompaniment": "deliveries.ManualAccompaniment",
    "export": "deliveries.ExportRecord",
}
# The records a record belongs to, by the name of its foreign key: an attempt's case and that
# case's candidate, a letter's case, an address's candidate.
OWNERS = {
    "attempt": ("attempt_id", "attempt__case_id", "attempt__case__candidate_id"),
    "case": ("case_id", "case__candidate_id"),
    "candidate": ("candidate_id",),
}
OWNER_TYPES = {"attempt_id": "attempt", "case_id": "case", "candidate_id": "candidate"}

REQUEST_ATTRIBUTE = "_vipcn_records"


def record_view(view, /, **kinds):
    """``view``, declaring the record type each URL argument names (the last: the page's)."""
    unknown = set(kinds.values()) - set(RECORD_TYPES)
    if unknown:
        raise ValueError(f"Unknown record type(s) {sorted(unknown)}: add them to RECORD_TYPES.")

    @functools.wraps(view)
    def declared(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    declared.access_log_records = dict(kinds)
    return declared


def declared_records(func):
    """The declaration of a URL's view: {argument: type}, or None when it declared nothing."""
    return getattr(func, "access_log_records", None)


def note_record(request, kind, pk):
    """The view served record ``kind`` ``pk`` (becomes the entry's object, after the URL's)."""
    noted = getattr(request, REQUEST_ATTRIBUTE, None)
    if noted is None:
        noted = []
        setattr(request, REQUEST_ATTRIBUTE, noted)
    noted.append((kind, str(pk)[:64]))


def model_type(model):
    """The page type of a model, or None (``deliveries.CNCase`` -> ``case``)."""
    label = model._meta.label
    return next((kind for kind, name in RECORD_TYPES.items() if name == label), None)


def resolve(request):
    """({type: id} of every record the request names, (type, id) of the one it is about)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {}, ("", "")
    if match.view_name.startswith("admin:"):
        found = _admin_records(match)
    else:
        found = _page_records(match)
    for kind, pk in getattr(request, REQUEST_ATTRIBUTE, ()):
        found.append((kind, pk))
    if not found:
        return {}, ("", "")
    refs = {}
    for kind, pk in found:
        refs[kind] = pk
    primary = found[-1]
    model = _model_for(primary[0])
    if model is not None:
        for kind, pk in _owners(model, primary[1]).items():
            refs.setdefault(kind, pk)
    return refs, primary


def _page_records(match):
    declared = declared_records(match.func)
    found = []
    for key, value in match.kwargs.items():
        if declared is not None:
            kind = declared.get(key)
        elif key.endswith(("_pk", "_id")):
            kind = key.rsplit("_", 1)[0]
        elif key in ("pk", "id"):
            # A page that declared nothing is still logged, under its own name: never under
            # a record type it may not be about.
            kind = match.view_name
        else:
            kind = None
        if kind:
            found.append((kind, str(value)[:64]))
    return found


def _model_admin(func):
    from django.contrib.admin import ModelAdmin

    seen = 0
    while func is not None and seen < 10:
        model_admin = getattr(func, "model_admin", None)
        if model_admin is not None:
            return model_admin
        owner = getattr(func, "__self__", None)
        if isinstance(owner, ModelAdmin):
            return owner
        func, seen = getattr(func, "__wrapped__", None), seen + 1
    return None


def _admin_records(match):
    from django.contrib.admin.utils import unquote

    kwargs = match.kwargs
    if "content_type_id" in kwargs:  # admin:view_on_site
        from django.contrib.contenttypes.models import ContentType

        try:
            content_type = ContentType.objects.get_for_id(int(kwargs["content_type_id"]))
        except (ValueError, ContentType.DoesNotExist):
            return []
        model = content_type.model_class()
    else:
        model_admin = _model_admin(match.func)
        model = model_admin.model if model_admin is not None else None
    if model is None:
        return []
    # change, history, delete: object_id; the user's password: id; an authenticator's
    # configuration: pk; simple_history's history form and revert: (object_id, history_id).
    object_id = next((kwargs[key] for key in ("object_id", "id", "pk") if key in kwargs), None)
    if object_id is None and match.args:
        object_id = match.args[0]
    if object_id is None:
        return []
    object_id = unquote(str(object_id))[:64]
    label = model._meta.label_lower
    found = []
    page_type = model_type(model)
    if page_type:
        found.append((page_type, object_id))
    if len(match.args) > 1:  # the history form: which past version
        found.append((f"{label}.history", str(match.args[1])[:64]))
    found.append((label, object_id))
    return found


def _model_for(kind):
    label = RECORD_TYPES.get(kind, kind)
    if "." not in label:
        return None
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _owners(model, pk):
    """{type: id} of the candidate, case and attempt ``model`` ``pk`` belongs to."""
    names = {field.name for field in model._meta.fields if field.is_relation}
    paths = []
    for owner, owner_paths in OWNERS.items():
        if owner in names:
            paths.extend(owner_paths)
    if not paths:
        return {}
    lookup = list(dict.fromkeys(paths))
    try:
        pk = model._meta.pk.to_python(pk)
    except ValidationError:
        return {}  # a malformed id names nothing
    try:
        # A savepoint: a failed look-up must not break the transaction of a test or caller.
        with transaction.atomic(using=router.db_for_read(model)):
            row = model._default_manager.filter(pk=pk).values(*lookup).first()
            if row is None and hasattr(model, "history"):
                # A deleted record's history pages: its last recorded version.
                row = (
                    model.history.filter(**{model._meta.pk.attname: pk})
                    .order_by("-history_date")
                    .values(*lookup)
                    .first()
                )
    except DatabaseError:
        return {}
    if row is None:
        return {}
    refs = {}
    for path, value in row.items():
        if value is not None:
            refs.setdefault(OWNER_TYPES[path.rsplit("__", 1)[-1]], str(value))
    return refs
