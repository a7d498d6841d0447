"""A report's charts, drawn server-side as SVG with matplotlib when the report is generated (and stored with it,
so a page view draws nothing). Every chart shows the sample size of each figure it draws; withheld figures are
left out and named in the caption.

Box plots draw released percentiles directly (matplotlib's `bxp` takes the statistics, not the data): whiskers
p10–p90, box p25–p75, the line the median. Below 20 data points p10 and p90 are not released, and the
whiskers stop at the box."""

import io
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")  # no display; set before anything imports pyplot

from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from salaries.taxonomy import SizeBand  # noqa: E402

COLOURS = ["#2f6690", "#d1495b", "#edae49", "#66a182", "#8d6a9f"]
_THOUSANDS = FuncFormatter(lambda value, _: f"{value / 1000:,.0f}k")


def _svg(figure: Figure, name: str) -> str:
    buffer = io.StringIO()
    # Fixed salt: the same figures draw the same SVG; the chart's name keeps ids apart between charts of a page.
    # Text stays text (escaped by matplotlib), so it can be read, searched and scaled.
    with rc_context({"svg.hashsalt": f"report-{name}", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # inline in HTML: no XML declaration or doctype


def _figure(width: float = 8, height: float = 4.2) -> Figure:
    figure = Figure(figsize=(width, height), dpi=96)
    return figure


def levels_box(rows: list[dict], *, title: str) -> str | None:
    shown = [r for r in rows if r.get("published")]
    if not shown:
        return None
    stats = [
        {
            "label": f"{r['level']}\nn={r['sample_size']}",
            "whislo": r["p10"] if r["p10"] is not None else r["p25"],
            "q1": r["p25"],
            "med": r["p50"],
            "q3": r["p75"],
            "whishi": r["p90"] if r["p90"] is not None else r["p75"],
            "fliers": [],
        }
        for r in shown
    ]
    figure = _figure()
    axes = figure.subplots()
    axes.bxp(stats, showfliers=False, patch_artist=True,
             boxprops={"facecolor": "#cfe0ee", "edgecolor": COLOURS[0]}, medianprops={"color": COLOURS[1]})  # fmt: skip
    axes.yaxis.set_major_formatter(_THOUSANDS)
    axes.set_ylabel("annual USD")
    axes.set_title(title, fontsize=11)
    axes.grid(axis="y", alpha=0.3)
    return _svg(figure, "levels")


def grouped_bars(groups: list[str], series: dict[str, list[tuple[float | None, int | None]]], *, title: str,
                 name: str, ylabel: str = "median, annual USD", money: bool = True) -> str | None:  # fmt: skip
    """Bars per group and series, each labelled with its sample size; a missing figure leaves a gap."""
    if not any(value is not None for values in series.values() for value, _ in values):
        return None
    figure = _figure()
    axes = figure.subplots()
    width = 0.8 / max(len(series), 1)
    for index, (label, values) in enumerate(series.items()):
        xs = [g + index * width - 0.4 + width / 2 for g in range(len(groups))]
        heights = [value or 0 for value, _ in values]
        bars = axes.bar(xs, heights, width=width * 0.95, label=label, color=COLOURS[index % len(COLOURS)])
        for bar, (value, n) in zip(bars, values, strict=True):
            if value is not None:
                axes.annotate(f"n={n}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                              va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")  # fmt: skip
    axes.set_xticks(range(len(groups)), groups, fontsize=8)
    if money:
        axes.yaxis.set_major_formatter(_THOUSANDS)
    else:
        axes.axhline(0, color="#454545", linewidth=0.8)
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=11)
    axes.legend(fontsize=8)
    axes.grid(axis="y", alpha=0.3)
    return _svg(figure, name)


def history_lines(rows: list[dict], *, title: str) -> str | None:
    series: dict[str, list[tuple[date, float, int]]] = {}
    for row in rows:
        if row["p50"] is not None:
            series.setdefault(row["level"], []).append((date.fromisoformat(row["day"]), row["p50"], row["sample_size"]))
    if not series:
        return None
    figure = _figure()
    axes = figure.subplots()
    for index, (level, points) in enumerate(series.items()):
        latest_n = points[-1][2]
        axes.plot([p[0] for p in points], [p[1] for p in points], marker="o" if len(points) < 30 else None,
                  markersize=3, color=COLOURS[index % len(COLOURS)], label=f"{level} (n={latest_n} latest)")  # fmt: skip
    days = sorted({p[0] for points in series.values() for p in points})
    if days[0] == days[-1]:  # one day of history so far: a week around it, not years
        axes.set_xlim(days[0] - timedelta(days=3), days[0] + timedelta(days=3))
    axes.yaxis.set_major_formatter(_THOUSANDS)
    axes.set_ylabel("median, annual USD")
    axes.set_title(title, fontsize=11)
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    figure.autofmt_xdate()
    return _svg(figure, "history")


def postings_positions(rows: list[dict], *, title: str) -> str | None:
    """Each posting's midpoint (a dot) against its market's p25–p75 (a bar) and median (a tick)."""
    shown = [r for r in rows if r.get("market_p50") is not None][:40]
    if not shown:
        return None
    figure = _figure(height=max(2.5, 0.3 * len(shown) + 1))
    axes = figure.subplots()
    for y, row in enumerate(shown):
        axes.plot([row["market_p25"], row["market_p75"]], [y, y], color="#cfe0ee", linewidth=8, solid_capstyle="butt")
        axes.plot([row["market_p50"]], [y], marker="|", color=COLOURS[0], markersize=12)
        axes.plot([row["midpoint_usd"]], [y], marker="o", color=COLOURS[1])
    axes.set_yticks(range(len(shown)), [f"#{r['posting']} {r['level']} (n={r['market_sample_size']})" for r in shown],
                    fontsize=7)  # fmt: skip
    axes.xaxis.set_major_formatter(_THOUSANDS)
    axes.set_xlabel("annual USD: posting midpoint (dot), market p25–p75 (bar), median (tick)")
    axes.set_title(title, fontsize=11)
    axes.grid(axis="x", alpha=0.3)
    return _svg(figure, "postings")


def draw(result: dict) -> dict[str, str]:
    """Every chart of a report, by the name its section gives (`chart`)."""
    charts: dict[str, str | None] = {}
    for section in result["sections"]:
        rows, name = section["rows"], section.get("chart")
        if name == "levels":
            charts[name] = levels_box(rows, title=section["title"])
        elif name == "history":
            charts[name] = history_lines(rows, title=section["title"])
        elif name == "sizes":
            levels = list(dict.fromkeys(r["level"] for r in rows))
            series = {
                SizeBand(band).label: [
                    next(((r["p50"], r["sample_size"]) for r in rows if r["level"] == level and r["size_band"] == band
                          and r["published"]), (None, None))
                    for level in levels
                ]
                for band in SizeBand.values
            }  # fmt: skip
            charts[name] = grouped_bars(levels, series, title=section["title"], name=name)
        elif name == "sides":
            levels = [r["level"] for r in rows]
            series = {
                label: [(r[side]["p50"], r[side]["sample_size"]) if r[side]["published"] else (None, None)
                        for r in rows]
                for side, label in (("startup", "Startups"), ("large", "Large companies"))
            }  # fmt: skip
            charts[name] = grouped_bars(levels, series, title=section["title"], name=name)
        elif name == "companies":
            levels = list(dict.fromkeys(r["level"] for r in rows))
            companies = list(dict.fromkeys(r["company_name"] for r in rows))
            series = {
                company: [next(((r["posted_midpoint_median_usd"], r["postings"]) for r in rows
                                if r["company_name"] == company and r["level"] == level), (None, None))
                          for level in levels]
                for company in companies
            }  # fmt: skip
            charts[name] = grouped_bars(levels, series, title=section["title"], name=name,
                                        ylabel="median posted midpoint, annual USD")  # fmt: skip
        elif name == "skills":
            shown = [r for r in rows if r["published"]][:12]
            series = {"Premium, % (n with the skill)": [(r["premium_pct"], r["with_sample_size"]) for r in shown]}
            charts[name] = grouped_bars(
                [r["label"] for r in shown],
                series,
                title=section["title"],
                name=name,
                ylabel="premium over the same country without it, %",
                money=False,
            )
        elif name == "postings":
            charts[name] = postings_positions(rows, title=section["title"])
    return {name: svg for name, svg in charts.items() if svg}
