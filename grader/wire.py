"""The only language the student's process and the grader speak: plain data, in length-prefixed JSON frames.

This module is used on both sides of the trust boundary: the grader imports it as
``grader.wire`` and copies this very file into the sandbox, where the student-side
runner imports it as ``wire``. It therefore imports nothing but the standard
library and numpy.

What may cross (:func:`encode` / :func:`decode`), and nothing else:

* ``None``, ``bool``, ``int`` (below 2**160 in size), ``float`` (NaN and inf too), ``str``;
* ``list``, ``tuple`` and ``dict`` with ``str`` keys, of these, nested at most
  :data:`MAX_DEPTH` deep;
* numpy arrays and numpy scalars of dtype kind bool, int, uint, float or complex
  (never object, string or structured dtypes), as raw little-endian bytes;
* ``np.random.Generator`` on PCG64, as its state (the receiver draws from a copy and
  sends the final state back, see :class:`Codec`);
* numpy arrays cross as copies, so after a call the receiver sends back the contents
  of each array argument the call changed in place (:meth:`Codec.changed`), and the
  sender copies them into its own arrays (:meth:`Codec.write_back`), as one process would;
* references the *sender* hands out: ``{"$fn": id}`` (a callable the receiver may
  call back while the call that carried it runs), ``{"$obj": id}`` (a handle to an
  object of the student's), and ``{"$labs": ...}`` (a labs network, as its layer
  names and weights, rebuilt by the receiver from its own copy of labs).

Tags are one-key dicts whose key starts with ``$``; a real dict is sent as
``{"$d": {...}}``. No pickle, no object graph: whatever a frame says, decoding it
builds only the values above, or raises :class:`ProtocolError`.
"""

import base64
import json
import math
import os
import struct
import sys

import numpy as np

__all__ = ["ProtocolError", "Codec", "read_frame", "write_frame", "MAX_FRAME", "MAX_DEPTH", "MAX_ARRAY_BYTES"]

MAX_FRAME = 48 * 2**20  # bytes of one JSON frame
MAX_ARRAY_BYTES = 32 * 2**20  # bytes of all arrays in one frame together (base64 makes them 4/3 larger)
MAX_DEPTH = 32  # nesting of lists, tuples and dicts
MAX_ITEMS = 1_000_000  # values in one frame
MAX_INT = 2**160
MAX_STR = 4 * 2**20  # characters of one string
_KINDS = "biufc"
_HEADER = struct.Struct(">Q")
LAYERS = ("Linear", "ReLU", "Sigmoid", "Tanh", "Identity", "Step", "Dropout")


class ProtocolError(Exception):
    """A frame that breaks the protocol: malformed, too large, too deep, or holding a forbidden value."""


# --- frames -----------------------------------------------------------------------

def write_frame(fd, message):
    """Send ``message`` (JSON-ready) on the file descriptor ``fd``: an 8-byte length, then UTF-8 JSON."""
    data = json.dumps(message, separators=(",", ":"), allow_nan=True).encode("utf-8")
    if len(data) > MAX_FRAME:
        raise ProtocolError(f"a message of {len(data)} bytes is larger than the limit of {MAX_FRAME}")
    _write_all(fd, _HEADER.pack(len(data)) + data)


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_frame(read_exact):
    """Read one message with ``read_exact(n) -> bytes``; raises :class:`ProtocolError` on a bad frame."""
    (size,) = _HEADER.unpack(read_exact(_HEADER.size))
    if size > MAX_FRAME:
        raise ProtocolError(f"a message of {size} bytes announced, more than the limit of {MAX_FRAME}")
    data = read_exact(size)
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"a message that is not valid JSON ({type(exc).__name__})") from None


# --- values -----------------------------------------------------------------------

class Codec:
    """Turns values into JSON-ready plain data and back, for one message.

    ``export(obj) -> {"$fn": id} | {"$obj": id} | None``: how the sender hands out a
    value that is not plain data (``None``: refuse it). ``resolve(tag, id)``: how the
    receiver turns a reference back into something usable (a stub that calls back, a
    handle); without it, references are refused. ``generators``: every
    ``np.random.Generator`` met while encoding or decoding, in order, so that the final
    states can travel back after the call (:meth:`states`, :meth:`sync`). ``arrays``: every ndarray
    met (but those rebuilt into a labs network or a Quadratic), in order, for :meth:`changed`.
    """

    def __init__(self, export=None, resolve=None, build_labs=None):
        self.export, self.resolve, self.build_labs = export, resolve, build_labs
        self.generators, self.arrays, self._before = [], [], None
        self._items = self._bytes = self._rebuilt = 0

    # encoding
    def encode(self, value, depth=0):
        if depth > MAX_DEPTH:
            raise ProtocolError(f"the value is nested more than {MAX_DEPTH} levels deep")
        self._count()
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, np.generic):
            return self._number(value)
        if isinstance(value, (np.ndarray, np.generic)):
            self._met(value)
            return self._array(value)
        if isinstance(value, np.random.Generator):
            self.generators.append(value)
            return {"$rng": _rng_state(value)}
        if isinstance(value, tuple):
            return {"$t": [self.encode(v, depth + 1) for v in value]}
        if isinstance(value, list):
            return [self.encode(v, depth + 1) for v in value]
        if isinstance(value, dict):
            if not all(isinstance(k, str) for k in value):
                raise ProtocolError("only dicts with string keys can be sent")
            return {"$d": {k: self.encode(v, depth + 1) for k, v in value.items()}}
        model = _labs_model(value, self, depth)  # its arrays, and a Quadratic's, are not in self.arrays
        if model is not None:
            return model
        if _quadratic_class() is not None and type(value) is _quadratic_class():
            return {"$quad": [self._array(value.A), self._array(value.w_star)]}
        ref = self.export(value) if self.export else None
        if ref is None:
            raise ProtocolError(f"a value of type {type(value).__name__} cannot be sent (only numbers, strings, "
                                "numeric arrays, and lists, tuples and dicts of these)")
        return ref

    def _count(self):
        self._items += 1
        if self._items > MAX_ITEMS:
            raise ProtocolError(f"more than {MAX_ITEMS} values in one message")

    @staticmethod
    def _number(value):
        if isinstance(value, int) and abs(value) >= MAX_INT:
            raise ProtocolError("an integer too large to send")
        if isinstance(value, float) and not math.isfinite(value):
            return {"$f": repr(value)}
        return value

    def _array(self, value):
        arr = np.asarray(value)
        if arr.dtype.kind not in _KINDS or arr.dtype.fields is not None:
            raise ProtocolError(f"an array of dtype {arr.dtype} cannot be sent (only bool, int, float, complex)")
        self._add_bytes(arr.nbytes)
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"), copy=False).tobytes()
        tag = "$nd" if isinstance(value, np.ndarray) else "$sc"
        return {tag: [arr.dtype.newbyteorder("<").str, list(arr.shape), base64.b64encode(data).decode("ascii")]}

    def _add_bytes(self, n):
        self._bytes += n
        if self._bytes > MAX_ARRAY_BYTES:
            raise ProtocolError(f"more than {MAX_ARRAY_BYTES // 2**20} MiB of arrays in one message")

    # decoding
    def decode(self, data, depth=0):
        if depth > MAX_DEPTH:
            raise ProtocolError(f"a value nested more than {MAX_DEPTH} levels deep")
        self._count()
        if data is None or isinstance(data, (bool, str)):
            if isinstance(data, str) and len(data) > MAX_STR:
                raise ProtocolError("a string longer than the limit")
            return data
        if isinstance(data, (int, float)):
            return self._number(data)
        if isinstance(data, list):
            return [self.decode(v, depth + 1) for v in data]
        if not isinstance(data, dict) or len(data) != 1:
            raise ProtocolError("a malformed value (a dict that is not a one-key tag)")
        ((tag, payload),) = data.items()
        return self._tagged(tag, payload, depth)

    def _tagged(self, tag, payload, depth):
        if tag == "$t" and isinstance(payload, list):
            return tuple(self.decode(v, depth + 1) for v in payload)
        if tag == "$d" and isinstance(payload, dict):
            return {_key(k): self.decode(v, depth + 1) for k, v in payload.items()}
        if tag == "$f" and payload in ("nan", "inf", "-inf"):
            return float(payload)
        if tag in ("$nd", "$sc"):
            arr = self._decode_array(payload)
            return self._met(arr) if tag == "$nd" else arr[()]
        if tag == "$rng":
            gen = _make_rng(payload)
            self.generators.append(gen)
            return gen
        if tag in ("$quad", "$labs"):
            return self._rebuild(tag, payload, depth)
        if tag in ("$fn", "$obj") and self.resolve is not None and _is_id(payload):
            return self.resolve(tag, payload)
        raise ProtocolError(f"a value with an unknown or forbidden tag {tag[:20]!r}")

    def _rebuild(self, tag, payload, depth):
        """A Quadratic or a labs network, rebuilt from its values (its arrays are not arguments)."""
        if not (self.build_labs if tag == "$labs" else isinstance(payload, list) and len(payload) == 2):
            raise ProtocolError(f"a malformed or forbidden {tag}")
        self._rebuilt += 1
        try:
            if tag == "$labs":
                return self.build_labs(self._labs_layers(payload, depth))
            return _quadratic(*(self.decode(v, depth + 1) for v in payload))
        finally:
            self._rebuilt -= 1

    def _decode_array(self, payload):
        if not (isinstance(payload, list) and len(payload) == 3 and isinstance(payload[0], str)
                and isinstance(payload[1], list) and isinstance(payload[2], str)):
            raise ProtocolError("a malformed array")
        dtype_str, shape, b64 = payload
        if len(dtype_str) > 8 or dtype_str[:1] not in "<|":
            raise ProtocolError(f"an array dtype {dtype_str[:20]!r} that is not allowed")
        try:
            dtype = np.dtype(dtype_str)
        except TypeError:
            raise ProtocolError(f"an unknown array dtype {dtype_str[:20]!r}") from None
        if dtype.kind not in _KINDS or dtype.fields is not None or dtype.subdtype is not None:
            raise ProtocolError(f"an array of dtype {dtype} (only bool, int, float, complex are allowed)")
        if len(shape) > 32 or not all(type(n) is int and 0 <= n < 2**40 for n in shape):
            raise ProtocolError("an array with a malformed shape")
        count = math.prod(shape)
        self._add_bytes(count * dtype.itemsize)
        if len(b64) > 4 * (MAX_ARRAY_BYTES // 3 + 3):
            raise ProtocolError("an array larger than the limit")
        try:
            raw = base64.b64decode(b64.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise ProtocolError("an array whose data is not base64") from None
        if len(raw) != count * dtype.itemsize:
            raise ProtocolError("an array whose data does not match its shape and dtype")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))

    def _labs_layers(self, payload, depth):
        if not isinstance(payload, list) or len(payload) > 1000:
            raise ProtocolError("a malformed labs network")
        layers = []
        for item in payload:
            if not (isinstance(item, list) and item and item[0] in LAYERS):
                raise ProtocolError("a labs network with an unknown layer")
            layers.append([item[0]] + [self.decode(v, depth + 1) for v in item[1:]])
        return layers

    # arrays changed in place
    def _met(self, arr):
        if isinstance(arr, np.ndarray) and not self._rebuilt:
            self.arrays.append(arr)
        return arr

    def snapshot(self):
        """Copy the arrays decoded so far: call it just before the call they are the arguments of."""
        self._before = [a.copy() for a in self.arrays]

    def changed(self, codec):
        """``[[i, {"$nd": ...}], ...]``: each decoded array ``i`` the call changed (bitwise, same shape and
        dtype) since :meth:`snapshot`, encoded by ``codec`` (the reply's, so the reply's caps hold)."""
        return [[i, codec._array(a)] for i, (a, b) in enumerate(zip(self.arrays, self._before or []))
                if a.shape == b.shape and a.dtype == b.dtype and a.tobytes() != b.tobytes()]

    def write_back(self, changed):
        """Copy what :meth:`changed` sent back into the arrays this codec encoded, and into nothing else.

        All is checked before anything is written: ``[[i, {"$nd": ...}], ...]`` with distinct ``i`` of
        arrays this codec sent, else ProtocolError. An item whose target is read-only, of another
        shape, or of a dtype it does not cast to safely, is skipped.
        """
        if not isinstance(changed, list) or len(changed) > len(self.arrays):
            raise ProtocolError("the arrays sent back do not match the arrays sent")
        checker, updates = Codec(), {}
        for item in changed:
            if not (isinstance(item, list) and len(item) == 2 and _is_id(item[0]) and item[0] < len(self.arrays)
                    and item[0] not in updates and isinstance(item[1], dict) and list(item[1]) == ["$nd"]):
                raise ProtocolError("a malformed array sent back")
            updates[item[0]] = checker._decode_array(item[1]["$nd"])
        for i, new in updates.items():
            target = self.arrays[i]
            if target.flags.writeable and target.shape == new.shape and np.can_cast(new.dtype, target.dtype):
                np.copyto(target, new, casting="safe")

    # generators
    def states(self):
        """The final state of every generator this codec met, in order (sent back after a call)."""
        return [_rng_state(g) for g in self.generators]

    def sync(self, states):
        """Set the generators this codec met to the ``states`` the other side sent back."""
        if not isinstance(states, list) or len(states) != len(self.generators):
            raise ProtocolError("the generator states sent back do not match the generators sent")
        for gen, state in zip(self.generators, states):
            gen.bit_generator.state = _checked_state(state)


def _key(k):
    if len(k) > 10_000:
        raise ProtocolError("a dict key longer than the limit")
    return k


def _is_id(x):
    return type(x) is int and 0 <= x < 2**31


def _rng_state(gen):
    state = gen.bit_generator.state
    if state.get("bit_generator") != "PCG64":
        raise ProtocolError("only generators made by np.random.default_rng (PCG64) can be sent")
    return {"s": state["state"]["state"], "i": state["state"]["inc"], "h": state["has_uint32"],
            "u": state["uinteger"]}


def _checked_state(payload):
    ok = isinstance(payload, dict) and set(payload) == {"s", "i", "h", "u"} and all(
        type(payload[k]) is int for k in payload)
    if not ok or not (0 <= payload["s"] < 2**128 and 0 <= payload["i"] < 2**128 and payload["h"] in (0, 1)
                      and 0 <= payload["u"] < 2**32):
        raise ProtocolError("a malformed generator state")
    return {"bit_generator": "PCG64", "state": {"state": payload["s"], "inc": payload["i"]},
            "has_uint32": payload["h"], "uinteger": payload["u"]}


def _make_rng(payload):
    gen = np.random.Generator(np.random.PCG64())
    gen.bit_generator.state = _checked_state(payload)
    return gen


def _labs_model(value, codec, depth):
    """``{"$labs": [[name, *values], ...]}`` for a labs.Sequential made of labs layers, else None."""
    layers_mod = sys.modules.get("labs.layers")
    seq = getattr(layers_mod, "Sequential", None)
    if seq is None or type(value) is not seq:
        return None
    described = []
    for layer in value.layers:
        name = type(layer).__name__
        if name not in LAYERS or type(layer) is not getattr(layers_mod, name, None):
            return None
        extra = [layer.W.value, layer.b.value] if name == "Linear" else [float(layer.p)] if name == "Dropout" else []
        described.append([name] + [codec._array(v) if isinstance(v, np.ndarray) else codec.encode(v, depth + 1)
                                   for v in extra])
    return {"$labs": described}


def _quadratic_class():
    """labs' ``Quadratic`` cost (``C(w) = 1/2 (w - w*)^T A (w - w*)``), wherever labs keeps it, or None."""
    for name in ("labs.data", "labs.costs", "labs"):
        cls = getattr(sys.modules.get(name), "Quadratic", None)
        if cls is not None:
            return cls
    return None


def _quadratic(A, w_star):
    """A labs ``Quadratic`` rebuilt from its two arrays (sent as ``{"$quad": [A, w_star]}``)."""
    import labs  # noqa: F401  (so that _quadratic_class finds it)

    ok = all(isinstance(v, np.ndarray) and v.dtype.kind in "biuf" for v in (A, w_star))
    if not ok or A.ndim != 2 or A.shape != (w_star.size, w_star.size) or w_star.ndim != 1:
        raise ProtocolError("a malformed Quadratic (A must be (P, P) and w_star (P,))")
    return _quadratic_class()(A=A.astype(np.float64), w_star=w_star.astype(np.float64))


def build_labs(layers):
    """A labs.Sequential rebuilt, with this side's own labs, from ``[[name, *values], ...]`` (see ``$labs``)."""
    import labs

    built = []
    for name, *values in layers:
        if name == "Linear":
            built.append(_linear(labs, values))
        elif name == "Dropout":
            if len(values) != 1 or not isinstance(values[0], float) or not 0.0 <= values[0] < 1.0:
                raise ProtocolError("a labs network with a malformed Dropout layer")
            built.append(labs.Dropout(values[0], rng=np.random.default_rng(0)))
        elif values:
            raise ProtocolError(f"a labs network whose {name} layer carries values")
        else:
            built.append(getattr(labs, name)())
    return labs.Sequential(*built)


def _linear(labs, values):
    ok = len(values) == 2 and all(isinstance(v, np.ndarray) and v.dtype.kind in "biuf" for v in values)
    if not ok or values[0].ndim != 2 or values[1].shape != (values[0].shape[0],) or 0 in values[0].shape:
        raise ProtocolError("a labs network with a malformed Linear layer (W must be (out, in) and b (out,))")
    W, b = values
    layer = labs.Linear(W.shape[1], W.shape[0], init="zeros")
    layer.W.value[...] = W
    layer.b.value[...] = b
    return layer
