"""The ``newsmon`` command line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from pathlib import Path

import click
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from etl import __version__
from etl.errors import NewsmonError
from etl.run.pipeline import RunSummary
from etl.settings import Settings
from etl.store import db

console = Console(stderr=True)
STAGE_LABELS = {"poll": "Polling feeds", "fetch": "Fetching articles",
                "extract": "Extracting and tagging", "tag": "Tagging",
                "cluster": "Clustering stories"}


class RichReporter:
    """Progress bars on stderr, one per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def start(self, stage: str, total: int | None) -> None:
        if stage in self.tasks:  # a stage run in rounds (stories, batch by batch): one bar
            return
        self.tasks[stage] = self.progress.add_task(STAGE_LABELS.get(stage, stage), total=total)

    def advance(self, stage: str, n: int = 1) -> None:
        self.progress.advance(self.tasks[stage], n)

    def finish(self, stage: str) -> None:
        # The count at the start is an estimate (leases expire, retries come due meanwhile):
        # end the bar at what was actually done.
        task = self.tasks[stage]
        done = next(t.completed for t in self.progress.tasks if t.id == task)
        self.progress.update(task, total=done, completed=done)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<18}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, transient=False,
    )


def summary_table(summary: RunSummary, title: str = "newsmon run") -> Table:
    table = Table(title=f"{title} ({summary.duration_s:.1f} s)")
    table.add_column("")
    table.add_column("count", justify="right")
    for label, value, style in [
        ("feeds polled", summary.feeds_polled, ""),
        ("feeds not modified (304)", summary.feeds_not_modified, ""),
        ("feeds failed", summary.feeds_failed, "red" if summary.feeds_failed else ""),
        ("articles new", summary.articles_new, ""),
        ("articles fetched", summary.articles_fetched, ""),
        ("articles skipped (not HTML)", summary.articles_skipped, ""),
        ("articles extracted", summary.articles_extracted, "green"),
        ("articles failed", summary.articles_failed, "red" if summary.articles_failed else ""),
        (f"articles tagged ({summary.tagger_mode or 'n/a'})", summary.articles_tagged,
         "yellow" if summary.tagger_warning else ""),
        ("articles clustered into stories", summary.articles_clustered, ""),
    ]:
        table.add_row(label, str(value), style=style)
    return table


def print_summary(summary: RunSummary, title: str = "newsmon run") -> None:
    out = Console()
    out.print(summary_table(summary, title))
    for problem in summary.feed_list_problems:
        out.print(f"[yellow]feed list:[/yellow] {problem}")
    if summary.tagger_warning:
        out.print(f"[bold red]WARNING tagger:[/bold red] {summary.tagger_warning}")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group()
@click.version_option(__version__, prog_name="newsmon")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """newsmon: poll news feeds, fetch and extract articles, load them into PostgreSQL."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(name)s: %(message)s",
        handlers=[RichHandler(console=console, show_path=False, show_time=verbose > 0)],
    )
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "courlan"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


@main.command()
@click.option("--feeds", "feeds_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Feed list (YAML or OPML). Default: NEWSMON_FEEDS_FILE, else the shipped list.")
@click.option("--all", "all_feeds", is_flag=True, help="Poll every active feed now, due or not.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
def run(feeds_file: Path | None, all_feeds: bool, as_json: bool) -> None:
    """Run one full pass: sync feeds, poll due feeds, fetch and extract new articles."""
    from etl.run.pipeline import run as run_pipeline

    settings = _settings()
    try:
        with _progress() as progress:
            summary = run_pipeline(
                settings, feeds_file, all_feeds=all_feeds, reporter=RichReporter(progress)
            )
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        print_summary(summary)


@main.command()
@click.option("--port", type=int, default=None,
              help="Port of the local demo site (default NEWSMON_DEMO_PORT or 8765).")
def demo(port: int | None) -> None:
    """Offline demo: serve the bundled sample news site and run the pipeline against it."""
    from etl.run.demo import run_demo

    try:
        run_demo(_settings(), port=port, progress_factory=_progress, reporter_cls=RichReporter,
                 print_summary=print_summary)
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="HTML file to write.")
@click.option("--days", default=7, show_default=True, help="Length of the window in days.")
@click.option("--until", "until", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Last day of the window (UTC; default: now).")
def report(out: Path, days: int, until) -> None:
    """Write a self-contained HTML report (trends, actors, top stories, map) for a window."""
    from etl.outputs.report import Window, build_report
    from etl.store.migrate import migrate

    try:
        conn = db.connect(db.database_url(_settings()))
        try:
            migrate(conn)
            window = Window.last_days(days, until.date() if until else None)
            document = build_report(conn, window)
        finally:
            conn.close()
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc
    out.write_text(document, encoding="utf-8")
    click.echo(f"wrote {out} ({len(document) // 1024} KiB)")


@main.group("db")
def db_group() -> None:
    """The database: URL, migrations, the embedded server."""


@db_group.command("url")
def db_url() -> None:
    """Print the connection URL (starting the embedded server if needed)."""
    try:
        click.echo(db.database_url(_settings()))
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc


@db_group.command("migrate")
def db_migrate() -> None:
    """Apply pending sql/ migrations."""
    from etl.store.migrate import migrate

    try:
        url = db.database_url(_settings())
        conn = db.connect(url)
        try:
            applied = migrate(conn)
        finally:
            conn.close()
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc
    if applied:
        for m in applied:
            click.echo(f"applied {m.version:03d}_{m.name}")
    else:
        click.echo("database is up to date")


@db_group.command("create-reader")
@click.argument("name")
def db_create_reader(name: str) -> None:
    """Create an analyst's login (read-only role NAME) and print its connection string.

    Run again to give NAME a new password. The password is shown once: keep it.
    """
    from etl.store.migrate import migrate
    from etl.store.readers import create_reader

    try:
        url = db.database_url(_settings())
        conn = db.connect(url)
        try:
            migrate(conn)  # the newsmon_reader role comes with the migrations
            login = create_reader(conn, url, name)
        finally:
            conn.close()
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(login.dsn)


@db_group.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server."""
    settings = _settings()
    if settings.database_url:
        raise click.ClickException("NEWSMON_DATABASE_URL is set: there is no embedded server")
    from etl.store.embedded import EmbeddedPostgres

    try:
        stopped = EmbeddedPostgres(settings.home).stop()
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("stopped" if stopped else "not running")


def _published(value: str | None, what: str) -> datetime | None:
    """An ISO 8601 publication time, or a clear error naming where it came from."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise click.ClickException(f"{what}: not an ISO 8601 date or time: {value!r}") from exc


@main.command()
@click.option("--jsonl", is_flag=True,
              help='Read JSON lines {"id", "text"} and print one result line per input line.')
@click.option("--model", default=None, help="spaCy model (default NEWSMON_SPACY_MODEL).")
@click.option("--published", default=None, metavar="DATE",
              help="Publication time (ISO 8601) that event dates ('on Friday') are resolved "
                   "against; default today. With --jsonl, a line's own \"published\" wins.")
def tag(jsonl: bool, model: str | None, published: str | None) -> None:
    """Tag text from stdin: categories, keywords, entities, places, relevance, events (JSON).

    With ``--jsonl``, a line that cannot be tagged (not UTF-8, not JSON, text that is not valid
    Unicode, a bad ``published``) gets its own result ``{"id": ..., "error": ...}`` and the other
    lines are tagged.
    """
    from etl.run.tagcli import tag_jsonl, tag_text
    from etl.tagging.core.tagger import Tagger

    default_published = _published(published, "--published")
    tagger = Tagger(model)
    if tagger.warning:
        console.print(f"[bold red]WARNING:[/bold red] {tagger.warning}")
    stdin = sys.stdin.buffer  # bytes: binary input must not crash the decoder
    if not jsonl:
        click.echo(tag_text(tagger, stdin.read(), default_published))
        return
    bad = tag_jsonl(tagger, stdin, click.echo, default_published)
    if bad:
        console.print(f"[yellow]{bad} input line(s) could not be tagged (see their \"error\")"
                      "[/yellow]")


@main.command()
@click.option("--all", "retag_all", is_flag=True,
              help="Re-tag every extracted article, not only those with stale tags.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON on stdout.")
def retag(retag_all: bool, as_json: bool) -> None:
    """Re-tag stored articles from their stored text (no re-fetch); idempotent."""
    from etl.stages.process import tag_pending
    from etl.store.migrate import migrate

    settings = _settings()
    try:
        conn = db.connect(db.database_url(settings))
        try:
            migrate(conn)
            with _progress() as progress:
                stats = tag_pending(conn, settings, RichReporter(progress), retag_all=retag_all)
        finally:
            conn.close()
    except NewsmonError as exc:
        raise click.ClickException(str(exc)) from exc
    if stats.warning:
        console.print(f"[bold red]WARNING tagger:[/bold red] {stats.warning}")
    if as_json:
        click.echo(json.dumps({"articles_tagged": stats.tagged, "tagger_mode": stats.mode,
                               "tagger_warning": stats.warning}))
    else:
        click.echo(f"articles tagged: {stats.tagged} ({stats.mode})")


@main.command("train-events")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Corpus directory (default NEWSMON_CORPUS_DIR, else ../shared/corpus).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the weights (default etl/data/event_model.npz).")
def train_events(corpus: Path | None, out: Path | None) -> None:
    """Fit the ACLED event-type classifier on the training sources of events/ (deterministic)."""
    from etl.build.event_model import train_from_corpus
    from etl.settings import corpus_dir
    from etl.tagging.events.classifier import MODEL_FILE

    try:
        model = train_from_corpus(corpus or corpus_dir(), log=click.echo)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    model.save(out or MODEL_FILE)
    n = len(model.word_vocab) + len(model.char_vocab)
    click.echo(f"event model: {n} features, {len(model.classes)} sub-event "
               f"types, {model.trained_on} -> {out or MODEL_FILE}")


@main.command("eval")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Corpus directory (default NEWSMON_CORPUS_DIR, else ../shared/corpus).")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON on stdout.")
@click.option("--multilingual-only", is_flag=True,
              help="Only the per-language figures (corpus multi/), beside today's tagger.")
def eval_command(corpus: Path | None, as_json: bool, multilingual_only: bool) -> None:
    """Score the tagger on the labelled corpus (re3d, CoNLL++, SATP) against plain spaCy."""
    from etl.evaluation.evaluate import run_eval
    from etl.evaluation.multilingual import print_multilingual
    from etl.settings import corpus_dir

    if multilingual_only:
        print_multilingual(corpus or corpus_dir(), as_json)
        return

    try:
        report = run_eval(corpus=corpus or corpus_dir())
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report.as_dict()))
        return
    table = Table(title=f"newsmon eval ({report.mode}, {report.model})")
    for column in ("metric", "newsmon", "baseline", "target"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for row in report.rows():
        table.add_row(*row)
    Console().print(table)
    console.print("baseline: the spaCy model alone (entities); three plain regexes (SATP). "
                  "re3d is scored in its own span convention (full mentions, pronouns "
                  "included), CoNLL++ in the names convention that `newsmon tag` outputs; "
                  "SATP on its dev split. events: baselines are the majority class / a plain "
                  "unigram linear model fitted in this pass; ACLED notes from held-out source "
                  "repositories the event model never saw. event records: the same held-out "
                  "idea; baselines a plain 'N killed / N dead' regex (fatalities) and the first "
                  "town resolved (place).")
    if ((corpus or corpus_dir()) / "multi").is_dir():
        print_multilingual(corpus or corpus_dir(), False)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
