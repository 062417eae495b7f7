#!/usr/bin/env python3
"""The production Alertmanager configuration, pointed at this machine: the one renderer the static checks
(scripts/validate-observability.sh), the local stack (scripts/stack-local.sh), the alerting test
(AlertingPipelineTests) and the detection drill (scripts/tools/drill.py) share, so that a local copy is never written
by hand and a change to deploy/alertmanager/alertmanager.yml reaches all four.

    python3 scripts/tools/local_config.py alertmanager [--sink URL] [--smtp HOST:PORT] [--secrets DIR] [--always-open]

Prints the configuration. The templates are always read from the repository. --sink sends PagerDuty's Events API and
the heartbeat to a recorder (scripts/tools/notification_sink.py), --smtp the e-mail to a plain SMTP sink (without TLS),
--secrets reads the secret files from DIR instead of /run/secrets, --always-open widens business hours to every hour
of every day (so that a warning is mailed now). Fails, naming the line, when a production line it rewrites has changed.
"""
import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def alertmanager(sink=None, smtp=None, secrets=None, always_open=False):
    """deploy/alertmanager/alertmanager.yml with the chosen substitutions applied."""
    text = (ROOT / "deploy/alertmanager/alertmanager.yml").read_text()
    replacements = [("/etc/alertmanager/templates/*.tmpl", str(ROOT / "deploy/alertmanager/templates") + "/*.tmpl")]
    if sink:
        replacements += [
            ("pagerduty_url: https://events.pagerduty.com/v2/enqueue", f"pagerduty_url: {sink}/v2/enqueue"),
            ("url: https://heartbeat.lookout.example/ping/alertmanager", f"url: {sink}/ping/alertmanager"),
        ]
    if smtp:
        replacements += [
            ("smtp_smarthost: smtp.lookout.example:587", f"smtp_smarthost: {smtp}"),
            ("smtp_require_tls: true", "smtp_require_tls: false"),
        ]
    if secrets:
        replacements.append(("/run/secrets/", f"{secrets}/"))
    if always_open:
        replacements += [
            ('weekdays: ["monday:friday"]', 'weekdays: ["sunday:saturday"]'),
            ('start_time: "09:00"', 'start_time: "00:00"'),
            ('end_time: "18:00"', 'end_time: "24:00"'),
        ]
    for production, local in replacements:
        if production not in text:
            raise SystemExit(f"local_config.py: deploy/alertmanager/alertmanager.yml no longer contains {production!r}: "
                             "update scripts/tools/local_config.py")
        text = text.replace(production, local)
    return text


def main(arguments):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["alertmanager"])
    parser.add_argument("--sink", help="base URL of the PagerDuty and heartbeat recorder")
    parser.add_argument("--smtp", help="HOST:PORT of a plain SMTP sink")
    parser.add_argument("--secrets", help="folder holding the secret files")
    parser.add_argument("--always-open", action="store_true", help="business hours all day, every day")
    options = parser.parse_args(arguments)
    sys.stdout.write(alertmanager(options.sink, options.smtp, options.secrets, options.always_open))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
