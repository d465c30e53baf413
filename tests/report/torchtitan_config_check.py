"""The TorchTitan config `plan` prints for each scenario given: valid Python, every attribute it
sets one TorchTitan has at the release it targets (tests/report/torchtitan-fields-b5bcd76c.txt),
its base config a registry function of that model, a pipeline schedule PyTorch knows, and the
parallel degrees TorchTitan's ParallelDims accepts (their product the world size; expert
parallelism dividing dp_shard x cp x tp).
Usage: torchtitan_config_check.py COLOSSIM SOURCE_DIR SCENARIO..."""
import ast
import json
import re
import subprocess
import sys

colossim, source = sys.argv[1], sys.argv[2]
with open(f"{source}/tests/report/torchtitan-fields-b5bcd76c.txt") as f:
    known = {line.strip() for line in f if line.strip() and not line.startswith("#")}
# torch.distributed.pipelining.schedules.get_schedule_class's names.
schedules = {"1F1B", "Interleaved1F1B", "GPipe", "LoopedBFS", "InterleavedZeroBubble",
             "ZBVZeroBubble", "DualPipeV"}
failures = []
for scenario in sys.argv[3:]:
    out = subprocess.run([colossim, "plan", scenario, "--json"], capture_output=True, text=True,
                         check=True).stdout
    plan = json.loads(out)
    text = plan["launch"]["torchtitan"]
    world = plan["plans"][0]["tp"] * plan["plans"][0]["pp"] * plan["plans"][0]["cp"] * \
        plan["plans"][0]["dp"]
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        failures.append(f"{scenario}: not Python: {e}")
        continue
    degrees = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module.endswith(".config_registry"):
            model = node.module.split(".")[-2]
            for name in node.names:
                if f"registry:{model}.{name.name}" not in known:
                    failures.append(f"{scenario}: no registry function {model}.{name.name}")
        if isinstance(node, ast.Assign):
            target = ast.unparse(node.targets[0])
            if not target.startswith("config."):
                continue
            path = target[len("config."):]
            if path not in known:
                failures.append(f"{scenario}: TorchTitan has no field {path}")
            if isinstance(node.value, ast.Constant):
                degrees[path] = node.value.value
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "Float8LinearConverter.Config":
            for kw in node.keywords:
                if f"float8.{kw.arg}" not in known:
                    failures.append(f"{scenario}: Float8LinearConverter.Config has no {kw.arg}")
    p = lambda k: degrees.get(f"parallelism.{k}", 1)
    product = (p("data_parallel_replicate_degree") * p("data_parallel_shard_degree") *
               p("tensor_parallel_degree") * p("pipeline_parallel_degree") *
               p("context_parallel_degree"))
    if product != world:
        failures.append(f"{scenario}: the degrees multiply to {product}, not {world} GPUs")
    if (p("data_parallel_shard_degree") * p("context_parallel_degree") *
            p("tensor_parallel_degree")) % p("expert_parallel_degree") != 0:
        failures.append(f"{scenario}: expert parallelism does not divide dp_shard x cp x tp")
    schedule = degrees.get("parallelism.pipeline_parallel_schedule")
    if schedule is not None and schedule not in schedules:
        failures.append(f"{scenario}: PyTorch has no pipeline schedule {schedule}")
for f in failures:
    print(f)
print(f"{len(sys.argv) - 3} configs checked, {len(failures)} problems")
sys.exit(1 if failures else 0)
