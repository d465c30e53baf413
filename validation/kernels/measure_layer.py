#!/usr/bin/env python3
"""Measure sustained GEMM rates and whole transformer layers, on the GPU this runs on.

  sustained  a few GEMM shapes, each run for a second after the GPU has been loaded for
             several seconds, so that clocks are where a training run holds them (power limit)
  layer      one transformer layer (pre-norm, GQA attention through torch's SDPA on cuDNN,
             gated or plain MLP), BF16, forward and forward+backward in eager PyTorch, with the
             GPU time of each kernel from torch.profiler: the gap between the layer's time and
             the sum of its kernels is what launching them from Python costs

Usage: python3 validation/kernels/measure_layer.py OUT_DIR
Writes OUT_DIR/layers.json.
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
DEV = torch.device("cuda")
RESULT = {"errors": []}
T0 = time.time()


def log(*a):
    print(f"[{time.time() - T0:6.1f}s]", *a, flush=True)


def save():
    with open(os.path.join(OUT, "layers.json"), "w") as f:
        json.dump(RESULT, f, indent=1)


def rand(*shape, dtype=torch.bfloat16):
    return torch.randn(*shape, device=DEV, dtype=torch.float32).mul_(0.02).to(dtype)


def ev():
    return torch.cuda.Event(enable_timing=True)


def sustained():
    rows = []
    RESULT["sustained"] = rows
    a, b = rand(8192, 8192), rand(8192, 8192).t()
    c = torch.empty(8192, 8192, device=DEV, dtype=torch.bfloat16)
    end = time.time() + 6
    while time.time() < end:  # preheat to the power limit
        for _ in range(20):
            torch.mm(a, b, out=c)
        torch.cuda.synchronize()
    del a, b, c
    shapes = [(8192, 8192, 8192), (16384, 16384, 16384), (8192, 4096, 4096), (8192, 14336, 4096),
              (8192, 4096, 14336), (4096, 1024, 4096), (8192, 1536, 8192), (2048, 4096, 1024),
              (16384, 3584, 8192), (8192, 12288, 1536)]
    for dtype in ["bf16", "fp8"]:
        for m, n, k in shapes:
            try:
                x, w = rand(m, k), rand(n, k).t()
                if dtype == "fp8":
                    x, w = x.to(torch.float8_e4m3fn), rand(n, k).to(torch.float8_e4m3fn).t()
                    one = torch.ones((), device=DEV)

                    def fn():
                        return torch._scaled_mm(x, w, scale_a=one, scale_b=one,
                                                out_dtype=torch.bfloat16, use_fast_accum=True)
                else:
                    out = torch.empty(m, n, device=DEV, dtype=torch.bfloat16)

                    def fn():
                        return torch.mm(x, w, out=out)
                fn()
                torch.cuda.synchronize()
                s, e = ev(), ev()
                s.record()
                for _ in range(5):
                    fn()
                e.record()
                torch.cuda.synchronize()
                per = s.elapsed_time(e) / 1e3 / 5
                reps = max(10, int(0.4 / per))
                for _ in range(reps):  # 0.4 s more at this shape
                    fn()
                s.record()
                for _ in range(reps):
                    fn()
                e.record()
                torch.cuda.synchronize()
                t = s.elapsed_time(e) / 1e3 / reps
                rows.append({"dtype": dtype, "m": m, "n": n, "k": k, "s": t,
                             "tflops": 2.0 * m * n * k / t / 1e12})
                log(rows[-1])
            except Exception as ex:  # noqa: BLE001
                RESULT["errors"].append(f"sustained {dtype} {m}x{n}x{k}: {ex!r}"[:300])
    save()


class Layer(torch.nn.Module):
    def __init__(self, h, heads, kv_heads, head_dim, ffn, gated, norm):
        super().__init__()
        self.h, self.heads, self.kv, self.d, self.gated, self.norm = h, heads, kv_heads, \
            head_dim, gated, norm
        self.n1 = torch.nn.Parameter(torch.ones(h, device=DEV, dtype=torch.bfloat16))
        self.n2 = torch.nn.Parameter(torch.ones(h, device=DEV, dtype=torch.bfloat16))
        self.b1 = torch.nn.Parameter(torch.zeros(h, device=DEV, dtype=torch.bfloat16))
        self.b2 = torch.nn.Parameter(torch.zeros(h, device=DEV, dtype=torch.bfloat16))
        self.qkv = torch.nn.Parameter(rand((heads + 2 * kv_heads) * head_dim, h))
        self.o = torch.nn.Parameter(rand(h, heads * head_dim))
        self.up = torch.nn.Parameter(rand((2 if gated else 1) * ffn, h))
        self.down = torch.nn.Parameter(rand(h, ffn))

    def _norm(self, x, w, b):
        if self.norm == "rms":
            return F.rms_norm(x, (self.h,), w)
        return F.layer_norm(x, (self.h,), w, b)

    def forward(self, x):  # x: (batch, seq, h)
        from torch.nn.attention import SDPBackend, sdpa_kernel
        bsz, s, _ = x.shape
        y = self._norm(x, self.n1, self.b1)
        qkv = F.linear(y, self.qkv)
        q, k, v = qkv.split([self.heads * self.d, self.kv * self.d, self.kv * self.d], dim=-1)
        q = q.view(bsz, s, self.heads, self.d).transpose(1, 2)
        k = k.view(bsz, s, self.kv, self.d).transpose(1, 2)
        v = v.view(bsz, s, self.kv, self.d).transpose(1, 2)
        if self.kv != self.heads:
            rep = self.heads // self.kv
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        with sdpa_kernel([SDPBackend.CUDNN_ATTENTION, SDPBackend.FLASH_ATTENTION]):
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        a = a.transpose(1, 2).reshape(bsz, s, self.heads * self.d)
        x = x + F.linear(a, self.o)
        y = self._norm(x, self.n2, self.b2)
        u = F.linear(y, self.up)
        if self.gated:
            g, u = u.chunk(2, dim=-1)
            u = F.silu(g) * u
        else:
            u = F.gelu(u, approximate="tanh")
        return x + F.linear(u, self.down)


LAYERS = [
    # name, h, heads, kv, head_dim, ffn, gated, norm, batch, seq
    ("llama3_8b_tp1", 4096, 32, 8, 128, 14336, True, "rms", 1, 8192),
    ("llama3_8b_tp1_s4k_b2", 4096, 32, 8, 128, 14336, True, "rms", 2, 4096),
    ("llama3_70b_tp8_shard", 8192, 8, 1, 128, 3584, True, "rms", 1, 8192),
    ("llama2_7b_s4k", 4096, 32, 32, 128, 11008, True, "rms", 1, 4096),
    ("gpt3_175b_tp8_shard", 12288, 12, 12, 128, 6144, False, "layer", 1, 2048),
    ("gpt_1_3b_s2k_b8", 2048, 16, 16, 128, 8192, False, "layer", 8, 2048),
    ("mpt_7b_s2k_b4", 4096, 32, 32, 128, 16384, False, "layer", 4, 2048),
]


def layers():
    rows = []
    RESULT["layers"] = rows
    for name, h, heads, kv, d, ffn, gated, norm, bsz, s in LAYERS:
        try:
            layer = Layer(h, heads, kv, d, ffn, gated, norm)
            x = rand(bsz, s, h).requires_grad_()
            g = rand(bsz, s, h)
            params = list(layer.parameters())

            def fwd():
                return layer(x)

            def fwd_bwd():
                torch.autograd.grad(layer(x), [x] + params, g, allow_unused=True)

            for _ in range(3):
                fwd_bwd()
            torch.cuda.synchronize()
            s0, e0 = ev(), ev()
            n = 10
            s0.record()
            for _ in range(n):
                fwd()
            e0.record()
            torch.cuda.synchronize()
            t_f = s0.elapsed_time(e0) / 1e3 / n
            s0.record()
            for _ in range(n):
                fwd_bwd()
            e0.record()
            torch.cuda.synchronize()
            t_fb = s0.elapsed_time(e0) / 1e3 / n
            row = {"name": name, "h": h, "heads": heads, "kv_heads": kv, "head_dim": d,
                   "ffn": ffn, "gated": gated, "norm": norm, "batch": bsz, "seq": s,
                   "fwd_s": t_f, "fwd_bwd_s": t_fb}
            try:
                from torch.profiler import ProfilerActivity, profile
                with profile(activities=[ProfilerActivity.CUDA]) as prof:
                    for _ in range(3):
                        fwd_bwd()
                    torch.cuda.synchronize()
                kernels = {}
                total = 0.0
                for evt in prof.key_averages():
                    dt = getattr(evt, "self_device_time_total", None)
                    if dt is None:
                        dt = getattr(evt, "self_cuda_time_total", 0.0)
                    if dt and dt > 0:
                        kernels[evt.key[:90]] = {"us": dt / 3, "count": evt.count / 3}
                        total += dt / 3
                row["kernel_sum_s"] = total / 1e6
                row["kernels"] = dict(sorted(kernels.items(), key=lambda kv_: -kv_[1]["us"])[:40])
            except Exception as ex:  # noqa: BLE001
                RESULT["errors"].append(f"profile {name}: {ex!r}"[:300])
            rows.append(row)
            log(name, round(t_f * 1e3, 3), "ms fwd", round(t_fb * 1e3, 3), "ms fwd+bwd",
                round(row.get("kernel_sum_s", 0) * 1e3, 3), "ms in kernels")
            del layer, x, g, params
            torch.cuda.empty_cache()
        except Exception as ex:  # noqa: BLE001
            RESULT["errors"].append(f"layer {name}: {ex!r}"[:300])
            log("ERROR", name, repr(ex)[:300])
        save()


def main():
    os.makedirs(OUT, exist_ok=True)
    RESULT["meta"] = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
                      "cudnn": torch.backends.cudnn.version(),
                      "date": time.strftime("%Y-%m-%d", time.gmtime())}
    sections = [layers] if "--layers-only" in sys.argv else [layers, sustained]
    for section in sections:
        try:
            section()
        except Exception as ex:  # noqa: BLE001
            RESULT["errors"].append(f"{section.__name__}: {ex!r}"[:300])
        save()
    log("done", RESULT["errors"])


if __name__ == "__main__":
    main()
