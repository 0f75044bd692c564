"""Handwritten digits with scikit-learn and dezero_plug: a Pipeline, a grid search, a test accuracy.

Run: python plugins/dezero-plug-sklearn/examples/digits.py [--n-jobs 2] [--seed 0] [--plot curve.png]

The 1,797 8x8 digits bundled inside scikit-learn (real data: no network), split as
train_test_split(X, y, test_size=0.25, random_state=0, stratify=y); StandardScaler then a
DezeroClassifier (an MLP trained by dezero_plug), its learning rate chosen by GridSearchCV with
3-fold cross-validation on the training part; the best pipeline scored on the held-out 25 %.
``--plot`` draws the best pipeline's training loss per epoch (its ``loss_curve_``, refitted on the whole
training part).
"""

from __future__ import annotations

import argparse
import time

from dezero_plug_sklearn import DezeroClassifier
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import dezero_plug as dezero


def main() -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-jobs", type=int, default=2, help="processes of the grid search (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="write the best pipeline's training loss curve to this image (matplotlib)")
    args = parser.parse_args()
    plt = dezero.utils.pyplot() if args.plot else None  # before training: without matplotlib, say so now
    start = time.perf_counter()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipeline = Pipeline([("scale", StandardScaler()), ("net", DezeroClassifier(epochs=20, random_state=args.seed))])
    search = GridSearchCV(pipeline, {"net__lr": [0.001, 0.003]}, cv=3, n_jobs=args.n_jobs)
    search.fit(X_train, y_train)
    accuracy = search.score(X_test, y_test)
    print(f"best {search.best_params_}, cross-validated accuracy {search.best_score_:.4f}")
    print(f"test accuracy {accuracy:.4f} on {len(y_test)} held-out digits ({time.perf_counter() - start:.1f} s)")
    if plt is not None:
        curve = search.best_estimator_.named_steps["net"].loss_curve_
        plt.plot(range(1, len(curve) + 1), curve, label=f"training loss, lr {search.best_params_['net__lr']}")
        plt.xlabel("epoch")
        plt.ylabel("loss")
        plt.legend()
        plt.savefig(args.plot)
        print(f"wrote {args.plot}")
    return accuracy


if __name__ == "__main__":
    main()
