"""The plain-data codec between the student's process and the grader: what crosses, and what is refused."""

import base64
import json
import pickle
import struct

import numpy as np
import pytest

import labs
from grader import wire


def roundtrip(value, **kwargs):
    data = json.loads(json.dumps(wire.Codec(**kwargs).encode(value)))
    return wire.Codec(build_labs=wire.build_labs, **kwargs).decode(data)


def frame(payload: bytes):
    """``read_frame`` on the bytes of one frame."""
    data = struct.pack(">Q", len(payload)) + payload
    pos = [0]

    def read_exact(n):
        chunk = data[pos[0]:pos[0] + n]
        pos[0] += n
        return chunk
    return wire.read_frame(read_exact)


@pytest.mark.parametrize("value", [
    None, True, 0, -3, 2**100, 1.5, "text ✔", [1, [2, 3]], (1, (2.0, "x")), {"a": (1, [None])}, [],
])
def test_plain_values_cross_unchanged(value):
    assert roundtrip(value) == value
    assert type(roundtrip(value)) is type(value)


def test_nan_and_inf_cross():
    got = roundtrip([float("nan"), float("inf"), -float("inf")])
    assert np.isnan(got[0]) and got[1:] == [float("inf"), -float("inf")]


@pytest.mark.parametrize("dtype", [bool, np.int8, np.int64, np.uint16, np.float32, np.float64, np.complex128])
def test_numeric_arrays_and_scalars_keep_dtype_shape_and_values(dtype):
    a = (np.arange(24).reshape(2, 3, 4) % 3).astype(dtype)
    got = roundtrip(a)
    assert got.dtype == a.dtype and got.shape == a.shape and np.array_equal(got, a)
    got[0, 0, 0] = 1  # a writable copy
    scalar = roundtrip(a.flat[5])
    assert type(scalar) is type(a.flat[5]) and scalar == a.flat[5]


def test_non_contiguous_and_big_endian_arrays():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]
    assert np.array_equal(roundtrip(a), a)
    b = np.arange(5, dtype=">i4")
    assert np.array_equal(roundtrip(b), b)


class Liar:
    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)

    def __eq__(self, other):
        return True


@pytest.mark.parametrize("value", [
    Liar(), object(), np.array([Liar()], dtype=object), np.array(["a"]), np.zeros(2, dtype=[("x", float)]),
    {1: 2}, {"ok": [Liar()]}, 2**170, np.datetime64("2020-01-01"),
])
def test_objects_and_non_numeric_arrays_are_refused(value):
    with pytest.raises(wire.ProtocolError):
        wire.Codec().encode(value)


def _array(dtype, shape, data):
    return {"$nd": [dtype, shape, base64.b64encode(data).decode()]}


@pytest.mark.parametrize("data", [
    _array("|O", [1], pickle.dumps(object())),  # an object array: a pickle in disguise
    _array("<U1", [1], b"a\0\0\0"),
    _array("<f8", [3], b"\0" * 8),  # data shorter than the shape says
    _array("<f8", [2**39], b""),  # an announced size far above the cap
    _array("<f8", [-1], b""),
    _array("V8", [1], b"\0" * 8),
    {"$pickle": base64.b64encode(pickle.dumps([1])).decode()},
    {"$fn": 1},  # references only where the receiver accepts them
    {"a": 1, "b": 2},
    {"$rng": {"s": -1, "i": 0, "h": 0, "u": 0}},
    {"$labs": [["Conv2d"]]},
    {"$labs": [["Linear", _array("<f8", [2], b"\0" * 16), _array("<f8", [2], b"\0" * 16)]]},
    {"$quad": [1, 2]},
])
def test_malformed_or_forbidden_values_are_refused(data):
    with pytest.raises(wire.ProtocolError):
        wire.Codec(build_labs=wire.build_labs).decode(data)


def test_nesting_bombs_and_oversized_frames_are_refused():
    with pytest.raises(wire.ProtocolError):
        frame(b"[" * 200_000 + b"]" * 200_000)  # deeper than the JSON parser's recursion
    deep = json.dumps(json.loads("[" * 40 + "]" * 40)).encode()
    with pytest.raises(wire.ProtocolError):
        wire.Codec().decode(frame(deep))
    with pytest.raises(wire.ProtocolError):
        frame(b"\xff\xfe")  # not UTF-8 JSON
    with pytest.raises(wire.ProtocolError):
        wire.read_frame(lambda n: struct.pack(">Q", wire.MAX_FRAME + 1))
    with pytest.raises(wire.ProtocolError):
        wire.Codec().decode(list(range(wire.MAX_ITEMS + 1)))
    with pytest.raises(wire.ProtocolError):
        frame(b"9" * 5000)  # an integer with too many digits


def test_arrays_in_one_message_are_capped():
    big = np.zeros(wire.MAX_ARRAY_BYTES // 8 // 2 + 1)
    with pytest.raises(wire.ProtocolError):
        wire.Codec().encode([big, big])


def test_a_generator_crosses_as_its_state_and_its_final_state_comes_back():
    sender, receiver = wire.Codec(), wire.Codec()
    rng = np.random.default_rng(7)
    theirs = receiver.decode(json.loads(json.dumps(sender.encode((rng, 1)))))[0]
    assert theirs is not rng and theirs.random() == np.random.default_rng(7).random()
    sender.sync(json.loads(json.dumps(receiver.states())))
    expected = np.random.default_rng(7)
    expected.random()
    assert rng.random() == expected.random()  # the caller's generator advanced as the callee's did
    with pytest.raises(wire.ProtocolError):
        wire.Codec().encode(np.random.Generator(np.random.MT19937(1)))


def test_a_labs_network_crosses_by_value_and_is_rebuilt_from_labs():
    rng = np.random.default_rng(0)
    net = labs.Sequential(labs.Linear(3, 4, rng=rng), labs.ReLU(), labs.Dropout(0.5, rng), labs.Linear(4, 2, rng=rng))
    copy = roundtrip(net)
    assert [type(layer) for layer in copy.layers] == [labs.Linear, labs.ReLU, labs.Dropout, labs.Linear]
    x = rng.standard_normal((5, 3))
    assert np.allclose(copy.predict(x), net.predict(x))

    class MyLinear(labs.Linear):  # a subclass is the student's code: it cannot cross by value
        pass

    with pytest.raises(wire.ProtocolError):
        wire.Codec().encode(labs.Sequential(MyLinear(2, 2, rng=rng)))


def test_a_quadratic_crosses_by_value():
    q = labs.data.narrow_valley(kappa=4.0, angle=0.3)
    copy = roundtrip(q)
    assert type(copy) is type(q) and np.array_equal(copy.A, q.A) and copy.kappa == pytest.approx(q.kappa)


def _call(args, fn):
    """``fn(*args)`` on the receiver's copies, as the runner does; return (sender codec, the changes sent back)."""
    sender, receiver = wire.Codec(), wire.Codec()
    theirs = receiver.decode(json.loads(json.dumps(sender.encode(args))))
    receiver.snapshot()
    fn(*theirs)
    return sender, json.loads(json.dumps(receiver.changed(wire.Codec())))


def test_arrays_a_call_changes_in_place_are_copied_back_and_others_are_not_sent():
    x, y, nested = np.arange(4.0), np.arange(3), [np.ones(2), {"k": (np.zeros(2, np.float32),)}]
    untouched = np.array([np.nan, -0.0, 1.0])
    before = [a.copy() for a in (y, untouched)]

    def mutate(a, b, c, d):
        a *= 2
        c[0][0] = 5.0
        c[1]["k"][0][1] = 7.0
        d[...] = d  # writes, but the same bits: nothing to send
    sender, changed = _call((x, y, nested, untouched), mutate)
    assert [i for i, _ in changed] == [0, 2, 3]  # x, nested[0], nested[1]["k"][0]; y and untouched unchanged
    sender.write_back(changed)
    assert list(x) == [0.0, 2.0, 4.0, 6.0] and list(nested[0]) == [5.0, 1.0]
    assert list(nested[1]["k"][0]) == [0.0, 7.0] and nested[1]["k"][0].dtype == np.float32
    assert all(a.tobytes() == b.tobytes() for a, b in zip((y, untouched), before))  # bitwise the same


def test_a_view_passed_as_argument_changes_its_base_as_in_one_process():
    base = np.zeros((2, 3))
    sender, changed = _call((base[:, 1],), lambda v: v.fill(1.0))
    sender.write_back(changed)
    assert base.tolist() == [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]


def test_arrays_inside_a_network_or_a_quadratic_are_never_written_back():
    net = labs.Sequential(labs.Linear(2, 2, rng=np.random.default_rng(0)))
    sender = wire.Codec()
    wire.Codec(build_labs=wire.build_labs).decode(json.loads(json.dumps(sender.encode((net, np.ones(1))))))
    assert len(sender.arrays) == 1 and sender.arrays[0].shape == (1,)


def _nd(value):
    return wire.Codec().encode(np.asarray(value))


@pytest.mark.parametrize("forged", [
    None, {"0": _nd([9.0, 9.0])}, [[1, _nd([9.0, 9.0])]], [[-1, _nd([9.0, 9.0])]], [[True, _nd([9.0, 9.0])]],
    [["0", _nd([9.0, 9.0])]], [[0, _nd([9.0, 9.0])], [0, _nd([9.0, 9.0])]], [[0, [9.0, 9.0]]],
    [[0, _nd([9.0, 9.0]), "extra"]], [[0, wire.Codec().encode(np.float64(9.0))]], [[0, {"$nd": ["<f8", [2], "!!"]}]],
    [[0, {"$nd": _nd([9.0, 9.0])["$nd"], "$d": {}}]], [[0, {"$obj": 1}]],
])
def test_a_forged_write_back_is_refused_and_changes_nothing(forged):
    mine, other = np.zeros(2), np.zeros(2)
    wire.Codec().encode(other)  # an array of another call: no index reaches it
    sender = wire.Codec()
    sender.encode((mine,))
    with pytest.raises(wire.ProtocolError):
        sender.write_back(forged)
    assert mine.tolist() == [0.0, 0.0] and other.tolist() == [0.0, 0.0]


@pytest.mark.parametrize("sent_back", [
    [9.0, 9.0, 9.0],  # another shape
    np.array([[9.0, 9.0]]),  # same size, another shape
    np.array([9.0, 9.0], dtype=np.complex128),  # no safe cast to float64
])
def test_a_write_back_that_does_not_fit_the_array_is_ignored(sent_back):
    mine = np.zeros(2)
    sender = wire.Codec()
    sender.encode([mine])
    sender.write_back([[0, _nd(sent_back)]])
    assert mine.tolist() == [0.0, 0.0]


def test_a_read_only_array_is_not_written_back():
    mine = np.zeros(2)
    mine.flags.writeable = False
    sender = wire.Codec()
    sender.encode(mine)
    sender.write_back([[0, _nd([9.0, 9.0])]])
    assert mine.tolist() == [0.0, 0.0]
