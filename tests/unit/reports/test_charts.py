"""Server-drawn SVG charts: proportional marks, escaped labels, gaps and empty states."""

import re

import pytest

from connector.reports.charts import grouped_bars, horizontal_bars, line_chart


def widths(svg: str) -> list[float]:
    return [float(w) for w in re.findall(r'class="bar"[^>]*width="([\d.]+)"', svg)]


def test_it_draws_funnel_bars_in_proportion_to_their_values():
    svg = horizontal_bars([("lead", 400), ("MQL", 100), ("SQL", 0)], "Funnel")
    lead, mql, sql = widths(svg)
    assert mql == pytest.approx(lead / 4) and sql == 0


def test_it_escapes_labels_that_come_from_hubspot():
    svg = grouped_bars(["<script>x</script>"], [("leads", [3])], "By source")
    assert "<script>" not in svg and "&lt;script&gt;" in svg


@pytest.mark.parametrize(
    ("chart", "args"),
    [
        (horizontal_bars, ([("lead", 0)],)),  # nobody reached a stage
        (grouped_bars, (["< 1 h"], [("lead", [0])])),  # no stay ended
        (line_chart, (["02 Mar"], [("lead→MQL", [None])])),  # no cohort, no rate
    ],
)
def test_it_says_there_is_no_data_instead_of_drawing_an_empty_frame(chart, args):
    assert "no data in this period" in chart(*args, "Chart")


def test_it_breaks_a_conversion_line_where_a_week_has_no_cohort():
    svg = line_chart(["w1", "w2", "w3", "w4"], [("MQL→SQL", [0.5, None, 0.25, 1.0])], "Weekly")
    (path,) = re.findall(r'class="series" d="([^"]+)"', svg)
    assert path.count("M") == 2 and path.count("L") == 1
    assert svg.count('class="point"') == 3


def test_it_slants_category_labels_only_when_they_would_collide():
    short = grouped_bars(["< 1 h", "1 h–1 d"], [("lead", [1, 2])], "Stays")
    long = grouped_bars([f"SOURCE_NUMBER_{n}" for n in range(9)], [("lead", [1] * 9)], "Sources")
    assert "rotate(" not in short and "rotate(" in long
