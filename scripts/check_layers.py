#!/usr/bin/env python3
"""Checks that every source folder includes only the layers below it, and that each third-party
library stays in the folders that own it (docs/architecture.md, "Layers").

Run by ctest as `layers_test`; prints one line per violation and exits 1 when there is any.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Each folder's direct dependencies; a folder may include any folder it reaches through them.
DEPENDS = {
    'base': [],
    'kernels': ['base'],
    'kernels/cpu': ['kernels'],
    'kernels/cuda': ['kernels'],
    'model/tokenizer': ['base'],
    'model': ['kernels', 'kernels/cpu', 'kernels/cuda', 'model/tokenizer'],
    'store': ['base'],
    'tools': ['base'],
    'tools/memory': ['tools', 'store'],
    'tools/lua': ['tools'],
    'tools/code': ['tools'],
    'tools/registry': ['tools/memory', 'tools/lua', 'tools/code'],
    'tasks': ['base'],
    'agent': ['model', 'tools', 'store'],
    'jobs': ['tools/lua', 'store', 'tasks'],
    'actors': ['agent', 'jobs', 'tools/registry', 'tasks'],
    'server': ['actors'],
    'cli': ['actors', 'server'],
}

# Third-party headers and the folders allowed to include them.
OWNERS = [
    (re.compile(r'^caf/'), ['actors', 'server']),
    (re.compile(r'^rocksdb/'), ['store']),
    (re.compile(r'^(lua\.hpp|lua\.h|lauxlib\.h|lualib\.h)$'), ['tools/lua', 'jobs']),
    (re.compile(r'^(cuda|cublas|cuda_runtime)'), ['kernels/cuda', 'model']),
    (re.compile(r'^hnswlib/'), ['tools/memory']),
    (re.compile(r'^CLI/'), ['cli']),
    (re.compile(r'^(httplib\.h|boost/beast)'), ['server']),
    (re.compile(r'^prometheus/'), ['server']),
    (re.compile(r'^openssl/'), ['server', 'actors']),
]


def closure(folder, seen=None):
    seen = set() if seen is None else seen
    for dep in DEPENDS.get(folder, []):
        if dep not in seen:
            seen.add(dep)
            closure(dep, seen)
    return seen


def folder_of(path):
    """The most specific layer folder holding `path` (relative to the root)."""
    parts = path.split('/')[:-1]
    while parts:
        name = '/'.join(parts)
        if name in DEPENDS:
            return name
        parts.pop()
    return None


def main():
    problems = []
    for folder in DEPENDS:
        top = os.path.join(ROOT, folder)
        if not os.path.isdir(top):
            continue
        for name in sorted(os.listdir(top)):
            path = os.path.join(folder, name)
            if not re.search(r'\.(cpp|hpp|cu|cuh|h)$', name):
                continue
            allowed = closure(folder) | {folder}
            with open(os.path.join(ROOT, path), encoding='utf-8') as f:
                for number, line in enumerate(f, 1):
                    m = re.match(r'\s*#\s*include\s+([<"])([^>"]+)[>"]', line)
                    if not m:
                        continue
                    header = m.group(2)
                    if m.group(1) == '"':
                        owner = folder_of(header)
                        if owner is None:
                            problems.append(f'{path}:{number}: includes "{header}", outside every layer')
                        elif owner not in allowed:
                            problems.append(f'{path}:{number}: {folder}/ may not include {owner}/ '
                                            f'("{header}")')
                        continue
                    for pattern, owners in OWNERS:
                        if pattern.search(header) and not any(
                                folder == o or folder.startswith(o + '/') for o in owners):
                            problems.append(f'{path}:{number}: <{header}> belongs to '
                                            f'{" and ".join(o + "/" for o in owners)} only')
    for p in problems:
        print(p)
    if problems:
        print(f'{len(problems)} include(s) against the layers')
        return 1
    print(f'layers: every include of {len(DEPENDS)} folders points down')
    return 0


if __name__ == '__main__':
    sys.exit(main())
