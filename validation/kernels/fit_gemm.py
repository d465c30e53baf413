#!/usr/bin/env python3
"""The GEMM constants of data/calibration.yaml (hopper), from kernels.json and layers.json.

colossim prices a GEMM (src/sim/cost_model.cpp) at P * e_max * q_tile(m) * q_tile(n) * q_wave
* k / (k + k_half), bounded below by its HBM traffic and a launch. This fits e_max and k_half,
per precision (BF16 torch.mm in a Linear's forward layout; FP8 torch._scaled_mm with fast
accumulation), to the grid rows that fill every SM at least once (at least 132 128x128 output
tiles) with k >= 256, minimising the squared log error. The grid ran each shape for ~30 ms;
a training run holds the GPU at its power limit, so e_max is then scaled by how much slower ten
shapes ran after 6 s of load (layers.json "sustained") than the fitted model predicts.

Usage: python3 validation/kernels/fit_gemm.py [DIR]   (DIR: validation/kernels/h200-2026-11-30)
"""
import json
import math
import os
import sys

SMS = 132
TILE = 128
HBM = 4.8e12 * 0.73  # H200 datasheet bandwidth x the element-wise efficiency: only bounds tiny k
PEAK = {"bf16": 989e12, "fp8": 1979e12}  # H100/H200 SXM dense (datasheets)


def tile_fill(x):
    return x / (TILE * math.ceil(x / TILE))


def predicted(m, n, k, e_max, k_half, dtype):
    tiles = math.ceil(m / TILE) * math.ceil(n / TILE)
    waves = tiles / SMS
    e = e_max * tile_fill(m) * tile_fill(n) * waves / math.ceil(waves) * k / (k + k_half)
    return max(2.0 * m * n * k / (PEAK[dtype] * e), 2.0 * (m * k + k * n + m * n) / HBM, 4e-6)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else "validation/kernels/h200-2026-11-30"
    grid = json.load(open(os.path.join(d, "kernels.json")))["gemm"]
    sustained = json.load(open(os.path.join(d, "layers.json")))["sustained"]
    for dtype, layout in [("bf16", "NT"), ("fp8", "TN_fast")]:
        rows = [r for r in grid if r["dtype"] == dtype and r["layout"] == layout and r["k"] >= 256
                and math.ceil(r["m"] / TILE) * math.ceil(r["n"] / TILE) >= SMS]

        def sse(p):
            return sum(math.log(predicted(r["m"], r["n"], r["k"], p[0], p[1], dtype) / r["s"]) ** 2
                       for r in rows)
        e_max, k_half = min(((e / 1000, h) for e in range(500, 900, 2) for h in range(0, 500, 5)),
                            key=sse)
        errs = sorted(abs(predicted(r["m"], r["n"], r["k"], e_max, k_half, dtype) / r["s"] - 1)
                      for r in rows)
        held = [predicted(r["m"], r["n"], r["k"], e_max, k_half, dtype) / r["s"]
                for r in sustained if r["dtype"] == dtype]
        scale = math.exp(sum(math.log(x) for x in held) / len(held))
        print(f"{dtype}: {len(rows)} shapes, e_max {e_max:.3f}, k_half {k_half}; |error| median "
              f"{100 * errs[len(errs) // 2]:.1f}%, 90th percentile {100 * errs[int(0.9 * len(errs))]:.1f}%, "
              f"worst {100 * errs[-1]:.1f}%")
        print(f"  held at the power limit: {scale:.3f} of that speed -> e_max {e_max * scale:.3f}")


if __name__ == "__main__":
    main()
