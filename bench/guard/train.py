"""Train the shipped `prompt_injection` and `toxicity` models (reproducible: fixed seeds, sorted inputs).

    .venv/bin/python bench/guard/train.py [--shared ../shared/data] [--check NAME]

Needs scikit-learn (the `dev` extra); Bastion itself only reads the exported JSON. Data, with sources
and licences in `bench/guard/DATA.md`:

- prompt_injection: `<shared>/prompt-injection/train.jsonl` + `corpus_injection.py` (hand-written)
- toxicity: `<shared>/toxicity/train.jsonl` + `corpus_toxicity.py` (hand-written)

Features are `bastion.guard.features.features` (the function the gateway scores with): each text's
count vector is divided by sqrt(number of feature occurrences, known or not), as `LinearModel.logit`
does. The model is an L2 logistic regression; hand-written examples weigh `HAND_WEIGHT` times a shared
row, and the classes are balanced. Only the `MAX_FEATURES` strongest features of a first fit are kept
(the model is refit on them: a small table is faster to probe); weights below `MIN_WEIGHT` are dropped
and the rest rounded, to keep the file small. Scores are Platt-calibrated on out-of-fold logits.
Writes `src/bastion/guard/models/<check>.json` and prints held-out figures (`bench/guard/heldout/`).
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from pathlib import Path

import numpy as np
import orjson
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT / "src"), str(HERE)]

import corpus_injection  # noqa: E402
import corpus_toxicity  # noqa: E402

from bastion.guard.features import features  # noqa: E402
from bastion.guard.linear import LinearModel  # noqa: E402

HAND_WEIGHT = 6.0
MIN_WEIGHT = 0.02
MIN_DF = 2
MAX_FEATURES = 20_000
SETTINGS = {
    "prompt_injection": {"shared": "prompt-injection/train.jsonl", "corpus": corpus_injection, "C": 8.0},
    "toxicity": {"shared": "toxicity/train.jsonl", "corpus": corpus_toxicity, "C": 4.0},
}


def read_jsonl(path: Path) -> list[tuple[str, int]]:
    rows = [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]
    return [(r["text"], int(r["label"])) for r in rows]


def matrix(texts: list[str], vocab: dict[str, int]) -> csr_matrix:
    rows, cols, vals = [], [], []
    for i, text in enumerate(texts):
        found = features(text)
        norm = 1.0 / math.sqrt(len(found)) if found else 0.0
        for f in found:  # repeats add up in the sparse matrix, as they do in `LinearModel.logit`
            j = vocab.get(f)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(norm)
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), len(vocab)), dtype=np.float64)


def build_vocab(texts: list[str]) -> dict[str, int]:
    df: dict[str, int] = {}
    for text in texts:
        for f in set(features(text)):
            df[f] = df.get(f, 0) + 1
    kept = sorted(f for f, n in df.items() if n >= MIN_DF)
    return {f: i for i, f in enumerate(kept)}


def train(check: str, shared: Path) -> LinearModel:
    cfg = SETTINGS[check]
    shared_rows = sorted(read_jsonl(shared / cfg["shared"]))
    hand_rows = sorted(cfg["corpus"].examples())
    texts = [t for t, _ in shared_rows] + [t for t, _ in hand_rows]
    labels = np.array([y for _, y in shared_rows] + [y for _, y in hand_rows])
    weight = np.array([1.0] * len(shared_rows) + [HAND_WEIGHT] * len(hand_rows))
    for cls in (0, 1):  # balance the classes by total weight
        mask = labels == cls
        weight[mask] *= weight.sum() / (2 * weight[mask].sum())
    vocab = build_vocab(texts)
    x = matrix(texts, vocab)
    if len(vocab) > MAX_FEATURES:  # keep the strongest features and refit: a small table scores faster
        first = LogisticRegression(C=cfg["C"], max_iter=3000, solver="liblinear", random_state=15)
        coef = first.fit(x, labels, sample_weight=weight).coef_[0]
        keep = sorted(np.argsort(-np.abs(coef))[:MAX_FEATURES])
        x = x[:, keep]
        names = sorted(vocab, key=vocab.__getitem__)
        vocab = {names[j]: i for i, j in enumerate(keep)}
    def fit(rows: np.ndarray) -> LogisticRegression:
        clf = LogisticRegression(C=cfg["C"], max_iter=3000, solver="liblinear", random_state=15)
        return clf.fit(x[rows], labels[rows], sample_weight=weight[rows])

    # Platt scaling on 5-fold out-of-fold logits: a score reads as a probability (thresholds mean something)
    oof = np.zeros(len(texts))
    for train_rows, test_rows in StratifiedKFold(5, shuffle=True, random_state=15).split(x, labels):
        oof[test_rows] = fit(train_rows).decision_function(x[test_rows])
    platt = LogisticRegression(C=1e4).fit(oof.reshape(-1, 1), labels, sample_weight=weight)
    a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
    clf = fit(np.arange(len(texts)))
    coef = clf.coef_[0] * a
    weights = {f: round(float(coef[j]), 3) for f, j in vocab.items() if abs(coef[j]) >= MIN_WEIGHT}
    meta = {
        "check": check,
        "trained_on": {
            "shared": cfg["shared"],
            "shared_rows": len(shared_rows),
            "hand_rows": len(hand_rows),
            "digest": hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16],
        },
        "features": len(weights),
        "C": cfg["C"],
    }
    meta["platt"] = [round(a, 4), round(b, 4)]
    return LinearModel(weights, round(float(clf.intercept_[0]) * a + b, 4), meta)


def export(model: LinearModel, path: Path) -> None:
    doc = {"meta": model.meta, "bias": model.bias, "weights": dict(sorted(model.weights.items()))}
    path.write_bytes(orjson.dumps(doc))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--check", choices=sorted(SETTINGS), action="append")
    args = ap.parse_args()
    for check in args.check or sorted(SETTINGS):
        model = train(check, args.shared)
        out = ROOT / "src" / "bastion" / "guard" / "models" / f"{check}.json"
        export(model, out)
        rows = read_jsonl(HERE / "heldout" / f"{check}.jsonl")
        scores = [(model.score(t), y) for t, y in rows]
        for threshold in (0.3, 0.5, 0.7, 0.8):
            tp = sum(1 for s, y in scores if y and s >= threshold)
            fp = sum(1 for s, y in scores if not y and s >= threshold)
            pos = sum(y for _, y in scores)
            print(f"{check} t={threshold}: recall {tp / pos:.3f} fpr {fp / (len(scores) - pos):.3f}")
        print(f"{check}: {len(model.weights)} weights, {out.stat().st_size / 1e6:.2f} MB -> {out}")


if __name__ == "__main__":
    main()
