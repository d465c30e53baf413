#!/usr/bin/env python3
"""List the NeMo-Run override keys a NeMo 2.0 pre-training recipe takes, from the sources, without
importing them (no torch needed):
  - trainer.strategy.NAME: the parameters of nemo.lightning.MegatronStrategy.__init__;
  - trainer.plugins.NAME: those of nemo.lightning.MegatronMixedPrecision.__init__, and
    trainer.plugins=NAME for each @run.cli.factory of nemo/collections/llm/recipes/precision;
  - data.NAME: those of nemo.collections.llm.gpt.data.MockDataModule.__init__ (the recipes' data);
  - model.config.NAME: the fields of Megatron-Core's TransformerConfig and ModelParallelConfig
    (megatron/core/transformer/transformer_config.py, megatron/core/model_parallel_config.py) and
    of NeMo's GPTConfig (nemo/collections/llm/gpt/model/base.py);
  - trainer.num_nodes and trainer.devices, Lightning Trainer's own parameters, which NeMo's
    Trainer subclass keeps;
  - factory:NAME for each model recipe with a pretrain_recipe (nemo/collections/llm/recipes).

Usage: tools/nemo_fields.py NEMO_CHECKOUT MEGATRON_CORE_CHECKOUT > tests/report/nemo-fields-....txt
"""
import ast
import os
import sys

nemo, mcore = sys.argv[1], sys.argv[2]


def classes(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    return {node.name: node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}


def init_parameters(path, name):
    init = next(n for n in classes(path)[name].body
                if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return [a.arg for a in init.args.args[1:] + init.args.kwonlyargs]


def dataclass_fields(path, name):
    return [n.target.id for n in classes(path)[name].body
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]


def factories(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    out = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
                ast.unparse(d).startswith("run.cli.factory") for d in node.decorator_list):
            out.append(node.name)
    return out


keys = set()
strategy = os.path.join(nemo, "nemo/lightning/pytorch/strategies/megatron_strategy.py")
keys |= {f"trainer.strategy.{p}" for p in init_parameters(strategy, "MegatronStrategy")}
precision = os.path.join(nemo, "nemo/lightning/pytorch/plugins/mixed_precision.py")
keys |= {f"trainer.plugins.{p}" for p in init_parameters(precision, "MegatronMixedPrecision")}
recipes = os.path.join(nemo, "nemo/collections/llm/recipes/precision/mixed_precision.py")
keys |= {f"trainer.plugins={f}" for f in factories(recipes)}
mock = os.path.join(nemo, "nemo/collections/llm/gpt/data/mock.py")
keys |= {f"data.{p}" for p in init_parameters(mock, "MockDataModule")}
for path, name in [(os.path.join(mcore, "megatron/core/transformer/transformer_config.py"),
                    "TransformerConfig"),
                   (os.path.join(mcore, "megatron/core/model_parallel_config.py"),
                    "ModelParallelConfig"),
                   (os.path.join(nemo, "nemo/collections/llm/gpt/model/base.py"), "GPTConfig")]:
    keys |= {f"model.config.{f}" for f in dataclass_fields(path, name)}
keys |= {"trainer.num_nodes", "trainer.devices"}
# The model recipes `nemo llm pretrain --factory NAME` takes: each recipe module's NAME, whose
# pretrain_recipe is a @run.cli.factory(name=NAME) for llm.pretrain.
recipes_dir = os.path.join(nemo, "nemo/collections/llm/recipes")
for f in sorted(os.listdir(recipes_dir)):
    if not f.endswith(".py"):
        continue
    tree = ast.parse(open(os.path.join(recipes_dir, f), encoding="utf-8").read())
    name = next((n.value.value for n in tree.body if isinstance(n, ast.Assign)
                 and any(isinstance(t, ast.Name) and t.id == "NAME" for t in n.targets)
                 and isinstance(n.value, ast.Constant)), None)
    pretrain = any(isinstance(n, ast.FunctionDef) and n.name == "pretrain_recipe" for n in tree.body)
    if name and pretrain:
        keys.add(f"factory:{name}")
keys = {k for k in keys if not k.rsplit(".", 1)[-1].startswith("_")}
for key in sorted(keys):
    print(key)
