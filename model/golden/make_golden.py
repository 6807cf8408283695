#!/usr/bin/env python3
"""Golden logits for the model module: tiny random-weight checkpoints and the logits an independent
reference implementation computes for them.

For every case it writes model/src/test/resources/golden/<case>/ with
  config.json              as transformers 4.x (suffix -v4) or 5.x (suffix -v5) writes it,
  model.safetensors        written by hand (JSON header + raw little-endian F32 or BF16 data),
  adapter/                 (adapter cases only) adapter_config.json and adapter_model.safetensors
                           as peft 0.21 writes them,
  expected.json            token ids, positions and the full-vocabulary logit rows at them, the tolerance.

The reference forward below is plain PyTorch in float64 on CPU. It follows the semantics of the
modeling code of transformers 5.18 (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
Qwen3ForCausalLM; modeling_rope_utils; masking_utils.sliding_window_overlay) and reads config.json the
way transformers 5.18's configuration classes read it, in either layout. The rotary inverse
frequencies are computed in float32 with transformers' own tensor ops (they are a constant of the
model); everything else is float64. It needs nothing but torch; the tests that use its output need
no Python at all.

    python3 model/golden/make_golden.py                 # regenerate every case (deterministic)
    python3 model/golden/make_golden.py --check-transformers
        # additionally loads every written case with transformers (and the adapter with peft), if they
        # are importable, and compares their forward with the expected logits

See model/golden/README.md.
"""

import argparse
import json
import math
import os
import shutil
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "src", "test", "resources", "golden"))

TOLERANCE = 1e-4  # max abs logit error the Java test allows (float32 there, float64 here)
SEMANTICS = "transformers 5.18 modeling code (eager attention), both config.json layouts read as transformers 5.18 reads them"

# The two sequences every case is run on: A is longer than the sliding windows below, B is shorter
# than A so that a batch of both needs left padding.
LEN_A, LEN_B = 24, 13
POSITIONS_A = [0, 5, 8, 13, 23]  # 8: first query whose window of 8 excludes key 0; 23: the last
POSITIONS_B = [0, 6, 12]
WINDOW = 8

# Small enough that all fixtures stay well under 3 MB; vocab 160 is deliberately not a power of two.
DIMS = dict(vocab=160, hidden=32, intermediate=64, layers=2, heads=4, kv_heads=2, max_pos=4096)


# ------------------------------------------------------------------------------------------------
# the cases: one spec each, written in both config layouts with the same weights


def cases():
    """name -> spec. A spec says what the model IS; config_v4/config_v5 say how each transformers
    version writes it down; resolve() reads it back the way transformers does."""
    llama = dict(arch="LlamaForCausalLM", tied=True, rope_theta=10000.0, rope=None, seed=11)
    return {
        "llama-default": dict(llama, description="Llama, GQA 4/2, tied embeddings, default rope"),
        "llama-linear": dict(
            llama,
            seed=12,
            rope={"rope_type": "linear", "factor": 4.0},
            v4_rope_type_key="type",  # pre-4.43 checkpoints wrote {"type": "linear"}
            description="Llama, linear rope scaling factor 4 (4.x file uses the old 'type' key)",
        ),
        "llama-llama3": dict(
            llama,
            seed=13,
            rope_theta=500000.0,
            rope={
                "rope_type": "llama3",
                "factor": 8.0,
                "low_freq_factor": 1.0,
                "high_freq_factor": 4.0,
                "original_max_position_embeddings": 512,
            },
            description="Llama 3.1-style llama3 rope scaling, rope_theta 500000 (one frequency in each band)",
        ),
        "qwen2-bias-bf16": dict(
            arch="Qwen2ForCausalLM",
            tied=False,
            rope_theta=1000000.0,
            rope=None,
            dtype="bfloat16",
            use_sliding_window=False,
            # use_sliding_window is false, so transformers ignores this window: a reader that applied
            # it anyway would change the logits from position 8 on
            sliding_window=WINDOW,
            max_window_layers=1,
            seed=21,
            description="Qwen2, q/k/v biases, untied lm_head, BF16 weights, a sliding_window that use_sliding_window=false disables",
        ),
        "qwen3": dict(
            arch="Qwen3ForCausalLM",
            tied=True,
            rope_theta=1000000.0,
            rope=None,
            head_dim=16,  # != hidden / heads = 8
            use_sliding_window=False,
            sliding_window=None,
            max_window_layers=28,
            seed=31,
            description="Qwen3, per-head q_norm/k_norm, explicit head_dim 16 != hidden/heads, no biases, tied",
        ),
        "mistral-sliding": dict(
            arch="MistralForCausalLM",
            tied=False,
            rope_theta=10000.0,
            rope=None,
            sliding_window=WINDOW,
            seed=41,
            description=f"Mistral, sliding window {WINDOW} on every layer, sequence of {LEN_A}",
        ),
        "qwen2-sliding": dict(
            arch="Qwen2ForCausalLM",
            tied=True,
            rope_theta=1000000.0,
            rope=None,
            use_sliding_window=True,
            sliding_window=WINDOW,
            max_window_layers=1,
            seed=51,
            description=f"Qwen2, use_sliding_window with window {WINDOW} on layers >= max_window_layers=1 only",
        ),
    }


ADAPTER_CASE = "llama-rslora"  # base: llama-default's weights in the 5.x layout, plus a PEFT adapter
ADAPTER = dict(
    r=4,
    alpha=8,
    target_regex=r"model\.layers\.\d+\.(self_attn\.(q_proj|v_proj)|mlp\.down_proj)",
    projections=["q_proj", "v_proj", "down_proj"],
    seed=61,
)


# ------------------------------------------------------------------------------------------------
# config.json in the two layouts

MODEL_TYPE = {
    "LlamaForCausalLM": "llama",
    "MistralForCausalLM": "mistral",
    "Qwen2ForCausalLM": "qwen2",
    "Qwen3ForCausalLM": "qwen3",
}


def _common(spec):
    d = DIMS
    c = {
        "architectures": [spec["arch"]],
        "attention_dropout": 0.0,
        "hidden_act": "silu",
        "hidden_size": d["hidden"],
        "initializer_range": 0.02,
        "intermediate_size": d["intermediate"],
        "max_position_embeddings": d["max_pos"],
        "model_type": MODEL_TYPE[spec["arch"]],
        "num_attention_heads": d["heads"],
        "num_hidden_layers": d["layers"],
        "num_key_value_heads": d["kv_heads"],
        "rms_norm_eps": 1e-06,
        "tie_word_embeddings": spec["tied"],
        "use_cache": True,
        "vocab_size": d["vocab"],
    }
    arch = spec["arch"]
    if arch in ("LlamaForCausalLM", "MistralForCausalLM"):
        c["bos_token_id"] = 1
        c["eos_token_id"] = 2
    if arch == "LlamaForCausalLM":
        c.update(attention_bias=False, mlp_bias=False, pretraining_tp=1, head_dim=d["hidden"] // d["heads"])
    if arch == "Qwen3ForCausalLM":
        c.update(attention_bias=False, head_dim=spec["head_dim"])
    if arch == "MistralForCausalLM":
        c["sliding_window"] = spec["sliding_window"]
    return c


def config_v4(spec):
    """As transformers 4.51 wrote it (the layout of most checkpoints on the Hub): top-level rope_theta
    and rope_scaling, torch_dtype, Qwen's sliding_window/use_sliding_window/max_window_layers and no
    layer_types."""
    c = _common(spec)
    c["torch_dtype"] = spec.get("dtype", "float32")
    c["transformers_version"] = "4.51.3"  # writes neither dtype nor layer_types, knows Qwen3
    c["rope_theta"] = spec["rope_theta"]
    if spec["rope"] is None:
        if spec["arch"] != "MistralForCausalLM":
            c["rope_scaling"] = None
    else:
        scaling = dict(spec["rope"])
        if spec.get("v4_rope_type_key") == "type":
            scaling["type"] = scaling.pop("rope_type")
        c["rope_scaling"] = scaling
    if spec["arch"] in ("Qwen2ForCausalLM", "Qwen3ForCausalLM"):
        c["use_sliding_window"] = spec["use_sliding_window"]
        c["sliding_window"] = spec["sliding_window"]
        c["max_window_layers"] = spec["max_window_layers"]
    return dict(sorted(c.items()))


def config_v5(spec):
    """As transformers 5.18's save_pretrained writes it: rope_parameters (with rope_theta inside), dtype,
    and for Qwen2/Qwen3 layer_types (sliding_window is null unless use_sliding_window)."""
    c = _common(spec)
    c["dtype"] = spec.get("dtype", "float32")
    c["transformers_version"] = "5.18.0"
    params = {"rope_theta": spec["rope_theta"], "rope_type": "default"}
    if spec["rope"] is not None:
        params.update(spec["rope"])
    c["rope_parameters"] = dict(sorted(params.items()))
    c["pad_token_id"] = None
    if spec["arch"] in ("Qwen2ForCausalLM", "Qwen3ForCausalLM"):
        window = spec["sliding_window"] if spec["use_sliding_window"] else None
        c["use_sliding_window"] = spec["use_sliding_window"]
        c["sliding_window"] = window
        c["max_window_layers"] = spec["max_window_layers"]
        c["layer_types"] = [
            "sliding_attention" if window is not None and i >= spec["max_window_layers"] else "full_attention"
            for i in range(DIMS["layers"])
        ]
    return dict(sorted(c.items()))


# ------------------------------------------------------------------------------------------------
# reading config.json as transformers 5.18 does (both layouts)


class Unsupported(Exception):
    pass


def resolve(cfg):
    """The math a config.json asks for, read as transformers 5.18's config classes read it."""
    arch = cfg["architectures"][0]
    if arch not in MODEL_TYPE:
        raise Unsupported(f"architecture {arch}")
    if cfg.get("hidden_act", "silu") != "silu":
        raise Unsupported(f"hidden_act {cfg['hidden_act']}")
    heads = cfg["num_attention_heads"]
    kv = cfg.get("num_key_value_heads")
    kv = heads if kv is None else kv
    head_dim = cfg.get("head_dim") or cfg["hidden_size"] // heads
    layers = cfg["num_hidden_layers"]

    # Biases: Llama's attention_bias covers q, k, v AND o; Qwen3 likewise; Qwen2 always has q/k/v
    # biases and none on o; Mistral has none.
    if arch == "Qwen2ForCausalLM":
        qkv_bias, o_bias = True, False
    elif arch in ("LlamaForCausalLM", "Qwen3ForCausalLM"):
        qkv_bias = o_bias = bool(cfg.get("attention_bias", False))
    else:
        qkv_bias = o_bias = False
    if cfg.get("mlp_bias"):
        raise Unsupported("mlp_bias")

    # RotaryEmbeddingConfigMixin.convert_rope_params_to_dict + standardize_rope_params:
    # rope_scaling (4.x) wins over rope_parameters (5.x) when both are set; rope_theta inside the dict
    # wins over the top-level key, which wins over the class default 10000.
    rope = dict(cfg.get("rope_scaling") or cfg.get("rope_parameters") or {})
    rope.setdefault("rope_theta", cfg.get("rope_theta", 10000.0))
    rope.setdefault("rope_type", rope.get("type", "default"))
    if rope["rope_type"] in ("llama3", "yarn", "longrope"):
        rope.setdefault("original_max_position_embeddings", cfg["max_position_embeddings"])
    if rope.get("partial_rotary_factor", 1.0) != 1.0:
        raise Unsupported("partial_rotary_factor")
    inv_freq, attention_scaling = inverse_frequencies(rope, head_dim)

    # Sliding windows. Mistral: sliding_window (class default 4096) on every layer, layer_types ignored.
    # Qwen2/Qwen3: sliding_window only if use_sliding_window; layer_types if given, else
    # "sliding_attention" for layers >= max_window_layers (class default 28).
    if arch == "MistralForCausalLM":
        window = cfg.get("sliding_window", 4096)
        windows = [window] * layers
    elif arch in ("Qwen2ForCausalLM", "Qwen3ForCausalLM"):
        window = cfg.get("sliding_window", 4096) if cfg.get("use_sliding_window", False) else None
        types = cfg.get("layer_types")
        if types is None:
            mwl = cfg.get("max_window_layers", 28)
            types = [
                "sliding_attention" if window is not None and i >= mwl else "full_attention" for i in range(layers)
            ]
        windows = []
        for t in types:
            if t == "sliding_attention":
                if window is None:
                    raise Unsupported("a sliding_attention layer without a sliding_window")
                windows.append(window)
            elif t == "full_attention":
                windows.append(None)
            else:
                raise Unsupported(f"layer type {t}")
    else:
        windows = [None] * layers

    return dict(
        arch=arch,
        vocab=cfg["vocab_size"],
        hidden=cfg["hidden_size"],
        intermediate=cfg["intermediate_size"],
        layers=layers,
        heads=heads,
        kv_heads=kv,
        head_dim=head_dim,
        eps=cfg.get("rms_norm_eps", 1e-6),
        tied=cfg.get("tie_word_embeddings", False),
        qkv_bias=qkv_bias,
        o_bias=o_bias,
        qk_norm=arch == "Qwen3ForCausalLM",
        rope_type=rope["rope_type"],
        rope_theta=rope["rope_theta"],
        inv_freq=inv_freq,
        attention_scaling=attention_scaling,
        windows=windows,
    )


def inverse_frequencies(rope, dim):
    """modeling_rope_utils of transformers 5.18, float32 tensor ops as there."""
    base = rope["rope_theta"]
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(dtype=torch.float) / dim))
    kind = rope["rope_type"]
    if kind == "default":
        return inv_freq, 1.0
    if kind == "linear":
        return inv_freq / rope["factor"], 1.0
    if kind == "llama3":
        factor = rope["factor"]
        low_freq_factor = rope["low_freq_factor"]
        high_freq_factor = rope["high_freq_factor"]
        old_context_len = rope["original_max_position_embeddings"]
        low_freq_wavelen = old_context_len / low_freq_factor
        high_freq_wavelen = old_context_len / high_freq_factor
        wavelen = 2 * math.pi / inv_freq
        inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
        smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
        smoothed = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
        is_medium = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
        return torch.where(is_medium, smoothed, inv_freq_llama), 1.0
    raise Unsupported(f"rope_type {kind}")


# ------------------------------------------------------------------------------------------------
# random weights (HF names and [out, in] shapes) and the safetensors files


def weight_shapes(spec):
    d = DIMS
    h, hd = d["hidden"], spec.get("head_dim") or d["hidden"] // d["heads"]
    q, kv = d["heads"] * hd, d["kv_heads"] * hd
    shapes = {"model.embed_tokens.weight": (d["vocab"], h)}
    for i in range(d["layers"]):
        p = f"model.layers.{i}."
        shapes[p + "input_layernorm.weight"] = (h,)
        shapes[p + "self_attn.q_proj.weight"] = (q, h)
        shapes[p + "self_attn.k_proj.weight"] = (kv, h)
        shapes[p + "self_attn.v_proj.weight"] = (kv, h)
        if spec["arch"] == "Qwen2ForCausalLM":
            shapes[p + "self_attn.q_proj.bias"] = (q,)
            shapes[p + "self_attn.k_proj.bias"] = (kv,)
            shapes[p + "self_attn.v_proj.bias"] = (kv,)
        if spec["arch"] == "Qwen3ForCausalLM":
            shapes[p + "self_attn.q_norm.weight"] = (hd,)
            shapes[p + "self_attn.k_norm.weight"] = (hd,)
        shapes[p + "self_attn.o_proj.weight"] = (h, q)
        shapes[p + "post_attention_layernorm.weight"] = (h,)
        shapes[p + "mlp.gate_proj.weight"] = (d["intermediate"], h)
        shapes[p + "mlp.up_proj.weight"] = (d["intermediate"], h)
        shapes[p + "mlp.down_proj.weight"] = (h, d["intermediate"])
    shapes["model.norm.weight"] = (h,)
    if not spec["tied"]:
        shapes["lm_head.weight"] = (d["vocab"], h)
    return shapes


def random_weights(spec):
    """Scaled so that attention is peaked (score std ~2) and logits are O(1-10): a wrong mask, rope or
    norm then moves the logits by far more than the tolerance (sensitivity() checks that it does)."""
    g = torch.Generator().manual_seed(spec["seed"])
    out = {}
    for name, shape in weight_shapes(spec).items():
        if name.endswith("q_norm.weight") or name.endswith("k_norm.weight"):
            t = 2.0 + 0.3 * torch.randn(shape, generator=g)
        elif name.endswith("norm.weight"):
            t = 1.0 + 0.1 * torch.randn(shape, generator=g)
        elif name.endswith(".bias"):
            t = 0.5 * torch.randn(shape, generator=g)
        elif name == "model.embed_tokens.weight":
            t = 0.5 * torch.randn(shape, generator=g)
        elif name.endswith(("q_proj.weight", "k_proj.weight")):
            t = 1.5 * torch.randn(shape, generator=g) / math.sqrt(shape[1])
        elif name == "lm_head.weight":
            t = 2.0 * torch.randn(shape, generator=g) / math.sqrt(shape[1])
        else:
            t = torch.randn(shape, generator=g) / math.sqrt(shape[1])
        out[name] = t.to(torch.float32)
    if spec.get("dtype") == "bfloat16":
        # the checkpoint holds bf16; the reference computes with exactly the stored values
        out = {k: v.to(torch.bfloat16).to(torch.float32) for k, v in out.items()}
    return out


def write_safetensors(path, tensors, dtype):
    """The safetensors format by hand: u64 header length, JSON header (offsets relative to the data),
    little-endian data. Tensors sorted by name; header padded with spaces to 8 bytes as the reference
    writer does."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        if dtype == "F32":
            values = t.to(torch.float32).flatten().tolist()
            blob = struct.pack(f"<{len(values)}f", *values)
        elif dtype == "BF16":
            bits = t.to(torch.bfloat16).view(torch.int16).flatten().tolist()
            blob = struct.pack(f"<{len(bits)}h", *bits)
        else:
            raise ValueError(dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    header = {"__metadata__": {"format": "pt"}, **header}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    """Reads back what write_safetensors wrote (F32/BF16), so the reference runs on the file's values."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        chunk = data[a:b]
        if info["dtype"] == "F32":
            values = torch.tensor(struct.unpack(f"<{len(chunk) // 4}f", chunk), dtype=torch.float32)
        else:
            bits = torch.tensor(struct.unpack(f"<{len(chunk) // 2}h", chunk), dtype=torch.int16)
            values = bits.view(torch.bfloat16).to(torch.float32)
        out[name] = values.reshape(info["shape"])
    return out


# ------------------------------------------------------------------------------------------------
# the reference forward: one unpadded sequence, no cache, float64


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def forward(w, m, ids, lora=None, window_override="config"):
    """Logits [T, vocab] for token ids [T] (positions 0..T-1).

    w: tensors by HF name (float32 values, used as float64); m: resolve()'s result;
    lora: {module path: (A, B, scale)} or None; window_override: a list replacing m["windows"].
    """
    f64 = {k: v.to(torch.float64) for k, v in w.items()}
    T = len(ids)
    hd, H, KV = m["head_dim"], m["heads"], m["kv_heads"]

    # LlamaRotaryEmbedding.forward: float32 inv_freq @ float32 positions, cos/sin in float32
    pos = torch.arange(T, dtype=torch.float32)
    freqs = pos[:, None] * m["inv_freq"][None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos = (emb.cos() * m["attention_scaling"]).to(torch.float64)
    sin = (emb.sin() * m["attention_scaling"]).to(torch.float64)

    def proj(name, x, bias=False):
        y = x @ f64[name + ".weight"].T
        if bias:
            y = y + f64[name + ".bias"]
        if lora is not None and name in lora:
            a, b, scale = lora[name]
            y = y + (x @ a.to(torch.float64).T) @ b.to(torch.float64).T * scale
        return y

    x = f64["model.embed_tokens.weight"][torch.tensor(ids)]
    windows = m["windows"] if window_override == "config" else window_override
    qi = torch.arange(T)[:, None]
    ki = torch.arange(T)[None, :]
    for i in range(m["layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, f64[p + "input_layernorm.weight"], m["eps"])
        q = proj(p + "self_attn.q_proj", h, m["qkv_bias"]).view(T, H, hd)
        k = proj(p + "self_attn.k_proj", h, m["qkv_bias"]).view(T, KV, hd)
        v = proj(p + "self_attn.v_proj", h, m["qkv_bias"]).view(T, KV, hd)
        if m["qk_norm"]:
            q = rms_norm(q, f64[p + "self_attn.q_norm.weight"], m["eps"])
            k = rms_norm(k, f64[p + "self_attn.k_norm.weight"], m["eps"])
        q = q * cos[:, None, :] + rotate_half(q) * sin[:, None, :]
        k = k * cos[:, None, :] + rotate_half(k) * sin[:, None, :]
        group = H // KV
        k = k.repeat_interleave(group, dim=1)  # query head j uses kv head j // group (repeat_kv)
        v = v.repeat_interleave(group, dim=1)
        # masking_utils: causal kv <= q, and with a window kv > q - window
        allowed = ki <= qi
        if windows[i] is not None:
            allowed = allowed & (ki > qi - windows[i])
        scores = torch.einsum("thd,shd->hts", q, k) * hd**-0.5
        scores = scores.masked_fill(~allowed[None], float("-inf"))
        attn = torch.einsum("hts,shd->thd", scores.softmax(-1), v).reshape(T, H * hd)
        x = x + proj(p + "self_attn.o_proj", attn, m["o_bias"])
        h = rms_norm(x, f64[p + "post_attention_layernorm.weight"], m["eps"])
        gate = proj(p + "mlp.gate_proj", h)
        up = proj(p + "mlp.up_proj", h)
        x = x + proj(p + "mlp.down_proj", torch.nn.functional.silu(gate) * up)
    x = rms_norm(x, f64["model.norm.weight"], m["eps"])
    head = f64["model.embed_tokens.weight"] if m["tied"] else f64["lm_head.weight"]
    return x @ head.T


# ------------------------------------------------------------------------------------------------
# writing a case


def sequences(seed, vocab):
    g = torch.Generator().manual_seed(seed)
    a = torch.randint(0, vocab, (LEN_A,), generator=g).tolist()
    b = torch.randint(0, vocab, (LEN_B,), generator=g).tolist()
    return [(a, POSITIONS_A), (b, POSITIONS_B)]


def expected_json(case, description, layout, seqs, logits_of, adapter=None):
    rows = []
    for ids, positions in seqs:
        logits = logits_of(ids)
        rows.append(
            {
                "ids": ids,
                "positions": positions,
                "logits": [[float(f"{v:.6f}") for v in logits[p].tolist()] for p in positions],
            }
        )
    return {
        "case": case,
        "description": description,
        "config_layout": layout,
        "reference": SEMANTICS + "; computed in float64 by model/golden/make_golden.py",
        "tolerance": TOLERANCE,
        "adapter": adapter,
        "sequences": rows,
    }


def write_json(path, obj, indent=2):
    with open(path, "w") as f:
        json.dump(obj, f, indent=indent)
        f.write("\n")


def write_expected(path, obj):
    """JSON with one logit row per line: small, and still readable in a diff."""
    lines = ["{"]
    for k, v in obj.items():
        if k != "sequences":
            lines.append(f"  {json.dumps(k)}: {json.dumps(v)},")
    lines.append('  "sequences": [')
    seqs = []
    for s in obj["sequences"]:
        rows = ",\n".join("        " + json.dumps(r, separators=(",", ":")) for r in s["logits"])
        seqs.append(
            "    {\n"
            f'      "ids": {json.dumps(s["ids"])},\n'
            f'      "positions": {json.dumps(s["positions"])},\n'
            '      "logits": [\n' + rows + "\n      ]\n    }"
        )
    lines.append(",\n".join(seqs))
    lines += ["  ]", "}"]
    text = "\n".join(lines) + "\n"
    assert json.loads(text) == obj
    with open(path, "w") as f:
        f.write(text)


def assert_visible(name, what, base, other, at_least=1e-2):
    """A fixture only tests a feature if leaving the feature out changes its logits."""
    diff = max((b - o).abs().max().item() for b, o in zip(base, other))
    if diff < at_least:
        raise SystemExit(f"{name}: {what} moves the logits by only {diff:.2e}; the fixture would not test it")
    print(f"  {name}: without {what} the logits move by {diff:.2f}")


def make_case(name, spec, layout, out_root):
    cfg = config_v4(spec) if layout == "v4" else config_v5(spec)
    m = resolve(cfg)
    d = os.path.join(out_root, f"{name}-{layout}")
    os.makedirs(d, exist_ok=True)
    write_json(os.path.join(d, "config.json"), cfg)
    dtype = "BF16" if spec.get("dtype") == "bfloat16" else "F32"
    write_safetensors(os.path.join(d, "model.safetensors"), random_weights(spec), dtype)
    w = read_safetensors(os.path.join(d, "model.safetensors"))
    seqs = sequences(spec["seed"] + 1000, DIMS["vocab"])
    write_expected(
        os.path.join(d, "expected.json"),
        expected_json(f"{name}-{layout}", spec["description"], layout, seqs, lambda ids: forward(w, m, ids)),
    )
    return d, cfg, m, w, seqs


def sensitivity(name, spec, m, w, seqs):
    """Each feature the case pins down must move its logits: recompute them with the feature left out."""
    base = [forward(w, m, ids) for ids, _ in seqs]

    def without(what, weights=w, model=m, **kw):
        assert_visible(name, what, base, [forward(weights, model, ids, **kw) for ids, _ in seqs])

    def rope_frequencies(rope):
        return inverse_frequencies(rope, m["head_dim"])[0]

    if spec["rope"] is not None:
        plain = rope_frequencies({"rope_theta": m["rope_theta"], "rope_type": "default"})
        without(f"{spec['rope']['rope_type']} rope scaling", model=dict(m, inv_freq=plain))
    if m["rope_theta"] != 10000.0:
        theta = rope_frequencies(dict(spec["rope"] or {"rope_type": "default"}, rope_theta=10000.0))
        without(f"rope_theta {m['rope_theta']:g} (read as 10000)", model=dict(m, inv_freq=theta))
    if any(x is not None for x in m["windows"]):
        without("the sliding window", window_override=[None] * m["layers"])
        if None in m["windows"]:
            without("max_window_layers (window on every layer instead)", window_override=[WINDOW] * m["layers"])
    elif spec.get("sliding_window") is not None:
        without("honouring use_sliding_window=false (the window applied anyway)", window_override=[WINDOW] * m["layers"])
    if m["qkv_bias"]:
        without("the q/k/v biases", weights={k: (v * 0 if k.endswith(".bias") else v) for k, v in w.items()})
    if m["qk_norm"]:
        without("q_norm/k_norm", model=dict(m, qk_norm=False))
    if not m["tied"]:
        without("the untied lm_head (embeddings as head)", model=dict(m, tied=True))


# ------------------------------------------------------------------------------------------------
# the PEFT adapter case


def adapter_config():
    """adapter_config.json exactly as peft 0.21 writes it for LoraConfig(r=4, lora_alpha=8,
    use_rslora=True, target_modules=<regex string>, task_type="CAUSAL_LM")."""
    return {
        "alora_invocation_tokens": None,
        "alpha_pattern": {},
        "arrow_config": None,
        "auto_mapping": None,
        "base_model_name_or_path": None,
        "bias": "none",
        "corda_config": None,
        "ensure_weight_tying": False,
        "eva_config": None,
        "exclude_modules": None,
        "fan_in_fan_out": False,
        "inference_mode": True,
        "init_lora_weights": True,
        "kasa_config": None,
        "layer_replication": None,
        "layers_pattern": None,
        "layers_to_transform": None,
        "loftq_config": {},
        "lora_alpha": ADAPTER["alpha"],
        "lora_bias": False,
        "lora_dropout": 0.05,
        "lora_ga_config": None,
        "megatron_config": None,
        "megatron_core": "megatron.core",
        "modules_to_save": None,
        "monteclora_config": None,
        "peft_type": "LORA",
        "peft_version": "0.21.0",
        "qalora_group_size": 16,
        "r": ADAPTER["r"],
        "rank_pattern": {},
        "revision": None,
        "target_modules": ADAPTER["target_regex"],
        "target_parameters": None,
        "task_type": "CAUSAL_LM",
        "trainable_token_indices": None,
        "use_bdlora": None,
        "use_dora": False,
        "use_qalora": False,
        "use_rslora": True,
        "velora_config": None,
    }


def make_adapter_case(spec, out_root):
    import re

    name = f"{ADAPTER_CASE}-v5"
    d = os.path.join(out_root, name)
    os.makedirs(os.path.join(d, "adapter"), exist_ok=True)
    cfg = config_v5(spec)
    m = resolve(cfg)
    write_json(os.path.join(d, "config.json"), cfg)
    write_safetensors(os.path.join(d, "model.safetensors"), random_weights(spec), "F32")
    w = read_safetensors(os.path.join(d, "model.safetensors"))

    r, alpha = ADAPTER["r"], ADAPTER["alpha"]
    g = torch.Generator().manual_seed(ADAPTER["seed"])
    tensors = {}
    for i in range(m["layers"]):
        for proj in ADAPTER["projections"]:
            block = "mlp" if proj.endswith("down_proj") else "self_attn"
            path = f"model.layers.{i}.{block}.{proj}"
            assert re.fullmatch(ADAPTER["target_regex"], path), path  # how peft picks the modules
            out_f, in_f = w[path + ".weight"].shape
            # a trained adapter: B is not zero. rsLoRA's scale alpha/sqrt(r) = 4 vs alpha/r = 2
            tensors[f"base_model.model.{path}.lora_A.weight"] = torch.randn((r, in_f), generator=g) / math.sqrt(in_f)
            tensors[f"base_model.model.{path}.lora_B.weight"] = 0.2 * torch.randn((out_f, r), generator=g) / math.sqrt(r)
    write_json(os.path.join(d, "adapter", "adapter_config.json"), adapter_config())
    write_safetensors(os.path.join(d, "adapter", "adapter_model.safetensors"), tensors, "F32")
    stored = read_safetensors(os.path.join(d, "adapter", "adapter_model.safetensors"))

    def lora_with(scale):
        lora = {}
        for key in stored:
            if key.endswith(".lora_A.weight"):
                path = key[len("base_model.model.") : -len(".lora_A.weight")]
                lora[path] = (stored[key], stored[key.replace("lora_A", "lora_B")], scale)
        return lora

    rslora = lora_with(alpha / math.sqrt(r))
    seqs = sequences(spec["seed"] + 2000, DIMS["vocab"])
    write_expected(
        os.path.join(d, "expected.json"),
        expected_json(
            name,
            "llama-default's base weights (5.x layout) plus a PEFT 0.21 rsLoRA adapter (r=4, alpha=8, regex "
            "target_modules on q_proj, v_proj, down_proj): logits of base + adapter, scale alpha/sqrt(r)",
            "v5",
            seqs,
            lambda ids: forward(w, m, ids, lora=rslora),
            adapter="adapter",
        ),
    )
    base = [forward(w, m, ids, lora=rslora) for ids, _ in seqs]
    assert_visible(name, "the adapter", base, [forward(w, m, ids) for ids, _ in seqs])
    assert_visible(name, "rsLoRA scaling (alpha/r instead)", base, [forward(w, m, ids, lora=lora_with(alpha / r)) for ids, _ in seqs])
    return d


# ------------------------------------------------------------------------------------------------
# optional cross-check against transformers (and peft) themselves


def check_with_transformers(dirs):
    try:
        import transformers
        from transformers import AutoModelForCausalLM
    except ImportError:
        print("transformers is not importable: cross-check skipped")
        return
    major = int(transformers.__version__.split(".")[0])
    print(f"cross-check with transformers {transformers.__version__}")
    worst = 0.0
    for d in dirs:
        name = os.path.basename(d)
        if major < 5 and name.endswith("-v5"):
            continue  # transformers 4 does not read rope_parameters: that is the point of the 5.x cases
        exp = json.load(open(os.path.join(d, "expected.json")))
        for dtype in (torch.float64, torch.float32):
            model = AutoModelForCausalLM.from_pretrained(d, dtype=dtype, attn_implementation="eager")
            if exp["adapter"]:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, os.path.join(d, exp["adapter"]))
            model.eval()
            err = 0.0
            for s in exp["sequences"]:
                with torch.no_grad():
                    logits = model(torch.tensor([s["ids"]])).logits[0].to(torch.float64)
                for p, row in zip(s["positions"], s["logits"]):
                    err = max(err, (logits[p] - torch.tensor(row, dtype=torch.float64)).abs().max().item())
            print(f"  {name:28s} {str(dtype):14s} max abs error {err:.2e}")
            worst = max(worst, err)
            if err > TOLERANCE:
                raise SystemExit(f"{name}: transformers disagrees with the reference by {err:.2e}")
    print(f"transformers agrees with every expected.json: worst max abs error {worst:.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=OUT, help="fixture root (default: the model module's test resources)")
    ap.add_argument("--check-transformers", action="store_true", help="compare with transformers/peft if importable")
    ap.add_argument("--check-only", action="store_true", help="only run the cross-check on the existing fixtures")
    args = ap.parse_args()
    torch.manual_seed(0)

    if args.check_only:
        dirs = sorted(os.path.join(args.out, x) for x in os.listdir(args.out) if os.path.isdir(os.path.join(args.out, x)))
        check_with_transformers(dirs)
        return

    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    dirs = []
    for name, spec in cases().items():
        resolved = []
        for layout in ("v4", "v5"):
            d, cfg, m, w, seqs = make_case(name, spec, layout, args.out)
            dirs.append(d)
            resolved.append(m)
        # the two layouts must say the same thing
        a, b = resolved
        for key in a:
            same = torch.equal(a[key], b[key]) if torch.is_tensor(a[key]) else a[key] == b[key]
            if not same:
                raise SystemExit(f"{name}: v4 and v5 configs disagree on {key}: {a[key]} vs {b[key]}")
        print(f"{name}: {spec['description']}")
        sensitivity(name, spec, m, w, seqs)
    dirs.append(make_adapter_case(cases()["llama-default"], args.out))
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(args.out) for f in fs)
    print(f"wrote {len(dirs)} cases to {args.out} ({total / 1e6:.2f} MB)")
    if args.check_transformers:
        check_with_transformers(dirs)


if __name__ == "__main__":
    sys.exit(main())
