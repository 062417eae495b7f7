#!/usr/bin/env python3
"""Lists the routing cases the Alertmanager configuration must satisfy, derived from the alert rules:

    python3 scripts/tools/alert_routes.py RULES_DIR PROMETHEUS_CONFIG

One line per case: the receiver it must reach, then the labels (`alertname=… severity=… service=…`), for
`amtool config routes test --verify.receivers=RECEIVER LABELS…`. Every alert of every rule file, with the severity
and service it carries; a service templated from the job (`{{ $labels.job }}`) stands for every scrape job of the
configuration. The Watchdog must reach the heartbeat, critical PagerDuty, warning and info the team's e-mail, a failing
notification integration the other one (fallback e-mail for PagerDuty); and an alert without a severity (a rule added
in a hurry) must still reach a person by e-mail.
"""
import pathlib
import sys

import yaml


def main(rules_dir, prometheus_config):
    jobs = sorted(job["job_name"] for job in yaml.safe_load(open(prometheus_config))["scrape_configs"])
    cases = set()
    for file in sorted(pathlib.Path(rules_dir).glob("*.yml")):
        for group in yaml.safe_load(file.read_text()).get("groups", []):
            for rule in group.get("rules", []):
                if "alert" not in rule:
                    continue
                labels = rule.get("labels", {})
                severity, service = labels.get("severity", ""), labels.get("service", "")
                for one in (jobs if "{{" in service else [service]):
                    cases.add((rule["alert"], severity, one))
    for alert, severity, service in sorted(cases):
        receiver = "heartbeat" if alert == "Watchdog" else "pagerduty" if severity == "critical" else "team-email"
        if alert == "LookoutAlertmanagerNotificationsFailing":
            # A failing integration is reported through another: PagerDuty's failures by e-mail, e-mail's by PagerDuty.
            print(f"fallback alertname={alert} severity={severity} service={service} integration=pagerduty")
            print(f"pagerduty alertname={alert} severity={severity} service={service} integration=email")
            continue
        print(f"{receiver} alertname={alert} severity={severity} service={service}")
    print("team-email alertname=Unlabelled service=lookout-api")


if __name__ == "__main__":
    main(*sys.argv[1:3])
