#!/usr/bin/env python3
"""Measure the kernels colossim's cost model prices, on the GPU this runs on.

What it times (each with CUDA events; the short kernels inside a CUDA graph so that Python's
launch cost is not counted):
  gemm        cuBLAS(Lt) through torch: BF16 in the three layouts of a Linear (forward NT,
              data gradient NN, weight gradient TN) and FP8 (torch._scaled_mm, per-tensor
              scales, as Transformer Engine's delayed scaling calls it), over a grid of shapes
  grouped     MoE expert GEMMs: torch._grouped_mm over E local experts of T tokens each, a
              loop of one GEMM per expert, and one dense GEMM of the same total size
  attention   torch's scaled_dot_product_attention, causal, BF16, forward and backward, with
              the cuDNN and FlashAttention-2 back-ends
  elementwise memory-bound kernels of a transformer layer (copy, add, norms, activations,
              softmax, FP8 cast) with the bytes each must move
  launch      an empty kernel: its cost launched from Python and replayed in a CUDA graph
  power       nvidia-smi samples through the run, tagged with the phase that was running

Usage: python3 validation/kernels/measure.py OUT_DIR [--budget SECONDS]
Writes OUT_DIR/kernels.json (rewritten after every section) and OUT_DIR/smi.csv.
"""
import json
import math
import os
import subprocess
import sys
import time
import traceback

import torch
import torch.nn.functional as F

OUT = sys.argv[1] if len(sys.argv) > 1 else "."
BUDGET = float(sys.argv[sys.argv.index("--budget") + 1]) if "--budget" in sys.argv else 300.0
T0 = time.time()
DEV = torch.device("cuda")
RESULT = {"meta": {}, "phases": [], "errors": []}


def elapsed():
    return time.time() - T0


def save():
    with open(os.path.join(OUT, "kernels.json"), "w") as f:
        json.dump(RESULT, f, indent=1)


def log(*a):
    print(f"[{elapsed():6.1f}s]", *a, flush=True)


def phase(name):
    RESULT["phases"].append({"name": name, "t": time.time()})
    log("phase", name)


def error(where, e):
    RESULT["errors"].append({"where": where, "error": repr(e)[:300]})
    log("ERROR", where, repr(e)[:300])


def ev():
    return torch.cuda.Event(enable_timing=True)


def time_eager(fn, reps=None, target=0.05):
    """Mean seconds per call of fn, launched from Python (for kernels of 100 us and more)."""
    fn()
    torch.cuda.synchronize()
    s, e = ev(), ev()
    s.record()
    fn()
    e.record()
    torch.cuda.synchronize()
    t1 = s.elapsed_time(e) / 1e3
    n = reps or int(min(max(target / max(t1, 1e-6), 3), 200))
    s.record()
    for _ in range(n):
        fn()
    e.record()
    torch.cuda.synchronize()
    return s.elapsed_time(e) / 1e3 / n


def time_graph(fn, target=0.03, cap=400):
    """Mean seconds per call of fn, replayed from a CUDA graph of many calls."""
    fn()
    torch.cuda.synchronize()
    s, e = ev(), ev()
    s.record()
    for _ in range(3):
        fn()
    e.record()
    torch.cuda.synchronize()
    t1 = s.elapsed_time(e) / 1e3 / 3
    n = int(min(max(target / max(t1, 1e-6), 4), cap))
    g = torch.cuda.CUDAGraph()
    with torch.cuda.graph(g):
        for _ in range(n):
            fn()
    g.replay()
    torch.cuda.synchronize()
    s.record()
    g.replay()
    e.record()
    torch.cuda.synchronize()
    t = s.elapsed_time(e) / 1e3 / n
    del g
    return t


def rand(*shape, dtype=torch.bfloat16):
    return torch.randn(*shape, device=DEV, dtype=torch.float32).mul_(0.5).to(dtype)


def meta():
    p = torch.cuda.get_device_properties(0)
    RESULT["meta"] = {
        "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "gpu": p.name,
        "sms": p.multi_processor_count,
        "memory_gib": round(p.total_memory / 2**30, 1),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "t0": T0,
    }
    try:
        q = subprocess.run(
            ["nvidia-smi", "--query-gpu=driver_version,power.limit,clocks.max.sm,clocks.max.mem",
             "--format=csv,noheader"], capture_output=True, text=True, timeout=20)
        RESULT["meta"]["nvidia_smi"] = q.stdout.strip()
    except Exception as e:  # noqa: BLE001
        error("meta", e)
    log(RESULT["meta"])
    save()


# --- GEMMs -----------------------------------------------------------------------------------
GEMM = []
RESULT["gemm"] = GEMM


def gemm_bf16(m, n, k, layout):
    """C = A op B as a Linear of m tokens, k inputs and n outputs makes it.
    NT: forward, x (m,k) @ W(n,k)^T. NN: data gradient, dy (m,n) @ W (n,k) -> (m,k), so the
    GEMM's (m,n,k) are the caller's (m,k,n). TN: weight gradient dy^T (n,m) @ x (m,k)."""
    if layout == "NT":
        a, b = rand(m, k), rand(n, k).t()
    elif layout == "NN":
        a, b = rand(m, k), rand(k, n)
    else:  # TN
        a, b = rand(k, m).t(), rand(k, n)
    c = torch.empty(m, n, device=DEV, dtype=torch.bfloat16)
    t = time_graph(lambda: torch.mm(a, b, out=c))
    del a, b, c
    return t


def gemm_fp8(m, n, k, fast_accum=True):
    a = rand(m, k).to(torch.float8_e4m3fn)
    b = rand(n, k).to(torch.float8_e4m3fn).t()
    one = torch.ones((), device=DEV, dtype=torch.float32)
    t = time_graph(lambda: torch._scaled_mm(a, b, scale_a=one, scale_b=one,
                                            out_dtype=torch.bfloat16, use_fast_accum=fast_accum))
    del a, b
    return t


def record_gemm(dtype, layout, m, n, k, fn):
    try:
        t = fn()
        GEMM.append({"dtype": dtype, "layout": layout, "m": m, "n": n, "k": k,
                     "s": t, "tflops": 2.0 * m * n * k / t / 1e12})
    except Exception as e:  # noqa: BLE001
        error(f"gemm {dtype} {layout} {m}x{n}x{k}", e)


def gemms():
    phase("gemm_grid")
    ms = [512, 1024, 2048, 4096, 8192, 16384]
    ns = [1024, 2048, 4096, 8192, 16384]
    ks = [128, 256, 512, 1024, 2048, 4096, 8192, 16384]
    for m in ms:
        for n in ns:
            for k in ks:
                record_gemm("bf16", "NT", m, n, k, lambda: gemm_bf16(m, n, k, "NT"))
                record_gemm("fp8", "TN_fast", m, n, k, lambda: gemm_fp8(m, n, k, True))
        log("gemm m", m, "done", len(GEMM))
        save()
        if elapsed() > BUDGET * 0.3:
            error("gemm_grid", "budget: grid cut short")
            break
    phase("gemm_layouts")
    for m in [2048, 8192]:
        for n in [1024, 4096, 16384]:
            for k in [1024, 4096, 16384]:
                record_gemm("bf16", "NN", m, n, k, lambda: gemm_bf16(m, n, k, "NN"))
                record_gemm("bf16", "TN", m, n, k, lambda: gemm_bf16(m, n, k, "TN"))
                record_gemm("fp8", "TN_split", m, n, k, lambda: gemm_fp8(m, n, k, False))
    phase("gemm_odd")
    # Widths that are not multiples of 256 (tile and wave quantization): FFN widths of common
    # models, per tensor-parallel rank.
    for n in [1536, 2816, 3584, 5504, 6912, 7168, 10240, 11008, 13824, 14336]:
        for k in [4096, 8192]:
            for m in [4096, 8192]:
                record_gemm("bf16", "NT", m, n, k, lambda: gemm_bf16(m, n, k, "NT"))
                record_gemm("fp8", "TN_fast", m, n, k, lambda: gemm_fp8(m, n, k, True))
    save()


# --- Grouped GEMMs (MoE experts) -------------------------------------------------------------
def grouped():
    phase("grouped")
    rows = []
    RESULT["grouped"] = rows
    # (hidden, expert FFN width): DeepSeek-V3, Qwen3-235B, Qwen3-30B, Mixtral 8x7B.
    shapes = [("dsv3", 7168, 2048), ("qwen3_235b", 4096, 1536), ("qwen3_30b", 2048, 768),
              ("mixtral", 4096, 14336)]
    have_grouped = hasattr(torch, "_grouped_mm")
    for name, h, f in shapes:
        for which, k, n in [("fc1", h, 2 * f), ("fc2", f, h)]:
            for experts in [4, 8, 32]:
                for tpe in [32, 64, 128, 256, 512, 1024, 2048, 4096, 8192]:
                    total = experts * tpe
                    if total * max(k, n) > 2**31 or total > 131072:
                        continue
                    row = {"model": name, "gemm": which, "experts": experts,
                           "tokens_per_expert": tpe, "k": k, "n": n}
                    flops = 2.0 * total * k * n
                    try:
                        x = rand(total, k)
                        w = rand(experts, n, k)  # as nn.Linear keeps them: (out, in)
                        wt = w.transpose(1, 2)
                        offs = torch.arange(1, experts + 1, device=DEV,
                                            dtype=torch.int32) * tpe
                        if have_grouped:
                            def gmm():
                                return torch._grouped_mm(x, wt, offs=offs)
                            try:
                                try:
                                    t = time_graph(gmm)
                                except Exception as e:  # noqa: BLE001
                                    error(f"grouped_mm in a graph {name} {which}", e)
                                    t = time_eager(gmm, target=0.03)
                                row["grouped_s"] = t
                                row["grouped_tflops"] = flops / t / 1e12
                            except Exception as e:  # noqa: BLE001
                                error(f"grouped_mm {name} {which} {experts}x{tpe}", e)
                                have_grouped = False
                        outs = [torch.empty(tpe, n, device=DEV, dtype=torch.bfloat16)
                                for _ in range(experts)]
                        xs = list(x.split(tpe))

                        def loop():
                            for i in range(experts):
                                torch.mm(xs[i], wt[i], out=outs[i])
                        t = time_graph(loop, cap=50)
                        row["loop_s"] = t
                        row["loop_tflops"] = flops / t / 1e12
                        wd = rand(n, k).t()
                        out = torch.empty(total, n, device=DEV, dtype=torch.bfloat16)
                        t = time_graph(lambda: torch.mm(x, wd, out=out))
                        row["dense_s"] = t
                        row["dense_tflops"] = flops / t / 1e12
                        del x, w, wt, outs, xs, wd, out
                        rows.append(row)
                    except Exception as e:  # noqa: BLE001
                        error(f"grouped {name} {which} {experts}x{tpe}", e)
        log("grouped", name, len(rows))
        save()
        if elapsed() > BUDGET * 0.75:
            error("grouped", "budget: cut short")
            break


# --- Attention -------------------------------------------------------------------------------
def attention():
    phase("attention")
    from torch.nn.attention import SDPBackend, sdpa_kernel
    rows = []
    RESULT["attention"] = rows
    backends = [("cudnn", SDPBackend.CUDNN_ATTENTION), ("flash2", SDPBackend.FLASH_ATTENTION)]
    cases = []
    for d_qk, d_v in [(128, 128), (64, 64), (192, 128)]:
        for heads in [8, 32]:
            for s in [512, 1024, 2048, 4096, 8192, 16384, 32768]:
                cases.append((d_qk, d_v, heads, s))
    for bname, backend in backends:
        for d_qk, d_v, heads, s in cases:
            if elapsed() > BUDGET * 0.5:
                error("attention", "budget: cut short")
                break
            b = max(1, 32768 // s)  # 32k tokens per call, as a micro-batch of a large run
            row = {"backend": bname, "d_qk": d_qk, "d_v": d_v, "heads": heads, "seq": s,
                   "batch": b}
            try:
                q = rand(b, heads, s, d_qk).requires_grad_()
                k = rand(b, heads, s, d_qk).requires_grad_()
                v = rand(b, heads, s, d_v).requires_grad_()
                g = rand(b, heads, s, d_v)
                with sdpa_kernel([backend]):
                    def fwd():
                        return F.scaled_dot_product_attention(q, k, v, is_causal=True)

                    def fwd_bwd():
                        o = fwd()
                        torch.autograd.grad(o, (q, k, v), g)
                    t_f = time_eager(fwd, target=0.05)
                    t_fb = time_eager(fwd_bwd, target=0.1)
                # Causal: half the s x s square; forward 2 products, backward 5 (FA2 convention).
                f_fwd = 2.0 * b * heads * s * s * (d_qk + d_v) * 0.5
                row.update({"fwd_s": t_f, "bwd_s": t_fb - t_f,
                            "fwd_tflops": f_fwd / t_f / 1e12,
                            "bwd_tflops": 2.5 * f_fwd / (t_fb - t_f) / 1e12})
                rows.append(row)
                del q, k, v, g
            except Exception as e:  # noqa: BLE001
                error(f"attention {bname} {d_qk}/{d_v} h{heads} s{s}", e)
        log("attention", bname, len(rows))
        save()


# --- Element-wise ----------------------------------------------------------------------------
def elementwise():
    phase("elementwise")
    rows = []
    RESULT["elementwise"] = rows
    tokens, h = 16384, 8192  # 128M elements, 256 MiB in BF16: four times the L2 and more
    n = tokens * h
    x = rand(tokens, h)
    y = rand(tokens, h)
    o = torch.empty_like(x)
    w = rand(h)
    bias = rand(h)

    def add(name, fn, nbytes, graph=False):
        try:
            t = time_graph(fn, target=0.05, cap=50) if graph else time_eager(fn, target=0.05)
            rows.append({"op": name, "bytes": nbytes, "s": t, "gbyte_s": nbytes / t / 1e9})
        except Exception as e:  # noqa: BLE001
            error(f"elementwise {name}", e)

    add("copy", lambda: o.copy_(x), 4 * n)
    add("add", lambda: torch.add(x, y, out=o), 6 * n)
    add("scale_inplace", lambda: o.mul_(1.0001), 4 * n)
    add("to_fp32", lambda: x.float(), 6 * n)
    add("rms_norm_fwd", lambda: F.rms_norm(x, (h,), w), 4 * n)
    add("layer_norm_fwd", lambda: F.layer_norm(x, (h,), w, bias), 4 * n)
    add("silu", lambda: F.silu(x), 4 * n)
    add("gelu_tanh", lambda: F.gelu(x, approximate="tanh"), 4 * n)
    add("swiglu_unfused", lambda: F.silu(x) * y, 4 * n + 6 * n)
    add("softmax", lambda: torch.softmax(x, dim=-1), 4 * n)
    add("dropout_add", lambda: F.dropout(x, 0.1, training=True) + y, 4 * n + 6 * n)
    scale = torch.ones((), device=DEV)
    add("cast_fp8", lambda: (x * scale).to(torch.float8_e4m3fn), 2 * n + 2 * n + n)
    add("transpose_copy", lambda: x.t().contiguous(), 4 * n)
    # Backward of the norms and activations through autograd (reads input and gradient, writes
    # the input gradient, plus the weight-gradient reduction): 6 B per element at least.
    for name, fn in [("rms_norm", lambda t: F.rms_norm(t, (h,), w)),
                     ("layer_norm", lambda t: F.layer_norm(t, (h,), w, bias)),
                     ("gelu_tanh", lambda t: F.gelu(t, approximate="tanh")),
                     ("silu", F.silu)]:
        try:
            xi = x.detach().clone().requires_grad_()
            out = fn(xi)
            gy = torch.ones_like(out)
            add(name + "_bwd", lambda: torch.autograd.grad(out, xi, gy, retain_graph=True), 6 * n)
            del xi, out, gy
        except Exception as e:  # noqa: BLE001
            error(f"elementwise bwd {name}", e)
    # Smaller tensors: where launch cost and the tail of the kernel matter.
    for elems in [2**16, 2**18, 2**20, 2**22, 2**24]:
        a = rand(elems)
        b2 = torch.empty_like(a)
        add(f"copy_{elems}", lambda: b2.copy_(a), 4 * elems, graph=True)
    del x, y, o
    save()


# --- Launch cost -----------------------------------------------------------------------------
def launch():
    phase("launch")
    a = torch.zeros(1, device=DEV)
    n = 2000
    torch.cuda.synchronize()
    t = time.perf_counter()
    for _ in range(n):
        a.add_(1)
    torch.cuda.synchronize()
    eager = (time.perf_counter() - t) / n
    graph = time_graph(lambda: a.add_(1), target=0.01, cap=2000)
    RESULT["launch"] = {"eager_python_us": eager * 1e6, "graph_replay_us": graph * 1e6}
    log(RESULT["launch"])
    save()


# --- Sustained power -------------------------------------------------------------------------
def sustained():
    phase("idle")
    time.sleep(3)
    phase("sustained_bf16_gemm")
    a, b = rand(8192, 8192), rand(8192, 8192).t()
    c = torch.empty(8192, 8192, device=DEV, dtype=torch.bfloat16)
    end = time.time() + 15
    count = 0
    s, e = ev(), ev()
    s.record()
    while time.time() < end:
        for _ in range(20):
            torch.mm(a, b, out=c)
        count += 20
        torch.cuda.synchronize()
    e.record()
    torch.cuda.synchronize()
    RESULT["sustained"] = {"bf16_8192_tflops": 2 * 8192**3 * count / (s.elapsed_time(e) / 1e3)
                           / 1e12, "seconds": s.elapsed_time(e) / 1e3}
    phase("sustained_memory")
    x = rand(2**28)
    y = torch.empty_like(x)
    end = time.time() + 6
    while time.time() < end:
        for _ in range(20):
            y.copy_(x)
        torch.cuda.synchronize()
    phase("idle_after")
    del a, b, c, x, y
    time.sleep(3)
    log(RESULT["sustained"])
    save()


def main():
    os.makedirs(OUT, exist_ok=True)
    smi = None
    try:
        smi = subprocess.Popen(
            ["nvidia-smi", "--query-gpu=timestamp,power.draw,clocks.sm,clocks.mem,temperature.gpu,"
             "utilization.gpu", "--format=csv,noheader,nounits", "-lms", "200"],
            stdout=open(os.path.join(OUT, "smi.csv"), "w"), stderr=subprocess.DEVNULL)
    except Exception as e:  # noqa: BLE001
        error("nvidia-smi", e)
    meta()
    for section in [launch, gemms, attention, grouped, elementwise, sustained]:
        try:
            section()
        except Exception as e:  # noqa: BLE001
            error(section.__name__, e)
            traceback.print_exc()
        save()
    phase("end")
    save()
    if smi:
        smi.terminate()
    log("done", len(GEMM), "gemms,", len(RESULT.get("grouped", [])), "grouped,",
        len(RESULT.get("attention", [])), "attention,", len(RESULT.get("elementwise", [])),
        "elementwise,", len(RESULT["errors"]), "errors")


if __name__ == "__main__":
    main()
