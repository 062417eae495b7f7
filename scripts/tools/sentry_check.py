#!/usr/bin/env python3
"""Checks an envelope file the way Sentry would: parses it with sentry-sdk's own envelope parser, then normalises
every event item with sentry-relay's StoreNormalizer (Sentry's ingestion code). Prints one JSON object:
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
        report["items"].append(entry)
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1])
