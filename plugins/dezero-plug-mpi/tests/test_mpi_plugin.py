"""dezero-plug-mpi under a real mpiexec (2 and 3 processes): training equals one process, shards cover the data,
and a failing or killed rank ends the job instead of hanging it.

Every launch has a timeout; without an MPI launcher or library these tests skip, saying what to install.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dezero_plug_mpi.communicator import MpiCommunicator

from dezero_plug import plugin_manager
from dezero_plug.distributed import LocalCommunicator
from dezero_plug.distributed import create_communicator

SCRIPTS = Path(__file__).parent / "scripts"
MPIEXEC = shutil.which("mpiexec", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def mpiexec(n, script, *args, timeout=120, env=None, runner=False):
    if MPIEXEC is None:
        pytest.skip("no MPI launcher (mpiexec) here: pip install './plugins/dezero-plug-mpi[mpich]'")
    reason = MpiCommunicator.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    start = time.monotonic()
    done = subprocess.run(
        [MPIEXEC, "-n", str(n), sys.executable, *(["-m", "dezero_plug_mpi"] if runner else []), str(SCRIPTS / script)]
        + list(map(str, args)),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=None if env is None else {**os.environ, **env},
    )
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def test_found_through_its_entry_point():
    record = plugin_manager.records["mpi"]
    assert (record.source, record.distribution, record.status) == ("entry point", "dezero-plug-mpi", "registered")
    assert record.exports["communicators"] == {"mpi": MpiCommunicator}


def test_without_a_launcher_the_same_script_runs_alone():
    env = {k: v for k, v in os.environ.items() if k not in ("PMI_RANK", "PMI_SIZE", "PMIX_RANK")}
    code = "from dezero_plug.distributed import create_communicator as c; m = c(); print(type(m).__name__, m.size)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.stdout.split() == ["LocalCommunicator", "1"], done.stderr
    assert isinstance(create_communicator(), (LocalCommunicator, MpiCommunicator))


@pytest.mark.parametrize("model", ["mlp", "conv"])
@pytest.mark.parametrize("optimizer", ["SGD", "MomentumSGD", "Adam"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_two_ranks_on_half_batches_equal_one_process_on_whole_batches(model, optimizer, dtype):
    rc, out, err, _ = mpiexec(2, "train_equal.py", model, optimizer, dtype)
    assert rc == 0, out + err
    assert "same" in out, out + err  # rank 0 compared with one process, within 1e-6 (float64) / 1e-5
    digests = dict(re.findall(r"rank (\d) digest ([0-9a-f]{16})", out))  # ranks' lines may interleave
    assert sorted(digests) == ["0", "1"] and len(set(digests.values())) == 1, out  # bitwise equal ranks


@pytest.mark.parametrize("n, size, expected", [(10, 2, [1] * 10), (12, 3, [1] * 12), (10, 3, None)])
def test_scattered_shards_cover_the_dataset_each_epoch(n, size, expected):
    rc, out, err, _ = mpiexec(size, "scatter.py", n, 1)
    assert rc == 0, err
    lines = dict(line.split(" ", 1) for line in out.splitlines())
    assert lines["lens"].split() == [str(-(-n // size))] * size, out  # equal shards of ceil(N / size)
    counts = [int(c) for c in lines["counts"].split()]
    if expected is not None:
        assert counts == expected  # exactly once when size divides N
    else:
        assert min(counts) == 1 and sum(counts) == size * -(-n // size) and sum(c - 1 for c in counts) == size - 1


def test_an_exception_on_one_rank_ends_the_job_naming_the_rank():
    rc, out, err, seconds = mpiexec(2, "fault.py", "raise", timeout=60)
    assert rc != 0 and seconds < 30, (rc, seconds)
    assert "rank 1 of 2: RuntimeError: planted failure on one rank" in err
    assert "finished" not in out


def test_sys_exit_with_a_failure_on_one_rank_ends_the_job_naming_the_rank():
    rc, out, err, seconds = mpiexec(2, "fault.py", "exit", timeout=60)
    assert rc != 0 and seconds < 10, (rc, seconds)
    assert "rank 1 of 2: sys.exit(1): aborting the MPI job" in err
    assert "finished" not in out


@pytest.mark.parametrize("n", [2, 3])
@pytest.mark.parametrize("how", ["systemexit", "return"])
def test_a_rank_that_ends_without_an_error_while_the_others_wait_ends_the_job_naming_it(how, n):
    """``raise SystemExit(1)`` written out, or a loop that stops early: rank 1's process ends normally, so
    no excepthook runs; the watchdog of the ranks waiting in the next all-reduce sees it left."""
    rc, out, err, seconds = mpiexec(n, "fault.py", how, timeout=60)
    assert rc != 0 and seconds < 10, (rc, seconds, err)
    assert re.search(r"rank 1 ended after 15 collectives while rank [02] waits in collective 16 \(allreduce\)", err)


def test_a_rank_that_runs_more_steps_than_the_others_ends_the_job_naming_the_one_that_ended():
    rc, out, err, seconds = mpiexec(2, "fault.py", "more", timeout=60)
    assert rc != 0 and seconds < 10, (rc, seconds, err)
    assert "rank 0 ended after 19 collectives while rank 1 waits in collective 20 (allreduce)" in err


def test_a_rank_that_stalls_ends_the_job_after_the_timeout_naming_it():
    rc, out, err, seconds = mpiexec(3, "fault.py", "sleep", timeout=60, env={"DEZERO_PLUG_MPI_TIMEOUT": "3"})
    assert rc != 0 and 3 <= seconds < 15, (rc, seconds, err)
    assert re.search(r"rank [02] waited 3 s in collective 16 \(allreduce\) for rank 1, which did not arrive", err)
    assert "finished" not in out


def test_started_through_the_runner_a_failure_before_the_communicator_ends_the_job_naming_the_rank():
    rc, out, err, seconds = mpiexec(2, "fault.py", "before", timeout=60, runner=True)
    assert rc != 0 and seconds < 10, (rc, seconds, err)
    assert "rank 1 of 2: RuntimeError: planted failure before the communicator" in err
    assert "finished" not in out


def test_the_runner_runs_the_script_as_main_with_its_arguments():
    rc, out, err, _ = mpiexec(2, "scatter.py", 10, 1, timeout=60, runner=True)
    assert rc == 0, err
    assert dict(line.split(" ", 1) for line in out.splitlines())["lens"].split() == ["5", "5"]


@pytest.mark.parametrize("text", ["0", "-5", "soon", "nan"])
def test_a_timeout_that_is_not_a_positive_number_of_seconds_is_refused_naming_the_variable(text, monkeypatch):
    from dezero_plug_mpi.watchdog import timeout_from_environment

    monkeypatch.setenv("DEZERO_PLUG_MPI_TIMEOUT", text)
    with pytest.raises(ValueError, match=f"DEZERO_PLUG_MPI_TIMEOUT must be a positive number of seconds; got '{text}'"):
        timeout_from_environment()


def test_a_killed_rank_ends_the_job():
    rc, out, err, seconds = mpiexec(2, "fault.py", "kill", timeout=60)
    assert rc != 0 and seconds < 30, (rc, seconds)
    assert "finished" not in out


def test_a_rank_whose_parameter_shapes_differ_is_reported_naming_the_parameter():
    rc, out, err, seconds = mpiexec(2, "mismatch.py", timeout=60)
    assert rc != 0 and seconds < 30
    assert "bcast_data: parameter 'l0/W' has shape (5, 9) on rank 1 but (5, 8) on rank 0" in err
    assert "finished" not in out


@pytest.mark.parametrize("backend", ["array_api_strict", "jax"])
def test_gradients_of_another_backend_are_staged_through_the_host(backend, monkeypatch):
    from dezero_plug import backends

    reason = backends.get_backend(backend).unavailable_reason() if backend in backends.registered() else None
    if backend not in backends.registered() or reason is not None:
        pytest.skip(reason or f"the {backend} backend is not installed here")
    monkeypatch.setenv("DEZERO_PLUG_JAX_X64", "1")  # float64 on jax too (the ranks' own interpreters)
    rc, out, err, _ = mpiexec(2, "train_equal.py", "conv", "Adam", "float64", backend)
    assert rc == 0 and "same" in out, out + err
    digests = dict(re.findall(r"rank (\d) digest ([0-9a-f]{16})", out))
    assert sorted(digests) == ["0", "1"] and len(set(digests.values())) == 1, out


def test_a_gradient_missing_on_one_rank_counts_as_zeros_there_and_the_ranks_stay_equal():
    rc, out, err, _ = mpiexec(2, "nonegrad.py")
    assert rc == 0, err
    # (True|False), not \w+: the launcher may join two ranks' lines ("moved Truerank 0 ...")
    found = re.findall(r"rank (\d) digest ([0-9a-f]{16}) moved (True|False)", out)
    assert sorted(r for r, _, _ in found) == ["0", "1"], out
    assert len({d for _, d, _ in found}) == 1 and {m for _, _, m in found} == {"True"}, out


def test_a_rank_with_one_parameter_more_ends_the_job_naming_it_instead_of_hanging():
    rc, out, err, seconds = mpiexec(2, "mismatch.py", "extra", timeout=60)
    assert rc != 0 and seconds < 30, (rc, seconds)
    assert "bcast_data: parameter 'l1/W' has shape (8, 8) on rank 1 but (8, 3) on rank 0" in err, err
    assert "ranks built different models (rank [1] differ" in err
    assert "finished" not in out


def test_running_statistics_differ_per_rank_and_the_first_update_still_steps():
    rc, out, err, _ = mpiexec(2, "batchnorm.py")
    assert rc == 0, err
    assert sorted(re.findall(r"rank (\d) moved (True|False)", out)) == [("0", "True"), ("1", "True")], out
    assert "warning" not in out


def test_a_first_update_skipped_because_the_ranks_started_apart_says_so():
    rc, out, err, _ = mpiexec(2, "batchnorm.py", "seed-per-rank")
    assert rc == 0, err
    assert sorted(re.findall(r"rank (\d) moved (True|False)", out)) == [("0", "False"), ("1", "False")], out
    assert re.search(r"rank 0 warning MultiNodeOptimizer: the first update was skipped: rank\(s\) \[1\] started", out)
