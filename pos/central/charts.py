"""Server-drawn SVG bar charts: no chart library, nothing from a CDN, readable when printed."""

from dataclasses import dataclass


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def bar_chart(series: list[tuple[object, int]], label=str, width: int = 900, height: int = 220) -> dict:
    """Bars scaled to the largest value; every few labels shown so they never overlap."""
    top = max([value for _, value in series] + [1])
    plot_height = height - 30
    step = width / max(1, len(series))
    bars = [
        Bar(
            x=i * step + step * 0.1,
            y=plot_height - plot_height * max(value, 0) / top,
            width=step * 0.8,
            height=plot_height * max(value, 0) / top,
            label=label(key),
            value=value,
        )
        for i, (key, value) in enumerate(series)
    ]
    every = max(1, len(series) // 12)
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "plot_height": plot_height,
        "top": top,
        "label_every": every,
    }
