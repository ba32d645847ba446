#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The layering as a test: every #include "..." in src/ must be allowed by src/layers.txt
# (a folder may include itself and the folders its row names), and a private header
# (*_int.h, *_priv.h) may be included only inside its own folder. Prints each offending
# file:line and fails; a folder of src/ without a row in the table fails too.
# Usage: test_layering.py [SOURCE_ROOT]  (default: $ESPDECK_SOURCE_ROOT)
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_table(path):
    table = {}
    for number, line in enumerate(open(path, encoding='utf-8'), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        layer, sep, allowed = line.partition(':')
        if not sep or not layer.strip():
            sys.exit(f'{path}:{number}: expected "LAYER: LAYERS..."')
        table[layer.strip()] = set(allowed.split())
    return table


def layer_of(rel):
    return rel.split('/', 1)[0] if '/' in rel else 'main'


def check_file(root, rel, table, problems):
    layer = layer_of(rel)
    allowed = table[layer] | {layer}
    path = os.path.join(root, 'src', rel)
    for number, line in enumerate(open(path, encoding='utf-8', errors='replace'), 1):
        m = INCLUDE.match(line)
        if not m:
            continue
        target = m.group(1)
        target_layer = target.split('/', 1)[0] if '/' in target else target
        where = f'src/{rel}:{number}'
        if target_layer not in allowed:
            problems.append(f'{where}: {layer}/ may not include "{target}" '
                            f'({layer}: {" ".join(sorted(table[layer])) or "nothing"})')
        elif re.search(r'_(int|priv)\.h$', target) and target_layer != layer:
            problems.append(f'{where}: "{target}" is private to {target_layer}/')


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.environ.get('ESPDECK_SOURCE_ROOT', '.')
    table = read_table(os.path.join(root, 'src', 'layers.txt'))
    problems = []
    files = 0
    for dirpath, _, names in sorted(os.walk(os.path.join(root, 'src'))):
        for name in sorted(names):
            if not name.endswith(('.c', '.h')):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), os.path.join(root, 'src'))
            if layer_of(rel) not in table:
                problems.append(f'src/{rel}:1: folder {layer_of(rel)}/ has no row in '
                                'src/layers.txt')
                continue
            files += 1
            check_file(root, rel, table, problems)
    for p in problems:
        print(p)
    print(f'layering: {files} files, {len(problems)} problem{"" if len(problems) == 1 else "s"}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
