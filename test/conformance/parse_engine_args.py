"""Feeds rendered engine command lines to the engine's own argument parser (vLLM 0.26.0, SGLang
0.5.18, from their PyPI wheels). Reads [{"deployment", "args", "env"}] as JSON on stdin, prints
[{"deployment", "errors": [...]}] as JSON. Usage: parse_engine_args.py vllm|sglang [--env-names]."""
import contextlib
import io
import json
import sys
import typing


def literal_values(tp):
    """Every string of a (nested) typing.Literal."""
    out = []
    for arg in typing.get_args(tp):
        out.extend(literal_values(arg) if typing.get_origin(arg) is typing.Literal else [arg])
    return out


def parse(parser, args):
    """The parser's own error message, or None when it accepts the arguments."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            return None, parser.parse_args(args)
    except SystemExit:
        return stderr.getvalue().strip().splitlines()[-1], None


def vllm_checker():
    import dataclasses

    import vllm.envs as vllm_envs
    import vllm.platforms as platforms
    from vllm.platforms.cpu import CpuPlatform

    # No GPU here: device defaults come from the CPU platform; flags and choices do not depend on it.
    platforms.current_platform = CpuPlatform()
    from vllm.config.speculative import SpeculativeConfig, SpeculativeMethod
    from vllm.entrypoints.openai.cli_args import make_arg_parser
    from vllm.utils.argparse_utils import FlexibleArgumentParser

    parser = make_arg_parser(FlexibleArgumentParser(prog="vllm serve"))
    spec_fields = {f.name for f in dataclasses.fields(SpeculativeConfig)}
    methods = set(literal_values(SpeculativeMethod))
    known_env = set(vllm_envs.environment_variables)

    def check(item):
        args = item["args"]
        if args[:2] == ["vllm", "serve"]:
            args = args[2:]
        error, ns = parse(parser, args)
        errors = [error] if error else []
        spec = getattr(ns, "speculative_config", None) if ns else None
        if isinstance(spec, dict):
            errors += [f"--speculative-config key '{k}' is not a SpeculativeConfig field" for k in spec if k not in spec_fields]
            if spec.get("method") not in methods:
                errors.append(f"--speculative-config method '{spec.get('method')}' is not one of {sorted(methods)}")
        errors += [f"env {k} is not a vLLM environment variable (vllm/envs.py)" for k in item["env"] if k.startswith("VLLM_") and k not in known_env]
        return errors

    return check


def sglang_checker():
    import argparse

    from sglang.srt.environ import Envs
    from sglang.srt.server_args import ServerArgs

    parser = argparse.ArgumentParser(prog="sglang.launch_server")
    ServerArgs.add_cli_args(parser)
    known_env = {name for name in vars(Envs) if name.isupper()}

    def check(item):
        error, _ = parse(parser, item["args"])
        errors = [error] if error else []
        errors += [f"env {k} is not an SGLang environment variable (sglang/srt/environ.py)" for k in item["env"]
                   if k.startswith("SGLANG_") and k not in known_env]
        return errors

    return check


def env_names(engine):
    """Every environment variable the engine's own code declares."""
    if engine == "vllm":
        import vllm.envs as vllm_envs

        return sorted(vllm_envs.environment_variables)
    from sglang.srt.environ import Envs

    return sorted(name for name in vars(Envs) if name.isupper())


def main():
    if sys.argv[2:] == ["--env-names"]:
        print(json.dumps(env_names(sys.argv[1])))
        return
    check = {"vllm": vllm_checker, "sglang": sglang_checker}[sys.argv[1]]()
    items = json.load(sys.stdin)
    print(json.dumps([{"deployment": i["deployment"], "errors": check(i)} for i in items]))


if __name__ == "__main__":
    main()
