"""Stand-in for torch's runtime, for importing vLLM's and SGLang's argument parsers without the
multi-GB CUDA torch wheel. Every attribute is an inert placeholder: the parsers only name torch
symbols (dtypes in type hints and lookup tables, decorators, base classes) and never compute with
them. If a parser ever *calls* into torch for a flag, the test fails instead of passing silently."""
import importlib.abc as _abc
import importlib.machinery as _machinery
import sys as _sys
import types as _types

__version__ = "2.11.0"


class _Placeholder:
    """A name that can be subclassed, called, subscripted, compared and used as a decorator."""

    def __init__(self, name="torch"):
        self._name = name

    def __repr__(self):
        return f"<torch stub {self._name}>"

    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Placeholder(f"{self._name}.{attr}")

    def __call__(self, *args, **kwargs):
        # Used as a bare decorator: give the function back.
        if len(args) == 1 and not kwargs and callable(args[0]) and not isinstance(args[0], _Placeholder):
            return args[0]
        return _Placeholder(f"{self._name}()")

    def __getitem__(self, item):
        return _Placeholder(f"{self._name}[]")

    def __mro_entries__(self, bases):
        return (_placeholder_class(self._name),)

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False

    def __hash__(self):
        return hash(self._name)

    def __eq__(self, other):
        return isinstance(other, _Placeholder) and other._name == self._name

    def __or__(self, other):
        return _Placeholder(f"{self._name}|")

    __ror__ = __or__

    def _same(self, *args):
        return _Placeholder(self._name)

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __floordiv__ = __neg__ = _same
    __and__ = __rand__ = __lshift__ = __rshift__ = __mod__ = __pow__ = _same

    def __lt__(self, other):
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __len__(self):
        return 0

    def __contains__(self, item):
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __int__(self):
        return 0

    def __index__(self):
        return 0

    def __float__(self):
        return 0.0


_classes = {}


def _placeholder_class(name):
    if name not in _classes:
        _classes[name] = type(name.rsplit(".", 1)[-1], (), {"__init__": lambda self, *a, **k: None})
    return _classes[name]


class dtype:
    def __init__(self, name, itemsize=2, is_floating_point=True):
        self._name, self.itemsize, self.is_floating_point = name, itemsize, is_floating_point

    def __repr__(self):
        return f"torch.{self._name}"


for _n, _size in [("float16", 2), ("half", 2), ("bfloat16", 2), ("float32", 4), ("float", 4), ("float64", 8),
                  ("double", 8), ("float8_e4m3fn", 1), ("float8_e5m2", 1), ("float8_e4m3fnuz", 1), ("float8_e5m2fnuz", 1),
                  ("float8_e8m0fnu", 1), ("float4_e2m1fn_x2", 1), ("uint8", 1), ("int8", 1), ("int16", 2), ("int32", 4),
                  ("int64", 8), ("long", 8), ("int", 4), ("bool", 1), ("uint16", 2), ("uint32", 4), ("uint64", 8),
                  ("complex64", 8), ("complex128", 16)]:
    globals()[_n] = dtype(_n, _size, _n.startswith(("float", "half", "bfloat", "double")))

Tensor = _placeholder_class("torch.Tensor")


class device:
    def __init__(self, type="cpu", index=None):
        self.type, self.index = str(type).split(":")[0], index

Size = tuple


# Device namespaces that stock CUDA torch does not have; engines probe them with hasattr().
_ABSENT = ("npu", "hpu", "musa", "mlu")


def __getattr__(attr):
    if (attr.startswith("__") and attr.endswith("__")) or attr in _ABSENT:
        raise AttributeError(attr)
    return _Placeholder(f"torch.{attr}")


class _StubModule(_types.ModuleType):
    def __getattr__(self, attr):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        return _Placeholder(f"{self.__name__}.{attr}")


class _Finder(_abc.MetaPathFinder, _abc.Loader):
    """Makes every torch.* submodule importable as a placeholder module."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in STUBBED and "." in fullname:
            return _machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module):
        for attr, value in _SUBMODULE_ATTRS.get(module.__name__, {}).items():
            setattr(module, attr, value)


def _infer_schema(fn, *args, **kwargs):
    """An operator schema with as many Tensor outputs as the function's return annotation names."""
    import inspect

    returns = inspect.signature(fn).return_annotation
    count = max(1, (returns if isinstance(returns, str) else repr(returns)).count("Tensor"))
    return "(Tensor x) -> " + ("Tensor" if count == 1 else "(" + ", ".join(["Tensor"] * count) + ")")


# The few torch functions whose results vLLM parses at import time (operator schemas).
_SUBMODULE_ATTRS = {"torch.library": {"infer_schema": _infer_schema}}


# Packages stood in for: torch and the two torch companions SGLang imports at module level.
STUBBED = ("torch", "triton", "torchvision")
_sys.meta_path.insert(0, _Finder())
__path__ = []


def stub_package(module):
    """Turns a top-level stub package (triton, torchvision) into a placeholder module."""
    module.__class__ = _StubModule
    module.__path__ = []
