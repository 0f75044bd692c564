"""DezeroClassifier and DezeroRegressor: a dezero_plug model trained inside scikit-learn's estimator contract.

Every constructor argument is an estimator parameter with a default, stored as given (scikit-learn's
rule: ``clone`` and ``GridSearchCV`` rebuild estimators from ``get_params()``). The model is made in
``fit``, from ``module`` — a class or factory called as ``module(n_features, n_outputs)`` that returns a
Layer — or, when ``module`` is None, an MLP of ``hidden_layer_sizes`` and ``activation``. What ``fit``
learns ends in ``_``: ``model_``, ``optimizer_``, ``loss_curve_``, ``classes_``, ``n_features_in_``.

Dtypes at the boundary: scikit-learn works in float64, layers default to float32; ``X`` is cast to
``dtype`` (float64 data into a float32 model is no error), and predictions come back as numpy arrays.
Randomness: ``random_state`` seeds the initial weights and the batch order; numpy's global
generator, which dezero_plug's layers draw their weights from, is restored after the draw.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.base import ClassifierMixin
from sklearn.base import RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from sklearn.utils.validation import validate_data

import dezero_plug as dezero
import dezero_plug.functions as F
from dezero_plug import optimizers

ACTIVATIONS = ("relu", "tanh", "sigmoid")  # names in F: looked up when a model is built, after plugins load


class _DezeroEstimator(BaseEstimator):
    """What the classifier and the regressor share: the parameters, the model, the training loop."""

    def __init__(
        self,
        module: Any = None,
        hidden_layer_sizes: tuple[int, ...] = (100,),
        activation: str = "relu",
        optimizer: Any = "Adam",
        lr: float = 0.001,
        epochs: int = 50,
        batch_size: int = 32,
        backend: str = "numpy",
        dtype: str = "float32",
        random_state: Any = None,
    ) -> None:
        self.module = module
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.backend = backend
        self.dtype = dtype
        self.random_state = random_state

    # ------------------------------------------------------------------ what the subclasses say
    def _loss(self, y: Any, target: Any) -> Any:
        raise NotImplementedError

    def _output(self, y: Any) -> np.ndarray:
        raise NotImplementedError

    # ------------------------------------------------------------------ the model and its training
    def _check_parameters(self) -> None:
        name = type(self).__name__
        for param in ("epochs", "batch_size"):
            value = getattr(self, param)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: {param} must be a positive integer; got {value!r}")
        if self.module is None and self.activation not in ACTIVATIONS:
            raise ValueError(f"{name}: activation must be one of {sorted(ACTIVATIONS)}; got {self.activation!r}")
        if self.module is not None and not callable(self.module):
            raise TypeError(f"{name}: module must be a Layer class or factory, module(n_features, n_outputs)")

    def _build(self, n_features: int, n_outputs: int, seed: int) -> Any:
        """The model, its weights drawn from numpy's global generator seeded by ``seed`` (its state restored)."""
        saved = np.random.get_state()
        np.random.seed(seed)
        try:
            if self.module is None:
                sizes = (*tuple(self.hidden_layer_sizes), n_outputs)
                model = dezero.models.MLP(sizes, activation=getattr(F, self.activation))
            else:
                model = self.module(n_features, n_outputs)
            if not isinstance(model, dezero.Layer):
                raise TypeError(f"{type(self).__name__}: module returned a {type(model).__name__}, not a Layer")
            with dezero.no_grad():  # lazily sized layers draw their weights at the first forward, here
                model(np.zeros((1, n_features), dtype=self.dtype))
        finally:
            np.random.set_state(saved)
        for param in model.params():  # the model computes in ``dtype``, whatever its layers' default
            param.data = np.asarray(param.data, dtype=self.dtype)
        return model.to_backend(self.backend)

    def _make_optimizer(self) -> Any:
        if callable(self.optimizer):
            return self.optimizer(self.lr)
        makers = {
            "SGD": lambda: optimizers.SGD(lr=self.lr),
            "MomentumSGD": lambda: optimizers.MomentumSGD(lr=self.lr),
            "AdaGrad": lambda: optimizers.AdaGrad(lr=self.lr),
            "Adam": lambda: optimizers.Adam(alpha=self.lr),
        }
        if self.optimizer not in makers:
            raise ValueError(
                f"{type(self).__name__}: optimizer must be one of {sorted(makers)} or a factory optimizer(lr); "
                f"got {self.optimizer!r}"
            )
        return makers[self.optimizer]()

    def _fit(self, X: np.ndarray, target: np.ndarray, n_outputs: int) -> _DezeroEstimator:
        self._check_parameters()
        rng = check_random_state(self.random_state)
        backend = dezero.backends.get_backend(self.backend)
        X = np.ascontiguousarray(X, dtype=self.dtype)
        self.model_ = self._build(X.shape[1], n_outputs, int(rng.randint(2**31 - 1)))
        self.optimizer_ = self._make_optimizer().setup(self.model_)
        self.loss_curve_ = []
        n = len(X)
        for _ in range(self.epochs):
            order, total = rng.permutation(n), 0.0
            for start in range(0, n, self.batch_size):
                rows = order[start : start + self.batch_size]
                loss = self._loss(self.model_(backend.from_numpy(X[rows])), backend.from_numpy(target[rows]))
                self.model_.cleargrads()
                loss.backward()
                self.optimizer_.update()
                total += float(loss) * len(rows)
            self.loss_curve_.append(total / n)
        self.n_iter_ = self.epochs
        return self

    def _forward(self, X: Any) -> np.ndarray:
        """The model's outputs for ``X`` as a numpy array, in inference mode."""
        check_is_fitted(self, "model_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        backend = dezero.backends.get_backend(self.backend)
        with dezero.no_grad(), dezero.test_mode():
            y = self.model_(backend.from_numpy(np.ascontiguousarray(X, dtype=self.dtype)))
        return self._output(y)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False  # deterministic given random_state
        return tags


class DezeroClassifier(ClassifierMixin, _DezeroEstimator):
    """A dezero_plug model as a scikit-learn classifier: softmax cross entropy over ``classes_``.

    Example::

        from sklearn.datasets import load_digits
        X, y = load_digits(return_X_y=True)
        DezeroClassifier(epochs=20, random_state=0).fit(X / 16, y).score(X / 16, y)   # about 0.99
    """

    def fit(self, X: Any, y: Any) -> DezeroClassifier:
        """Train on ``X`` (n_samples, n_features) and labels ``y`` of any type (ints, strings ...)."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        return self._fit(X, labels.astype(np.int64), len(self.classes_))

    def _loss(self, y: Any, target: Any) -> Any:
        return F.softmax_cross_entropy(y, target)

    def _output(self, y: Any) -> np.ndarray:
        return np.asarray(F.softmax(y), dtype=np.float64)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The probability of each class, columns in the order of ``classes_``."""
        proba = self._forward(X)
        return proba / proba.sum(axis=1, keepdims=True)  # float32 softmax, renormalised in float64

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        proba = self._forward(X)  # first: it says NotFittedError before fit
        return self.classes_[np.argmax(proba, axis=1)]


class DezeroRegressor(RegressorMixin, _DezeroEstimator):
    """A dezero_plug model as a scikit-learn regressor: mean squared error; ``y`` of shape (n,) or (n, k)."""

    def fit(self, X: Any, y: Any) -> DezeroRegressor:
        """Train on ``X`` (n_samples, n_features) and targets ``y``, (n_samples,) or (n_samples, n_targets)."""
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], y_numeric=True, multi_output=True)
        self._single_target = y.ndim == 1
        target = np.asarray(y, dtype=self.dtype).reshape(len(y), -1)
        return self._fit(X, target, target.shape[1])

    def _loss(self, y: Any, target: Any) -> Any:
        return F.mean_squared_error(y, target)

    def _output(self, y: Any) -> np.ndarray:
        out = np.asarray(y, dtype=np.float64)
        return out[:, 0] if self._single_target else out

    def predict(self, X: Any) -> np.ndarray:
        """The predicted targets, of the shape ``y`` had in ``fit``."""
        return self._forward(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
