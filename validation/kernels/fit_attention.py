#!/usr/bin/env python3
"""The attention constants of data/calibration.yaml (hopper), from kernels.json.

colossim prices a fused causal attention kernel (src/sim/cost_model.cpp) as
    t = F_exec / (P * e * s / (s + s_half)) + scores / (P * r_exp)
forward and backward each with their own e and s_half; r_exp = 1/256 on Hopper (16
exponentials per clock per SM on the special-function units against 4,096 dense BF16 tensor
FLOPs). This fits e and s_half, forward and backward, to the cuDNN rows with equal head
dims (64 and 128), minimising the squared log error, and FlashAttention-2's factor on e to its
rows with the same s_half. Prints the constants and the errors they leave.

Usage: python3 validation/kernels/fit_attention.py [validation/kernels/h200-2026-11-30/kernels.json]
"""
import json
import math
import sys

PEAK = 989e12  # H100/H200 SXM dense BF16 (NVIDIA H100 and H200 datasheets)
R_EXP = 1 / 256


def predicted(row, e, s_half, which):
    b, h, s, dq, dv = row["batch"], row["heads"], row["seq"], row["d_qk"], row["d_v"]
    flops = 2.0 * b * h * s * s * (dq + dv) * 0.5  # causal: half the square
    scores = b * h * s * s * 0.5
    if which == "bwd":
        flops *= 2.5  # five products against the forward's two
    return flops / (PEAK * e * s / (s + s_half)) + scores / (PEAK * R_EXP)


def sse(rows, e, s_half, which):
    return sum(math.log(predicted(r, e, s_half, which) / r[which + "_s"]) ** 2 for r in rows)


def errors(rows, e, s_half, which):
    errs = [predicted(r, e, s_half, which) / r[which + "_s"] - 1 for r in rows]
    return math.sqrt(sum(x * x for x in errs) / len(errs)), max(errs, key=abs)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "validation/kernels/h200-2026-11-30/kernels.json"
    rows = json.load(open(path))["attention"]
    cudnn = [r for r in rows if r["backend"] == "cudnn" and r["d_qk"] == r["d_v"]]
    fa2 = [r for r in rows if r["backend"] == "flash2"]
    fitted = {}
    for which in ["fwd", "bwd"]:
        e, s_half = min(((e / 1000, h) for e in range(200, 1000, 1) for h in range(0, 3000, 25)),
                        key=lambda p: sse(cudnn, p[0], p[1], which))
        fitted[which] = (e, s_half)
        print(f"{which}: efficiency {e:.3f}, seq_half {s_half}; cuDNN rms/worst "
              "%.1f%% / %+.1f%%" % tuple(100 * x for x in errors(cudnn, e, s_half, which)))
    factor = min((f / 1000 for f in range(200, 1001)),
                 key=lambda f: sum(sse(fa2, fitted[w][0] * f, fitted[w][1], w)
                                   for w in ["fwd", "bwd"]))
    print(f"flash2_attention_factor {factor:.3f}")
    for which in ["fwd", "bwd"]:
        e, s_half = fitted[which]
        print(f"  FlashAttention-2 {which} rms/worst "
              "%.1f%% / %+.1f%%" % tuple(100 * x for x in errors(fa2, e * factor, s_half, which)))


if __name__ == "__main__":
    main()
