#!/usr/bin/env python3
"""Draws the triage sample of docs/precision.md's "Applications" from benches/apps.sh's reports.

    python3 benches/apps-sample.py OUT_DIR [--seed 8] [--size 20] [--apps-dir DIR] [--context N]

Groups the findings by half, language and rule; a group of more than --size findings is
sampled: its findings sorted by application, path, line and column, then drawn with Python's
random.Random(seed).sample. Prints each finding kept (half, application, path:line, rule,
message) and, with --apps-dir, the source lines around it.
"""

import argparse
import collections
import json
import os
import random
import re

APP_LINE = re.compile(r'^\s*"(\S+)\s+(\S+)\s+([0-9a-f]{40})\s+(\S+)\s+(\S+)"\s*$')


def applications():
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps.sh")
    for line in open(script):
        m = APP_LINE.match(line)
        if m:
            name, _repo, _commit, language, half = m.groups()
            yield name, language, half


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--apps-dir")
    parser.add_argument("--context", type=int, default=6)
    args = parser.parse_args()

    groups = collections.defaultdict(list)
    for name, language, half in applications():
        report = os.path.join(args.out_dir, name + ".json")
        if not os.path.exists(report):
            continue
        for f in json.load(open(report))["findings"]:
            path = f["path"][2:] if f["path"].startswith("./") else f["path"]
            groups[(half, language, f["rule"])].append((name, path, f["line"], f["column"], f))

    for key in sorted(groups):
        findings = sorted(groups[key], key=lambda x: x[:4])
        kept = findings
        if len(findings) > args.size:
            kept = sorted(random.Random(args.seed).sample(findings, args.size), key=lambda x: x[:4])
        half, language, rule = key
        print(f"## {half} {language} {rule}: {len(findings)} findings, {len(kept)} kept")
        for name, path, line, _column, f in kept:
            print(f"{half}\t{name}\t{path}\t{line}\t{rule}\t{f['message']}")
            if args.apps_dir:
                lines = open(os.path.join(args.apps_dir, name, path), errors="replace").read().split("\n")
                lo, hi = max(0, line - 1 - args.context), min(len(lines), line + args.context)
                for i in range(lo, hi):
                    print(f"  {'>' if i == line - 1 else ' '}{i + 1:5} {lines[i]}")
        print()


if __name__ == "__main__":
    main()
