#!/usr/bin/env python3
"""Checks an envelope file the way Sentry would: parses it with sentry-sdk's own envelope parser, then normalises
every event item with sentry-relay's StoreNormalizer (Sentry's ingestion code) and checks `sessions` items as Relay's
session aggregate type reads them. Prints one JSON object:
{"items": [{"type", "length_ok", "normalized", "errors"}]}. Used by the Swift tests; needs sentry-sdk and sentry-relay."""
import json
import sys

from sentry_relay import StoreNormalizer
from sentry_sdk.envelope import Envelope


def declared_lengths_hold(raw):
    """Walks the envelope by each item's declared byte length: every payload must end exactly where a newline
    (or the end of the file) follows. sentry-sdk re-encodes JSON payloads, so it cannot check this itself."""
    position = raw.index(b"\n") + 1
    results = []
    while position < len(raw):
        end = raw.index(b"\n", position)
        header = json.loads(raw[position:end])
        start = end + 1
        stop = start + header["length"]
        results.append(stop <= len(raw) and (stop == len(raw) or raw[stop:stop + 1] == b"\n"))
        position = stop + 1
    return results


def session_aggregates_errors(payload):
    """The checks Relay's SessionAggregates type makes when it parses a `sessions` item (relay-event-schema,
    protocol/session.rs): `attrs.release` set, each aggregate's `started` an RFC 3339 time, counts non-negative
    integers, no other keys."""
    from datetime import datetime
    errors = []
    try:
        body = json.loads(payload)
    except ValueError as error:
        return [f"not JSON: {error}"]
    attrs = body.get("attrs") or {}
    if not attrs.get("release"):
        errors.append("attrs.release is missing")
    for key in attrs:
        if key not in ("release", "environment", "ip_address", "user_agent"):
            errors.append(f"attrs.{key} is not a session attribute")
    aggregates = body.get("aggregates")
    if not isinstance(aggregates, list) or not aggregates:
        return errors + ["aggregates must be a non-empty list"]
    for index, aggregate in enumerate(aggregates):
        try:
            datetime.fromisoformat(aggregate["started"].replace("Z", "+00:00"))
        except (KeyError, ValueError, AttributeError):
            errors.append(f"aggregates[{index}].started is not an RFC 3339 time")
        for key, value in aggregate.items():
            if key in ("started", "did"):
                continue
            if key not in ("exited", "errored", "abnormal", "crashed"):
                errors.append(f"aggregates[{index}].{key} is not a session count")
            elif not isinstance(value, int) or isinstance(value, bool) or value < 0:
                errors.append(f"aggregates[{index}].{key} is not a non-negative integer")
    return errors


def check_in_errors(payload):
    """The checks Relay's CheckIn type makes (relay-monitors): a UUID check-in id, a slug Sentry accepts, a known
    status, a non-negative duration, a schedule of a known type."""
    import re
    import uuid
    errors = []
    try:
        body = json.loads(payload)
    except ValueError as error:
        return [f"not JSON: {error}"]
    try:
        uuid.UUID(body.get("check_in_id", ""))
    except ValueError:
        errors.append("check_in_id is not a UUID")
    if not re.fullmatch(r"[a-z0-9_-]{1,50}", body.get("monitor_slug", "")):
        errors.append("monitor_slug is not a slug")
    if body.get("status") not in ("in_progress", "ok", "error"):
        errors.append("status is not in_progress, ok or error")
    duration = body.get("duration")
    if duration is not None and (not isinstance(duration, (int, float)) or duration < 0):
        errors.append("duration is not a non-negative number")
    config = body.get("monitor_config")
    if config is not None:
        schedule = config.get("schedule") or {}
        if schedule.get("type") == "crontab":
            if not isinstance(schedule.get("value"), str):
                errors.append("a crontab schedule needs a string value")
        elif schedule.get("type") == "interval":
            if not isinstance(schedule.get("value"), int) or schedule["value"] < 1:
                errors.append("an interval schedule needs a positive integer")
            if schedule.get("unit") not in ("year", "month", "week", "day", "hour", "minute"):
                errors.append("an interval schedule needs a unit")
        else:
            errors.append("schedule.type is not crontab or interval")
        for key in config:
            if key not in ("schedule", "checkin_margin", "max_runtime", "timezone", "failure_issue_threshold", "recovery_threshold", "owner"):
                errors.append(f"monitor_config.{key} is not a monitor setting")
    return errors


def main(path):
    raw = open(path, "rb").read()
    envelope = Envelope.deserialize(raw)
    lengths = declared_lengths_hold(raw)
    normalizer = StoreNormalizer(project_id=1, enable_trimming=True)
    report = {"headers": envelope.headers, "items": []}
    for index, item in enumerate(envelope.items):
        payload = item.payload.get_bytes()
        entry = {"type": item.headers.get("type"), "length_ok": index < len(lengths) and lengths[index]}
        if entry["type"] in ("event", "transaction"):
            try:
                normalized = normalizer.normalize_event(json.loads(payload))
                entry["normalized"] = normalized
                entry["errors"] = normalized.get("errors", [])
            except Exception as error:  # an invalid payload raises
                entry["errors"] = [str(error)]
        elif entry["type"] == "check_in":
            entry["normalized"] = json.loads(payload)
            entry["errors"] = check_in_errors(payload)
        elif entry["type"] == "sessions":
            entry["normalized"] = json.loads(payload)
            entry["errors"] = session_aggregates_errors(payload)
        report["items"].append(entry)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
