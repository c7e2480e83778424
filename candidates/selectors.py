"""Read queries of the registry: search, filters, possible duplicates, change history.

Every queryset a user sees starts from candidates.visibility.candidates_visible_to.
"""

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.juvenile import juvenile_on_q
from candidates.models import (
    Address,
    Alias,
    Candidate,
    EligibilityDetermination,
    Group,
    GroupMembership,
    IdentificationBasis,
    Relationship,
)
from candidates.text import normalize, tokens
from candidates.visibility import candidates_visible_to

# pg_trgm word similarity needed for a match; lower than the default 0.6 so that one
# misspelled word in a short query still matches ("Jonh Smiht").
WORD_SIMILARITY_THRESHOLD = 0.4


def is_postgres():
    return connection.vendor == "postgresql"


class WordSimilar(Func):
    """``query <% search_text``: true when the query is word-similar to part of the text
    (pg_trgm; uses the GIN trigram index on search_text)."""

    arg_joiner = " <%% "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class WordSimilarity(Func):
    function = "word_similarity"
    output_field = FloatField()


def _set_trigram_threshold():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            [str(WORD_SIMILARITY_THRESHOLD)],
        )


def name_search(queryset, query):
    """Candidates whose name or alias matches ``query``, tolerant of misspelling and word
    order on PostgreSQL (trigram word similarity), every word contained elsewhere. Also
    matches the Department/RMS identifier and the record number exactly.

    Returns the filtered queryset and the order (best match first). The similarity is an
    ORDER BY expression, not an annotation, so that counting the matches does not compute
    it for every one of them."""
    text = normalize(query)
    if not text:
        return queryset, ("last_name", "pk")
    # Identifiers match exactly (as typed or upper-cased) so the rms_id index serves them.
    exact = Q(rms_id__in={query.strip(), query.strip().upper()})
    if query.strip().isdecimal():
        exact |= Q(pk=int(query.strip()))
    # search_text is stored normalised (lower case), so a plain LIKE uses the trigram index.
    words = Q()
    for word in tokens(query):
        words &= Q(search_text__contains=word)
    if is_postgres():
        _set_trigram_threshold()
        similar = Q(WordSimilar(Value(text), F("search_text")))
        relevance = WordSimilarity(Value(text), F("search_text")).desc()
        return queryset.filter(similar | words | exact), (relevance, "last_name", "pk")
    return queryset.filter(words | exact), ("last_name", "pk")


SORTS = {
    "name": ("last_name", "first_name", "pk"),
    "-name": ("-last_name", "-first_name", "-pk"),
    "dob": ("date_of_birth", "pk"),
    "-dob": ("-date_of_birth", "-pk"),
    "status": ("status", "last_name", "pk"),
    "-status": ("-status", "last_name", "pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
    "id": ("pk",),
    "-id": ("-pk",),
}


def candidate_list(user, *, filters):
    """The candidate list for ``user``: visibility, then the filters, then the order.

    ``filters`` is a cleaned CandidateFilterForm's data. One query for the page, whatever
    its length (the basis codes, groups and assigned user come in a few prefetches).
    """
    qs = candidates_visible_to(user, Candidate.objects.all())
    if not filters.get("include_merged"):
        qs = qs.exclude(status=Candidate.Status.MERGED)
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    age_group = filters.get("age_group")
    today = timezone.localdate()
    if age_group == "juvenile":
        qs = qs.filter(juvenile_on_q(today))
    elif age_group == "adult":
        qs = qs.filter(date_of_birth__isnull=False).exclude(juvenile_on_q(today))
    elif age_group == "unknown":
        qs = qs.filter(date_of_birth__isnull=True)
    if filters.get("basis"):
        qs = qs.filter(
            Exists(
                IdentificationBasis.objects.filter(
                    candidate=OuterRef("pk"), code=filters["basis"], withdrawn=False
                )
            )
        )
    if filters.get("group"):
        qs = qs.filter(
            Exists(GroupMembership.objects.filter(candidate=OuterRef("pk"), group=filters["group"]))
        )
    if filters.get("assigned_to"):
        qs = qs.filter(assigned_to=filters["assigned_to"])
    eligible = filters.get("eligible")
    if eligible == "yes":
        qs = qs.filter(status=Candidate.Status.ELIGIBLE)
    elif eligible == "no":
        qs = qs.exclude(status=Candidate.Status.ELIGIBLE)
    query = (filters.get("q") or "").strip()
    sort = filters.get("sort") or ""
    if query:
        qs, best_first = name_search(qs, query)
        order = SORTS.get(sort) or best_first
    else:
        order = SORTS.get(sort) or SORTS["name"]
    return (
        qs.select_related("assigned_to")
        .prefetch_related(
            Prefetch(
                "bases",
                queryset=IdentificationBasis.objects.filter(withdrawn=False).only(
                    "pk", "candidate_id", "code"
                ),
                to_attr="active_bases",
            ),
        )
        .order_by(*order)
    )


def candidate_for_page(user, pk):
    """The candidate with everything its page shows, or None when not visible."""
    qs = candidates_visible_to(user, Candidate.objects.filter(pk=pk))
    return (
        qs.select_related("assigned_to", "merged_into", "created_by")
        .prefetch_related(
            Prefetch(
                "bases",
                queryset=IdentificationBasis.objects.select_related(
                    "shooting", "gvis_meeting", "created_by"
                ),
            ),
            Prefetch(
                "relationships",
                # The link to a related record only when the user may see it: a sealed
                # record's number is not shown (nor is it loaded).
                queryset=Relationship.objects.annotate(
                    related_visible=Exists(
                        candidates_visible_to(user).filter(pk=OuterRef("related_candidate_id"))
                    )
                ),
            ),
            Prefetch(
                "determinations",
                queryset=EligibilityDetermination.objects.select_related("determined_by"),
            ),
            Prefetch("group_memberships", queryset=GroupMembership.objects.select_related("group")),
            "aliases",
            "addresses",
            "shooting_involvements__shooting",
            "gvis_meetings",
            "merged_records",
        )
        .first()
    )


# --- possible duplicates


@dataclass
class PossibleDuplicate:
    candidate: Candidate
    score: float
    same_dob: bool


def possible_duplicates(
    user,
    *,
    first_name,
    last_name,
    middle_name="",
    date_of_birth=None,
    aliases=(),
    exclude_pk=None,
    limit=10,
):
    """Existing records that may be the same person: a similar name (including aliases) or
    the same date of birth with a similar last name. Sorted most likely first."""
    names = [" ".join(p for p in (first_name, middle_name, last_name) if p), *aliases]
    text = normalize(" ".join(names))
    if not text:
        return []
    qs = candidates_visible_to(user, Candidate.objects.exclude(status=Candidate.Status.MERGED))
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    if is_postgres():
        from django.contrib.postgres.search import TrigramSimilarity

        _set_trigram_threshold()
        full = normalize(names[0])
        qs = qs.annotate(
            score=TrigramSimilarity(F("search_text"), Value(full)),
        )
        match = Q(WordSimilar(Value(full), F("search_text")))
        for alias in aliases:
            if normalize(alias):
                match |= Q(WordSimilar(Value(normalize(alias)), F("search_text")))
        if date_of_birth:
            match |= Q(
                date_of_birth=date_of_birth,
                search_text__contains=normalize(last_name)[:4] or "\x00",
            )
        rows = qs.filter(match).order_by("-score", "pk")[:limit]
    else:
        words = tokens(last_name)[:1] + tokens(first_name)[:1]
        match = Q()
        for word in words:
            match |= Q(search_text__contains=word[:4])
        rows = qs.filter(match).annotate(score=Value(0.0, FloatField())).order_by("pk")[:limit]
    found = [
        PossibleDuplicate(
            candidate=c,
            score=float(c.score or 0),
            same_dob=bool(date_of_birth and c.date_of_birth == date_of_birth),
        )
        for c in rows.select_related("assigned_to").prefetch_related("aliases")
    ]
    if not is_postgres():
        # Without trigrams a shared first four letters is weak: keep only a same birth date or
        # every name word present.
        found = [
            d
            for d in found
            if d.same_dob or all(w in d.candidate.search_text for w in tokens(names[0]))
        ]
    found.sort(key=lambda d: (not d.same_dob, -d.score))
    return found


def duplicates_of(user, candidate, limit=10):
    return possible_duplicates(
        user,
        first_name=candidate.first_name,
        middle_name=candidate.middle_name,
        last_name=candidate.last_name,
        date_of_birth=candidate.date_of_birth,
        aliases=[a.name for a in candidate.aliases.all()],
        exclude_pk=candidate.pk,
        limit=limit,
    )


# --- change history


@dataclass
class HistoryEntry:
    when: datetime.datetime
    user: object
    what: str
    action: str
    changes: list
    record_label: str


ACTIONS = {"+": _("created"), "~": _("changed"), "-": _("removed")}
HIDDEN_FIELDS = {"version", "updated_at", "created_at", "created_by", "search_text", "id"}


def _display(model, field_name, value, hidden=frozenset()):
    try:
        field = model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - an unknown field shows its raw value
        return value
    if value in (None, ""):
        return "—"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        if field.related_model is Candidate and value in hidden:
            return "—"  # a record the user may not see: not even its number
        return _("record %(pk)s") % {"pk": value}
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _entries_for(model, records, what, hidden=frozenset()):
    """HistoryEntry rows from historical records, diffing each with the previous version of
    the same object in memory (no query per row)."""
    entries = []
    previous = {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        changes = []
        old = previous.get(record.id)
        if old is not None and record.history_type == "~":
            delta = record.diff_against(old)
            for change in delta.changes:
                if change.field in HIDDEN_FIELDS:
                    continue
                changes.append(
                    {
                        "field": model._meta.get_field(change.field).verbose_name,
                        "old": _display(model, change.field, change.old, hidden),
                        "new": _display(model, change.field, change.new, hidden),
                    }
                )
            if not changes:
                previous[record.id] = record
                continue  # a version bump only (e.g. a child row changed)
        previous[record.id] = record
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                what=what,
                action=ACTIONS.get(record.history_type, record.history_type),
                changes=changes,
                record_label=str(record.instance) if record.history_type != "-" else "",
            )
        )
    return entries


def candidate_history(candidate, limit=200, *, user=None):
    """Who changed what, when: the candidate (and records merged into it), its bases,
    relationships, aliases, addresses and determinations; newest first. With ``user``, a
    reference to a record that user may not see (a sealed one) shows as "—"."""
    ids = [candidate.pk, *[m.pk for m in candidate.merged_records.all()]]
    sources = [
        (Candidate, Candidate.history.filter(id__in=ids), _("Candidate")),
        (
            IdentificationBasis,
            IdentificationBasis.history.filter(candidate_id__in=ids),
            _("Identification basis"),
        ),
        (Relationship, Relationship.history.filter(candidate_id__in=ids), _("Relationship")),
        (Alias, Alias.history.filter(candidate_id__in=ids), _("Alias")),
        (Address, Address.history.filter(candidate_id__in=ids), _("Address")),
        (
            EligibilityDetermination,
            EligibilityDetermination.history.filter(candidate_id__in=ids),
            _("Eligibility determination"),
        ),
    ]
    hidden = frozenset()
    if user is not None:
        referred = set(sources[0][1].values_list("merged_into_id", flat=True))
        referred |= set(sources[2][1].values_list("related_candidate_id", flat=True))
        referred.discard(None)
        hidden = frozenset(
            referred
            - set(candidates_visible_to(user).filter(pk__in=referred).values_list("pk", flat=True))
        )
    entries = []
    for model, qs, what in sources:
        entries.extend(_entries_for(model, qs.select_related("history_user"), what, hidden))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def group_list(user):
    """Groups with the number of members the user may see (a sealed member is not counted,
    nor, without the permission, a juvenile one)."""
    members = (
        GroupMembership.objects.filter(
            group=OuterRef("pk"), candidate__in=candidates_visible_to(user).values("pk")
        )
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Group.objects.annotate(
        member_count=Coalesce(Subquery(members, output_field=IntegerField()), 0)
    ).order_by("name")
