#!/usr/bin/env python3
"""List the command-line flags Megatron-LM's parse_args accepts, from its source, without
importing it (no torch needed): the literal flags of megatron/training/arguments.py's
add_argument calls, and the flags ArgumentGroupFactory derives from config dataclasses
(megatron/training/argument_utils.py: --field-name, or --no-/--disable-field-name for a bool
that defaults to True, or the field's argparse_meta arg_names), minus each factory's exclude list.

Usage: tools/megatron_flags.py MEGATRON_LM_CHECKOUT > data/launch/megatron-lm-flags.txt
"""
import ast
import os
import sys


def literal_list(node, names):
    """The strings of a list literal, or of a variable assigned one earlier (by name)."""
    if isinstance(node, ast.List):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.Name) and node.id in names:
        return names[node.id]
    return []


def class_index(root):
    """Class name -> (file, ClassDef) for every class under megatron/."""
    index = {}
    for folder, _, files in os.walk(os.path.join(root, "megatron")):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(folder, f)
            try:
                tree = ast.parse(open(path, encoding="utf-8").read())
            except (SyntaxError, UnicodeDecodeError):
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef):
                    index.setdefault(node.name, node)
    return index


def field_flags(cls, index, seen=None):
    seen = seen or set()
    if cls.name in seen:
        return []
    seen.add(cls.name)
    flags = []
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in index:
            flags += field_flags(index[base.id], index, seen)
    for stmt in cls.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        name = stmt.target.id
        if name.startswith("_"):
            continue
        default = stmt.value
        meta_names = []
        if isinstance(default, ast.Call) and getattr(default.func, "attr", getattr(default.func, "id", "")) == "field":
            for kw in default.keywords:
                if kw.arg == "default":
                    default = kw.value
                if kw.arg == "metadata":
                    for node in ast.walk(kw.value):
                        if isinstance(node, ast.Dict):
                            for k, v in zip(node.keys, node.values):
                                if isinstance(k, ast.Constant) and k.value == "arg_names":
                                    meta_names = literal_list(v, {})
        is_true = isinstance(default, ast.Constant) and default.value is True
        annotation = ast.unparse(stmt.annotation)
        if meta_names:
            flags.append((name, meta_names))
        elif annotation == "bool" and is_true:
            flags.append((name, ["--no-" + name.replace("_", "-"), "--disable-" + name.replace("_", "-")]))
        else:
            flags.append((name, ["--" + name.replace("_", "-")]))
    return flags


def main(root):
    source = open(os.path.join(root, "megatron/training/arguments.py"), encoding="utf-8").read()
    tree = ast.parse(source)
    flags = set()
    lists = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values = literal_list(node.value, {})
            if values:
                lists[node.targets[0].id] = values
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            for a in node.args:
                if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("--"):
                    flags.add(a.value)
    index = class_index(root)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ArgumentGroupFactory":
            cls = node.args[0].id if node.args and isinstance(node.args[0], ast.Name) else None
            if cls not in index:
                continue
            exclude = []
            for kw in node.keywords:
                if kw.arg == "exclude":
                    exclude = literal_list(kw.value, lists)
            for name, names in field_flags(index[cls], index):
                if name not in exclude:
                    flags.update(names)
    for f in sorted(flags):
        print(f)


if __name__ == "__main__":
    main(sys.argv[1])
