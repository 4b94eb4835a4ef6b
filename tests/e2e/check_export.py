#!/usr/bin/env python3
"""Reads a `sillok export` back with Python's own json and csv modules and compares every
record with the archive file it came from: the front matter read by PyYAML, the content cut
from the body by FORMAT.md's layout, the version number from the ledger (sqlite3).

A CSV field that a spreadsheet would run as a formula (it begins with = + - @, a tab or a
carriage return) is expected with a ' before it, as is one that begins with ' itself
(OWASP's advice against CSV injection); JSON Lines carry every value as it is.

Usage: check_export.py ARCHIVE JSONL CSV. Prints each difference; exits 1 when there is one.
"""
import csv
import hashlib
import json
import pathlib
import re
import sqlite3
import sys

import yaml

FIELDS = ["id", "version", "title", "category", "publisher", "author", "published_at", "crawled_at",
          "url", "oid", "aid", "content_hash", "modified_at", "original_url", "content"]


def read_file(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), path
    end = text.index("\n---\n", 3)
    front = yaml.safe_load(text[4:end + 1])
    body = text[end + 5:]
    parts = body.split("\n\n---\n\n")
    written = "\n\n---\n\n".join(parts[1:-1])
    plain = written.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    record = {key: front.get(key) for key in FIELDS if key not in ("version", "content")}
    record["content"] = plain
    return record


def archive_records(root):
    ledger = sqlite3.connect(f"file:{root / 'ledger.sqlite3'}?mode=ro", uri=True)
    versions = dict(ledger.execute("SELECT oid || '_' || aid, current_version FROM articles"))
    records = {}
    for path in sorted(root.rglob("*.md")):
        if not re.fullmatch(r"\d+_\d+\.md", path.name):
            continue  # an earlier version's file
        record = read_file(path)
        record["version"] = versions[record["id"]]
        records[record["id"]] = record
    return records


def as_csv_text(value):
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r", "'") else text


def compare(kind, exported, expected, problems):
    if set(exported) != set(expected):
        problems.append(f"{kind}: ids {sorted(exported)} != files {sorted(expected)}")
    for key in sorted(set(exported) & set(expected)):
        for field in FIELDS:
            if exported[key].get(field) != expected[key][field]:
                problems.append(f"{kind} {key} {field}: {exported[key].get(field)!r} != {expected[key][field]!r}")


def main(archive, jsonl_path, csv_path):
    expected = archive_records(pathlib.Path(archive))
    problems = []
    for key, record in expected.items():
        content_hash = hashlib.sha256(record["content"].encode("utf-8")).hexdigest()
        if content_hash != record["content_hash"]:
            problems.append(f"{key}: the file's content does not hash to its content_hash")
    with open(jsonl_path, encoding="utf-8") as jsonl:
        lines = [json.loads(line) for line in jsonl]
    for line in lines:
        if list(line) != FIELDS:
            problems.append(f"jsonl keys {list(line)}")
    compare("jsonl", {line["id"]: line for line in lines}, expected, problems)

    with open(csv_path, encoding="utf-8", newline="") as table:
        reader = csv.DictReader(table, strict=True)
        if reader.fieldnames != FIELDS:
            problems.append(f"csv header {reader.fieldnames}")
        rows = list(reader)
    as_text = {key: {f: as_csv_text(v) for f, v in record.items()} for key, record in expected.items()}
    compare("csv", {row["id"]: row for row in rows}, as_text, problems)

    for problem in problems:
        print(problem)
    print(f"checked {len(lines)} json lines and {len(rows)} csv rows against {len(expected)} files")
    return 1 if problems or not expected else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
