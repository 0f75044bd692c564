"""dezero_plug.distributed in one process: the size-1 communicator, the multi-node optimizer, shards, the hook.

Several processes under a real mpiexec are tested in plugins/dezero-plug-mpi/tests (tox -e mpi).
"""

import types

import numpy as np
import pytest

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import PluginValidationError
from dezero_plug import Variable
from dezero_plug import hookimpl
from dezero_plug import plugin_manager
from dezero_plug.distributed import Communicator
from dezero_plug.distributed import LocalCommunicator
from dezero_plug.distributed import create_communicator
from dezero_plug.distributed import create_multi_node_optimizer
from dezero_plug.distributed import scatter_dataset

pytestmark = pytest.mark.backend("numpy")


def _step(model, optimizer, x, t):
    loss = F.softmax_cross_entropy(model(x), t)
    model.cleargrads()
    loss.backward()
    optimizer.update()


def test_without_a_launcher_create_communicator_is_one_local_process(monkeypatch):
    for name in ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALRANKID", "HYDI_CONTROL_FD"):
        monkeypatch.delenv(name, raising=False)
    comm = create_communicator()
    assert isinstance(comm, LocalCommunicator) and (comm.rank, comm.size, comm.intra_rank) == (0, 1, 0)


def test_an_unknown_communicator_name_lists_the_registered_ones():
    with pytest.raises(LookupError, match=r"no communicator named 'nccl' is registered; registered: local"):
        create_communicator("nccl")


def test_the_multi_node_optimizer_alone_trains_exactly_as_the_plain_optimizer():
    x, t = np.random.default_rng(0).standard_normal((6, 4)), np.array([0, 1, 2, 0, 1, 2])
    results = []
    for wrap in (False, True):
        np.random.seed(0)
        model = dezero.models.MLP((5, 3))
        optimizer = dezero.optimizers.MomentumSGD(lr=0.1)
        if wrap:
            optimizer = create_multi_node_optimizer(optimizer, LocalCommunicator())
        optimizer.setup(model)
        for _ in range(5):
            _step(model, optimizer, x, t)
        results.append([p.data.copy() for p in model.params()])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_bcast_data_on_lazy_parameters_names_the_parameter_and_the_fix():
    model = dezero.models.MLP((5, 3))
    with pytest.raises(ValueError, match=r"^bcast_data: parameter 'l0/W' has no data yet .* run one forward pass"):
        LocalCommunicator().bcast_data(model)


def test_allreduce_grad_rebinds_gradients_keeps_float32_and_leaves_missing_ones_missing():
    model = dezero.Layer()
    model.a = dezero.Parameter(np.ones(3, dtype=np.float32))
    model.b = dezero.Parameter(np.ones(2))
    model.a.grad = Variable(np.array([1.0, 2.0, 3.0], dtype=np.float32))
    model.a.grad.data.flags.writeable = False  # never written into
    before = model.a.grad
    LocalCommunicator().allreduce_grad(model)
    assert model.a.grad is not before and model.a.grad.dtype == np.float32
    np.testing.assert_array_equal(model.a.grad.data, [1.0, 2.0, 3.0])
    assert model.b.grad is None


def test_allreduce_of_a_metric_is_its_mean_over_ranks():
    assert LocalCommunicator().allreduce(Variable(np.array(0.25))) == 0.25


def test_scatter_dataset_alone_is_a_seeded_permutation_of_everything():
    shard = scatter_dataset(list(range(7)), LocalCommunicator(), seed=3)
    assert len(shard) == 7 and sorted(shard[i] for i in range(7)) == list(range(7))
    assert [shard[i] for i in range(7)] == list(np.random.default_rng(3).permutation(7))
    with pytest.raises(ValueError, match="scatter_dataset: the dataset is empty"):
        scatter_dataset([], LocalCommunicator())


def test_communicators_arrive_through_their_hook_and_are_validated():
    class Loopback(LocalCommunicator):
        """A second size-1 communicator, registered at run time."""

        name = "loopback"

    plugin = types.ModuleType("loopbackplugin")
    plugin.dezero_plug_communicators = hookimpl(lambda: [Loopback])
    plugin_manager.register(plugin)
    try:
        assert type(create_communicator("loopback")) is Loopback
        assert plugin_manager.records["loopbackplugin"].exports["communicators"] == {"loopback": Loopback}
    finally:
        plugin_manager.unregister("loopbackplugin")
    bad = types.ModuleType("badcomm")
    bad.dezero_plug_communicators = hookimpl(lambda: {"x": int})
    with pytest.raises(PluginValidationError, match=r"exports 'x' = <class 'int'>, which is not a subclass of"):
        plugin_manager.register(bad)
    assert issubclass(Loopback, Communicator)


def test_the_plugins_command_says_what_a_communicator_that_cannot_run_needs(capsys):
    class Unplugged(LocalCommunicator):
        """A communicator whose transport is missing."""

        name = "unplugged"

        @classmethod
        def unavailable_reason(cls):
            return "its transport is not installed: pip install transport"

    plugin = types.ModuleType("unpluggedplugin")
    plugin.dezero_plug_communicators = hookimpl(lambda: [Unplugged])
    plugin_manager.register(plugin)
    try:
        from dezero_plug.__main__ import main

        main(["plugins"])
        out = capsys.readouterr().out
        assert "communicators: unplugged" in out
        assert "communicator unplugged cannot run here: its transport is not installed: pip install transport" in out
        with pytest.raises(RuntimeError, match=r"communicator 'unplugged' cannot run here: its transport"):
            create_communicator("unplugged")
    finally:
        plugin_manager.unregister("unpluggedplugin")
