#!/usr/bin/env python3
"""Counts ctxlint's findings per rule and draws the random samples of docs/precision.md.

    ctxlint --format json --exit-zero --no-config DIR... > findings.json
    python3 benches/sample-findings.py findings.json [--seed 8] [--size 20] [--root DIR]...

Prints, per rule, the number of findings in library, example and test code, then a sample of
up to --size findings of each rule: the findings sorted by path, line and column, then drawn
with Python's random.Random(seed).sample, so the same output gives the same sample. Paths
are printed relative to the first --root they start with.
"""

import argparse
import collections
import json
import random
import re

TEST_DIRS = {"testdata", "test", "tests", "testutil", "integration", "e2e"}


def kind(path):
    parts = path.split("/")
    if path.endswith("_test.go") or TEST_DIRS.intersection(parts):
        return "test"
    if any(re.fullmatch(r"_?examples?", p) for p in parts):
        return "example"
    return "library"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("findings")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--size", type=int, default=20)
    parser.add_argument("--root", action="append", default=[])
    args = parser.parse_args()

    def relative(path):
        for root in args.root:
            prefix = root.rstrip("/") + "/"
            if path.startswith(prefix):
                return path[len(prefix):]
        return path

    by_rule = collections.defaultdict(list)
    for finding in json.load(open(args.findings))["findings"]:
        by_rule[finding["rule"]].append(finding)
    rules = sorted(by_rule, key=lambda r: (-len(by_rule[r]), r))
    print("| rule | findings (library / example / test) |")
    print("|---|---|")
    for rule in rules:
        counts = collections.Counter(kind(f["path"]) for f in by_rule[rule])
        print(
            f"| {rule} | {len(by_rule[rule])} ({counts['library']} / "
            f"{counts['example']} / {counts['test']}) |"
        )
    for rule in rules:
        findings = sorted(by_rule[rule], key=lambda f: (f["path"], f["line"], f["column"]))
        sample = random.Random(args.seed).sample(findings, min(args.size, len(findings)))
        print(f"\n{rule}:")
        for f in sample:
            print(f"  {kind(f['path'])[0]} {relative(f['path'])}:{f['line']}  {f['message']}")


if __name__ == "__main__":
    main()
