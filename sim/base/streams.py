"""Named random streams derived from one run seed (numpy ``SeedSequence``).

Each purpose (``"disaster"``, ``"cadre_pairing"``, ``"population"``...) gets its own
``Generator`` whose seed depends only on the run seed, the replicate number and the stream's
name, never on the order in which streams are created or on how many draws other streams made.
Two runs that differ only in a policy lever therefore see identical shock draws for the same
villages and cadres (common random numbers), as long as each stream draws the same number of
values per month, which the model guarantees by drawing one value per village (or cadre) every
month. The households' monthly draws are counter-based instead (:attr:`Streams.key`,
:mod:`povsim.base.philox`): functions of the household and the month, the same by construction.

Example:
    >>> s = Streams(seed=1, replicate=0)
    >>> a = s["disaster"].random(3)
    >>> b = Streams(seed=1, replicate=0)["disaster"].random(3)
    >>> bool((a == b).all())
    True
"""

from __future__ import annotations

import zlib

import numpy as np


def stream_key(name: str) -> int:
    """Stable 32-bit key for a stream name (crc32; the same on every platform and run).

    Example:
        >>> stream_key("illness") == stream_key("illness")
        True
    """
    return zlib.crc32(name.encode("utf-8"))


def replicate_seed(seed: int, replicate: int) -> np.random.SeedSequence:
    """SeedSequence of one replicate: depends on (seed, replicate) only, not on worker layout.

    Example:
        >>> replicate_seed(1, 2).spawn_key
        (2,)
    """
    return np.random.SeedSequence(entropy=int(seed), spawn_key=(int(replicate),))


class Streams:
    """Lazily created, independent ``numpy.random.Generator`` streams keyed by name.

    Example:
        >>> s = Streams(seed=7, replicate=3)
        >>> 0.0 <= s["jobs"].random() < 1.0
        True
    """

    def __init__(self, seed: int, replicate: int = 0):
        self.seed = int(seed)
        self.replicate = int(replicate)
        self._root = replicate_seed(self.seed, self.replicate)
        self._gens: dict[str, np.random.Generator] = {}
        self._key: np.ndarray | None = None

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The SeedSequence behind stream ``name``."""
        return np.random.SeedSequence(
            entropy=self._root.entropy,
            spawn_key=(*tuple(self._root.spawn_key), stream_key(name)),
        )

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._gens.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._gens[name] = gen
        return gen

    @property
    def key(self) -> np.ndarray:
        """The run's Philox key (uint64[2]) for the compiled kernels' counter-based draws
        (:mod:`povsim.base.philox`), from the seed sequence of the name ``"philox"``: it depends on
        the seed and the replicate only.

        Example:
            >>> bool((Streams(1, 2).key == Streams(1, 2).key).all())
            True
            >>> bool((Streams(1, 2).key != Streams(1, 3).key).any())
            True
        """
        if self._key is None:
            self._key = self.seed_sequence("philox").generate_state(2, dtype=np.uint64)
        return self._key

    def mesa_rng_seed(self) -> int:
        """An integer seed for Mesa's own ``model.rng`` / ``model.random`` (stream ``"mesa"``)."""
        return int(self.seed_sequence("mesa").generate_state(1, dtype=np.uint64)[0] >> 1)
