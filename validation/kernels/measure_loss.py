#!/usr/bin/env python3
"""Time the loss over a large vocabulary as Megatron-Core computes it, on the GPU this runs on.

Megatron-Core's vocab_parallel_cross_entropy without --cross-entropy-loss-fusion
(megatron/core/tensor_parallel/cross_entropy.py): logits.float(), max over the vocabulary,
subtract in place, exp, sum, divide in place (the softmax, kept for backward); backward
subtracts one at the target and multiplies by the incoming gradient in place, and autograd casts
the gradient back to BF16. Each step is timed, then the whole; beside it PyTorch's
F.cross_entropy on the FP32 copy. Bytes are what each pass must read and write.

Usage: python3 validation/kernels/measure_loss.py OUT_DIR   (writes OUT_DIR/loss.json)
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
DEV = torch.device("cuda")


def timed(fn, reps=10):
    fn()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    s.record()
    for _ in range(reps):
        fn()
    e.record()
    torch.cuda.synchronize()
    return s.elapsed_time(e) / 1e3 / reps


def main():
    rows = []
    for tokens, vocab in [(4096, 131072), (8192, 128256), (4096, 151936), (8192, 32000)]:
        n = tokens * vocab
        logits = torch.randn(tokens, vocab, device=DEV, dtype=torch.bfloat16)
        target = torch.randint(0, vocab, (tokens,), device=DEV)
        x = logits.float()
        steps = {}
        steps["float"] = (timed(lambda: logits.float()), 6 * n)
        steps["max"] = (timed(lambda: torch.max(x, dim=-1)[0]), 4 * n)
        mx = torch.max(x, dim=-1)[0].unsqueeze(-1)
        steps["subtract_"] = (timed(lambda: x.sub_(0.0 * mx)), 8 * n)
        y = torch.empty_like(x)
        steps["exp"] = (timed(lambda: torch.exp(x, out=y)), 8 * n)
        steps["sum"] = (timed(lambda: y.sum(dim=-1)), 4 * n)
        sm = y.sum(dim=-1).unsqueeze(-1)
        steps["div_"] = (timed(lambda: y.div_(sm * 0 + 1)), 8 * n)
        g = torch.ones(tokens, 1, device=DEV)
        steps["bwd_mul_"] = (timed(lambda: y.mul_(g)), 8 * n)
        steps["bwd_to_bf16"] = (timed(lambda: y.to(torch.bfloat16)), 6 * n)

        def megatron_fwd():
            z = logits.float()
            m = torch.max(z, dim=-1)[0]
            z -= m.unsqueeze(-1)
            torch.exp(z, out=z)
            s = z.sum(dim=-1)
            z.div_(s.unsqueeze(-1))
            return z

        def torch_ce():
            return F.cross_entropy(logits.float(), target)

        row = {"tokens": tokens, "vocab": vocab,
               "steps": {k: {"s": t, "bytes": b, "gbyte_s": b / t / 1e9} for k, (t, b) in
                         steps.items()},
               "megatron_forward_s": timed(megatron_fwd),
               "torch_cross_entropy_fp32_forward_s": timed(torch_ce)}
        lg = logits.detach().float().requires_grad_()
        row["torch_cross_entropy_fp32_fwd_bwd_s"] = timed(
            lambda: torch.autograd.grad(F.cross_entropy(lg, target), lg))
        rows.append(row)
        print(tokens, vocab, round(row["megatron_forward_s"] * 1e3, 3), "ms Megatron forward,",
              round(sum(t for t, _ in steps.values()) * 1e3, 3), "ms all passes", flush=True)
        del logits, x, y, lg
        torch.cuda.empty_cache()
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "loss.json"), "w") as f:
        json.dump({"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
                   "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
