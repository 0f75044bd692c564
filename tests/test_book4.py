"""What the DeZero code of *Deep Learning from Scratch 4* (reinforcement learning) asks of the framework.

Its files are not ours to copy; these agents are written here, on a stand-in environment, and make the calls
that book's DQN, REINFORCE and actor-critic make, in the same way: ``qs[np.arange(n), action]``,
``max(axis=1)`` then ``unchain()``, a target network synced by ``copy.deepcopy``, ``len(probs)`` and
``probs.data`` fed to ``np.random.choice``, ``probs[action]`` kept across steps, a loss started from the
int ``0``, ``F.log`` of a 0-d probability, ``optimizers.Adam(lr).setup(model)`` chained. Each asserts
something a bug would break: the policy learns the rewarded action, the target network is independent.
(``ch07/dezero1.py`` runs whole in test_book_steps.py; what else of the book ran is in the README.)
"""

import copy

import numpy as np
import pytest

import dezero_plug.functions as F
import dezero_plug.layers as L
from dezero_plug import Model
from dezero_plug import optimizers

pytestmark = pytest.mark.backend("numpy")  # book code is numpy code


class Corridor:
    """Gym's old API: ``reset() -> state``, ``step(a) -> (state, reward, done, info)``; action 1 pays."""

    def reset(self):
        self.t = 0
        return np.array([0.0, 1.0, 0.5, -0.5])

    def step(self, action):
        self.t += 1
        state = np.array([self.t / 4, 1.0, 0.5, -0.5])
        return state, float(action == 1), self.t >= 4, {}


class Net(Model):
    def __init__(self, out_size, softmax=False):
        super().__init__()
        self.l1 = L.Linear(16)
        self.l2 = L.Linear(out_size)
        self.softmax = softmax

    def forward(self, x):
        x = self.l2(F.relu(self.l1(x)))
        return F.softmax(x) if self.softmax else x


def test_a_dqn_with_a_replay_batch_and_a_deep_copied_target_network():
    np.random.seed(0)
    qnet, env = Net(2), Corridor()
    target = copy.deepcopy(qnet)  # before its first call: the layers make their weights lazily
    optimizer = optimizers.Adam(0.01).setup(qnet)
    buffer = []
    for episode in range(30):
        state, done = env.reset(), False
        while not done:
            action = np.random.choice(2) if np.random.rand() < 0.3 else qnet(state[np.newaxis, :]).data.argmax()
            next_state, reward, done, info = env.step(action)
            buffer.append((state, action, reward, next_state, done))
            state = next_state
            if len(buffer) >= 8:
                batch = [buffer[i] for i in np.random.choice(len(buffer), 8)]
                s, a, r, s2, d = (np.array([b[k] for b in batch]) for k in range(5))
                q = qnet(s)[np.arange(8), a]
                next_q = target(s2).max(axis=1)
                next_q.unchain()
                loss = F.mean_squared_error(q, r + (1 - d.astype(np.int32)) * 0.9 * next_q)
                qnet.cleargrads()
                loss.backward()
                optimizer.update()
        if episode % 5 == 0:
            target = copy.deepcopy(qnet)
    assert not np.shares_memory(target.l1.W.data, qnet.l1.W.data)  # a copy, not the trained weights themselves
    qs = qnet(env.reset()[np.newaxis, :]).data
    # untrained about -0.39 for both; paying 1 a step for 4 steps at gamma 0.9 is worth 1 + 0.9 + 0.81 + 0.73 = 3.4
    assert qs.shape == (1, 2) and qs[0, 1] > 2.5 and qs[0, 1] - qs[0, 0] > 0.5


def test_reinforce_and_actor_critic_learn_the_rewarded_action():
    np.random.seed(0)
    for kind in ("reinforce", "actor_critic"):
        pi, v, env = Net(2, softmax=True), Net(1), Corridor()
        opt_pi = optimizers.Adam(0.01).setup(pi)
        opt_v = optimizers.Adam(0.01).setup(v)
        for _ in range(60):
            state, done, memory = env.reset(), False, []
            while not done:
                probs = pi(state[np.newaxis, :])[0]
                action = np.random.choice(len(probs), p=probs.data)
                next_state, reward, done, info = env.step(action)
                if kind == "reinforce":
                    memory.append((reward, probs[action]))
                else:
                    target = reward + 0.9 * v(next_state[np.newaxis, :]) * (1 - done)
                    target.unchain()
                    value = v(state[np.newaxis, :])
                    loss_v = F.mean_squared_error(value, target)
                    v.cleargrads()
                    loss_v.backward()
                    opt_v.update()
                    delta = target - value
                    delta.unchain()
                    loss_pi = -F.log(probs[action]) * delta
                    pi.cleargrads()
                    loss_pi.backward()
                    opt_pi.update()
                state = next_state
            if kind == "reinforce":
                G, loss = 0, 0
                for reward, prob in reversed(memory):
                    G = reward + 0.9 * G
                    loss += -F.log(prob) * G
                pi.cleargrads()
                loss.backward()
                opt_pi.update()
        assert pi(env.reset()[np.newaxis, :]).data[0, 1] > 0.8, kind  # it learned to take action 1 (untrained: 0.69)
