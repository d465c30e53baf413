"""The NeMo 2.0 command `plan` prints for each scenario given (`nemo llm pretrain --factory` with a
recipe NeMo has, or a comment where it has none, then the overrides): every key one that NeMo's recipe
objects take at the release they target (tests/report/nemo-fields-8cfedd72.txt, written by
tools/nemo_fields.py), every value one NeMo-Run's CLI parses (an integer, True/False/None, a list
or a name), plugin fields only after the plugin factory they modify, and the plan's degrees
consistent: nodes x devices the plan's GPUs, sequence parallelism only with TP.
Usage: nemo_overrides_check.py COLOSSIM SOURCE_DIR SCENARIO..."""
import json
import re
import subprocess
import sys

colossim, source = sys.argv[1], sys.argv[2]
with open(f"{source}/tests/report/nemo-fields-8cfedd72.txt") as f:
    known = {line.strip() for line in f if line.strip() and not line.startswith("#")}
value_pattern = re.compile(r"^(-?\d+|True|False|None|\[[A-Za-z0-9_,]*\]|[A-Za-z_][A-Za-z0-9_]*)$")
failures = []
for scenario in sys.argv[3:]:
    out = subprocess.run([colossim, "plan", scenario, "--json"], capture_output=True, text=True,
                         check=True).stdout
    result = json.loads(out)
    line = result["launch"]["nemo"]
    if line.startswith("#"):
        continue  # a plan NeMo cannot run, said so
    command = result["launch"]["nemo_command"]
    if not command.startswith("#"):
        words = command.split()
        if words[:4] != ["nemo", "llm", "pretrain", "--factory"]:
            failures.append(f"{scenario}: the command is not `nemo llm pretrain --factory`")
        elif f"factory:{words[4]}" not in known:
            failures.append(f"{scenario}: NeMo has no recipe factory {words[4]}")
        if not command.endswith(line):
            failures.append(f"{scenario}: the command does not carry the overrides")
    best = result["plans"][0]
    world = best["tp"] * best["pp"] * best["cp"] * best["dp"]
    values = {}
    plugin_factory = False
    for word in line.split():
        key, _, value = word.partition("=")
        if key == "trainer.plugins":
            plugin_factory = True
            if word not in known:
                failures.append(f"{scenario}: no NeMo-Run factory {value} for trainer.plugins")
            continue
        if key not in known:
            failures.append(f"{scenario}: NeMo's recipe has no {key}")
        if not value_pattern.match(value):
            failures.append(f"{scenario}: {key}={value} is no value NeMo-Run's CLI parses")
        if key.startswith("trainer.plugins.") and not plugin_factory:
            failures.append(f"{scenario}: {key} before trainer.plugins=<factory>")
        values[key] = value
    number = lambda k: int(values.get(k, "1"))
    if number("trainer.num_nodes") * number("trainer.devices") != world:
        failures.append(f"{scenario}: trainer.num_nodes x trainer.devices is not {world} GPUs")
    for k, plan_key in [("trainer.strategy.tensor_model_parallel_size", "tp"),
                        ("trainer.strategy.pipeline_model_parallel_size", "pp"),
                        ("trainer.strategy.context_parallel_size", "cp")]:
        if number(k) != best[plan_key]:
            failures.append(f"{scenario}: {k} is not the plan's {plan_key} {best[plan_key]}")
    if values.get("trainer.strategy.sequence_parallel") == "True" and best["tp"] == 1:
        failures.append(f"{scenario}: sequence parallelism without TP")
for f in failures:
    print(f)
print(f"{len(sys.argv) - 3} scenarios, {len(failures)} problems")
sys.exit(1 if failures else 0)
