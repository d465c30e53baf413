#!/usr/bin/env python3
"""Write the JSON schema of a command's output from sample outputs (the contract docs/schemas/
holds): every key present in all samples is required, a key in some is allowed; numbers are
numbers, null is any type; unit suffixes get their unit as the description.

Usage: tools/json_schema_skeleton.py TITLE SAMPLE.json [SAMPLE.json ...] > docs/schemas/X.schema.json
Review the result before committing it: the schema is the public contract of that output.
"""
import json
import sys

UNITS = {
    "_s": "seconds", "_us": "microseconds", "_ms": "milliseconds", "_days": "days",
    "_hours": "hours", "_gib": "GiB (2^30 bytes)", "_bytes": "bytes", "_mw": "megawatts",
    "_mwh": "megawatt-hours", "_kw": "kilowatts", "_w": "watts", "_usd": "US dollars",
    "_pct": "percent", "_gbyte_s": "gigabytes per second (10^9 B/s)",
    "_gbps": "gigabits per second (10^9 bit/s); algbw_gbps, busbw_gbps, hbm_bandwidth_gbps and "
             "nvlink_bandwidth_gbps are the old names of their _gbyte_s keys, in GB/s, kept one release",
    "_per_s": "per second", "_per_day": "per day",
}


def unit_of(key):
    if key.endswith("_per_gpu") and key != "_per_gpu":
        rest = unit_of(key[: -len("_per_gpu")])
        return rest + " per GPU" if rest else None
    if "_tflops" in key:
        return "TFLOP/s (10^12 FLOP per second)"
    for suffix, unit in sorted(UNITS.items(), key=lambda x: -len(x[0])):
        if key.endswith(suffix):
            return unit
    return None


def schema_of(values, key=None):
    """The schema every value in `values` satisfies."""
    present = [v for v in values if v is not None]
    out = {}
    if key and unit_of(key):
        out["description"] = unit_of(key)
    if not present:
        return out
    kinds = {type(v) for v in present}
    if kinds <= {int, float}:
        out["type"] = "number"
    elif kinds == {bool}:
        out["type"] = "boolean"
    elif kinds == {str}:
        out["type"] = "string"
    elif kinds == {list}:
        out["type"] = "array"
        items = [x for v in present for x in v]
        if items:
            out["items"] = schema_of(items)
    elif kinds == {dict}:
        out["type"] = "object"
        keys = sorted({k for v in present for k in v})
        out["required"] = [k for k in keys if all(k in v for v in present)]
        out["properties"] = {k: schema_of([v[k] for v in present if k in v], k) for k in keys}
    return out


def main():
    title = sys.argv[1]
    samples = [json.load(open(p)) for p in sys.argv[2:]]
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title}
    schema.update(schema_of(samples))
    json.dump(schema, sys.stdout, indent=1, sort_keys=False)
    print()


if __name__ == "__main__":
    main()
