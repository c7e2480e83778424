"""The compliance audit's cells, rendered once per distinct cell.

A month's audit is hundreds of rows of twenty cells; rendering each cell through the template
engine was most of the page's time (about 1 s for 300 attempts). A cell's markup depends only on
its status, its note and the language, so each distinct one is built once and reused.
"""

from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from deliveries.selectors.compliance import MET, NOT_MET, STATUS_LABELS

register = template.Library()


@lru_cache(maxsize=2048)
def _cell_html(language, status, note):
    label = str(STATUS_LABELS[status])  # translated in the active language (part of the key)
    if status == MET:
        html = format_html(
            '<span class="audit-met" title="{0}"><span aria-hidden="true">✓</span>'
            '<span class="visually-hidden">{0}</span></span>',
            label,
        )
    elif status == NOT_MET:
        html = format_html(
            '<span class="audit-not-met" title="{1}"><span aria-hidden="true">✗</span>'
            '<span class="visually-hidden">{0}: {1}</span></span>',
            label,
            note,
        )
    else:
        html = format_html(
            '<span class="audit-na" title="{0}"><span aria-hidden="true">–</span>'
            '<span class="visually-hidden">{0}</span></span>',
            label,
        )
    return format_html('<td class="text-center">{}</td>', html)


@register.filter
def audit_cells(row):
    """The row's cells as table cells, in the order of the columns (RULES)."""
    language = get_language()
    return mark_safe(  # noqa: S308 - every part comes from format_html above
        "".join(_cell_html(language, cell.status, cell.note) for _rule, cell in row.ordered_cells())
    )
