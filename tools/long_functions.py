#!/usr/bin/env python3
"""Lists functions in src/ longer than a limit (default 120 lines), for the style rule "no
function over 120 lines". A function is a definition that opens at the start of a line (or
indented in a class) and closes at its own indentation; lambdas count with their enclosing
function. Usage: tools/long_functions.py [LIMIT] [DIR]"""
import pathlib
import re
import sys

limit = int(sys.argv[1]) if len(sys.argv) > 1 else 120
root = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "src")
head = re.compile(r"^(\s*)[A-Za-z_][\w:<>,\s\*&~\[\]]*\([^;]*$")
skip = re.compile(r"^\s*(namespace|struct|class|enum|if|for|while|switch|return|else|case)\b")
found = 0
for path in sorted(root.rglob("*.[ch]pp")):
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        m = head.match(lines[i])
        if m and not skip.match(lines[i]) and "=" not in lines[i].split("(")[0]:
            indent = m.group(1)
            # find the opening brace within the next few lines
            j = i
            while j < len(lines) and j < i + 8 and "{" not in lines[j] and ";" not in lines[j]:
                j += 1
            if j < len(lines) and "{" in lines[j] and not lines[j].rstrip().endswith("}"):
                k = j + 1
                while k < len(lines) and lines[k].rstrip() != indent + "}":
                    k += 1
                n = k - i + 1
                if n > limit:
                    found += 1
                    print(f"{path}:{i + 1}: {n} lines: {lines[i].strip()[:70]}")
                i = k
        i += 1
sys.exit(1 if found else 0)
