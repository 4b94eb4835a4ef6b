#!/usr/bin/env python3
"""The include rules of ARCHITECTURE.md, checked on the source tree.

daemon/ is one folder per part, stacked: a file may include its own folder and the folders
below it, never one above. parsers/ is pure: it includes nothing of daemon/ and no library
that does I/O. No header includes itself through others (no cycle). No test name holds ';'
(ctest would cut it and run nothing). Exits 1 and names every rule broken.
"""
import os
import re
import sys

# Lowest first. Keep in step with ARCHITECTURE.md.
LAYERS = ["util", "archive", "warc", "ledger", "fetch", "config", "search", "comments", "pipeline", "discovery",
          "verify", "history", "service", "commands", "app"]
IO_HEADERS = ("curl/", "sqlite3.h", "spdlog/", "openssl/", "systemd/", "toml++/", "CLI/",
              "fstream", "filesystem", "thread", "unistd.h", "fcntl.h")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def sources(root, top):
    for folder, _, names in os.walk(os.path.join(root, top)):
        for name in sorted(names):
            if name.endswith((".cpp", ".hpp")):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root), open(path, encoding="utf-8").read()


def main(root):
    errors = []
    rank = {name: i for i, name in enumerate(LAYERS)}
    graph = {}
    for path, text in list(sources(root, "daemon")) + list(sources(root, "parsers")):
        includes = [(kind, target) for kind, target in INCLUDE.findall(text)]
        graph[path] = [t for kind, t in includes if kind == '"']
        parts = path.split(os.sep)
        if parts[0] == "parsers":
            for kind, target in includes:
                if target.startswith("daemon/") or (kind == "<" and target.startswith(IO_HEADERS)):
                    errors.append(f"{path}: parsers/ is pure, but it includes {target}")
            continue
        if len(parts) != 3 or parts[1] not in rank:
            errors.append(f"{path}: every daemon file lives in one of the folders {', '.join(LAYERS)}")
            continue
        for target in graph[path]:
            tparts = target.split("/")
            if tparts[0] != "daemon":
                continue
            if len(tparts) != 3 or tparts[1] not in rank:
                errors.append(f"{path}: includes {target}, which is in no known folder")
            elif rank[tparts[1]] > rank[parts[1]]:
                errors.append(f"{path}: daemon/{parts[1]}/ includes {target}, from a higher folder")

    # Header cycles: a depth-first walk over the project's own headers.
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for target in graph.get(node, []):
            if target not in graph or not target.endswith(".hpp"):
                continue
            if state.get(target) == "open":
                cycle = trail[trail.index(target):] + [target] if target in trail else [node, target]
                errors.append("header cycle: " + " -> ".join(cycle))
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for node in sorted(graph):
        if node.endswith(".hpp") and node not in state:
            visit(node, [node])

    # ctest's test list is a CMake list: a test name with ';' is cut there, and the cut name
    # matches no test case, so the case would run nothing.
    for path, text in sources(root, "tests"):
        for name in re.findall(r'TEST_CASE\("((?:[^"\\]|\\.)*)"', text):
            if ";" in name:
                errors.append(f"{path}: the test name '{name}' holds ';', which ctest cuts")

    for error in errors:
        print(error)
    print(f"layers: {len(graph)} files checked, {len(errors)} broken rule(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")))
