"""``radar sentiment score|eval|train``."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from radar.commands.options import config_option, load_or_exit, progress_bar


@click.group("sentiment")
def sentiment_group() -> None:
    """Score text, evaluate the model on labelled data, retrain it."""


@sentiment_group.command("score")
@click.argument("text", nargs=-1, required=True)
@click.option(
    "--brand",
    "brands",
    multiple=True,
    help="Also score each TEXT toward this brand (repeatable: the others are its rivals).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per text.")
@config_option
def score_cmd(
    text: tuple[str, ...], brands: tuple[str, ...], as_json: bool, config_path: str | None
) -> None:
    """Print score, label, complaint category and risk signals of each TEXT."""
    import dataclasses

    import sentiment

    if config_path:
        sentiment.configure_from(load_or_exit(config_path))
    targets = [[sentiment.Target(b, (b,)) for b in brands] for _ in text] if brands else None
    for item, a in zip(text, sentiment.analyze_batch(list(text), targets=targets), strict=True):
        if as_json:
            click.echo(json.dumps({"text": item, **dataclasses.asdict(a)}, ensure_ascii=False))
            continue
        toward = "".join(
            f"  {brand}: {p.label} {p.score:.3f}" + (" (from context)" if p.from_context else "")
            for brand, p in a.brands.items()
        )
        click.echo(
            f"score {a.score:.3f}  label {a.label}  category {a.category or '-'}  "
            f"signals {','.join(a.signals) or '-'}{toward}"
        )


@sentiment_group.command("eval")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def eval_cmd(file: str, as_json: bool) -> None:
    """Evaluate on FILE.csv with `label,text` (1/0), `polarity,text` or `entity,label,text`
    (1 = negative about the entity) columns; other columns are ignored."""
    from sentiment.evaluate import EvalInputError, evaluate_file, read_labelled

    console = Console(stderr=True)
    try:
        total = len(read_labelled(Path(file))[1])
    except EvalInputError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    with progress_bar(console) as progress:
        task = progress.add_task("scoring", total=total)
        result = evaluate_file(file, progress=lambda n: progress.advance(task, n))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    table = Table(title=f"{result['mode']}, {result['rows']} rows", caption=file)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("accuracy", "macro_f1"):
        if key in result:
            table.add_row(key, f"{result[key]:.4f}")
    for name, value in result.get("f1", {}).items():
        table.add_row(f"F1 {name}", f"{value:.4f}")
    for name, value in result.get("negative", {}).items():
        table.add_row(f"negative {name}", f"{value:.4f}")
    table.add_row("skipped rows", str(result["skipped"]))
    table.add_row("texts/s", str(result["texts_per_second"]))
    Console().print(table)
    for reason in result.get("skipped_rows", []):
        click.echo(f"skipped: {file}: {reason}", err=True)
    if result["skipped"] > len(result.get("skipped_rows", [])):
        click.echo(f"skipped: {result['skipped']} rows in all", err=True)


@sentiment_group.command("train")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Model file to write.")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder of corpora (default: ../shared/data/sentiment).",
)
@click.option("--seed", type=int, default=None, help="Split seed (default: the documented one).")
@click.option(
    "--corrections",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="People's corrections from `radar sentiment corrections` to learn from too.",
)
def train_cmd(out: str, data_dir: str | None, seed: int | None, corrections: str | None) -> None:
    """Train the model from the corpora and write it to --out (reproducible). With
    --corrections, the deployment's own per-brand corrections join the target expert's
    training rows (figures stay on the corpora's held-out splits)."""
    from sentiment.corpora import SPLIT_SEED, CorrectionsFileError
    from sentiment.neural_train import TrainingExtraMissing
    from sentiment.train import DEFAULT_DATA_DIR, train

    console = Console(stderr=True)
    started = time.perf_counter()
    with console.status("training") as status:

        def say(message: str) -> None:
            console.log(message)
            status.update(message)

        try:
            model = train(
                Path(data_dir) if data_dir else DEFAULT_DATA_DIR,
                seed=SPLIT_SEED if seed is None else seed,
                progress=say,
                corrections=Path(corrections) if corrections else None,
            )
        except (FileNotFoundError, TrainingExtraMissing, CorrectionsFileError) as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    model.save(out)
    figures = model.meta.get("figures", {})
    for name, fig in figures.items():
        kind, main = next(
            (label, fig[key])
            for key, label in (
                ("macro_f1", "macro-F1"),
                ("negative_f1", "neg-F1"),
                ("accuracy", "acc"),
            )
            if key in fig
        )
        console.print(f"{name:28s} n={fig['n']:<6d} {kind} {main}")
    console.print(
        f"wrote {out} ({Path(out).stat().st_size / 1e6:.1f} MB) in "
        f"{time.perf_counter() - started:.0f}s; neutral band "
        f"[{model.neutral_low}, {model.neutral_high}]"
    )


# by: the login (a stable id); by_name: the name the web shows for it
CORRECTION_COLUMNS = ["entity", "polarity", "text", "mention_id", "by", "at", "by_name"]


@sentiment_group.command("corrections")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    help="CSV file to write (default: standard output).",
)
@config_option
def corrections_cmd(out: str, config_path: str | None) -> None:
    """Export the sentiment corrections made by people in the configured store as
    `entity,polarity,text` CSV (one row per corrected brand of a mention, plus who and
    when), for `radar sentiment train --corrections FILE` or `radar sentiment eval`."""
    import csv

    from index.base import StoreError

    cfg = load_or_exit(config_path)
    names = {u.name: u.display_name or u.name for u in cfg.web.users}
    rows = 0
    try:
        with cfg.store.open() as store, click.open_file(out, "w", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(CORRECTION_COLUMNS)
            for batch in store.iter_mentions():
                for m in batch:
                    for match in m.brands:
                        fix = match.correction
                        if fix is None:
                            continue
                        text = f"{m.title}\n{m.text}".strip()
                        at = fix.at.isoformat()
                        who = names.get(fix.by, fix.by)
                        writer.writerow([match.brand, fix.label.value, text, m.id, fix.by, at, who])
                        rows += 1
    except StoreError as exc:
        click.echo(f"store error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"{rows} correction(s) exported", err=True)


commands = [sentiment_group]
