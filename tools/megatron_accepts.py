"""Runs the Megatron-LM launch `colossim plan` prints for each scenario (launch.megatron_lm_command)
through Megatron-LM's own argument parser and checks, megatron.training.arguments.parse_args and
validate_args, at the release the launch targets (commit d98e8a64, August 2026).

Needs a Megatron-LM source tree at that commit and Python 3.12 or later (Megatron-LM's own
minimum) with `packaging`; not PyTorch or a GPU. What a training node would supply is stood in
for, and said here:
  - PyTorch, Triton and NumPy's newer modules import as placeholders: parsing and checking the
    arguments calls none of them, except torch.dtype and its values (given) and the GPU's
    compute capability (the scenario's GPU: 9.0 Hopper, 10.0 Blackwell, 8.0 Ampere);
  - the software versions the checks ask for are a current NGC container's (PyTorch 2.11,
    Transformer Engine 2.10);
  - the environment is the launch's own (CUDA_DEVICE_MAX_CONNECTIONS), WORLD_SIZE torchrun's
    nodes x processes per node (which must be the plan's GPUs), RANK 0.
A plan passes when parse_args and validate_args return; an exception or SystemExit fails it. A
plan printed as not runnable on Megatron-LM (a schedule it lacks) is reported and not failed.
validate_args does not check everything the model build does: a layer count that the virtual
stages do not divide passes it, and only the model build refuses it.

Usage: megatron_accepts.py COLOSSIM MEGATRON_LM_DIR SCENARIO...
Exit status: 0 when every plan passes, 1 when one fails, 77 when the Python cannot run the check."""
import contextlib
import importlib.abc
import importlib.machinery
import io
import json
import os
import shlex
import subprocess
import sys
import types

colossim, megatron_dir, scenarios = sys.argv[1], sys.argv[2], sys.argv[3:]


# Megatron-Core imports parts of PyTorch 2.x (distributed checkpointing, DTensor, FSDP2) that a
# CPU build of PyTorch 1.13 lacks; none of them is called while arguments are parsed and checked.
# A name PyTorch lacks imports as a placeholder that can be subclassed, called and decorated with.
class Placeholder:
    def __init__(self, name):
        self.name = name

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Placeholder(name)

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator
        return Placeholder(self.name)

    def __mro_entries__(self, bases):
        return ()  # used as a base class: dropped

    def __getitem__(self, item):
        return self

    def __or__(self, other):
        return self

    __ror__ = __or__

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False


# PyTorch and the GPU-only packages Megatron-Core imports unconditionally.
PLACEHOLDER_PACKAGES = {"torch", "triton"}


class TorchPlaceholder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in PLACEHOLDER_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__version__ = "2.11.0"

        def missing(name):
            if name.startswith("__"):
                raise AttributeError(name)
            return Placeholder(name)
        module.__getattr__ = missing
        return module

    def exec_module(self, module):
        pass


class MissingModules(TorchPlaceholder):
    """Last on the path: what the CPU Python lacks of the packages a training container has."""

    def find_spec(self, fullname, path, target=None):
        if fullname.split(".")[0] in CONTAINER_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None


CONTAINER_PACKAGES = {"numpy", "typing_extensions"}
sys.meta_path.insert(0, TorchPlaceholder())
sys.meta_path.append(MissingModules())
import torch  # noqa: E402


class dtype:  # what validate_args compares and maps: torch.dtype and its values
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


torch.dtype = dtype
for _name in ("float32", "float", "float16", "half", "bfloat16", "float64", "uint8", "int8",
              "int32", "int64", "float8_e4m3fn", "float8_e5m2"):
    setattr(torch, _name, dtype(_name))

sys.path.insert(0, megatron_dir)
try:
    from packaging.version import Version
except ImportError:
    print("megatron_accepts: this Python has no `packaging`; skipped")
    sys.exit(77)
if sys.version_info < (3, 12):
    print("megatron_accepts: Megatron-LM at d98e8a64 needs Python 3.12 or later; skipped")
    sys.exit(77)

import megatron.core.utils as core_utils  # noqa: E402

core_utils._torch_version = Version("2.11.0")
core_utils._te_version = Version("2.10.0")
from megatron.training import arguments  # noqa: E402

CAPABILITY = {"hopper": (9, 0), "blackwell": (10, 0), "ampere": (8, 0)}


def check(scenario):
    out = subprocess.run([colossim, "plan", scenario, "--json"], capture_output=True, text=True,
                         check=True).stdout
    result = json.loads(out)
    best = result["plans"][0]
    world = best["tp"] * best["pp"] * best["cp"] * best["dp"]
    if result["launch"]["megatron_lm_command"].startswith("#"):
        return "no Megatron-LM launch, as printed: " + result["launch"]["megatron_lm_command"]
    command = shlex.split(result["launch"]["megatron_lm_command"], comments=True)
    environment = {}
    while "=" in command[0]:
        key, value = command.pop(0).split("=", 1)
        environment[key] = value
    flags = command[command.index("pretrain_gpt.py") + 1:]
    gpu = subprocess.run([colossim, "simulate", scenario, "--json"], capture_output=True,
                         text=True, check=True).stdout
    name = json.loads(gpu)["gpu"].lower()
    arch = "blackwell" if "b200" in name or "b300" in name else \
        "ampere" if "a100" in name else "hopper"
    torch.cuda.get_device_capability = lambda device=None: CAPABILITY[arch]
    torch.cuda.get_device_properties = lambda device=None: types.SimpleNamespace(
        major=CAPABILITY[arch][0], minor=CAPABILITY[arch][1])
    os.environ.pop("CUDA_DEVICE_MAX_CONNECTIONS", None)
    os.environ.update(environment)
    nodes = int(command[command.index("--nnodes") + 1])
    per_node = int(command[command.index("--nproc_per_node") + 1])
    if nodes * per_node != world:
        return f"torchrun starts {nodes} x {per_node} processes for a plan of {world} GPUs"
    os.environ["WORLD_SIZE"], os.environ["RANK"] = str(world), "0"
    sys.argv = ["pretrain_gpt.py"] + flags
    chatter = io.StringIO()
    try:
        with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            args = arguments.parse_args()
            arguments.validate_args(args)
    except SystemExit as e:
        return f"parse_args exited ({e.code}): {chatter.getvalue().strip().splitlines()[-1:]}"
    except Exception as e:  # noqa: BLE001 - any refusal of the plan is what this reports
        if os.environ.get("MEGATRON_ACCEPTS_TRACE"):
            import traceback
            traceback.print_exc()
        return f"{type(e).__name__}: {e}"
    return (f"accepted: {world} GPUs, TP {args.tensor_model_parallel_size} PP "
            f"{args.pipeline_model_parallel_size} CP {args.context_parallel_size} DP "
            f"{args.data_parallel_size} EP {args.expert_model_parallel_size}, "
            f"{len(flags)} arguments")


failed = 0
for scenario in scenarios:
    verdict = check(scenario)
    failed += not verdict.startswith(("accepted", "no Megatron-LM launch"))
    print(f"{os.path.basename(scenario)}: {verdict}")
sys.exit(1 if failed else 0)
