"""``benchmarks/draw_share.py``: the drawing kernels recompiled with a stand-in draw are used
(the run differs from the model's), and the stand-in's uniforms are uniform.

Example:
    pytest tests/test_draw_share.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json
from benchmarks import draw_share
from povsim.engine.model import PovertyModel
def run():
    m = PovertyModel("zhenbao", seed=1)
    for _ in range(24):
        m.step()
    return m.monthly["sick_households"].tolist()
before = run()
draw_share.free_draws()
print(json.dumps([before, run()]))
"""


def test_free_draws_replace_the_kernels_draws():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    philox, free = json.loads(out.stdout.strip().splitlines()[-1])
    assert philox != free  # the recompiled kernels draw otherwise
    # the same illness process with other uniforms: sick households of the same order
    assert 0.5 < np.mean(free) / np.mean(philox) < 2.0


def test_stand_in_uniforms_are_uniform():
    from numba import njit

    sys.path.insert(0, str(ROOT))
    from benchmarks.draw_share import free_uniform4

    @njit
    def draw(n):
        out = np.empty((n, 4))
        for i in range(n):
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = free_uniform4(
                np.array([3, 4], np.uint64), 7, i, 5)
        return out

    u = draw(100_000)
    assert ((0.0 <= u) & (u < 1.0)).all()
    assert np.abs(u.mean(axis=0) - 0.5).max() < 0.01
    assert np.abs((u < 0.01).mean(axis=0) - 0.01).max() < 0.002
