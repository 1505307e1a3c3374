"""Attestream's Python client: typed audit events, sent to the HTTP gateway in batches, spooled to disk.

Standard library only (Python 3.9+). See ingest/python/README.md.
"""

from .client import BufferFullError, Client, GatewayConfigurationError, Spool
from .events import (PAYLOAD_TYPES, SDK_NAME, SDK_VERSION, AgentAction, ApprovalDecision, BaselinePinned,
                     DriftAlert, DriftRecovered, DriftTestResult, DriftWindow, ErasureRecord, EvalResult, Event,
                     HumanOverride, IncidentRecord, LegalHold, PolicyChange, RiskDecision, digest_hex, micros)

__all__ = ["Client", "Spool", "BufferFullError", "GatewayConfigurationError", "Event", "AgentAction", "EvalResult",
           "HumanOverride", "ApprovalDecision", "PolicyChange", "IncidentRecord", "RiskDecision", "DriftAlert",
           "DriftRecovered", "DriftWindow", "DriftTestResult", "BaselinePinned", "ErasureRecord", "LegalHold", "PAYLOAD_TYPES", "SDK_NAME",
           "SDK_VERSION", "digest_hex", "micros"]
