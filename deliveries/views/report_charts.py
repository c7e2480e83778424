"""Geometry for the dashboard's server-rendered SVG charts (no JavaScript, no outside service).

The templates draw what these functions compute; every bar carries its value, its label and
the link to the cases behind it, and each chart sits beside a table of the same numbers.
"""

from django.utils import formats

WIDTH = 640
BAR_CHART_HEIGHT = 240
PLOT_TOP, PLOT_BOTTOM, PLOT_LEFT = 20, 200, 40


def _nice_max(value):
    """A round axis maximum at or above ``value`` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= value:
                return m * step
        step *= 10


def trend_chart(months, url_for):
    """Stacked monthly bars: delivered (bottom) and not delivered (top).

    ``url_for(month, delivered)`` gives each bar's link.
    """
    top = _nice_max(max((m["delivered"] + m["not_delivered"] for m in months), default=0))
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (WIDTH - PLOT_LEFT - 10) / max(len(months), 1)
    bar_width = round(slot * 0.6, 1)
    bars, labels = [], []
    for i, m in enumerate(months):
        x = round(PLOT_LEFT + i * slot + (slot - bar_width) / 2, 1)
        month_label = formats.date_format(m["month"], "M Y")
        base = PLOT_BOTTOM
        for key, css, delivered in (
            ("delivered", "chart-delivered", "yes"),
            ("not_delivered", "chart-not-delivered", "no"),
        ):
            value = m[key]
            if not value:
                continue
            height = round(plot_height * value / top, 1)
            base = round(base - height, 1)
            bars.append(
                {
                    "x": x,
                    "y": base,
                    "width": bar_width,
                    "height": height,
                    "css": css,
                    "value": value,
                    "month": month_label,
                    "key": key,
                    "url": url_for(m["month"], delivered),
                }
            )
        labels.append(
            {
                "x": round(x + bar_width / 2, 1),
                "y": PLOT_BOTTOM + 16,
                "text": formats.date_format(m["month"], "M"),
            }
        )
    return {
        "width": WIDTH,
        "height": BAR_CHART_HEIGHT,
        "bars": bars,
        "labels": labels,
        "max": top,
        "axis": {"x1": PLOT_LEFT, "x2": WIDTH - 10, "y": PLOT_BOTTOM, "top": PLOT_TOP},
    }


def bar_list_chart(rows, url_for, *, label_width=260, row_height=28):
    """Horizontal bars, one per row ({key, label, count}); ``url_for(key)`` links each."""
    top = _nice_max(max((r["count"] for r in rows), default=0))
    plot_width = WIDTH - label_width - 50
    bars = []
    for i, row in enumerate(rows):
        y = 10 + i * row_height
        width = round(plot_width * row["count"] / top, 1)
        bars.append(
            {
                "y": y,
                "text_y": y + row_height / 2 + 4,
                "x": label_width,
                "width": width,
                "height": row_height - 8,
                "value_x": label_width + width + 6,
                "label": row["label"],
                "value": row["count"],
                "url": url_for(row["key"]),
            }
        )
    return {
        "width": WIDTH,
        "height": 20 + len(rows) * row_height,
        "bars": bars,
        "label_x": label_width - 8,
    }
