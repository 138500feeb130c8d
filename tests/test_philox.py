"""The kernels' counter-based draws against numpy's ``Philox`` bit generator, bit for bit.

numpy's generator increments its 256-bit counter before each block, so the block of counter
``c`` is the first block of ``Philox(counter=c - 1)``; its ``random()`` is the top 53 bits of
each 64-bit word times 2^-53, as :func:`povsim.base.philox.to_double`.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from povsim.base import philox
from povsim.base.streams import Streams, stream_key

U64 = st.integers(0, 2**64 - 1)


def numpy_block(key, counter) -> np.random.Philox:
    """numpy's Philox positioned so that its next block is the block of ``counter``."""
    c = [int(x) for x in counter]
    value = sum(x << (64 * i) for i, x in enumerate(c)) - 1  # numpy adds 1 first
    return np.random.Philox(key=np.array(key, np.uint64), counter=value % 2**256)


@settings(max_examples=300, deadline=None)
@given(st.tuples(U64, U64), st.tuples(U64, U64, U64, U64))
def test_block_equals_numpys_philox_words(key, counter):
    got = philox.block(*(np.uint64(x) for x in (*key, *counter)))
    want = numpy_block(key, counter).random_raw(4)
    assert [int(x) for x in got] == [int(x) for x in want]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32), st.integers(0, 1000), st.text(min_size=1, max_size=12),
       st.lists(st.integers(0, 2**40), min_size=1, max_size=20), st.integers(0, 2000))
def test_uniforms_equal_numpys_philox_doubles(seed, replicate, name, ids, month):
    key, stream = Streams(seed, replicate).key, stream_key(name)
    got = philox.uniforms(key, stream, np.array(ids), month)
    for row, hid in zip(got, ids, strict=True):
        gen = np.random.Generator(numpy_block(key, (hid, month, stream, 0)))
        assert np.array_equal(row, gen.random(4))


def test_a_draw_depends_on_its_household_not_on_the_array_order():
    key, ids = Streams(3).key, np.arange(1000) * 7
    perm = np.random.default_rng(0).permutation(ids.size)
    a = philox.uniforms(key, 11, ids, 5)
    b = philox.uniforms(key, 11, ids[perm], 5)
    assert np.array_equal(a[perm], b)
    # each coordinate matters: another stream, month, run or replicate changes every draw
    for other in (philox.uniforms(key, 12, ids, 5), philox.uniforms(key, 11, ids, 6),
                  philox.uniforms(Streams(4).key, 11, ids, 5),
                  philox.uniforms(Streams(3, 1).key, 11, ids, 5)):
        assert not np.isin(other, a).any()


def test_draws_are_uniform():
    from scipy import stats

    u = philox.uniforms(Streams(9).key, stream_key("illness"), np.arange(200_000), 0)
    for lane in range(4):
        assert stats.kstest(u[:, lane], "uniform").pvalue > 1e-4
    assert abs(np.corrcoef(u[:, 0], u[:, 1])[0, 1]) < 0.02
