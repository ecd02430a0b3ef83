#!/usr/bin/env python3
"""Writes the synthetic op tables of this folder from the formulas of doc/formats/efficiency.md.

Run from this folder: python3 generate.py && gzip -n -9 -f h100_sxm__*.csv
The parameters below are what `pertoken calibrate ops` must recover (test/unit/calibrate_*).
Peaks are those of test/data/catalog_small/accelerators/h100-sxm.toml.
"""

BF16_PEAK, FP8_PEAK, BW, SCALEUP_UNI = 989.4e12, 1978.9e12, 3.35e12, 900e9 / 2
GEMM = {"bfloat16": (0.8, 100, 2), "fp8": (0.6, 200, 1)}  # max_fraction, half_tokens, weight B
TRTLLM_GEMM = {"bfloat16": (0.9, 50, 2), "fp8": (0.7, 150, 1)}  # a second framework's kernels
GEMM_MEMORY, GEMM_LATENCY = 0.85, 5e-6
PREFILL, DECODE, ATTN_LATENCY = 0.5, 0.8, 8e-6
AR_BW, AR_LATENCY = 0.7, 6e-6
DEVICE = "NVIDIA H100 SXM5"
MS = 1e3  # tables store milliseconds


def gemm_ms(dtype, m, n, k, params=GEMM):
    mx, half, wbytes = params[dtype]
    compute = 2 * n * k * (m + half) / ((BF16_PEAK if dtype == "bfloat16" else FP8_PEAK) * mx)
    memory = (n * k * wbytes + (m * k + m * n) * 2) / (BW * GEMM_MEMORY)
    return (max(compute, memory) + GEMM_LATENCY) * MS


def gemm_lines(framework, version, params):
    lines = ["framework,version,device,op_name,kernel_source,gemm_dtype,m,n,k,latency"]
    for dtype in params:
        for m in (1, 8, 32, 128, 512, 2048, 8192):
            for n, k in ((1024, 4096), (4096, 4096), (16384, 8192), (64, 64)):
                lines.append(f"{framework},{version},{DEVICE},gemm,kern,{dtype},{m},{n},{k},"
                             f"{gemm_ms(dtype, m, n, k, params)!r}")
    return lines


def write_gemm():
    lines = gemm_lines("VLLM", "0.24.0", GEMM)
    lines.append(f"VLLM,0.24.0,{DEVICE},gemm,kern,fp8_block,128,4096,4096,1.0")
    write("h100_sxm__gemm__vllm__0.24.0__gemm_perf.csv", lines)
    # A second framework's GEMMs: a profile of its own, with vLLM's attention and all-reduce.
    write("h100_sxm__gemm__trtllm__1.0.0__gemm_perf.csv",
          gemm_lines("TRTLLM", "1.0.0", TRTLLM_GEMM))


ATTN_HEADER = ("framework,version,device,op_name,kernel_source,batch_size,isl,num_heads,"
               "num_key_value_heads,head_dim,beam_width,attn_dtype,kv_cache_dtype,step,"
               "window_size,latency")


def attn_line(op, kernel, b, isl, h, kvh, d, kv, step, window, ms):
    return (f"VLLM,0.24.0,{DEVICE},{op},{kernel},{b},{isl},{h},{kvh},{d},1,bfloat16,{kv},"
            f"{step},{window},{ms!r}")


def write_attention():
    shapes = ((32, 8, 128), (8, 8, 64))
    ctx = [ATTN_HEADER]
    for b in (1, 4, 16):
        for isl in (16, 256, 1024, 4096):
            for h, kvh, d in shapes:
                ms = (2 * 2 * b * h * d * isl * isl / 2 / (BF16_PEAK * PREFILL) + ATTN_LATENCY) * MS
                ctx.append(attn_line("context_attention", "fa", b, isl, h, kvh, d, "bfloat16", 0,
                                     0, ms))
    # Rows the fit must ignore: FP8 KV, a sliding window, a minority kernel.
    ctx.append(attn_line("context_attention", "fa", 1, 1024, 32, 8, 128, "fp8", 0, 0, 9.0))
    ctx.append(attn_line("context_attention", "fa", 1, 1024, 32, 8, 128, "bfloat16", 0, 128, 9.0))
    ctx.append(attn_line("context_attention", "slow", 1, 1024, 32, 8, 128, "bfloat16", 0, 0, 9.0))
    write("h100_sxm__attention__vllm__0.24.0__context_attention_perf.csv", ctx)
    gen = [ATTN_HEADER]
    for b in (1, 16, 128):
        for step in (15, 255, 4095):
            for h, kvh, d in shapes:
                ms = (b * kvh * d * 2 * step * 2 / (BW * DECODE) + ATTN_LATENCY) * MS
                gen.append(attn_line("generation_attention", "fa", b, 1, h, kvh, d, "bfloat16",
                                     step, 0, ms))
    gen.append(attn_line("generation_attention", "fa", 1, 1, 32, 8, 128, "fp8", 255, 0, 9.0))
    write("h100_sxm__attention__vllm__0.24.0__generation_attention_perf.csv", gen)


def write_allreduce():
    lines = ["framework,version,device,op_name,kernel_source,allreduce_dtype,num_gpus,"
             "message_size,latency,backend"]
    for t in (2, 4, 8):
        for i in range(10):
            elements = 128 * 4 ** i
            s = AR_LATENCY + 2 * (t - 1) / t * elements * 2 / (SCALEUP_UNI * AR_BW)
            lines.append(f"vLLM,0.24.0,{DEVICE},all_reduce,custom_graph,bfloat16,{t},{elements},"
                         f"{s * MS!r},vllm_graph")
            # The eager variant is slower and must be ignored.
            lines.append(f"vLLM,0.24.0,{DEVICE},all_reduce,custom_eager,bfloat16,{t},{elements},"
                         f"{3 * s * MS!r},vllm_eager")
    write("h100_sxm__comm__vllm__0.24.0__custom_allreduce_perf.csv", lines)


def write(name, lines):
    with open(name, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    write_gemm()
    write_attention()
    write_allreduce()
