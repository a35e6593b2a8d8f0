#!/usr/bin/python3
"""Parses Prometheus text (the file given) with prometheus_client's own
parser, the reference a Prometheus server's scraper agrees with, and prints
one line per sample: NAME{label=value,...} VALUE (labels sorted). Exits 1
when the text does not parse."""
import sys

from prometheus_client.parser import text_string_to_metric_families

text = open(sys.argv[1], encoding="utf-8").read()
try:
    for family in text_string_to_metric_families(text):
        print(f"# {family.name} {family.type}")
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            print(f"{s.name}{{{labels}}} {s.value:g}")
except Exception as e:  # the parser's own error, whatever its type
    print(f"does not parse: {e}", file=sys.stderr)
    sys.exit(1)
