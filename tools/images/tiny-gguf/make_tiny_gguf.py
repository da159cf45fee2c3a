#!/usr/bin/env python3
"""Writes a tiny random-weight llama GGUF for the end-to-end tests: deterministic, about 0.4 MB.

It is a real llama-architecture model that llama.cpp loads and runs; its weights are random (fixed
seed), so what it says is noise. Requirements (../../../../shared/TOOLCHAIN.md §8, llama.cpp's
load_hparams and llama-vocab):
- hyper-parameters: context_length, embedding_length, block_count, feed_forward_length,
  attention.head_count(_kv), attention.layer_norm_rms_epsilon, rope.dimension_count = n_embd/n_head;
- an SPM ("llama") vocabulary with <unk>, <s>, </s> and all 256 <0xNN> byte tokens (SPM byte
  fallback looks every byte up) plus a chat template, so /v1/chat/completions works;
- f32 tensors token_embd, output_norm, output and per block attn_norm, attn_q/k/v/output,
  ffn_norm, ffn_gate/up/down.
To make the answer readable ASCII instead of invalid UTF-8, hidden dimension 0 carries a constant
that the output layer turns into a bonus for printable byte tokens and a malus for the rest
(</s> included, so a reply is never empty).

--heads 2 (head dimension 32 instead of 16) writes a variant whose K/V rows hold whole blocks of
llama.cpp's quantised cache types (q8_0, q4_0 have 32-value blocks), for the conformance tier.

Usage: make_tiny_gguf.py OUT.gguf [--seed N] [--heads N]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys

import numpy as np
import gguf

N_VOCAB_SPECIAL = 3  # <unk>, <s>, </s>
N_EMBD = 64
N_HEAD = 4
N_HEAD_KV = 2
N_FF = 128
N_LAYER = 2
N_CTX_TRAIN = 8192

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)


def vocab() -> tuple[list[str], list[float], list[int]]:
    tokens = ["<unk>", "<s>", "</s>"]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    for b in range(256):
        tokens.append(f"<0x{b:02X}>")
        types.append(gguf.TokenType.BYTE)
    scores = [0.0] * len(tokens)
    return tokens, scores, [int(t) for t in types]


def printable(token_id: int) -> bool:
    b = token_id - N_VOCAB_SPECIAL
    return 0 <= b < 256 and (0x20 <= b < 0x7F)


def write(path: str, seed: int, n_head: int = N_HEAD) -> None:
    rng = np.random.default_rng(seed)
    n_head_kv = max(1, n_head * N_HEAD_KV // N_HEAD)
    head_dim = N_EMBD // n_head
    n_embd_kv = head_dim * n_head_kv
    tokens, scores, types = vocab()
    n_vocab = len(tokens)

    def rand(*shape: int, scale: float) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    tmp = path + ".tmp"
    w = gguf.GGUFWriter(tmp, "llama")  # writes general.architecture itself
    w.add_name("fabric-test tiny-llama (random weights)")
    w.add_file_type(gguf.LlamaFileType.ALL_F32)
    w.add_context_length(N_CTX_TRAIN)
    w.add_embedding_length(N_EMBD)
    w.add_block_count(N_LAYER)
    w.add_feed_forward_length(N_FF)
    w.add_head_count(n_head)
    w.add_head_count_kv(n_head_kv)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_rope_dimension_count(head_dim)
    w.add_vocab_size(n_vocab)
    w.add_tokenizer_model("llama")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_unk_token_id(0)
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    embd = rand(n_vocab, N_EMBD, scale=1.0)
    embd[:, 0] = 4.0  # the constant "bias" direction (see the module docstring)
    out = rand(n_vocab, N_EMBD, scale=0.5)
    out[:, 0] = np.array([3.0 if printable(t) else -3.0 for t in range(n_vocab)], dtype=np.float32)
    w.add_tensor("token_embd.weight", embd)
    w.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    w.add_tensor("output.weight", out)
    for i in range(N_LAYER):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(f"blk.{i}.attn_q.weight", rand(N_EMBD, N_EMBD, scale=0.05))
        w.add_tensor(f"blk.{i}.attn_k.weight", rand(n_embd_kv, N_EMBD, scale=0.05))
        w.add_tensor(f"blk.{i}.attn_v.weight", rand(n_embd_kv, N_EMBD, scale=0.05))
        w.add_tensor(f"blk.{i}.attn_output.weight", rand(N_EMBD, N_EMBD, scale=0.05))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(N_EMBD, dtype=np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", rand(N_FF, N_EMBD, scale=0.05))
        w.add_tensor(f"blk.{i}.ffn_up.weight", rand(N_FF, N_EMBD, scale=0.05))
        w.add_tensor(f"blk.{i}.ffn_down.weight", rand(N_EMBD, N_FF, scale=0.05))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    os.replace(tmp, path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="path of the .gguf file to write")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--heads", type=int, default=N_HEAD, help=f"attention heads (default {N_HEAD}; head dimension = {N_EMBD}/heads)")
    args = ap.parse_args()
    if args.heads <= 0 or N_EMBD % args.heads:
        ap.error(f"--heads must divide the embedding width {N_EMBD}")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    write(args.out, args.seed, args.heads)
    with open(args.out, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print(f"wrote {args.out} ({os.path.getsize(args.out)} bytes, sha256 {digest})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
