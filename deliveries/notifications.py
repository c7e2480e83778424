"""Email to the person who must act, and only to them.

* a case awaiting approval -> the Leads (``notify_awaiting_approval``);
* an approved case -> its team members who have a login account (``notify_approved``);
* an after-action gone overdue -> the officer who recorded the attempt and the Leads
  (``notify_overdue``);
* an attempt recorded with a field-rule exception -> the Program Managers
  (``notify_exception``).

The services call these after their transaction commits (``transaction.on_commit``), so that
no email announces a step that was rolled back. An email carries the case number and a link,
never case details: mail leaves the Department's systems. Each recipient gets their own message
(no one sees who else was told), in their chosen language. A recipient who may not see the
candidate (a sealed record, or a juvenile's without the permission) is not told.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from candidates.visibility import can_see_candidate
from vipcn.roles import LEAD, MANAGER


def site_url():
    """The address people open the application at (VIPCN["SITE_URL"]), else the first allowed
    host over https; empty when neither is known (links are then relative)."""
    configured = settings.VIPCN.get("SITE_URL", "")
    if configured:
        return configured.rstrip("/")
    hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith((".", "*"))]
    return f"https://{hosts[0]}" if hosts else ""


def case_link(case):
    """The case's page when the cases area provides one, else the report list filtered to it."""
    try:
        path = reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        path = reverse("reports:cases") + "?" + urlencode({"number": case.number})
    return site_url() + path


def with_role(role):
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def leads():
    return with_role(LEAD)


def _language(user):
    profile = getattr(user, "profile", None)  # a missing profile reads as None
    return (profile.language if profile else "") or settings.LANGUAGE_CODE


def send_to(users, subject_and_body, *, candidate=None):
    """Send one message per user (with an email address, able to see the candidate).

    ``subject_and_body`` is called inside each recipient's language and returns
    (subject, body). Returns the number of messages sent.
    """
    sent = 0
    seen = set()
    for user in users:
        if not user.is_active or not user.email or user.pk in seen:
            continue
        seen.add(user.pk)
        if candidate is not None and not can_see_candidate(user, candidate):
            continue
        with translation.override(_language(user)):
            subject, body = subject_and_body()
        EmailMessage(subject=subject, body=body, to=[user.email]).send()
        sent += 1
    return sent


def notify_awaiting_approval(case):
    """Tell the Leads that ``case`` is ready for their approval (P-APPROVE)."""
    link = case_link(case)

    def message():
        return (
            _("VIP CN: case %(number)s awaits your approval") % {"number": case.number},
            _(
                "Case %(number)s has its preparation complete and awaits approval by the "
                "VIP Law Enforcement Lead.\n\nOpen it: %(link)s\n"
            )
            % {"number": case.number, "link": link},
        )

    return send_to(leads(), message, candidate=case.candidate)


def notify_approved(case):
    """Tell the case's delivery team (members with a login account) that it is approved."""
    link = case_link(case)
    users = [
        member.personnel.user
        for member in case.team.select_related("personnel__user").order_by("pk")
        if member.personnel.user_id
    ]

    def message():
        return (
            _("VIP CN: case %(number)s is approved for delivery") % {"number": case.number},
            _(
                "Case %(number)s is approved for delivery and you are on its delivery team."
                "\n\nOpen it: %(link)s\n"
            )
            % {"number": case.number, "link": link},
        )

    return send_to(users, message, candidate=case.candidate)


def notify_exception(attempt):
    """Tell the Program Managers that ``attempt`` was recorded with a field rule broken (an
    exception the Lead explained): the rule IDs, the case number and a link."""
    case = attempt.case
    link = case_link(case)
    rule_ids = ", ".join(attempt.exceptions.order_by("rule_id").values_list("rule_id", flat=True))

    def message():
        return (
            _("VIP CN: attempt %(attempt)s on case %(number)s recorded with an exception")
            % {"attempt": attempt.number, "number": case.number},
            _(
                "The VIP Law Enforcement Lead recorded attempt %(attempt)s on case %(number)s "
                "with a field rule not met (%(rules)s), with an explanation. It does not count "
                "as a compliant delivery.\n\nOpen it: %(link)s\n"
            )
            % {"attempt": attempt.number, "number": case.number, "rules": rule_ids, "link": link},
        )

    return send_to(with_role(MANAGER), message, candidate=case.candidate)


def notify_overdue(attempt):
    """Tell the officer who recorded ``attempt`` and the Leads that its after-action is
    overdue (A-ECC, A-CAD, A-RMS)."""
    from deliveries import overdue

    case = attempt.case
    link = case_link(case)
    hours = overdue.hours()
    users = ([attempt.created_by] if attempt.created_by_id else []) + list(leads())

    def message():
        return (
            _("VIP CN: after-action overdue for case %(number)s") % {"number": case.number},
            _(
                "The after-action for attempt %(attempt)s on case %(number)s is not complete "
                "%(hours)s hours after the attempt.\n\nOpen it: %(link)s\n"
            )
            % {"attempt": attempt.number, "number": case.number, "hours": hours, "link": link},
        )

    return send_to(users, message, candidate=case.candidate)


# --- the daily digest ------------------------------------------------------------------------


def waiting_work(user, *, now=None):
    """The user's waiting work as [(heading, [case, ...]), ...], visible cases only.

    * the Lead: cases awaiting approval, attempts awaiting after-action confirmation;
    * a delivery team member: approved cases they are on;
    * the officer who recorded an attempt: its after-action not yet confirmed;
    * the assigned staff member: their cases still in preparation.
    """
    from deliveries.models import CNCase
    from deliveries.selectors import reports as sel
    from deliveries.selectors.common import visible_attempts, visible_cases
    from vipcn.roles import has_role

    cases = visible_cases(user).order_by("number")
    sections = []
    if has_role(user, LEAD):
        sections.append(
            (
                _("Awaiting your approval"),
                list(cases.filter(sel.awaiting_approval_q(now))),
            )
        )
        sections.append(
            (
                _("After-action awaiting your confirmation"),
                list(
                    cases.filter(
                        pk__in=visible_attempts(user)
                        .filter(sel.awaiting_after_action_q())
                        .values("case_id")
                    )
                ),
            )
        )
    sections.append(
        (
            _("Approved for delivery, you are on the team"),
            list(cases.filter(state=CNCase.State.READY, team__personnel__user=user).distinct()),
        )
    )
    sections.append(
        (
            _("Attempts you recorded: after-action not yet confirmed"),
            list(
                cases.filter(
                    pk__in=visible_attempts(user)
                    .filter(sel.awaiting_after_action_q(), created_by=user)
                    .values("case_id")
                )
            ),
        )
    )
    sections.append(
        (
            _("Your cases in preparation"),
            list(cases.filter(state=CNCase.State.PREPARING, assigned_to=user)),
        )
    )
    return [(heading, items) for heading, items in sections if items]


def send_digest(user, *, now=None):
    """Email the user their waiting work (case numbers and links only). True if sent."""
    if not user.is_active or not user.email:
        return False
    with translation.override(_language(user)):
        sections = waiting_work(user, now=now)
        if not sections:
            return False
        lines = [_("Your waiting work in VIP CN:"), ""]
        for heading, cases in sections:
            lines.append(f"{heading} ({len(cases)})")
            lines.extend(f"  {case.number}  {case_link(case)}" for case in cases)
            lines.append("")
        subject = _("VIP CN: your waiting work")
    EmailMessage(subject=subject, body="\n".join(lines), to=[user.email]).send()
    return True
