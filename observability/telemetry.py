"""Where telemetry goes: Application Insights when configured, nowhere otherwise."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def configure_telemetry() -> str:
    """Export traces and metrics to Application Insights if its connection string is set.

    Needs the optional extra `azure` (azure-monitor-opentelemetry). Returns what was set up.
    """
    if not os.environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING"):
        return "none"
    try:
        from azure.monitor.opentelemetry import configure_azure_monitor
    except ImportError:
        log.warning("telemetry.exporter_missing")
        return "missing"
    # Logs stay ours (JSON, ids only): only traces and metrics go to Application Insights.
    configure_azure_monitor(disable_logging=True)
    log.info("telemetry.configured")
    return "azure-monitor"
