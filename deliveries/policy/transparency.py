"""POL-TRANSPARENCY (SOP 2-64-2): relevant policy and operations information is made available
to the community in a transparent manner, as an aggregate report with no personal data
(deliveries/selectors/transparency.py builds it; this rule checks what it would publish)."""

from django.utils.translation import gettext_lazy as _

from vipcn.policy import Rule, rule

THRESHOLD = 5


@rule
class Transparency(Rule):
    """POL-TRANSPARENCY: policy and operations information is made available to the community
    in a transparent manner: an aggregate report with no personal data. ``validate`` checks a
    published table: counts only, and no count below the threshold shown."""

    id, cites = "POL-TRANSPARENCY", "2-64-2"
    label = _("Aggregate report for the community, no personal data")

    def validate(self, published, as_of=None):
        for figure in [*published["rows"], *([published["total"]] if published["total"] else [])]:
            if not figure.suppressed and 0 < figure.count < THRESHOLD:
                raise self.fail(
                    _(
                        "the count for “%(label)s” is below %(n)s and would be published; "
                        "suppress it."
                    ),
                    label=figure.label,
                    n=THRESHOLD,
                )

    def help_text(self):
        return _("The transparency report publishes aggregate counts, small counts suppressed.")
