"""Vector charts for the PDF, drawn with reportlab.graphics: a population pyramid and grouped bars."""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from reports.fonts import SANS, SANS_BOLD
from reports.model import Chart

PALETTE = (colors.HexColor("#3A6EA5"), colors.HexColor("#D9822B"), colors.HexColor("#5B9A5B"),
           colors.HexColor("#A23B72"))


def _legend(chart: Chart, x: float, y: float) -> Legend:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = SANS, 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.deltax = 110
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], name) for i, (name, _v) in enumerate(chart.series)]
    return legend


def _titled(width: float, height: float, title: str) -> Drawing:
    d = Drawing(width, height)
    d.add(String(width / 2, height - 12, title, fontName=SANS_BOLD, fontSize=10, textAnchor="middle"))
    return d


def pyramid(chart: Chart, width: float = 460, height: float = 300) -> Drawing:
    """Men to the left of the axis, women to the right, youngest band at the bottom."""
    (left_name, left), (right_name, right) = chart.series[:2]
    d = _titled(width, height, chart.title)
    bc = HorizontalBarChart()
    bc.x, bc.y, bc.width, bc.height = 50, 40, width - 80, height - 80
    bc.data = [tuple(-v for v in left), tuple(right)]
    bc.categoryAxis.categoryNames = list(chart.categories)
    bc.categoryAxis.labels.fontName = SANS
    bc.categoryAxis.labels.fontSize = 7
    bc.groupSpacing = 1
    bc.barSpacing = 0
    top = max([1, *left, *right])
    bc.valueAxis.valueMin, bc.valueAxis.valueMax = -top * 1.05, top * 1.05
    bc.valueAxis.labels.fontName = SANS
    bc.valueAxis.labels.fontSize = 7
    bc.valueAxis.labelTextFormat = lambda v: f"{abs(int(v))}"
    # Stacked: both series start at zero on one bar line, men going left and women right.
    bc.categoryAxis.style = "stacked"
    bc.categoryAxis.joinAxisMode = "left"  # band labels at the chart's left edge, clear of the bars
    for i in range(2):
        bc.bars[i].fillColor = PALETTE[i]
        bc.bars[i].strokeColor = None
    d.add(bc)
    d.add(_legend(Chart(chart.kind, "", (), ((left_name, left), (right_name, right))), bc.x + 120, 14))
    return d


def bars(chart: Chart, width: float = 460, height: float = 260) -> Drawing:
    if not chart.categories:
        # Nothing to draw (e.g. no livestock recorded): the title alone, reportlab cannot chart no data.
        return _titled(width, 24, chart.title)
    d = _titled(width, height, chart.title)
    bc = VerticalBarChart()
    bc.x, bc.y, bc.width, bc.height = 45, 70, width - 60, height - 100
    bc.data = [tuple(v) for _name, v in chart.series]
    bc.categoryAxis.categoryNames = list(chart.categories)
    bc.categoryAxis.labels.fontName = SANS
    bc.categoryAxis.labels.fontSize = 7
    bc.categoryAxis.labels.angle = 30
    bc.categoryAxis.labels.boxAnchor = "ne"
    bc.valueAxis.valueMin = 0
    bc.valueAxis.labels.fontName = SANS
    bc.valueAxis.labels.fontSize = 7
    bc.barSpacing = 1
    bc.groupSpacing = 6
    for i in range(len(chart.series)):
        bc.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        bc.bars[i].strokeColor = None
    d.add(bc)
    d.add(_legend(chart, bc.x + 120, 10))
    return d


def drawing(chart: Chart, width: float) -> Drawing:
    return pyramid(chart, width) if chart.kind == "pyramid" else bars(chart, width)
