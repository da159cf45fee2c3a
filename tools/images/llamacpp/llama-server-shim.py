#!/usr/bin/env python3
"""`llama-server` stand-in for the local test images: llama-cpp-python's server behind llama.cpp's
own `llama-server` command line and HTTP surface.

The fleet renders llama-server arguments (`-m ... --alias tiny --host 127.0.0.1 --port 8081 -c 8192
-np 2 -ngl 0 --metrics --jinja`); the official image (ghcr.io/ggml-org/llama.cpp:server-*) cannot be
pulled here, and llama-cpp-python's server (`python -m llama_cpp.server`) takes other flags and has
no /health and no /metrics. This shim
- accepts the llama-server flags the plan can render and fails loudly (exit 2) on any other;
- runs llama-cpp-python's FastAPI app (`llama_cpp.server.app.create_app`) in-process under uvicorn,
  serving the model under `--alias` (OpenAI routes: /v1/chat/completions, /v1/completions,
  /v1/embeddings, /v1/models);
- answers `GET /health` (and /v1/health) like llama-server: 503 {"error":{"code":503,"message":
  "Loading model","type":"unavailable_error"}} while the model loads (every other route answers
  the same 503 then), 200 {"status":"ok"} once it is loaded; a model that fails to load ends the
  process with exit code 1, as llama-server does;
- with `--metrics`, serves `GET /metrics` in Prometheus text with llama-server's metric names,
  counted from real requests: prompt tokens the model evaluated, tokens it generated, decode calls,
  the time spent, requests being processed and requests waiting (deferred).

What differs from llama-server, on purpose and visibly: llama-cpp-python runs one sequence at a time,
so `-np N` slots become one sequence with the per-slot context (`-c / -np` tokens, as each
llama-server slot gets) and extra concurrent requests wait, counted in llamacpp:requests_deferred.
Hub downloads (-hf, --hf-repo, -mu) are refused: tests load local files only.
"""
from __future__ import annotations

import argparse
import contextvars
import json
import os
import sys
import threading
import time
from typing import Any, Awaitable, Callable, Optional

SHIM_NAME = "fabric-test llama-server shim"

# llama.cpp ggml_type ids for -ctk/-ctv (ggml.h).
CACHE_TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q4_1": 3, "q5_0": 6, "q5_1": 7, "q8_0": 8, "iq4_nl": 20, "bf16": 30}

# llama-server flags that need the network or features the stand-in does not have.
REFUSED = {
    "-hf": "downloads from the Hugging Face hub", "-hfr": "downloads from the Hugging Face hub",
    "--hf-repo": "downloads from the Hugging Face hub", "--hf-file": "downloads from the Hugging Face hub",
    "-hff": "downloads from the Hugging Face hub", "-mu": "downloads a model URL",
    "--model-url": "downloads a model URL", "--hf-repo-draft": "speculative decoding with a hub draft model",
    "-hfd": "speculative decoding with a hub draft model", "-hfrd": "speculative decoding with a hub draft model",
    "--draft-max": "speculative decoding", "-md": "speculative decoding", "--model-draft": "speculative decoding",
}


class ShimArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{SHIM_NAME}: {message}\n"
                         f"{SHIM_NAME}: this stand-in accepts only the llama-server flags listed by --help;"
                         " extend tools/images/llamacpp/llama-server-shim.py for a new one\n")
        sys.exit(2)


def parse_args(argv: list[str]) -> argparse.Namespace:
    for a in argv:
        flag = a.split("=", 1)[0]
        if flag in REFUSED:
            sys.stderr.write(f"{SHIM_NAME}: {flag} ({REFUSED[flag]}) is not supported by this test stand-in;"
                             " give a local GGUF with -m\n")
            sys.exit(2)
    p = ShimArgumentParser(prog="llama-server", allow_abbrev=False,
                           description=f"{SHIM_NAME}: llama-cpp-python behind llama-server's flags and routes")
    p.add_argument("-m", "--model", required=True, help="path of the GGUF file")
    p.add_argument("-a", "--alias", default=None, help="model name served in /v1/models")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("-c", "--ctx-size", type=int, default=4096, help="total context of all slots (0 = the model's)")
    p.add_argument("-np", "--parallel", type=int, default=1, help="slots; the stand-in runs one sequence with ctx-size/parallel tokens")
    p.add_argument("-ngl", "--gpu-layers", "--n-gpu-layers", dest="n_gpu_layers", type=int, default=0)
    p.add_argument("-ctk", "--cache-type-k", choices=sorted(CACHE_TYPES), default=None)
    p.add_argument("-ctv", "--cache-type-v", choices=sorted(CACHE_TYPES), default=None)
    p.add_argument("-fa", "--flash-attn", nargs="?", const="on", choices=["on", "off", "auto"], default="auto")
    p.add_argument("-t", "--threads", type=int, default=None)
    p.add_argument("-tb", "--threads-batch", type=int, default=None)
    p.add_argument("-b", "--batch-size", type=int, default=2048)
    p.add_argument("-ub", "--ubatch-size", type=int, default=512)
    p.add_argument("-s", "--seed", type=int, default=None)
    p.add_argument("--api-key", default=None)
    p.add_argument("--metrics", action="store_true", help="serve /metrics")
    p.add_argument("--jinja", action="store_true", help="use the GGUF's chat template (always the case here)")
    p.add_argument("--no-mmap", action="store_true")
    p.add_argument("--mlock", action="store_true")
    # Accepted and without effect here (listed explicitly; anything else is an error).
    p.add_argument("-cb", "--cont-batching", action="store_true", help="ignored")
    p.add_argument("--no-webui", action="store_true", help="ignored: no web UI")
    p.add_argument("--slots", action="store_true", help="ignored")
    p.add_argument("--log-disable", action="store_true", help="ignored")
    p.add_argument("-v", "--verbose", action="store_true", help="ignored")
    args = p.parse_args(argv)
    if args.parallel < 1:
        p.error("-np must be at least 1")
    return args


class Metrics:
    """llama-server's /metrics counters, fed by the patched Llama.generate/eval and the request wrapper."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.prompt_tokens = 0
        self.prompt_seconds = 0.0
        self.predicted_tokens = 0
        self.predicted_seconds = 0.0
        self.decodes = 0
        self.in_flight = 0
        self.processing = 0

    def render(self) -> str:
        with self.lock:
            deferred = max(0, self.in_flight - self.processing)
            prompt_tps = self.prompt_tokens / self.prompt_seconds if self.prompt_seconds > 0 else 0.0
            predicted_tps = self.predicted_tokens / self.predicted_seconds if self.predicted_seconds > 0 else 0.0
            rows = [
                ("prompt_tokens_total", "counter", "Number of prompt tokens processed.", self.prompt_tokens),
                ("prompt_seconds_total", "counter", "Prompt process time", self.prompt_seconds),
                ("tokens_predicted_total", "counter", "Number of generation tokens processed.", self.predicted_tokens),
                ("tokens_predicted_seconds_total", "counter", "Predict process time", self.predicted_seconds),
                ("n_decode_total", "counter", "Total number of llama_decode() calls", self.decodes),
                ("n_busy_slots_per_decode", "gauge", "Average number of busy slots per llama_decode() call",
                 1.0 if self.decodes else 0.0),
                ("prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.", prompt_tps),
                ("predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.", predicted_tps),
                ("requests_processing", "gauge", "Number of requests processing.", self.processing),
                ("requests_deferred", "gauge", "Number of requests deferred.", deferred),
            ]
        out = []
        for name, kind, help_text, value in rows:
            out.append(f"# HELP llamacpp:{name} {help_text}")
            out.append(f"# TYPE llamacpp:{name} {kind}")
            out.append(f"llamacpp:{name} {value}")
        return "\n".join(out) + "\n"


METRICS = Metrics()
_phase = threading.local()
# The generations one HTTP request started. llama-cpp-python stops reading a generation at
# max_tokens without closing it, so it would stay "processing" until the garbage collector ran;
# the request closes its own when it ends (the list is shared with the threadpool's copied context).
REQUEST_GENERATIONS: contextvars.ContextVar[list] = contextvars.ContextVar("request_generations")


def instrument_llama() -> None:
    """Counts what the model really does: prompt tokens evaluated, tokens generated, decode calls."""
    import llama_cpp
    from llama_cpp import _internals

    orig_generate = llama_cpp.Llama.generate
    orig_eval = llama_cpp.Llama.eval
    orig_decode = _internals.LlamaContext.decode

    def generate(self, tokens, *args, **kwargs):  # returns a generator, like the original
        counted = counted_generation(orig_generate(self, tokens, *args, **kwargs))
        started = REQUEST_GENERATIONS.get(None)
        if started is not None:
            started.append(counted)
        return counted

    def counted_generation(inner):
        _phase.value = "prompt"
        with METRICS.lock:
            METRICS.processing += 1
        try:
            sent = None
            while True:
                try:
                    token = inner.send(sent)
                except StopIteration:
                    return
                with METRICS.lock:
                    METRICS.predicted_tokens += 1
                sent = yield token
        finally:
            inner.close()
            _phase.value = None
            with METRICS.lock:
                METRICS.processing -= 1

    def eval_(self, tokens):
        start = time.perf_counter()
        try:
            return orig_eval(self, tokens)
        finally:
            elapsed = time.perf_counter() - start
            with METRICS.lock:
                if getattr(_phase, "value", None) == "prompt":
                    METRICS.prompt_tokens += len(tokens)
                    METRICS.prompt_seconds += elapsed
                else:
                    METRICS.predicted_seconds += elapsed
            if getattr(_phase, "value", None) == "prompt":
                _phase.value = "generate"

    def decode(self, *args, **kwargs):
        with METRICS.lock:
            METRICS.decodes += 1
        return orig_decode(self, *args, **kwargs)

    llama_cpp.Llama.generate = generate  # type: ignore[method-assign]
    llama_cpp.Llama.eval = eval_  # type: ignore[method-assign]
    _internals.LlamaContext.decode = decode  # type: ignore[method-assign]


Send = Callable[[dict], Awaitable[None]]
INFERENCE_PATHS = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/chat/completions",
                   "/completions", "/embeddings")


async def respond_json(send: Send, status: int, body: Any, content_type: str = "application/json") -> None:
    data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


class Shim:
    """ASGI front: /health, /metrics and /props here; everything else goes to llama-cpp-python's app."""

    def __init__(self, args: argparse.Namespace, alias: str, n_ctx: int) -> None:
        self.args = args
        self.alias = alias
        self.n_ctx = n_ctx
        self.app: Optional[Callable] = None

    async def __call__(self, scope: dict, receive: Callable, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1003})
            return
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        app = self.app
        if path in ("/health", "/v1/health"):
            if app is None:
                await respond_json(send, 503, {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}})
            else:
                await respond_json(send, 200, {"status": "ok"})
            return
        if app is None:  # llama-server answers every route so while it loads, /metrics included
            await respond_json(send, 503, {"error": {"code": 503, "message": "Loading model", "type": "unavailable_error"}})
            return
        if path == "/metrics":
            if not self.args.metrics:
                await respond_json(send, 501, {"error": {"code": 501, "type": "not_supported_error",
                                                         "message": "This server does not support metrics endpoint. Start it with `--metrics`"}})
            else:
                await respond_json(send, 200, METRICS.render(), "text/plain; version=0.0.4; charset=utf-8")
            return
        if path == "/props" and method == "GET":
            await respond_json(send, 200, {
                "model_alias": self.alias, "model_path": self.args.model, "total_slots": self.args.parallel,
                "n_ctx_per_sequence": self.n_ctx, "build_info": f"{SHIM_NAME}, llama-cpp-python {llama_cpp_version()}",
            })
            return
        if method == "POST" and path in INFERENCE_PATHS:
            with METRICS.lock:
                METRICS.in_flight += 1
            started = REQUEST_GENERATIONS.set([])
            try:
                await app(scope, receive, send)
            finally:
                for generation in REQUEST_GENERATIONS.get():
                    generation.close()  # no-op for one that ran to its end
                REQUEST_GENERATIONS.reset(started)
                with METRICS.lock:
                    METRICS.in_flight -= 1
            return
        await app(scope, receive, send)


def llama_cpp_version() -> str:
    import llama_cpp
    return llama_cpp.__version__


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    alias = args.alias or args.model
    n_ctx = args.ctx_size // args.parallel if args.ctx_size > 0 else 0
    print(f"{SHIM_NAME}: model {args.model} as '{alias}' on {args.host}:{args.port}; "
          f"-c {args.ctx_size} -np {args.parallel} -> one sequence of {n_ctx or 'the model'}'s context "
          f"(requests beyond one wait); metrics {'on' if args.metrics else 'off'}", file=sys.stderr, flush=True)

    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    instrument_llama()
    shim = Shim(args, alias, n_ctx)
    config = uvicorn.Config(shim, host=args.host, port=args.port, lifespan="off", log_level="info")
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    model_kwargs: dict[str, Any] = {
        "model": args.model, "model_alias": alias, "n_ctx": n_ctx, "n_gpu_layers": args.n_gpu_layers,
        "n_batch": args.batch_size, "n_ubatch": args.ubatch_size, "use_mmap": not args.no_mmap,
        "use_mlock": args.mlock, "flash_attn": args.flash_attn == "on", "verbose": True,
    }
    if args.threads:
        model_kwargs["n_threads"] = args.threads
    if args.threads_batch:
        model_kwargs["n_threads_batch"] = args.threads_batch
    if args.seed is not None:
        model_kwargs["seed"] = args.seed
    if args.cache_type_k:
        model_kwargs["type_k"] = CACHE_TYPES[args.cache_type_k]
    if args.cache_type_v:
        model_kwargs["type_v"] = CACHE_TYPES[args.cache_type_v]

    def load() -> None:
        started = time.monotonic()
        try:
            if not os.path.isfile(args.model):
                raise FileNotFoundError(f"model file {args.model} does not exist")
            app = create_app(
                server_settings=ServerSettings(host=args.host, port=args.port, api_key=args.api_key,
                                               interrupt_requests=False),
                model_settings=[ModelSettings(**model_kwargs)],
            )
            shim.app = app
            print(f"{SHIM_NAME}: model loaded in {time.monotonic() - started:.1f}s; serving", file=sys.stderr, flush=True)
        except BaseException as e:  # noqa: BLE001 - any failure ends the server like llama-server's exit(1)
            failure.append(e)
            print(f"{SHIM_NAME}: failed to load model {args.model}: {e}", file=sys.stderr, flush=True)
            server.should_exit = True

    threading.Thread(target=load, name="load-model", daemon=True).start()
    server.run()
    if failure:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
