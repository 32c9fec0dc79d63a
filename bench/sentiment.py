"""Sentiment benchmark: our scorer vs stock SnowNLP (``SnowNLP(text).sentiments``), side by
side in one run on the same held-out texts, one core. Prints one JSON object:

* per data set (held-out test splits of ../shared/data/sentiment, see
  sentiment/corpora.py): accuracy (binary: score > 0.5; three-way: our labels, and
  SnowNLP's best neutral band found on that same sample, which flatters SnowNLP) of
  ours on the whole split and of both on the sample SnowNLP scores (it is slow);
* throughput on the sample: texts/s of ours (batch and one call per text) and of
  SnowNLP, and the ratio;
* model load time and resident memory, measured in a fresh interpreter;
* time to analyse a 10,000-character post;
* polarity *toward a company* (../shared/data/brand): the per-company finance test split
  scored toward each row's company (negative precision/recall/F1), beside SnowNLP's
  document score (< 0.5 = negative) and our document label on the same sample; the
  speed of per-company scoring of 3,000-character articles; and the demo crisis's
  texts (radar/demo/crisis.py, never trained on) read toward 极光汽车.

With ``--retrain-snownlp`` SnowNLP's own classifier (naive Bayes over its segmentation)
is also retrained on the weibo2018 training split and scored on the weibo2018 sample: the
"SnowNLP way" of adapting it, for comparison (slow: minutes).

With ``--compare MODEL`` another model file (e.g. the previous one, from git) is scored
on the same full splits in the same run: its figures and batch texts/s beside ours.

Without ../shared it runs on generated Weibo-like texts (throughput figures only).

    .venv/bin/python bench/sentiment.py [--sample 300] [--data DIR] [--retrain-snownlp]
        [--compare OLD_MODEL.npz]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, for both scorers
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

# this file is named like the package it measures: keep bench/ itself off the path
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

import numpy as np  # noqa: E402

from sentiment import Target, analyze, analyze_batch, configure, get_model  # noqa: E402
from sentiment.corpora import Rows, load_corpora, load_entity_corpus  # noqa: E402
from sentiment.metrics import LABELS, binary_report, three_way_report  # noqa: E402
from sentiment.train import DEFAULT_DATA_DIR, tune_neutral_band  # noqa: E402

DATASETS = ("weibo2018", "smp2020_virus", "waimai", "hotel", "news", "car_forum")

LOAD_PROBE = """
import json, os, time
def rss():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
t = time.perf_counter(); before = rss()
import sentiment
sentiment.get_model()
loaded = time.perf_counter() - t; after_load = rss()
sentiment.analyze_batch(["测试一下，这家店的外卖太慢了[怒]"] * 1000)
print(json.dumps({"load_seconds": round(loaded, 3), "rss_mb_before": round(before, 1),
                  "rss_mb_loaded": round(after_load, 1), "rss_mb_after_scoring": round(rss(), 1)}))
"""


def measure_load() -> dict[str, Any]:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", LOAD_PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def generated_texts(n: int, seed: int = 0) -> Rows:
    rng = random.Random(seed)
    parts = [
        "这家店",
        "外卖",
        "快递",
        "客服",
        "酒店",
        "[怒]",
        "[哈哈]",
        "太慢了",
        "很好吃",
        "差评",
        "点赞",
        "//@小王:",
        "#维权#",
        "退款",
        "服务态度",
        "下次还来",
    ]
    rows = Rows()
    for _ in range(n):
        rows.add("".join(rng.choice(parts) for _ in range(rng.randint(3, 20))), 2)
    return rows


def snownlp_scores(texts: list[str]) -> tuple[np.ndarray, float]:
    from snownlp import SnowNLP

    started = time.perf_counter()
    scores = [SnowNLP(t).sentiments if t.strip() else 0.5 for t in texts]
    return np.asarray(scores), time.perf_counter() - started


def retrained_snownlp(train: Rows, test_texts: list[str]) -> tuple[np.ndarray, float]:
    """SnowNLP's Sentiment classifier retrained on ``train`` (binary rows), scored."""
    from snownlp.sentiment import Sentiment

    classifier = Sentiment()
    neg = [t for t, y in zip(train.texts, train.labels, strict=True) if y == 0]
    pos = [t for t, y in zip(train.texts, train.labels, strict=True) if y == 2]
    classifier.train(neg, pos)
    started = time.perf_counter()
    scores = [classifier.classify(t) if t.strip() else 0.5 for t in test_texts]
    return np.asarray(scores), time.perf_counter() - started


def report(labels: np.ndarray, scores: np.ndarray, predicted: np.ndarray | None) -> dict:
    if 1 in labels:
        return three_way_report(labels, predicted)
    return binary_report(labels == 2, scores > 0.5)


def bench_dataset(name: str, rows: Rows, sample: int, rng: random.Random) -> dict[str, Any]:
    labels = np.asarray(rows.labels)
    started = time.perf_counter()
    ours = analyze_batch(rows.texts)
    ours_seconds = time.perf_counter() - started
    ours_scores = np.asarray([a.score for a in ours])
    ours_pred = np.asarray([LABELS.index(a.label) for a in ours])

    idx = sorted(rng.sample(range(len(rows)), min(sample, len(rows))))
    texts = [rows.texts[i] for i in idx]
    sample_labels = labels[idx]
    started = time.perf_counter()
    ours_sample = analyze_batch(texts)
    ours_sample_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for t in texts:
        analyze(t)
    ours_single_seconds = time.perf_counter() - started
    snow, snow_seconds = snownlp_scores(texts)
    snow_pred = None
    snow_band = None
    if 1 in labels:
        snow_band = tune_neutral_band(snow, sample_labels)
        snow_pred = np.where(snow < snow_band[0], 0, np.where(snow > snow_band[1], 2, 1))
    return {
        "test_split_size": len(rows),
        "ours_full_split": report(labels, ours_scores, ours_pred),
        "ours_full_split_texts_per_s": round(len(rows) / ours_seconds, 1),
        "sample_size": len(texts),
        "ours_on_sample": report(
            sample_labels,
            np.asarray([a.score for a in ours_sample]),
            np.asarray([LABELS.index(a.label) for a in ours_sample]),
        ),
        "snownlp_on_sample": report(sample_labels, snow, snow_pred),
        **({"snownlp_best_band_on_sample": snow_band} if snow_band else {}),
        "texts_per_s": {
            "ours_batch": round(len(texts) / ours_sample_seconds, 1),
            "ours_one_by_one": round(len(texts) / ours_single_seconds, 1),
            "snownlp": round(len(texts) / snow_seconds, 1),
        },
        "speedup_batch_vs_snownlp": round(snow_seconds / ours_sample_seconds, 1),
        "speedup_one_by_one_vs_snownlp": round(snow_seconds / ours_single_seconds, 1),
    }


def negative_report(truth: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of the negative class (booleans: negative?)."""
    tp = int(np.sum(truth & predicted))
    precision = tp / max(1, int(predicted.sum()))
    recall = tp / max(1, int(truth.sum()))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def bench_entities(data: Path, sample: int, rng: random.Random) -> dict[str, Any] | None:
    """Negative toward the company, on the per-company test split (split by text)."""
    corpus = load_entity_corpus(data)
    if corpus is None:
        return None
    rows = corpus.test
    targets = [
        [Target(t, (t,))] + [Target(o, (o,)) for o in others]
        for t, others in zip(rows.targets, rows.others, strict=True)
    ]
    started = time.perf_counter()
    results = analyze_batch(rows.texts, targets=targets)
    seconds = time.perf_counter() - started
    truth = np.asarray(rows.labels) == 1
    toward = np.asarray(
        [a.brands[t].label == "negative" for a, t in zip(results, rows.targets, strict=True)]
    )
    document = np.asarray([a.label == "negative" for a in results])
    idx = sorted(rng.sample(range(len(rows)), min(sample, len(rows))))
    snow, _ = snownlp_scores([rows.texts[i] for i in idx])
    return {
        "test_rows": len(rows),
        "test_texts": len(set(rows.texts)),
        "ours_toward_company": negative_report(truth, toward),
        "ours_document_label": negative_report(truth, document),
        "rows_per_s": round(len(rows) / seconds, 1),
        "sample_size": len(idx),
        "ours_toward_company_on_sample": negative_report(truth[idx], toward[idx]),
        "snownlp_document_on_sample": negative_report(truth[idx], snow < 0.5),
    }


def bench_articles(texts: list[str], n: int = 300) -> dict[str, Any]:
    """Per-company scoring of 3,000-character articles: two companies named somewhere
    in long text made from held-out news/forum texts."""
    rng = random.Random(7)
    pool = texts or [t for t in generated_texts(200).texts]
    pair = [Target("极光汽车", ("极光汽车",)), Target("清泉乳业", ("清泉乳业",))]

    def articles(count: int) -> list[str]:
        out = []
        for _ in range(count):
            body = ""
            while len(body) < 3000:
                body += rng.choice(pool) + "。"
            a, b = sorted(rng.sample(range(200, 2800), 2))
            out.append((body[:a] + "极光汽车" + body[a:b] + "清泉乳业" + body[b:])[:3000])
        return out

    # a process's first long batch also pays for numpy's first large allocations (page
    # faults): 30 other articles first, so the figure is the service's steady rate
    analyze_batch(articles(30), targets=[pair] * 30)
    measured = articles(n)
    started = time.perf_counter()
    analyze_batch(measured, targets=[pair] * n)
    seconds = time.perf_counter() - started
    return {"articles": n, "chars": 3000, "articles_per_s": round(n / seconds, 1)}


def bench_demo_crisis() -> dict[str, Any]:
    """The demo crisis's texts toward 极光汽车: its posts, echoes, threats, news article
    and the reposts' own words read with the big account's post they repost."""
    from radar.demo.crisis import crisis_script

    script = crisis_script("极光汽车", "极光X7")
    posts = [
        f"{script.origin_title}\n{script.origin_text}",
        *script.echoes,
        script.kol_text,
        script.fire_text,
        *script.threats,
        f"{script.headline}\n{script.article}",
        script.reporter_text,
    ]
    reposts = [f"{c}//@{script.kol_name}:{script.kol_text}" for c in script.repost_comments]
    comments = list(script.angry_comments)
    texts = posts + reposts + comments
    contexts = [None] * (len(posts) + len(reposts)) + [script.kol_text] * len(comments)
    target = [Target("极光汽车", ("极光汽车", "极光X7"))]
    results = analyze_batch(texts, targets=[target] * len(texts), contexts=contexts)

    def share(part: list[Any]) -> dict[str, float]:
        return {
            "document_negative": round(np.mean([a.label == "negative" for a in part]), 3),
            "toward_brand_negative": round(
                np.mean([a.brands["极光汽车"].label == "negative" for a in part]), 3
            ),
        }

    return {
        "texts": len(texts),
        "all": share(results),
        "posts": share(results[: len(posts)]),
        "reposts": share(results[len(posts) : len(posts) + len(reposts)]),
        "comments": share(results[len(posts) + len(reposts) :]),
    }


def compare(model_file: Path, sets: dict[str, Rows]) -> dict[str, Any]:
    """Figures and batch speed of another model on the same full splits."""
    configure(model_path=model_file)
    try:
        get_model()
        analyze_batch(["预热"])
        out: dict[str, Any] = {}
        for name, rows in sets.items():
            started = time.perf_counter()
            results = analyze_batch(rows.texts)
            seconds = time.perf_counter() - started
            labels = np.asarray(rows.labels)
            scores = np.asarray([a.score for a in results])
            predicted = np.asarray([LABELS.index(a.label) for a in results])
            out[name] = {
                "full_split": report(labels, scores, predicted),
                "texts_per_s": round(len(rows) / seconds, 1),
            }
        return out
    finally:
        configure(model_path=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=300, help="texts per data set for SnowNLP")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--seed", type=int, default=0, help="seed of the SnowNLP sample")
    parser.add_argument(
        "--retrain-snownlp",
        action="store_true",
        help="also retrain SnowNLP's classifier on the weibo2018 train split",
    )
    parser.add_argument("--compare", type=Path, help="another model file, scored side by side")
    args = parser.parse_args()

    result: dict[str, Any] = {"load": measure_load()}
    get_model()
    analyze_batch(["预热"])
    from snownlp import SnowNLP

    SnowNLP("预热").sentiments  # noqa: B018 — load SnowNLP's models outside the timing
    rng = random.Random(args.seed)
    corpora = {c.name: c for c in load_corpora(args.data, names=DATASETS)}
    result["data"] = str(args.data) if corpora else "generated (../shared not found)"
    sets = {n: corpora[n].test for n in DATASETS if n in corpora} or {
        "generated": generated_texts(2000)
    }
    result["datasets"] = {
        name: bench_dataset(name, rows, args.sample, rng) for name, rows in sets.items()
    }
    if args.compare:
        result["compared_model"] = {"file": str(args.compare), **compare(args.compare, sets)}
    if args.retrain_snownlp and "weibo2018" in corpora:
        weibo = corpora["weibo2018"]
        sample_rng = random.Random(args.seed)
        idx = sorted(sample_rng.sample(range(len(weibo.test)), min(args.sample, len(weibo.test))))
        labels = np.asarray([weibo.test.labels[i] for i in idx])
        scores, seconds = retrained_snownlp(weibo.train, [weibo.test.texts[i] for i in idx])
        ours = np.asarray([a.score for a in analyze_batch([weibo.test.texts[i] for i in idx])])
        result["snownlp_retrained_on_weibo2018_train"] = {
            "train_size": len(weibo.train),
            "sample_size": len(idx),
            "snownlp_retrained": binary_report(labels == 2, scores > 0.5),
            "ours_same_sample": binary_report(labels == 2, ours > 0.5),
            "snownlp_retrained_texts_per_s": round(len(idx) / seconds, 1),
        }
    all_texts = [t for rows in sets.values() for t in rows.texts]
    started = time.perf_counter()
    analyze_batch(all_texts)
    result["ours_batch_texts_per_s_all_test_splits"] = round(
        len(all_texts) / (time.perf_counter() - started), 1
    )
    long_post = ("这家店的外卖太慢了，客服也不理人，我要投诉到12315！" * 400)[:10_000]
    started = time.perf_counter()
    analyze(long_post)
    result["seconds_for_10000_char_post"] = round(time.perf_counter() - started, 4)
    result["toward_company"] = bench_entities(args.data, args.sample, rng)
    long_texts = [t for n in ("news", "car_forum") if n in sets for t in sets[n].texts]
    result["articles_3000_chars"] = bench_articles(long_texts)
    result["demo_crisis_toward_brand"] = bench_demo_crisis()
    ratios = [d["speedup_batch_vs_snownlp"] for d in result["datasets"].values()]
    result["speedup_batch_vs_snownlp_min"] = min(ratios)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
