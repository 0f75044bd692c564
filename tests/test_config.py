"""Config, using_config, no_grad, test_mode: per thread and per asyncio task."""

import asyncio
import threading

import numpy as np
import pytest

import dezero_plug as dezero
from dezero_plug import Config


def test_no_grad_and_test_mode_restore_on_exit():
    assert Config.enable_backprop and Config.train
    with dezero.no_grad():
        assert not Config.enable_backprop
        with dezero.test_mode():
            assert not Config.train
        assert Config.train
    assert Config.enable_backprop


def test_restores_after_an_exception():
    with pytest.raises(RuntimeError), dezero.using_config("train", False):
        raise RuntimeError
    assert Config.train


def test_unknown_mode_is_a_value_error():
    with pytest.raises(ValueError, match=r"using_config: unknown mode 'enable_backpro'"):
        with dezero.using_config("enable_backpro", False):
            pass


def test_two_threads_do_not_see_each_others_mode():
    inside, release = threading.Event(), threading.Event()
    seen = {}

    def in_no_grad():
        with dezero.no_grad():
            inside.set()
            release.wait(5)
            seen["no_grad thread"] = Config.enable_backprop

    def plain():
        inside.wait(5)
        x = dezero.Variable(np.array(1.0))
        seen["plain thread"] = Config.enable_backprop
        seen["plain records"] = (x * 2).creator is not None
        release.set()

    threads = [threading.Thread(target=in_no_grad), threading.Thread(target=plain)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert seen == {"no_grad thread": False, "plain thread": True, "plain records": True}


def test_asyncio_tasks_are_isolated():
    async def worker(flag, gate, other_gate):
        with dezero.using_config("train", flag):
            gate.set()
            await other_gate.wait()
            return Config.train

    async def main():
        a, b = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(worker(False, a, b), worker(True, b, a))

    assert asyncio.run(main()) == [False, True]
