"""`import colossim` against the command it mirrors: the same scenario gives the same dict as
`colossim ... --json`, bad input raises colossim.InputError with the command's message, and a
sweep is a list of rows pandas.DataFrame takes directly. Run by CTest (tests/CMakeLists.txt) with
PYTHONPATH at the built module and COLOSSIM the built command."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import colossim

COMMAND = os.environ["COLOSSIM"]

SMALL = {
    "name": "small",
    "cluster": {"gpu": "h100-sxm-80gb", "gpus": 64},
    "model": {"preset": "llama3-8b"},
    "training": {"global_batch": 512, "tokens": 1.0e11},
    "parallelism": {"tp": 2, "pp": 1, "dp": 32},
}


def command_json(*args):
    out = subprocess.run([COMMAND, *args, "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


class Module(unittest.TestCase):
    def test_simulate_matches_the_command(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            json.dump(SMALL, f)  # JSON is YAML
        try:
            self.assertEqual(colossim.simulate(SMALL), command_json("simulate", f.name))
            self.assertEqual(colossim.simulate(f.name), command_json("simulate", f.name))
        finally:
            os.unlink(f.name)

    def test_jobs_simulate_as_the_command_does(self):
        path = os.path.join(os.path.dirname(__file__), "..", "data", "two-jobs.yaml")
        shared = colossim.simulate(path)
        self.assertEqual(shared, command_json("simulate", path))
        self.assertEqual([j["name"] for j in shared["jobs"]], ["a", "b"])
        with self.assertRaises(colossim.InputError) as caught:
            colossim.plan(path)
        self.assertIn("jobs", str(caught.exception))

    def test_default_scenario_and_yaml_text(self):
        default = colossim.simulate()
        self.assertEqual(default, command_json("simulate"))
        text = subprocess.run([COMMAND, "default-scenario"], check=True, capture_output=True,
                              text=True).stdout
        self.assertEqual(colossim.simulate(text)["step_time_s"], default["step_time_s"])

    def test_bad_input_raises_the_commands_message(self):
        bad = dict(SMALL, cluster={"gpu": "no-such-gpu", "gpus": 64})
        with self.assertRaises(colossim.InputError) as caught:
            colossim.simulate(bad)
        self.assertIn("cluster.gpu", str(caught.exception))
        self.assertTrue(issubclass(colossim.InputError, ValueError))

    def test_plan_and_facility(self):
        ranked = colossim.plan(SMALL, top=3)
        self.assertEqual(ranked, command_json("plan", "--top", "3", self._file()))
        self.assertIn("power", json.dumps(colossim.facility(SMALL)).lower())

    def test_sweep_rows(self):
        rows = colossim.sweep("", {"parallelism.tp": [1, 2], "training.global_batch": [256, 512]})
        self.assertEqual(len(rows), 4)
        self.assertTrue(all(isinstance(r, dict) for r in rows))
        self.assertEqual(len({tuple(sorted(r)) for r in rows}), 1)  # the same columns

    def test_collective(self):
        run = colossim.collective(None, op="all-gather", sizes=["64MiB", "1GiB"], gpus=16)
        self.assertEqual(run, command_json("collective", "--gpus", "16", "--op", "all-gather",
                                           "--sizes", "64MiB", "1GiB"))

    def test_docs_example_runs(self):
        # docs/python.md's first example, run as it is written: one line per GPU kind.
        source = os.environ["COLOSSIM_SOURCE"]
        with open(os.path.join(source, "docs", "python.md")) as f:
            text = f.read()
        code = text.split("```python\n", 1)[1].split("```", 1)[0]
        self.assertLessEqual(len(code.strip().splitlines()), 9)
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True, cwd=source).stdout
        lines = out.strip().splitlines()
        self.assertEqual(len(lines), 3, out)
        days = [float(line.split()[1]) for line in lines]
        self.assertTrue(days[2] < days[1] < days[0], out)  # B200 before H200 before H100

    def _file(self):
        f = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
        json.dump(SMALL, f)
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name


if __name__ == "__main__":
    unittest.main()
