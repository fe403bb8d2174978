"""Operational metrics through the OpenTelemetry API (no-op unless an exporter is configured).

Attributes are codes and kinds only (a verb, an escalation key, a finding type), never text.
"""

from __future__ import annotations

from opentelemetry import metrics
from opentelemetry.metrics import Meter, MeterProvider


class Metrics:
    """The instruments the bot records."""

    def __init__(self, meter: Meter) -> None:
        self.requests_opened = meter.create_counter(
            "stepup.requests.opened", description="Step-up requests opened, by source"
        )
        self.transitions = meter.create_counter(
            "stepup.requests.transitions", description="Actions applied to requests, by verb"
        )
        self.time_to_acknowledge = meter.create_histogram(
            "stepup.requests.time_to_acknowledge",
            unit="min",
            description="Minutes from posting to acknowledgement",
        )
        self.escalations_sent = meter.create_counter(
            "stepup.escalations.sent", description="Escalation messages sent, by key"
        )
        self.screen_hits = meter.create_counter(
            "stepup.screen.hits", description="Posts with personal data, by finding type"
        )
        self.send_errors = meter.create_counter(
            "stepup.connector.errors", description="Failed proactive sends, by error class"
        )


_current = Metrics(metrics.get_meter("stepup"))


def current() -> Metrics:
    """The instruments in use."""
    return _current


def install(provider: MeterProvider) -> Metrics:
    """Record through `provider` from now on (start-up, or a test's in-memory reader)."""
    global _current
    _current = Metrics(provider.get_meter("stepup"))
    return _current
