"""The long-running commands (`flask einvoice run`, the fake provider): a loop kept going until SIGTERM or
Ctrl-C, then ended cleanly."""

import contextlib
import signal

import click


def run_until_stopped(name: str, loop) -> None:
    """Call `loop(stop)` — it returns when `stop()` is true — with SIGTERM and Ctrl-C both meaning stop."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"{name}: running (Ctrl-C to stop)")
    with contextlib.suppress(KeyboardInterrupt):
        loop(lambda: bool(stopping))
    click.echo(f"{name}: stopped")
