"""Synthetic data at scale, written by PostgreSQL itself.

Every row of a batch is computed server-side by one ``INSERT ... SELECT`` over
``generate_series`` (no row crosses the wire, memory stays flat whatever the size), and the
batch's history rows are written in the same transaction by one ``INSERT ... SELECT`` from the
rows just written: one "+" (created) historical row per record, with the record's creator and
creation time, exactly what ``save()`` under ``HistoricalRecords`` would have left.

Row ids are a pure function of the candidate's position ``g`` (``base + g``), so a child row
knows its parent's id without a round trip; which candidates get which rows is decided by a
cheap deterministic hash of ``g`` and the seed, giving fixed proportions (see PROPORTIONS).

The small reference sets (staff accounts, personnel, a letter template) are made with the ORM
and ``bulk_create_with_history``.
"""

import datetime
import random
import re
import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone
from faker import Faker
from simple_history.utils import bulk_create_with_history

from candidates.models import (
    Address,
    Alias,
    Candidate,
    EligibilityDetermination,
    IdentificationBasis,
    Relationship,
    Shooting,
    ShootingInvolvement,
)
from deliveries.models import (
    AfterAction,
    AttemptTeamMember,
    BackgroundCheck,
    CaseTransition,
    CNCase,
    DeliveryAttempt,
    LetterTemplate,
    LetterVersion,
    ManualAccompaniment,
    Personnel,
    TeamAssignment,
    ThreatAssessment,
    Training,
    TrainingAttendance,
)
from vipcn import roles

# Per thousand candidates (the hash of g falls in 0..999).
PROPORTIONS = {
    "case": 150,  # 15% have a CN case
    "alias": 300,  # 30% have an alias
    "second_address": 200,  # every candidate has an address, 20% a second one
    "relationship": 600,  # 60% have an influencer, 25% also an associate
    "associate": 250,
    "involvement": 300,  # 30% are involved in a shooting
    "eligible": 350,  # of those without a case: 35% eligible, 15% not, rest identified
    "not_eligible": 150,
    "juvenile": 80,  # 8% born less than 18 years ago
}
# State of a case by hash band (cumulative per thousand).
CASE_STATES = [
    (250, "preparing"),
    (350, "ready"),
    (450, "attempted"),
    (800, "closed"),
    (900, "stopped"),
    (1000, "withdrawn"),
]
PRIME = 1000003
MULTIPLIERS = [7919, 104729, 1299709, 15485863, 32452843, 49979687, 67867967, 86028121, 2750159]
STAFF_USERS = 12
PERSONNEL = 60
BASIS_CODES = ["ID-1", "ID-2", "ID-2I", "ID-3", "ID-4", "ID-5"]
LEAD_USERNAME = "scale-lead"


def _hash(k, seed, var="g"):
    return f"((({var}::bigint * {MULTIPLIERS[k]} + {seed * 9973 + k * 131}) % {PRIME}) % 1000)"


TEXT_ARRAYS = {"first", "last", "streets", "cities"}


def _array_param(match):
    kind = "text[]" if match.group(1) in TEXT_ARRAYS else "int[]"
    return f"(%({match.group(1)})s::{kind})["


@dataclass
class Counter:
    rows: dict = field(default_factory=dict)

    def add(self, table, n):
        self.rows[table] = self.rows.get(table, 0) + n


class Generator:
    def __init__(self, *, candidates, seed=1, batch=20000, stdout=None):
        if connection.vendor != "postgresql":
            raise RuntimeError("generate_data writes with PostgreSQL's INSERT ... SELECT.")
        self.n = candidates
        self.seed = seed
        self.batch = batch
        self.stdout = stdout
        self.counts = Counter()
        self.timings = {}
        self.h = [lambda k=k, var="g": _hash(k, seed, var) for k in range(len(MULTIPLIERS))]

    # --- reference data through the ORM (small, with history)

    def _reference(self):
        fake = Faker("en_US")
        fake.seed_instance(self.seed)
        User = get_user_model()
        staff_group = Group.objects.get(name=roles.STAFF)
        lead_group = Group.objects.get(name=roles.LEAD)
        staff = []
        for i in range(1, STAFF_USERS + 1):
            user, created = User.objects.get_or_create(
                username=f"scale-staff-{i:02d}",
                defaults={"first_name": fake.first_name(), "last_name": fake.last_name()},
            )
            if created:
                user.set_unusable_password()
                user.save()
                user.groups.add(staff_group)
            staff.append(user.pk)
        lead, created = User.objects.get_or_create(
            username=LEAD_USERNAME, defaults={"first_name": "Scale", "last_name": "Lead"}
        )
        if created:
            lead.set_unusable_password()
            lead.save()
            lead.groups.add(lead_group)
        self.staff_ids = staff
        self.lead_id = lead.pk
        existing = list(
            Personnel.objects.filter(badge_number__startswith="SC-").values_list("pk", flat=True)
        )
        if len(existing) < PERSONNEL:
            people = [
                Personnel(
                    first_name=fake.first_name(),
                    last_name=fake.last_name(),
                    badge_number=f"SC-{i:05d}",
                    unit="VIP",
                    is_vip_lead=i % 10 == 0,
                    created_by_id=lead.pk,
                )
                for i in range(len(existing) + 1, PERSONNEL + 1)
            ]
            bulk_create_with_history(people, Personnel, default_user=lead)
            existing = list(
                Personnel.objects.filter(badge_number__startswith="SC-").values_list(
                    "pk", flat=True
                )
            )
        self.personnel_ids = sorted(existing)
        self._qualify(lead, fake)
        template = LetterTemplate.objects.filter(language="en", is_active=True).first()
        if template is None:
            template = LetterTemplate(
                name="Custom Notification (generated)",
                language="en",
                body="Dear {{ candidate }}, your community cares about your safety.",
                created_by_id=lead.pk,
            )
            bulk_create_with_history([template], LetterTemplate, default_user=lead)
            template = LetterTemplate.objects.get(name="Custom Notification (generated)")
        self.template_id = template.pk
        pool = Faker("en_US")
        pool.seed_instance(self.seed)
        self.first_names = sorted({pool.first_name() for _ in range(3000)})
        self.last_names = sorted({pool.last_name() for _ in range(6000)})
        self.streets = sorted({pool.street_name() for _ in range(800)})
        self.cities = ["Albuquerque", "Rio Rancho", "Los Lunas", "Bernalillo", "Corrales"]

    def _qualify(self, lead, fake):
        """Every generated officer is trained and has accompanied the Lead (DLV-* met)."""
        training = Training.objects.filter(is_active=True).first()
        if training is None:
            training = Training(name="CN delivery workshop (generated)", created_by_id=lead.pk)
            bulk_create_with_history([training], Training, default_user=lead)
            training = Training.objects.get(name="CN delivery workshop (generated)")
        people = Personnel.objects.filter(pk__in=self.personnel_ids)
        untrained = people.exclude(trainings_attended__training=training)
        today = timezone.localdate()
        bulk_create_with_history(
            [
                TrainingAttendance(
                    personnel=p,
                    training=training,
                    attended_on=today - datetime.timedelta(days=400),
                    evidence="Sign-in sheet (generated)",
                    created_by_id=lead.pk,
                )
                for p in untrained
            ],
            TrainingAttendance,
            default_user=lead,
        )
        the_lead = people.filter(is_vip_lead=True).first()
        bulk_create_with_history(
            [
                ManualAccompaniment(
                    personnel=p,
                    accompanied_on=today - datetime.timedelta(days=300),
                    lead=the_lead,
                    evidence="Delivery log (generated)",
                    confirmed_by=lead,
                    confirmed_at=timezone.now(),
                    created_by_id=lead.pk,
                )
                for p in people.filter(is_vip_lead=False, manual_accompaniments__isnull=True)
            ],
            ManualAccompaniment,
            default_user=lead,
        )

    # --- SQL helpers

    def _bases(self, models):
        """Current max id of each table: generated ids start above it (re-runs append)."""
        bases = {}
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608 (names from model _meta)
                bases[model] = cursor.fetchone()[0]
        return bases

    def _insert(self, cursor, model, columns, source, params, id_range, history=True):
        """INSERT the rows ``source`` selects (one per generated record), then their history."""
        table = model._meta.db_table
        defaults = {}
        if "created_at" in {f.attname for f in model._meta.concrete_fields}:
            defaults = {
                "created_at": "now() - ((g % 700) || ' days')::interval",
                "updated_at": "now() - ((g % 700) || ' days')::interval",
                "created_by_id": "%(staff)s[1 + g % %(nstaff)s]",
                "version": "1",
            }
        cols = {**defaults, **columns}
        missing = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in cols and not f.null and not f.has_default() and not f.blank
        ]
        assert not missing, f"{table}: no value for {missing}"
        names = ", ".join(cols)
        values = ", ".join(cols.values())
        sql = f"INSERT INTO {table} ({names}) SELECT {values} {source}"
        sql = re.sub(r"%(?!\()", "%%", sql)  # literal modulo; %(name)s stay parameters
        sql = re.sub(r"%\((\w+)\)s\[", _array_param, sql)  # subscript an array parameter
        t0 = time.monotonic()
        cursor.execute(sql, params)
        self.timings[table] = self.timings.get(table, 0) + time.monotonic() - t0
        self.counts.add(table, cursor.rowcount)
        if history and hasattr(model, "history"):
            self._history(cursor, model, list(cols), id_range)

    def _history(self, cursor, model, columns, id_range):
        lo, hi, step = (*id_range, 1)[:3]
        hist = model.history.model
        table = hist._meta.db_table
        hist_cols = {f.attname for f in hist._meta.concrete_fields}
        copied = [f.attname for f in model._meta.concrete_fields if f.attname in hist_cols]
        extra = {
            "history_date": "created_at",
            "history_type": "'+'",
            "history_change_reason": "NULL",
            "history_user_id": "created_by_id",
        }
        unknown = hist_cols - set(copied) - set(extra) - {"history_id"}
        assert not unknown, f"{table}: unknown history columns {unknown}"
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(copied + list(extra))}) "  # noqa: S608 (names from model _meta)
            f"SELECT {', '.join(copied + list(extra.values()))} "
            f"FROM {model._meta.db_table} WHERE id BETWEEN %s AND %s AND (id - %s) %% %s = 0",
            [lo, hi, lo, step],
        )
        self.counts.add(table, cursor.rowcount)

    def _reset_sequences(self, models):
        with connection.cursor() as cursor:
            for model in models:
                for m, pk in ((model, "id"), (getattr(model, "history", None), "history_id")):
                    if m is None:
                        continue
                    table = m._meta.db_table if m is model else model.history.model._meta.db_table
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{pk}'), "  # noqa: S608 (names from model _meta)
                        f"GREATEST((SELECT MAX({pk}) FROM {table}), 1))"
                    )

    # --- the run

    def run(self):
        started = time.monotonic()
        self._reference()
        models = [
            Candidate,
            Alias,
            Address,
            Relationship,
            Shooting,
            ShootingInvolvement,
            IdentificationBasis,
            EligibilityDetermination,
            CNCase,
            CaseTransition,
            ThreatAssessment,
            BackgroundCheck,
            TeamAssignment,
            LetterVersion,
            DeliveryAttempt,
            AttemptTeamMember,
            AfterAction,
        ]
        self.b = self._bases(models)
        self.shootings = max(1, self.n // 10)
        params = {
            "staff": self.staff_ids,
            "nstaff": len(self.staff_ids),
            "lead": self.lead_id,
            "pers": self.personnel_ids,
            "npers": len(self.personnel_ids),
            "first": self.first_names,
            "nfirst": len(self.first_names),
            "last": self.last_names,
            "nlast": len(self.last_names),
            "streets": self.streets,
            "nstreets": len(self.streets),
            "cities": self.cities,
            "template": self.template_id,
            "seed": self.seed,
        }
        self._shootings(params)
        done = 0
        while done < self.n:
            a, z = done + 1, min(done + self.batch, self.n)
            with transaction.atomic(), connection.cursor() as cursor:
                # Synthetic rows: a crash loses the last batch at worst, never corrupts.
                cursor.execute("SET LOCAL synchronous_commit = off")
                self._batch(cursor, a, z, params)
            done = z
            self._progress(done, started)
        self._reset_sequences(models)
        # VACUUM as well as ANALYZE: a bulk load leaves the visibility map unset, and until
        # autovacuum comes round every index-only scan would still read the table. (Inside a
        # transaction, as in the tests, VACUUM cannot run: ANALYZE only.)
        tables = [m._meta.db_table for m in models] + [
            m.history.model._meta.db_table for m in models if hasattr(m, "history")
        ]
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{command} {table}")
        return time.monotonic() - started

    def _progress(self, done, started):
        if self.stdout is None:
            return
        elapsed = time.monotonic() - started
        rows = sum(self.counts.rows.values())
        self.stdout.write(
            f"  {done:>9,}/{self.n:,} candidates  {rows:>11,} rows  {elapsed:7.1f} s  "
            f"({rows / max(elapsed, 0.001):,.0f} rows/s)"
        )

    def _shootings(self, params):
        base = self.b[Shooting]
        step = 50000
        for a in range(1, self.shootings + 1, step):
            z = min(a + step - 1, self.shootings)
            with transaction.atomic(), connection.cursor() as cursor:
                self._insert(
                    cursor,
                    Shooting,
                    {
                        "id": f"{base} + g",
                        "occurred_on": "current_date - (g % 1500)",
                        "location": "(1 + g % 9000) || ' ' || %(streets)s[1 + g % %(nstreets)s]",
                        "case_number": "'GS' || %(seed)s || '-' || " + f"({base} + g)",
                        "notes": "''",
                    },
                    f"FROM generate_series({a}, {z}) g",
                    params,
                    (base + a, base + z),
                )

    def _batch(self, c, a, z, p):
        h, b = self.h, self.b
        series = f"FROM generate_series({a}, {z}) g"
        has_case = f"{h[1]()} < {PROPORTIONS['case']}"
        state = "CASE " + " ".join(f"WHEN {h[2]()} < {t} THEN '{s}'" for t, s in CASE_STATES)
        state += " END"
        cand = b[Candidate]
        status = (
            f"CASE WHEN {has_case} THEN 'eligible' "
            f"WHEN {h[5]()} < {PROPORTIONS['eligible']} THEN 'eligible' "
            f"WHEN {h[5]()} < {PROPORTIONS['eligible'] + PROPORTIONS['not_eligible']} "
            "THEN 'not_eligible' ELSE 'identified' END"
        )
        first = "%(first)s[1 + (g * 7 + %(seed)s) % %(nfirst)s]"
        last = "%(last)s[1 + (g * 13 + %(seed)s) % %(nlast)s]"
        alias = "%(first)s[1 + (g * 17) % %(nfirst)s] || ' ' || %(last)s[1 + (g * 3) % %(nlast)s]"
        dob = (
            f"CASE WHEN {h[6]()} < {PROPORTIONS['juvenile']} "
            "THEN current_date - (5110 + g % 1400) ELSE current_date - (6800 + g % 16000) END"
        )
        self._insert(
            c,
            Candidate,
            {
                "id": f"{cand} + g",
                "first_name": first,
                "middle_name": "''",
                "last_name": last,
                "date_of_birth": dob,
                "sex": "(ARRAY['M','M','M','F','U'])[1 + g % 5]",
                "phone": "'505-555-' || lpad((g % 10000)::text, 4, '0')",
                "rms_id": "'RMS' || (" + f"{cand} + g)",
                "preferred_language": "CASE WHEN g % 5 = 0 THEN 'es' ELSE 'en' END",
                "assigned_to_id": "%(staff)s[1 + g % %(nstaff)s]",
                "status": status,
                "notes": "''",
                "sealed": "false",
                "search_text": f"lower({first} || ' ' || {last} || "
                f"CASE WHEN {h[3]()} < {PROPORTIONS['alias']} THEN ' ' || {alias} ELSE '' END)",
            },
            series,
            p,
            (cand + a, cand + z),
        )
        cand_id = f"{cand} + g"
        self._insert(
            c,
            Alias,
            {"id": f"{b[Alias]} + g", "candidate_id": cand_id, "name": alias},
            f"{series} WHERE {h[3]()} < {PROPORTIONS['alias']}",
            p,
            (b[Alias] + a, b[Alias] + z),
        )
        for k, pred in ((0, "true"), (1, f"{h[4]()} < {PROPORTIONS['second_address']}")):
            self._insert(
                c,
                Address,
                {
                    "id": f"{b[Address]} + 2 * g + {k}",
                    "candidate_id": cand_id,
                    "line1": f"(1 + (g * {k + 3}) % 9000) || ' ' || "
                    "%(streets)s[1 + (g + " + str(k) + ") % %(nstreets)s]",
                    "line2": "''",
                    "city": "%(cities)s[1 + g % 5]",
                    "state": "'NM'",
                    "postal_code": "'871' || lpad((g % 100)::text, 2, '0')",
                    "is_delivery_address": "true" if k == 0 else "false",
                    "notes": "''",
                },
                f"{series} WHERE {pred}",
                p,
                (b[Address] + 2 * a + k, b[Address] + 2 * z + k, 2),
            )
        rel_kinds = (
            (
                0,
                f"{h[7]()} < {PROPORTIONS['relationship']}",
                "(ARRAY['parent','spouse','grandparent','guardian','influencer'])[1 + g % 5]",
            ),
            (1, f"{h[8]()} < {PROPORTIONS['associate']}", "'associate'"),
        )
        for k, pred, kind in rel_kinds:
            self._insert(
                c,
                Relationship,
                {
                    "id": f"{b[Relationship]} + 2 * g + {k}",
                    "candidate_id": cand_id,
                    "kind": kind,
                    "related_candidate_id": "NULL",
                    "name": f"%(first)s[1 + (g * {k + 19}) % %(nfirst)s] || ' ' || {last}",
                    "phone": "'505-555-' || lpad(((g + 1) % 10000)::text, 4, '0')",
                    "address": "''",
                    "preferred_language": "'en'",
                    "notes": "''",
                },
                f"{series} WHERE {pred}",
                p,
                (b[Relationship] + 2 * a + k, b[Relationship] + 2 * z + k, 2),
            )
        shooting = f"{b[Shooting]} + 1 + (g * 31) % {self.shootings}"
        self._insert(
            c,
            ShootingInvolvement,
            {
                "id": f"{b[ShootingInvolvement]} + g",
                "shooting_id": shooting,
                "candidate_id": cand_id,
                "person_name": "''",
                "role": "(ARRAY['victim','suspect','associate'])[1 + g % 3]",
            },
            f"{series} WHERE {h[0]()} < {PROPORTIONS['involvement']}",
            p,
            (b[ShootingInvolvement] + a, b[ShootingInvolvement] + z),
        )
        involved = f"{h[0]()} < {PROPORTIONS['involvement']}"
        code = f"CASE WHEN {involved} THEN 'ID-1' ELSE (ARRAY['ID-3','ID-4','ID-5'])[1 + g % 3] END"
        self._insert(
            c,
            IdentificationBasis,
            {
                "id": f"{b[IdentificationBasis]} + g",
                "candidate_id": cand_id,
                "code": code,
                "shooting_id": f"CASE WHEN {involved} THEN {shooting} END",
                "gvis_meeting_id": "NULL",
                "link_analysis": f"CASE WHEN {code} = 'ID-4' "
                "THEN 'Linked by shooting link analysis.' ELSE '' END",
                "referral_source": f"CASE WHEN {code} = 'ID-5' THEN 'department' ELSE '' END",
                "referred_by": f"CASE WHEN {code} = 'ID-5' THEN 'Detective unit' ELSE '' END",
                "referral_date": f"CASE WHEN {code} = 'ID-5' THEN current_date - (g % 700) END",
                "justification": f"CASE WHEN {code} = 'ID-3' "
                "THEN 'Repeated involvement in gun violence.' ELSE '' END",
                "withdrawn": "false",
                "withdrawn_reason": "''",
            },
            series,
            p,
            (b[IdentificationBasis] + a, b[IdentificationBasis] + z),
        )
        self._insert(
            c,
            EligibilityDetermination,
            {
                "id": f"{b[EligibilityDetermination]} + g",
                "candidate_id": cand_id,
                "determined_by_id": "%(lead)s",
                "determined_on": "current_date - (g % 700)",
                "eligible": f"({status}) = 'eligible'",
                "juvenile": f"{h[6]()} < {PROPORTIONS['juvenile']}",
                "failures": f"CASE WHEN ({status}) = 'eligible' THEN '[]'::jsonb "
                "ELSE '[\"ID-1\"]'::jsonb END",
                "note": "''",
            },
            f"{series} WHERE ({status}) <> 'identified'",
            p,
            (b[EligibilityDetermination] + a, b[EligibilityDetermination] + z),
        )
        self._cases(c, a, z, p, series, has_case, state, cand_id)

    def _cases(self, c, a, z, p, series, has_case, state, cand_id):
        b = self.b
        case_id = f"{b[CNCase]} + g"
        where = f"{series} WHERE {has_case}"
        beyond = f"{where} AND ({state}) <> 'preparing'"
        attempted = f"{where} AND ({state}) IN ('attempted', 'closed')"
        ended = f"({state}) IN ('closed', 'stopped', 'withdrawn')"
        approved = f"({state}) IN ('ready', 'attempted', 'closed')"
        self._insert(
            c,
            CNCase,
            {
                "id": case_id,
                "number": "'CN-G' || (" + case_id + ")",
                "candidate_id": cand_id,
                "state": state,
                "assigned_to_id": "%(staff)s[1 + g % %(nstaff)s]",
                "opened_on": "current_date - (g % 700)",
                "no_letter_reason": "''",
                "approved_facts": "'{}'::jsonb",
                "planned_guardian_id": "NULL",
                "approved_by_id": f"CASE WHEN {approved} THEN %(lead)s END",
                "approved_at": f"CASE WHEN {approved} THEN now() - ((g % 690) || ' days')::interval"
                " END",
                "closed_at": f"CASE WHEN {ended} THEN now() - ((g % 600) || ' days')::interval END",
                "end_reason": f"CASE WHEN ({state}) IN ('stopped', 'withdrawn') "
                "THEN 'No longer warranted.' ELSE '' END",
            },
            where,
            p,
            (b[CNCase] + a, b[CNCase] + z),
        )
        for k, pred, frm, to in (
            (0, where, "''", "'preparing'"),
            (1, beyond, "'preparing'", f"CASE WHEN {approved} THEN 'ready' ELSE {state} END"),
            (2, attempted, "'ready'", "'attempted'"),
            (3, f"{where} AND ({state}) = 'closed'", "'attempted'", "'closed'"),
        ):
            self._insert(
                c,
                CaseTransition,
                {
                    "id": f"{b[CaseTransition]} + 4 * g + {k}",
                    "case_id": case_id,
                    "from_state": frm,
                    "to_state": to,
                    "actor_id": "%(lead)s",
                    "at": f"now() - ((g % 700 - {k}) || ' days')::interval",
                    "note": "''",
                },
                pred,
                p,
                None,
                history=False,
            )
        for model in (ThreatAssessment, BackgroundCheck):
            self._insert(
                c,
                model,
                {
                    "id": f"{b[model]} + g",
                    "case_id": case_id,
                    "completed_by": "'Det. Analyst'",
                    "completed_on": "current_date - (g % 690)",
                    "summary": "'No specific threat identified.'",
                },
                f"{where} AND (({state}) <> 'preparing' OR g % 2 = 0)",
                p,
                (b[model] + a, b[model] + z),
            )
        half = len(self.personnel_ids) // 2
        for k, role, person in (
            (0, "deliverer", f"%(pers)s[1 + g % {half}]"),
            (1, "lead", f"%(pers)s[{half + 1} + g % {half}]"),
        ):
            self._insert(
                c,
                TeamAssignment,
                {
                    "id": f"{b[TeamAssignment]} + 2 * g + {k}",
                    "case_id": case_id,
                    "personnel_id": person,
                    "role": f"'{role}'",
                },
                beyond,
                p,
                (b[TeamAssignment] + 2 * a + k, b[TeamAssignment] + 2 * z + k, 2),
            )
        self._insert(
            c,
            LetterVersion,
            {
                "id": f"{b[LetterVersion]} + g",
                "case_id": case_id,
                "number": "1",
                "template_id": "%(template)s",
                "language": "'en'",
                "body": "'Your community cares about your safety. This is your notice.'",
                "source": "'Your community cares about your safety. This is your notice.'",
                "accepted_by_id": "%(lead)s",
                "accepted_at": "now() - ((g % 690) || ' days')::interval",
            },
            beyond,
            p,
            (b[LetterVersion] + a, b[LetterVersion] + z),
        )
        closed = f"({state}) = 'closed'"
        self._insert(
            c,
            DeliveryAttempt,
            {
                "id": f"{b[DeliveryAttempt]} + g",
                "case_id": case_id,
                "number": "1",
                "contact_at": "now() - ((g % 680) || ' days')::interval",
                "address": "'1 Main St, Albuquerque'",
                "ecc_advised_at": "now() - ((g % 680) || ' days')::interval - interval '1 hour'",
                "ecc_advised_by": "'Officer on duty'",
                "ecc_told_location": "true",
                "ecc_told_team": "true",
                "ecc_told_identity": "true",
                "outcome": f"CASE WHEN {closed} THEN 'delivered' ELSE 'not_located' END",
                "letter_presented_id": f"CASE WHEN {closed} THEN {b[LetterVersion]} + g END",
                "message_delivered": closed,
                "team_left_immediately": "false",
                "ended_how": "''",
                "abort_reason": "''",
                "alternate_recipient_id": "NULL",
                "alternate_reason": "''",
                "guardian_present_id": "NULL",
                "social_services_delivered": f"CASE WHEN {closed} THEN true END",
                "social_services_reason": "''",
                "notes": "''",
            },
            attempted,
            p,
            (b[DeliveryAttempt] + a, b[DeliveryAttempt] + z),
        )
        attempt_id = f"{b[DeliveryAttempt]} + g"
        for k, role, person in (
            (0, "deliverer", f"%(pers)s[1 + g % {half}]"),
            (1, "lead", f"%(pers)s[{half + 1} + g % {half}]"),
        ):
            self._insert(
                c,
                AttemptTeamMember,
                {
                    "id": f"{b[AttemptTeamMember]} + 2 * g + {k}",
                    "attempt_id": attempt_id,
                    "role": f"'{role}'",
                    "personnel_id": person,
                    "name": "''",
                },
                attempted,
                p,
                (b[AttemptTeamMember] + 2 * a + k, b[AttemptTeamMember] + 2 * z + k, 2),
            )
        aa_id = f"{b[AfterAction]} + g"
        self._insert(
            c,
            AfterAction,
            {
                "id": aa_id,
                "attempt_id": attempt_id,
                "ecc_outcome_advised_at": f"CASE WHEN {closed} THEN now() - "
                "((g % 680) || ' days')::interval END",
                "ecc_outcome_advised_by": f"CASE WHEN {closed} THEN 'Officer on duty' ELSE '' END",
                "ecc_advised_outcome": f"CASE WHEN {closed} THEN 'delivered' ELSE '' END",
                "cad_number": f"CASE WHEN {closed} THEN lpad(((%(seed)s) % 100)::text, 2, '0') "
                f"|| '-' || lpad(({aa_id})::text, 7, '0') END",
                "confirmed_by_id": f"CASE WHEN {closed} THEN %(lead)s END",
                "confirmed_at": f"CASE WHEN {closed} THEN now() - "
                "((g % 670) || ' days')::interval END",
                "decision": f"CASE WHEN {closed} THEN 'close' ELSE '' END",
            },
            f"{attempted} AND ({closed} OR g % 2 = 0)",
            p,
            (b[AfterAction] + a, b[AfterAction] + z),
        )


def generate(*, candidates, seed=1, batch=20000, stdout=None):
    random.seed(seed)
    gen = Generator(candidates=candidates, seed=seed, batch=batch, stdout=stdout)
    elapsed = gen.run()
    return elapsed, gen.counts.rows
