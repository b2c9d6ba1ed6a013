#!/usr/bin/env python3
"""Reads file paths, one per line, on stdin; prints each path whose whole YAML stream the
reference parser (PyYAML, libyaml's rules as kubectl applies them) composes without error.
Used by tests/yaml_reference.rs."""
import sys

import yaml

for line in sys.stdin:
    path = line.rstrip("\n")
    try:
        with open(path, encoding="utf-8-sig") as f:
            for _ in yaml.compose_all(f):
                pass
    except Exception:  # any refusal, read error or decoding error: not accepted
        continue
    print(path)
