"""Data-parallel training in the shape ChainerMN, Horovod and PyTorch DDP share: communicators, a multi-node
optimizer, scattered datasets.

A book-style training loop needs two extra lines::

    comm = dezero_plug.distributed.create_communicator()          # MPI under mpiexec, else one local process
    optimizer = create_multi_node_optimizer(optimizers.SGD(), comm).setup(model)

Communicators arrive through the ``dezero_plug_communicators`` hook
(``plugins/dezero-plug-mpi`` provides ``mpi``); without any, or when the
script was not started by a launcher such as ``mpiexec``, ``create_communicator``
returns a size-1 ``LocalCommunicator``, so the same script runs alone.

What data parallelism changes: every rank holds a full copy of the model;
rank 0's parameters are broadcast at the first ``update()`` (DeZero's layers
make their weights at the first forward, so not before; that step is skipped
when some rank had other weights, since its gradients came from them); each rank computes
gradients on its part of the batch and ``update()`` averages them over ranks
before stepping, so the ranks stay bitwise equal and the result equals one
process on the whole batch. batch_norm statistics and dropout masks stay per
rank (their results then differ from one process on the whole batch).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from dezero_plug import backends
from dezero_plug.core import Parameter
from dezero_plug.core import Variable
from dezero_plug.registry import REGISTRY


class Communicator:
    """Base class of communicators: subclass it and return the class from ``dezero_plug_communicators``.

    A subclass sets ``name``, implements ``launched`` (a classmethod: was this process started by the
    launcher this communicator needs?), ``unavailable_reason``, and the collectives on numpy arrays:
    ``bcast_array``, ``allreduce_array`` (sum, in place on a contiguous numpy buffer), ``barrier``,
    ``abort``. The model-level operations below are written once on top of them.
    """

    name: str = ""
    rank: int = 0
    size: int = 1
    intra_rank: int = 0  # the rank among the processes on this machine (which GPU to use)

    @classmethod
    def launched(cls) -> bool:
        """Whether this process was started by this communicator's launcher (mpiexec ...)."""
        return False

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why this communicator cannot run here (what to install), or None."""
        return None

    # ------------------------------------------------------------------ collectives on numpy buffers
    def bcast_array(self, array: np.ndarray, root: int = 0) -> np.ndarray:
        """``array`` of rank ``root``, on every rank (same shape and dtype on every rank)."""
        return array

    def allreduce_array(self, buffer: np.ndarray) -> None:
        """Sum ``buffer`` (contiguous numpy) over all ranks, in place."""

    def barrier(self) -> None:
        """Wait until every rank is here."""

    def abort(self, code: int = 1) -> None:
        """End the whole job (every rank), now."""
        raise SystemExit(code)

    # ------------------------------------------------------------------ what training uses
    def allreduce(self, value: Any) -> float:
        """The mean over ranks of a scalar metric (a float, a 0-d array or a 0-d Variable)."""
        data = value.data if isinstance(value, Variable) else value
        data = backends.to_numpy(data) if REGISTRY.owner(type(data)) is not None else data
        buffer = np.array([float(data)], dtype=np.float64)
        self.allreduce_array(buffer)
        return float(buffer[0]) / self.size

    def check_same_model(self, model: Any) -> None:
        """Every rank's parameters the same as rank 0's, by name and shape and in order, before any
        collective that depends on them; otherwise a ValueError on every rank (not a hang), naming the
        first parameter that differs and the ranks where it does."""
        mine = [(name, None if p.data is None else tuple(p.data.shape)) for name, p in _named_params(model)]
        encoded = np.frombuffer(repr(mine).encode(), dtype=np.uint8)
        length = self.bcast_array(np.array([encoded.size], dtype=np.int64))
        received = encoded.copy() if self.rank == 0 else np.zeros(int(length[0]), dtype=np.uint8)
        theirs = _literal(self.bcast_array(received).tobytes().decode())
        differs = np.zeros(self.size)
        differs[self.rank] = theirs != mine
        self.allreduce_array(differs)
        ranks = [r for r in range(self.size) if differs[r]]
        if not ranks:
            return
        where = f"the ranks built different models (rank{'s' if len(ranks) > 1 else ''} {ranks} differ from rank 0)"
        if theirs == mine:
            raise ValueError(f"bcast_data: {where}; see their messages")
        for (name, shape), (root_name, root_shape) in zip(mine, theirs):
            if name != root_name:
                raise ValueError(
                    f"bcast_data: parameter {name!r} on rank {self.rank} is {root_name!r} on rank 0: {where}"
                )
            if shape != root_shape:
                raise ValueError(
                    f"bcast_data: parameter {name!r} has shape {shape} on rank {self.rank} but {root_shape} on rank 0: "
                    f"{where}"
                )
        extra = mine[len(theirs) :] or theirs[len(mine) :]
        raise ValueError(
            f"bcast_data: rank {self.rank} has {len(mine)} parameters, rank 0 {len(theirs)} (first unmatched: "
            f"{extra[0][0]!r}): {where}"
        )

    def bcast_data(self, model: Any) -> list[int]:
        """Make every rank's parameters equal to rank 0's (after lazy layers have made them).

        Returns the ranks whose trained parameters (those with a gradient on some rank) had other values
        than rank 0's. Parameters nobody trains (BatchNorm's running statistics) are made equal too, but
        are not counted: they differ per rank by design.

        Raises:
            ValueError: a parameter without data (run one forward first), or ranks whose models differ
                (names, shapes or number of parameters), naming the parameter and the ranks.
        """
        self.check_same_model(model)
        named = _named_params(model)
        trained = np.array([p.grad is not None for _, p in named], dtype=np.float64)
        self.allreduce_array(trained)
        changed = np.zeros(self.size)
        for (name, param), count in zip(named, trained):
            if param.data is None:
                raise ValueError(
                    f"bcast_data: parameter {name!r} has no data yet (a lazy layer): run one forward pass "
                    "on every rank first, or let create_multi_node_optimizer broadcast at its first update"
                )
            backend = backends.backend_of(param.data)
            host = np.asarray(backend.to_numpy(param.data), order="C")
            root = self.bcast_array(host)
            if count > 0 and not np.array_equal(root, host):
                changed[self.rank] = 1
            param.data = backend.from_numpy(root, device=getattr(param.data, "device", None))
        self.allreduce_array(changed)
        return [r for r in range(self.size) if changed[r]]

    def allreduce_grad(self, model: Any) -> None:
        """Average every parameter's gradient over ranks; a gradient missing on a rank counts as zeros there.

        Gradients of one dtype travel in one flat numpy buffer (never pickled), summed in place and
        divided by the number of ranks; float32 stays float32. Each gradient is rebound to a new
        Variable (never written into: it may be read-only, shared, or on an immutable backend).
        """
        params = [param for _, param in _named_params(model) if param.data is not None]
        present = np.array([p.grad is not None for p in params], dtype=np.float64)
        self.allreduce_array(present)  # which parameters have a gradient on some rank: the same everywhere
        groups: dict[Any, list[Parameter]] = {}  # by the backend's dtype: no host copy of a parameter for it
        for param, count in zip(params, present):
            if count > 0:
                groups.setdefault(param.data.dtype, []).append(param)
        for group in groups.values():
            sizes = [int(np.prod(p.data.shape)) for p in group]
            dtype = backends.to_numpy(group[0].data).dtype  # the numpy dtype the group travels in
            buffer = np.empty(sum(sizes), dtype=dtype)  # new each step: the averaged gradients are views of it
            offset = 0
            for param, n in zip(group, sizes):
                if param.grad is None:
                    buffer[offset : offset + n] = 0
                else:
                    buffer[offset : offset + n] = backends.to_numpy(param.grad.data).ravel()
                offset += n
            self.allreduce_array(buffer)
            buffer /= self.size
            offset = 0
            for param, n in zip(group, sizes):
                backend = backends.backend_of(param.data)
                piece = buffer[offset : offset + n].reshape(param.data.shape)
                param.grad = Variable(backend.from_numpy(piece, device=getattr(param.data, "device", None)))
                offset += n

    @contextlib.contextmanager
    def rank_zero_first(self) -> Iterator[None]:
        """Rank 0 runs the block first (a download, a cache), the others after it: ``with comm.rank_zero_first():``."""
        if self.rank != 0:
            self.barrier()
        try:
            yield
        finally:
            if self.rank == 0:
                self.barrier()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} rank {self.rank} of {self.size}>"


REGISTRY.serve("communicators", None, base=Communicator)  # the dezero_plug_communicators hook's exports


class LocalCommunicator(Communicator):
    """One process alone (size 1): what ``create_communicator()`` gives without a launcher or a plugin."""

    name = "local"


def _literal(text: str) -> Any:
    """The list of (name, shape) rank 0 sent, read back without running code."""
    import ast

    return [(name, shape) for name, shape in ast.literal_eval(text)]


def _named_params(model: Any) -> list[tuple[str, Parameter]]:
    """Every parameter with its DeZero key ('l0/W'), each once, in definition order: the same on every rank."""
    return list(model.named_params().items())


def communicators() -> dict[str, type[Communicator]]:
    """The registered communicator classes by name (``local`` always)."""
    return {"local": LocalCommunicator, **REGISTRY.exports.get("communicators", {})}


def create_communicator(name: str | None = None) -> Communicator:
    """A communicator: ``name``'s (``"mpi"``), or the first registered one whose launcher started this
    process, else a size-1 ``LocalCommunicator``.

    Raises:
        LookupError: ``name`` is not registered (the message lists what is).
        RuntimeError: ``name`` cannot run here (the message says what to install).
    """
    known = communicators()
    if name is None:
        launched = [cls for key, cls in known.items() if key != "local" and cls.launched()]
        return launched[0]() if launched else LocalCommunicator()
    if name not in known:
        raise LookupError(
            f"no communicator named {name!r} is registered; registered: {', '.join(known)} "
            "(pip install './plugins/dezero-plug-mpi[mpich]' for MPI)"
        )
    reason = known[name].unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"communicator {name!r} cannot run here: {reason}")
    return known[name]()


class MultiNodeOptimizer:
    """An optimizer whose ``update()`` broadcasts rank 0's parameters (the first time) and averages gradients.

    The first ``update()`` broadcasts. When some rank had other initial weights than rank 0 (another
    seed), the gradients of that step were computed with them, so the step is skipped (as ChainerMN
    does); when every rank started from rank 0's weights, it steps as usual.

    Everything else (``setup``, ``add_hook``, ``lr`` ...) is the wrapped optimizer's; hooks such as
    ``ClipGrad`` see the averaged gradients, as on one process.
    """

    def __init__(self, optimizer: Any, comm: Communicator) -> None:
        self.__dict__["actual_optimizer"] = optimizer
        self.__dict__["communicator"] = comm
        self.__dict__["_broadcast_done"] = False

    def setup(self, target: Any) -> MultiNodeOptimizer:
        self.actual_optimizer.setup(target)
        return self

    def update(self) -> None:
        target = self.actual_optimizer.target
        if not self._broadcast_done:  # lazy layers have made their weights by the first update
            self.__dict__["_broadcast_done"] = True
            changed = self.communicator.bcast_data(target)
            if changed:  # this step's gradients came from other weights on those ranks: not averaged in
                warnings.warn(
                    f"MultiNodeOptimizer: the first update was skipped: rank(s) {changed} started from other "
                    "weights than rank 0, so their gradients of this step do not fit rank 0's weights, now "
                    "every rank's. Seed every rank alike (np.random.seed) to keep the first step.",
                    RuntimeWarning,
                    stacklevel=2,
                )
                return
        self.communicator.allreduce_grad(target)
        self.actual_optimizer.update()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.actual_optimizer, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.actual_optimizer, name, value)


def create_multi_node_optimizer(optimizer: Any, comm: Communicator) -> MultiNodeOptimizer:
    """Wrap ``optimizer`` so that ``update()`` averages gradients over ``comm``'s ranks (ChainerMN's name)."""
    return MultiNodeOptimizer(optimizer, comm)


class ScatteredDataset:
    """This rank's shard of a dataset: ``len`` is the same on every rank; items are the dataset's."""

    def __init__(self, dataset: Any, indices: np.ndarray) -> None:
        self.dataset = dataset
        self.indices = indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> Any:
        return self.dataset[int(self.indices[i])]


def scatter_dataset(dataset: Any, comm: Communicator, shuffle: bool = True, seed: int = 0) -> ScatteredDataset:
    """This rank's shard: ⌈N / size⌉ samples, the same count on every rank.

    The order is one permutation of ``range(N)`` drawn from ``seed`` (the same on every rank; none when
    not ``shuffle``), cut into ``size`` consecutive shards. When ``size`` does not divide N, the at most
    ``size - 1`` missing places are filled by repeating the first samples of that order, so every sample
    appears at least once per epoch, and exactly once when ``size`` divides N.
    """
    n = len(dataset)
    if n == 0:
        raise ValueError("scatter_dataset: the dataset is empty")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    shard = math.ceil(n / comm.size)
    padded = np.concatenate([order, order[: shard * comm.size - n]])
    return ScatteredDataset(dataset, padded[comm.rank * shard : (comm.rank + 1) * shard])


def seed_ranks(comm: Communicator, seed: int) -> None:
    """Give each rank its own random stream (dropout masks, shuffling): numpy's and the backends' own."""
    np.random.seed(seed + comm.rank)
    for backend in backends.registered().values():
        if backend.own_generator and backend.unavailable_reason() is None:
            backend.seed(seed + comm.rank)


__all__ = [
    "Communicator",
    "LocalCommunicator",
    "MultiNodeOptimizer",
    "ScatteredDataset",
    "communicators",
    "create_communicator",
    "create_multi_node_optimizer",
    "scatter_dataset",
    "seed_ranks",
]
