#!/usr/bin/env python3
"""Every command's --json output against its schema in docs/schemas/ (the public contract):
run each command on a few scenarios and validate; a key that vanishes or changes type fails.
Usage: json_schemas.py COLOSSIM_BINARY SOURCE_DIR"""
import json
import os
import subprocess
import sys

try:
    import jsonschema
except ImportError:  # a Python of its own (pyenv) beside Debian's python3-jsonschema
    sys.path.append("/usr/lib/python3/dist-packages")
    import jsonschema

binary, root = sys.argv[1], sys.argv[2]
ex = os.path.join(root, "examples")
runs = {
    "simulate": [[], [f"{ex}/deepseek-v3-on-2048-h800.yaml"], [f"{ex}/gpt3-175b-on-a100.yaml"],
                 [f"{ex}/mixed-h100-b200.yaml"]],
    "simulate-jobs": [[f"{root}/tests/data/two-jobs.yaml"]],
    "plan": [[f"{ex}/llama2-70b-2048-a100.yaml", "--top", "2"]],
    "reliability": [[f"{ex}/llama3-405b-16k-h100-reliability.yaml", "--trials", "30"]],
    "facility": [[f"{ex}/gpt3-175b-on-a100.yaml"]],
    "compare": [[f"{ex}/compare/h100-now.yaml", f"{ex}/compare/b200-later.yaml"]],
    "collective": [["--gpus", "128", "--op", "all-gather"]],
    "cluster": [[f"{ex}/llama2-70b-2048-a100.yaml"]],
    "claims": [[]],
    "catalog": [[]],
    "validate": [["--collectives"]],
    "design": [[f"{ex}/design-llama3-70b.yaml"]],
    "bringup": [[f"{ex}/memphis-bringup.yaml", "--set", "bringup.grow_gpus=32768"]],
}
failures = 0
for command, arg_lists in runs.items():
    with open(os.path.join(root, "docs", "schemas", f"{command}.schema.json")) as f:
        schema = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    if not schema.get("required") and not schema.get("items", {}).get("required"):
        print(f"{command}: the schema requires no key")
        failures += 1
    for args in arg_lists:
        # simulate-jobs: simulate of a file with jobs:, its own schema.
        out = subprocess.run([binary, command.removesuffix("-jobs"), *args, "--json"],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{command} {' '.join(args)}: exit {out.returncode}: {out.stdout}{out.stderr}")
            failures += 1
            continue
        for error in validator.iter_errors(json.loads(out.stdout)):
            print(f"{command} {' '.join(args)}: {'/'.join(map(str, error.path))}: {error.message}")
            failures += 1
print("json schemas:", "ok" if failures == 0 else f"{failures} failures")
sys.exit(1 if failures else 0)
