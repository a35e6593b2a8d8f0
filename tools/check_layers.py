#!/usr/bin/env python3
"""The include graph between the folders of include/sxtp has no cycle.

Prints each folder's dependencies; on a cycle, prints it with the includes
that make it and exits 1. Usage: check_layers.py [include/sxtp]"""
import collections
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'include', 'sxtp')
edges = collections.defaultdict(dict)  # folder -> {folder: an include that makes the edge}
for dirpath, _, files in os.walk(root):
    for name in files:
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, root)
        if '/' not in rel:
            continue  # the umbrella headers may include every layer
        src = rel.split('/')[0]
        with open(path, encoding='utf-8') as f:
            for m in re.finditer(r'#include\s*<sxtp/([^>]+)>', f.read()):
                target = m.group(1)
                dst = target.split('/')[0] if '/' in target else '.'
                if dst != src:
                    edges[src].setdefault(dst, f'{rel} includes sxtp/{target}')

for src in sorted(edges):
    print(f'{src} -> {", ".join(sorted(edges[src]))}')

state = {}  # 1: on the path, 2: done
path = []


def visit(node):
    state[node] = 1
    path.append(node)
    for nxt in sorted(edges.get(node, {})):
        if state.get(nxt) == 1:
            cycle = path[path.index(nxt):] + [nxt]
            print('cycle: ' + ' -> '.join(cycle))
            for a, b in zip(cycle, cycle[1:]):
                print(f'  {edges[a][b]}')
            sys.exit(1)
        if nxt not in state:
            visit(nxt)
    path.pop()
    state[node] = 2


for n in sorted(edges):
    if n not in state:
        visit(n)
print('no cycle between the folders of include/sxtp')
