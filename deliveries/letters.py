"""The personalized VIP letter (P-LETTER): merging a template, and printing it as a PDF.

Templates are written by administrators, so their text is never rendered as a Django
template (that would let admin text run template tags and read context). Only the named
placeholders below are replaced, by plain string substitution; the result is plain text,
escaped when it is put into the HTML that WeasyPrint prints.
"""

import re

from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from candidates.models import Language

# The letter's own words follow the *letter's* language, not the reader's interface, and must
# not depend on a compiled UI catalogue: they are part of the document, like the template.
LETTER_WORDS = {
    Language.ENGLISH: {
        "maximum": "Maximum penalty",
        "program": "Violence Intervention Program",
        "subtitle": "Police Department · Custom Notification",
        "draft": "DRAFT",
    },
    Language.SPANISH: {
        "maximum": "Pena máxima",
        "program": "Programa de Intervención contra la Violencia",
        "subtitle": "Departamento de Policía · Notificación personalizada",
        "draft": "BORRADOR",
    },
}

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
PLACEHOLDERS = ("candidate_name", "date", "penalties", "lead_name")


def penalties_text(penalties, language):
    """One paragraph per penalty: statute, plain-words description, maximum penalty."""
    words = words_for(language)
    return "\n".join(
        "• %(statute)s: %(description)s %(label)s: %(maximum)s."
        % {
            "statute": p.statute,
            "description": p.description_in(language).strip(),
            "label": words["maximum"],
            "maximum": p.maximum_penalty,
        }
        for p in penalties
    )


def words_for(language):
    return LETTER_WORDS.get(language, LETTER_WORDS[Language.ENGLISH])


def letter_date(on_date, language):
    with translation.override(language):
        return formats.date_format(on_date, "DATE_FORMAT")


def merge(body, values):
    """Replace each known ``{{ name }}`` in ``body``; unknown ones are left as written, so the
    drafter sees them in the preview rather than losing text silently."""

    def replace(match):
        name = match.group(1)
        return str(values[name]) if name in values else match.group(0)

    return PLACEHOLDER.sub(replace, body)


def placeholders_in(body):
    return set(PLACEHOLDER.findall(body or ""))


def unknown_placeholders(body):
    return sorted({m for m in PLACEHOLDER.findall(body) if m not in PLACEHOLDERS})


def merge_values(*, case, language, penalties, lead_name, on_date=None):
    return {
        "candidate_name": case.candidate.full_name,
        "date": letter_date(on_date or timezone.localdate(), language),
        "penalties": penalties_text(penalties, language),
        "lead_name": lead_name,
    }


def ordered_languages(preferred):
    """Letter languages with the candidate's preferred one first."""
    codes = [code for code, _label in Language.choices]
    return sorted(codes, key=lambda code: code != preferred)


def render_pdf(letter, *, draft):
    """The letter version as print-ready PDF bytes; a draft carries a DRAFT watermark."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    with translation.override(letter.language):
        html = render_to_string(
            "deliveries/cases/letter_pdf.html",
            {
                "letter": letter,
                "case": letter.case,
                "draft": draft,
                "words": words_for(letter.language),
            },
        )
    # Local files only (fonts come from the system's DejaVu through fontconfig): printing a
    # letter must never make the server fetch a URL.
    fetcher = URLFetcher(allowed_protocols={"file"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def pdf_filename(letter, *, draft):
    suffix = "-draft" if draft else ""
    return f"{letter.case.number}-letter-v{letter.number}{suffix}.pdf"
