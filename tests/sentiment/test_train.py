"""Training reproducibility and the eval command, on a small synthetic corpus written here
(the real corpora live in ../shared and are not needed)."""

from __future__ import annotations

import csv
import dataclasses
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from radar.cli import cli
from sentiment.corpora import load_corpora, split
from sentiment.model import ModelFileError, SentimentModel, softmax
from sentiment.neural_train import NeuralSettings
from sentiment.train import Expert, TrainSettings, train

POSITIVE = ["很好", "满意", "点赞", "好评", "开心", "喜欢", "推荐", "[哈哈]", "[爱你]", "赞"]
NEGATIVE = ["太差", "失望", "垃圾", "差评", "生气", "难吃", "投诉", "[怒]", "[泪]", "坑"]
NEUTRAL = ["今天", "发布", "通知", "下午", "会议", "地点", "时间", "公告", "安排", "显示"]
SUBJECTS = ["这家店", "快递", "客服", "酒店", "外卖", "手机", "这次活动", "房间"]

SMALL = TrainSettings(n_features=2**12, max_iter=200, neural=None)  # linear: no torch needed
TINY_CNN = NeuralSettings(dim=8, filters=8, widths=(2, 3), epochs=2, word2vec_epochs=1)


def _post(rng: random.Random, words: list[str]) -> str:
    return rng.choice(SUBJECTS) + "".join(rng.choice(words) for _ in range(3))


def write_corpus(folder: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "weibo2018_train.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["label", "text"])
        for i in range(300):
            w.writerow([i % 2, _post(rng, POSITIVE if i % 2 else NEGATIVE) + str(i)])
    with (folder / "smp2020_virus_weibo.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["emotion", "polarity", "text"])
        for i in range(300):
            kind = ("negative", "neutral", "positive", "mixed")[i % 4]
            words = {"negative": NEGATIVE, "positive": POSITIVE}.get(kind, NEUTRAL)
            w.writerow(["x", kind, _post(rng, words) + str(i)])
    return folder


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


def test_splits_are_deterministic_and_disjoint(corpus: Path) -> None:
    a = load_corpora(corpus, seed=5)
    b = load_corpora(corpus, seed=5)
    c = load_corpora(corpus, seed=6)
    assert [x.test.texts for x in a] == [x.test.texts for x in b]
    assert [x.test.texts for x in a] != [x.test.texts for x in c]
    for part in a:
        held_out = set(part.test.texts) | set(part.val.texts)
        assert not held_out & set(part.train.texts)
        assert set(part.test.texts).isdisjoint(part.val.texts)
    smp = next(x for x in a if x.name == "smp2020_virus")
    assert len(smp.train) + len(smp.val) + len(smp.test) == 225  # "mixed" rows dropped


def test_texts_held_out_anywhere_are_never_trained_on(tmp_path: Path) -> None:
    write_corpus(tmp_path)
    # a second corpus repeating the first one's rows, as the review corpora do
    (tmp_path / "waimai_train.csv").write_bytes((tmp_path / "weibo2018_train.csv").read_bytes())
    corpora = load_corpora(tmp_path)
    held_out = {t for c in corpora for t in (*c.val.texts, *c.test.texts)}
    assert all(held_out.isdisjoint(c.train.texts) for c in corpora)


def test_split_shares() -> None:
    from sentiment.corpora import Rows

    rows = Rows([str(i) for i in range(1000)], [0] * 1000)
    parts = split(rows, "x")
    assert (len(parts.train), len(parts.val), len(parts.test)) == (800, 100, 100)


def test_training_is_reproducible_byte_for_byte(corpus: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.npz", tmp_path / "b.npz"
    train(corpus, seed=3, settings=SMALL).save(first)
    train(corpus, seed=3, settings=SMALL).save(second)
    assert first.read_bytes() == second.read_bytes()
    train(corpus, seed=4, settings=SMALL).save(tmp_path / "c.npz")
    assert (tmp_path / "c.npz").read_bytes() != first.read_bytes()


def test_trained_model_learns_and_records_figures(corpus: Path, tmp_path: Path) -> None:
    model = train(corpus, seed=3, settings=SMALL)
    model.save(tmp_path / "m.npz")
    loaded = SentimentModel.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.weights, model.weights)
    scores = loaded.scores(["这家店很好满意点赞", "这家店太差垃圾差评"])
    assert scores[0] > 0.5 > scores[1]
    assert loaded.neutral_low <= loaded.neutral_high
    figures = loaded.meta["figures"]
    assert figures["weibo2018/test"]["accuracy"] > 0.9
    assert "macro_f1" in figures["smp2020_virus/test"]
    assert loaded.meta["data"]["weibo2018"] == {"train": 240, "val": 30, "test": 30}


def test_train_command_writes_a_loadable_model(corpus: Path, tmp_path: Path, monkeypatch) -> None:
    import sentiment.train as train_module

    monkeypatch.setattr(train_module, "TrainSettings", lambda: SMALL)
    out = tmp_path / "cli.npz"
    result = CliRunner().invoke(
        cli, ["sentiment", "train", "--out", str(out), "--data", str(corpus), "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == _saved(train(corpus, seed=3, settings=SMALL), tmp_path)


def _saved(model: SentimentModel, folder: Path) -> bytes:
    path = folder / "direct.npz"
    model.save(path)
    return path.read_bytes()


def test_train_command_without_data_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["sentiment", "train", "--out", str(tmp_path / "m.npz"), "--data", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no training corpora found" in result.output


@pytest.fixture
def without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the [train] extra (torch) were not installed."""
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "torch" else real_find_spec(name, *a),
    )


@pytest.mark.usefixtures("without_torch")
def test_train_command_without_the_train_extra_says_so(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sentiment.train as train_module

    with_cnn = TrainSettings(n_features=2**12, max_iter=200, neural=TINY_CNN)
    monkeypatch.setattr(train_module, "TrainSettings", lambda: with_cnn)
    out = tmp_path / "m.npz"
    result = CliRunner().invoke(
        cli, ["sentiment", "train", "--out", str(out), "--data", str(corpus)]
    )
    assert result.exit_code == 2
    assert "needs torch" in result.output and "[train]" in result.output
    assert not out.exists()


def test_a_broken_model_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ModelFileError, match=r"broken\.npz"):
        SentimentModel.load(bad)


# -- radar sentiment eval ---------------------------------------------------------------


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_eval_binary_json(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "b.csv",
        ["label", "text"],
        [
            ["1", "酒店房间干净，服务很好，下次还来"],
            ["0", "送餐太慢了，饭菜都凉了，差评"],
            ["1", "味道很赞，推荐"],
            ["0", "客服态度恶劣，再也不买了"],
            ["2", "not a label"],
        ],
    )
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["mode"] == "binary"
    assert (report["rows"], report["skipped"]) == (4, 1)
    assert report["accuracy"] == 1.0
    assert set(report["f1"]) == {"negative", "positive"}
    assert report["texts_per_second"] > 0


def test_eval_polarity_with_extra_columns(tmp_path: Path) -> None:
    path = _csv(
        tmp_path / "p.csv",
        ["emotion", "polarity", "text"],
        [
            ["angry", "negative", "气死了，又被坑了[怒]"],
            ["happy", "positive", "太开心了，谢谢大家[哈哈]"],
            ["neutral", "neutral", "明天下午三点开会"],
            ["surprise", "mixed", "居然是这样"],
        ],
    )
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["mode"] == "three_way"
    assert (report["rows"], report["skipped"]) == (3, 1)
    assert set(report["f1"]) == {"negative", "neutral", "positive"}
    assert 0.0 <= report["macro_f1"] <= 1.0


def test_eval_table_output(tmp_path: Path) -> None:
    path = _csv(tmp_path / "t.csv", ["label", "text"], [["1", "很好"], ["0", "很差"]])
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(path)])
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output and "texts/s" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [("score,body\n1,好\n", "header must have 'text'"), ("", "no header")],
)
def test_eval_rejects_unknown_layout(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(path)])
    assert result.exit_code == 2
    assert message in result.output and str(path) in result.output


def test_eval_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["sentiment", "eval", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "cannot open" in result.output


def test_score_command() -> None:
    result = CliRunner().invoke(
        cli, ["sentiment", "score", "假货！客服不理人，我要去12315投诉", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["label"] == "negative"
    assert out["signals"] == ["regulator"]
    assert {"text", "score", "label", "category", "signals"} <= set(out)
    plain = CliRunner().invoke(cli, ["sentiment", "score", "很好"])
    assert "score" in plain.output and "label" in plain.output


# -- domain experts ---------------------------------------------------------------------


def test_experts_and_gate_are_trained_per_domain(corpus: Path) -> None:
    model = train(corpus, seed=3, settings=SMALL)
    assert model.domains == ["weibo", "emotion"]  # the review expert has no data here
    assert model.weights.shape == (SMALL.n_features, 6)
    assert model.meta["settings"]["experts"]["weibo"]["corpora"] == ["weibo2018"]
    routed = model.domain_probabilities(["这家店很好满意点赞" + "123", "今天下午会议通知"])
    assert routed.shape == (2, 2)
    np.testing.assert_allclose(routed.sum(axis=1), 1.0)


def test_fast_scoring_matches_the_training_features(corpus: Path) -> None:
    """The stored weights have each expert's NB scaling folded in and probabilities()
    divides by the scaled norms; that must equal the gate-weighted mix computed the slow
    way, from featurize(scale=...) and the unfolded weights."""
    model = train(corpus, seed=3, settings=SMALL)
    assert model.scales is not None
    texts = ["这家店很好满意点赞", "快递太差垃圾差评[怒]", "今天下午会议通知", "x"]
    gate = model.domain_probabilities(texts)
    expected = np.zeros((len(texts), 3))
    for e in range(len(model.domains)):
        scale = model.scales[:, [e]]
        folded = model.weights[:, 3 * e : 3 * e + 3]
        unfolded = np.divide(folded, scale, out=np.zeros_like(folded), where=scale > 0)
        logits = model.featurize(texts, model.scales[:, e]) @ unfolded
        logits = np.asarray(logits, dtype=np.float64) + model.bias[e]
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        expected += gate[:, [e]] * p / p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(model.probabilities(texts), expected, rtol=1e-5, atol=1e-6)


def test_a_single_expert_model_has_no_gate(corpus: Path, tmp_path: Path) -> None:
    settings = TrainSettings(
        n_features=2**12,
        max_iter=200,
        experts={"all": Expert(("weibo2018", "smp2020_virus"))},
        neural=None,
    )
    model = train(corpus, seed=3, settings=settings)
    assert model.domains == [] and model.gate_weights is None and model.scales is None
    model.save(tmp_path / "one.npz")
    loaded = SentimentModel.load(tmp_path / "one.npz")
    texts = ["这家店很好满意点赞", "这家店太差垃圾差评"]
    np.testing.assert_allclose(loaded.scores(texts), model.scores(texts))


def test_corpora_without_an_expert_are_refused(corpus: Path) -> None:
    settings = TrainSettings(
        n_features=2**12, experts={"weibo": Expert(("weibo2018",))}, neural=None
    )
    with pytest.raises(ValueError, match="smp2020_virus"):
        train(corpus, seed=3, settings=settings)


# -- the character CNN (training needs torch and gensim: the [train] extra) ----------------


def test_cnn_is_trained_mixed_and_reproducible(corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the [train] extra (torch) is not installed")
    pytest.importorskip("gensim", reason="the [train] extra (gensim) is not installed")
    settings = TrainSettings(n_features=2**12, max_iter=200, neural=TINY_CNN)
    model = train(corpus, seed=3, settings=settings)
    assert model.neural is not None and model.neural_mix is not None
    assert model.neural.heads == len(model.domains) == 2
    assert all(m in settings.neural_mix_grid for m in model.neural_mix)
    model.save(tmp_path / "a.npz")
    train(corpus, seed=3, settings=settings).save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    loaded = SentimentModel.load(tmp_path / "a.npz")
    scores = loaded.scores(["这家店很好满意点赞", "这家店太差垃圾差评"])
    assert scores[0] > 0.5 > scores[1]
    np.testing.assert_allclose(scores, model.scores(["这家店很好满意点赞", "这家店太差垃圾差评"]))


@pytest.mark.usefixtures("without_torch")
def test_training_without_torch_fails_at_once_naming_the_extra(corpus: Path) -> None:
    settings = TrainSettings(n_features=2**12, max_iter=200, neural=TINY_CNN)
    with pytest.raises(RuntimeError, match=r"needs torch.*\[train\]"):
        train(corpus, seed=3, settings=settings)


def test_boundary_marks_add_start_and_end_ngrams(corpus: Path) -> None:
    model = train(corpus, seed=3, settings=SMALL)
    assert model.features["boundary_marks"] is True
    marked = model.counts(["很好。"])
    plain = SentimentModel(
        weights=model.weights,
        bias=model.bias,
        idf=model.idf,
        features={**model.features, "boundary_marks": False},  # as format-2 files read
    ).counts(["很好。"])
    assert marked.nnz > plain.nnz  # "\x02很", "。\x03", ... on top of the text's own n-grams


# -- brand corpora and the target-level expert --------------------------------------------

COMPANIES = ["极光汽车", "星辰集团", "云朵外卖", "蓝海银行", "青山科技", "白鹭金融"]
SCANDAL = ["涉嫌诈骗", "被罚款", "爆雷跑路", "召回缺陷", "被立案调查", "逾期兑付"]
NEWS_CALM = ["召开发布会", "发布年报", "举行会议", "公布名单", "开展活动", "签署协议"]
NEWS_GOOD = ["荣获大奖", "业绩大增", "广受好评", "创新突破", "捐款助学", "获得表彰"]


def write_brand_corpus(folder: Path, seed: int = 2) -> Path:
    rng = random.Random(seed)
    write_corpus(folder)
    with (folder / "news_opinion_train.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["polarity", "text"])
        for i in range(240):
            kind = ("negative", "neutral", "positive")[i % 3]
            words = {"negative": SCANDAL, "neutral": NEWS_CALM, "positive": NEWS_GOOD}[kind]
            company = rng.choice(COMPANIES)
            title = company + rng.choice(words)
            body = "记者报道" + company + "".join(rng.choice(words) for _ in range(3))
            w.writerow([kind, title + "。" + body + "相关人士表示" * (i % 4)])
    with (folder / "car_forum_train.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["polarity", "subject", "text"])
        for i in range(240):
            kind = ("negative", "neutral", "positive")[i % 3]
            words = {"negative": NEGATIVE, "neutral": NEUTRAL, "positive": POSITIVE}[kind]
            w.writerow(
                [kind, "动力", "这车的发动机" + "".join(rng.choice(words) for _ in range(2))]
            )
    with (folder / "finance_entity_train.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entity", "label", "text"])
        for i in range(300):
            bad, calm = rng.sample(COMPANIES, 2)
            if i % 3 == 0:  # nobody is criticised
                text = f"{bad}{rng.choice(NEWS_GOOD)}。{calm}{rng.choice(NEWS_CALM)}。第{i}期"
            else:
                scandal = rng.choice(SCANDAL)
                text = f"{bad}{scandal}，投资者维权。{calm}{rng.choice(NEWS_CALM)}。第{i}期"
            w.writerow([bad, int(i % 3 != 0), text])
            w.writerow([calm, 0, text])
    return folder


@pytest.fixture(scope="module")
def brand_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_brand_corpus(tmp_path_factory.mktemp("brand"))


def test_entity_rows_of_one_text_stay_in_one_split(brand_corpus: Path) -> None:
    from sentiment.corpora import load_entity_corpus

    entity = load_entity_corpus(brand_corpus, seed=3)
    assert entity is not None
    parts = [set(getattr(entity, p).texts) for p in ("train", "val", "test")]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    assert len(entity.train) + len(entity.val) + len(entity.test) == 600
    i = entity.train.texts.index(entity.train.texts[0])
    assert entity.train.others[i] and entity.train.targets[i] not in entity.train.others[i]


def test_brand_model_has_news_and_target_experts(brand_corpus: Path, tmp_path: Path) -> None:
    model = train(brand_corpus, seed=3, settings=dataclasses.replace(SMALL, hasher="numpy"))
    assert model.features["hasher"] == "numpy"
    assert "news" in model.domains and "car_forum" in model.meta["data"]
    assert model.expert_views[model.domains.index("news")] == "headed"
    assert model.gate_view == "stripped"
    assert model.target is not None and model.target_low is not None
    figures = model.meta["figures"]
    assert {"news/test", "car_forum/test", "finance_entity/test"} <= set(figures)
    assert figures["finance_entity/test"]["negative_f1"] > 0.8
    model.save(tmp_path / "brand.npz")
    loaded = SentimentModel.load(tmp_path / "brand.npz")
    text = "青山科技涉嫌诈骗，投资者维权。蓝海银行召开发布会。"
    targets, others = [["青山科技"], ["蓝海银行"]], [["蓝海银行"], ["青山科技"]]
    got = loaded.target_scores([text, text], targets, others)
    np.testing.assert_allclose(got, model.target_scores([text, text], targets, others))
    assert got[0] < got[1]
    assert loaded.target_label(got[0]) == "negative"
    # q counts fully on news-like text and on text not read as positive, fades on praise
    assert loaded.target.news_gain == 3.0
    news = loaded.domains.index("news")
    doc = np.array([[0.1, 0.1, 0.8], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]])
    gate = np.zeros((3, len(loaded.domains)))
    gate[:, 0] = 1.0
    gate[1] = 0.0
    gate[1, news] = 0.5
    np.testing.assert_allclose(
        loaded._q_share(doc, gate), loaded.target.doc_mix * np.array([0.2, 1.0, 0.9])
    )
    # the punctuated form of a news text reads like its stripped form
    news = "白鹭金融爆雷跑路。记者报道白鹭金融涉嫌诈骗被立案调查"
    punctuated = "白鹭金融爆雷跑路！记者报道：白鹭金融（2019年）涉嫌诈骗、被立案调查。"
    np.testing.assert_allclose(
        loaded.domain_probabilities([news]), loaded.domain_probabilities([punctuated]), atol=0.05
    )


def test_a_stacked_expert_reads_the_other_experts(brand_corpus: Path, tmp_path: Path) -> None:
    """The news expert stacked on the others: its logits are its own n-grams (idf-scaled)
    plus the unstacked experts' log-probabilities through stack_weights; the file keeps
    it; a stacked expert listed before an unstacked one is refused."""
    experts = dict(SMALL.experts)
    experts["news"] = Expert(("news",), C=30.0, view="headed", idf=True, stack=0.3)
    settings = dataclasses.replace(SMALL, experts=experts)
    model = train(brand_corpus, seed=3, settings=settings)
    news, car = model.domains.index("news"), model.domains.index("car")
    assert (
        model.stacked_experts() == [car, news] == [len(model.domains) - 2, len(model.domains) - 1]
    )
    first = car  # the stacked experts read the ones before them, not each other
    assert model.stack_weights is not None and model.stack_weights[:, 3 * news :].any()
    assert not model.stack_weights[3 * first :].any()  # reads no stacked expert
    texts = ["记者报道青山科技涉嫌诈骗被立案调查", "蓝海银行召开发布会宣布业绩增长", "x"]
    logits, _ = model.linear_logits(texts)
    own = softmax(logits)
    inputs = np.log(np.clip(own[:, :first, :], 1e-6, 1.0)).reshape(len(texts), -1)
    block = model.stack_weights[: 3 * first, 3 * news : 3 * news + 3]
    expected = softmax(logits[:, news, :] + inputs @ block)
    experts_p, _ = model.parts(texts)
    np.testing.assert_allclose(experts_p[:, news, :], expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(experts_p[:, :first, :], own[:, :first, :])  # the others as before
    model.save(tmp_path / "stacked.npz")
    loaded = SentimentModel.load(tmp_path / "stacked.npz")
    np.testing.assert_allclose(loaded.scores(texts), model.scores(texts), rtol=1e-6)
    assert loaded.stacked_experts() == [car, news]
    first = {"news": experts["news"], **{k: v for k, v in experts.items() if k != "news"}}
    with pytest.raises(ValueError, match="stacked experts must come after"):
        train(brand_corpus, seed=3, settings=dataclasses.replace(SMALL, experts=first))


def test_format_3_files_still_load(corpus: Path, tmp_path: Path) -> None:
    import zipfile

    model = train(corpus, seed=3, settings=SMALL)
    model.save(tmp_path / "new.npz")
    with (
        zipfile.ZipFile(tmp_path / "new.npz") as src,
        zipfile.ZipFile(tmp_path / "old.npz", "w") as dst,
    ):
        for name in src.namelist():
            data = src.read(name)
            if name == "header.json":
                header = json.loads(data)
                header["format"] = 3
                header.pop("views", None)
                data = json.dumps(header).encode()
            dst.writestr(name, data)
    old = SentimentModel.load(tmp_path / "old.npz")
    assert old.views_of_experts() == ["full"] * len(old.domains)
    assert old.scores(["这家店很好满意点赞"])[0] > 0.5


def _write_corrections(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["entity", "polarity", "text", "mention_id", "by", "at"])
        for entity, polarity, text in rows:
            w.writerow([entity, polarity, text, "m1", "care1", "2026-12-03T10:00:00+00:00"])
    return path


def test_training_learns_from_peoples_corrections(brand_corpus: Path, tmp_path: Path) -> None:
    """A deployment's corrections (`radar sentiment corrections`) adapt the target expert:
    a phrasing the corpora call calm, corrected to negative for the brand by care staff,
    reads more negative for it after training with them."""
    settings = dataclasses.replace(SMALL, hasher="numpy")
    phrasing = ["紫云乳业{}门店排长队退货", "紫云乳业{}客服一直占线", "紫云乳业{}会员群炸了"]
    rows = [("紫云乳业", "negative", p.format(i)) for i in range(20) for p in phrasing]
    rows += [("紫云乳业", "positive", f"紫云乳业{i}新品好喝") for i in range(10)]
    fixes = _write_corrections(tmp_path / "corrections.csv", rows)
    plain = train(brand_corpus, seed=3, settings=settings)
    adapted = train(brand_corpus, seed=3, settings=settings, corrections=fixes)
    probe = ["紫云乳业门店排长队退货，客服一直占线"]
    before = plain.target_scores(probe, [["紫云乳业"]])[0]
    after = adapted.target_scores(probe, [["紫云乳业"]])[0]
    assert after < before - 0.05
    # the figures stay those of the held-out splits of the corpora
    assert (
        adapted.meta["data"]["finance_entity"]["test"]
        == plain.meta["data"]["finance_entity"]["test"]
    )


def test_train_command_names_a_bad_corrections_file(brand_corpus: Path, tmp_path: Path) -> None:
    bad = tmp_path / "fixes.csv"
    bad.write_text("entity,label,text\n紫云乳业,1,很差\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["sentiment", "train", "--out", str(tmp_path / "m.npz"), "--data", str(brand_corpus),
         "--corrections", str(bad)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "fixes.csv" in result.output and "polarity" in result.output
    assert not (tmp_path / "m.npz").exists()


def test_a_fixed_band_is_kept(brand_corpus: Path) -> None:
    """With ``fixed_band`` the band is not tuned: the model keeps it and records it."""
    band = (0.4, 0.6)
    model = train(brand_corpus, seed=3, settings=dataclasses.replace(SMALL, fixed_band=band))
    assert (model.neutral_low, model.neutral_high) == band
    assert tuple(model.meta["settings"]["fixed_band"]) == band
