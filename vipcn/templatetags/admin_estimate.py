"""Django's own admin pagination strings, for templates/admin/pagination.html.

That template is overridden only to label an estimated count ("≈ N", see
vipcn.admin_base.EstimatedCountPaginator). Its other strings are Django's admin's: they are
looked up here, not written in our template, so that Django's catalogue translates them and
ours does not copy them.
"""

from django import template
from django.utils.translation import gettext

register = template.Library()

DJANGO_PAGINATION = "Pagination %(name)s"
DJANGO_SHOW_ALL = "Show all"


@register.filter
def pagination_heading(cl):
    return gettext(DJANGO_PAGINATION) % {"name": cl.opts.verbose_name_plural}


@register.simple_tag
def show_all_label():
    return gettext(DJANGO_SHOW_ALL)
