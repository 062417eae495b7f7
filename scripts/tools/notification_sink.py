#!/usr/bin/env python3
"""A local stand-in for the services Alertmanager notifies (PagerDuty's Events API, a heartbeat monitor), used by
scripts/stack-local.sh and scripts/drill.sh: it answers every POST with 202 and appends one JSON line per request to a
file. While a file FILE.fail exists it answers 500 instead (and records the request with "failed": true), so that a
drill can make the receiver fail: every request when FILE.fail is empty, else only those whose path starts with one
of its lines (`/v2/enqueue`: PagerDuty fails, the heartbeat still arrives). PORT 0 picks a free port.

    python3 scripts/tools/notification_sink.py PORT FILE
"""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode("utf-8", "replace")
        failing = self.failing()
        with open(self.server.log_file, "a") as out:
            out.write(json.dumps({"time": time.time(), "path": self.path, "body": body, "failed": failing}) + "\n")
        if failing:
            self.send_response(500)
            self.end_headers()
            return
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status":"success"}')

    def failing(self):
        try:
            prefixes = open(self.server.log_file + ".fail").read().split()
        except FileNotFoundError:
            return False
        return not prefixes or any(self.path.startswith(prefix) for prefix in prefixes)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink)
    server.log_file = sys.argv[2]
    server.serve_forever()
