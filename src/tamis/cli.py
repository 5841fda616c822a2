"""Command line: `tamis run | clean | stats | explain | report | steps | demo`."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

import click
import orjson

from tamis import config as config_mod
from tamis.errors import AccountingError, OutputFull, TamisError
from tamis.settings import RunSettings, flag_of


class _Group(click.Group):
    """Turns tamis errors into one clear line on stderr and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AccountingError as err:
            click.echo(f"tamis: {err}", err=True)
            sys.exit(3)
        except OutputFull as err:
            click.echo(f"tamis: {err}", err=True)
            sys.exit(1)
        except TamisError as err:
            click.echo(f"tamis: {err}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo(
                "tamis: interrupted; finished shards are kept: re-run the same command to resume", err=True
            )
            sys.exit(130)
        except RuntimeError as err:
            # imported here: the executor pulls in the readers, fsspec and pyarrow (0.15 s of CPU
            # that `tamis clean` and `tamis steps` never need); it is loaded whenever one was raised
            from tamis.execute.local import WorkerLost

            if not isinstance(err, WorkerLost):
                raise
            click.echo(f"tamis: {err}", err=True)
            sys.exit(1)


@click.group(cls=_Group)
@click.version_option(package_name="tamis")
def main() -> None:
    """tamis: read, extract, repair, annotate, filter and deduplicate web-crawl text, saying why for every decision."""


def _run_setting_options(command: Any) -> Any:
    """One option per run setting (`RunSettings`: its flag, type, choices and help), each None
    when not given so that it leaves the config's [run] value."""
    for f in reversed(dataclasses.fields(RunSettings)):
        flag, doc, choices = flag_of(f), f.metadata["doc"], f.metadata["choices"]
        text = doc[0].upper() + doc[1:] + "."
        if f.type == "bool" and f.default is False:
            option = click.option(flag, f.name, is_flag=True, default=None, help=text)
        elif f.type == "bool":
            option = click.option(f"{flag}/--no-{flag[2:]}", f.name, default=None, help=text)
        else:
            kind = click.Choice(choices) if choices else {"int": int, "float": float}.get(str(f.type), str)
            option = click.option(flag, f.name, type=kind, default=None, help=text)
        command = option(command)
    return command


@main.command()
@click.option(
    "--input",
    "inputs",
    multiple=True,
    required=True,
    help="File, folder, glob or fsspec URL; several may follow one --input (a shell glob), and --input may repeat.",
)
# The paths after the first one of `--input a.jsonl b.jsonl` (what a shell expands a glob to).
@click.argument("more_inputs", nargs=-1, metavar="[PATH]...")
@click.option("--output", required=True, help="Output folder: kept/, rejected/, stats.json, report.html.")
@click.option(
    "--config", "config_path", default=None, help="Pipeline TOML (default: every step, recommended order)."
)
@click.option("--ray-address", default=None, help="Address of an existing Ray cluster (with --executor ray).")
@_run_setting_options
@click.option("--overwrite", is_flag=True, help="Delete an earlier run in --output and start again.")
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
@click.option("--no-report", is_flag=True, help="Do not write report.html.")
def run(
    inputs: tuple[str, ...],
    more_inputs: tuple[str, ...],
    output: str,
    config_path: str | None,
    ray_address: str | None,
    overwrite: bool,
    no_progress: bool,
    no_report: bool,
    **settings: Any,
) -> None:
    """Run the pipeline over crawl files; resumes an interrupted run in the same --output."""
    from tamis.run import RunRequest, run_request

    cfg = config_mod.load(config_path)
    RunSettings.check({k: v for k, v in settings.items() if v is not None}, "command line", flags=True)
    request = RunRequest(
        inputs=[*inputs, *more_inputs],
        output=output,
        config=cfg,
        overrides=settings,
        ray_address=ray_address,
        overwrite=overwrite,
        progress=not no_progress,
        report=not no_report,
    )
    summary = run_request(request)
    _print_summary(summary.stats, output)


def _print_summary(stats: dict[str, Any], output: str) -> None:
    click.echo(
        f"input {stats['input']}  kept {stats['kept']}  rejected {stats['rejected']}  "
        f"duplicates {stats['duplicates']}  failed {stats['failed']}  ({stats.get('seconds', 0):.1f} s)"
    )
    click.echo(f"output: {output}/kept, {output}/rejected, {output}/stats.json")


@main.command()
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--explain", "show_explain", is_flag=True, help="A readable account of each decision.")
@click.option("--config", "config_path", default=None, help="Pipeline TOML (default pipeline otherwise).")
@click.option("--html", type=click.Choice(["auto", "yes", "no"]), default="auto", help="Is the input HTML?")
@click.option(
    "--max-record-mb",
    type=float,
    default=10.0,
    help="Refuse a document larger than this many MB (default 10).",
)
def clean(
    file: str, fmt: str, show_explain: bool, config_path: str | None, html: str, max_record_mb: float
) -> None:
    """Clean one document from FILE (or - for stdin) and print the cleaned text."""
    from tamis.clean import clean_document, explain, structured

    RunSettings.check({"max_record_mb": max_record_mb}, "command line", flags=True)
    limit = int(max_record_mb * (1 << 20))
    if file == "-":
        data = sys.stdin.buffer.read(limit + 1)
        name = "stdin"
    else:
        path = Path(file)
        if not path.is_file():
            raise TamisError(f"{file!r} is not a readable file")
        try:
            with path.open("rb") as fh:
                data = fh.read(limit + 1)
        except OSError as err:
            raise TamisError(f"cannot read {file!r}: {err.strerror or err}") from err
        name = path.name
    if len(data) > limit:
        # one document held whole, then copied by every step: a cap keeps a stray file from eating memory
        raise TamisError(
            f"{name} holds more than {max_record_mb:g} MB: tamis clean takes one document "
            "(raise --max-record-mb, or use tamis run for a corpus)"
        )
    text = data.decode("utf-8", errors="replace")
    cfg = config_mod.load(config_path)
    doc = clean_document(text, cfg.pipeline, doc_id=name, html={"auto": None, "yes": True, "no": False}[html])
    if show_explain:
        click.echo(explain(doc))
        return
    if fmt == "json":
        click.echo(orjson.dumps(structured(doc), option=orjson.OPT_INDENT_2).decode())
    else:
        if doc.verdict is not None:
            click.echo(f"tamis: document {doc.verdict.kind} by {doc.verdict.step}", err=True)
        click.echo(doc.text)


@main.command()
@click.argument("output", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="Print stats.json as is.")
def stats(output: str, as_json: bool) -> None:
    """Summarise the run in OUTPUT: counts, per-step rules, timings."""
    from tamis.inspect import load_stats

    data = load_stats(Path(output))
    if as_json:
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    _print_summary(data, output)
    click.echo(f"\n{'step':34} {'docs':>8} {'changed':>8} {'rejected':>8} {'dups':>7} {'failed':>6} {'s':>7}")
    for name, s in data["steps"].items():
        click.echo(
            f"{name:34} {s['docs']:8} {s['changed']:8} {s['rejected']:8} {s['duplicates']:7} {s['failed']:6} {s['seconds']:7.2f}"
        )
        for rule, n in sorted(s["rules"].items(), key=lambda kv: -kv[1])[:8]:
            click.echo(f"    {rule:40} {n}")


@main.command(name="explain")
@click.argument("output", type=click.Path())
@click.argument("doc_id")
def explain_cmd(output: str, doc_id: str) -> None:
    """Explain what happened to DOC_ID in the run in OUTPUT: edits, signals, verdict."""
    from tamis.clean import explain
    from tamis.inspect import find_document

    doc = find_document(Path(output), doc_id)
    if doc is None:
        raise TamisError(f"no document {doc_id!r} in {output}/kept or {output}/rejected")
    click.echo(explain(doc))


@main.command()
@click.argument("output", type=click.Path())
def report(output: str) -> None:
    """(Re)write OUTPUT/report.html from a finished run."""
    from tamis.report.html import write_report
    from tamis.write.output_folder import is_tamis_output, lock_output

    out = Path(output)
    lock = None
    try:
        if (out / "_work").is_dir() and is_tamis_output(out):
            lock = lock_output(out, "tamis report")  # not while a run writes: half a run's report
        path = write_report(out)
    except OSError as err:
        raise TamisError(f"cannot write the report in {output!r}: {err.strerror or err}") from err
    finally:
        if lock is not None:
            lock.release()
    click.echo(f"report: {path}")


@main.command()
@click.option(
    "--rules", "show_rules", is_flag=True, help="Also list each step's rule codes and what they mean."
)
def steps(show_rules: bool) -> None:
    """List registered steps (name@version and what each does)."""
    from tamis.steps import REGISTRY

    for name in REGISTRY.names():
        for version, cls in sorted(REGISTRY.steps[name].items()):
            doc = (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else ""
            click.echo(f"{name}@{version}  {doc}")
            if show_rules:
                for rule, meaning in cls.rules.items():
                    click.echo(f"    {rule:32} {meaning}")


@main.command()
@click.option("--output", default=None, help="Where to write (default: a temporary folder).")
@click.option("--workers", type=int, default=None, help="Worker processes (default: all cores).")
def demo(output: str | None, workers: int | None) -> None:
    """Run the default pipeline on the bundled sample and print a short summary."""
    from tamis.clean import clean_document
    from tamis.run import RunRequest, run_request

    samples = resources.files("tamis").joinpath("data/samples")
    out = Path(output) if output else Path(tempfile.mkdtemp(prefix="tamis-demo-"))
    cfg = config_mod.load(None)
    with resources.as_file(samples) as sample_dir:
        summary = run_request(
            RunRequest(
                inputs=[str(sample_dir)],
                output=str(out),
                config=cfg,
                overrides={"workers": workers},
                overwrite=True,  # of an earlier demo only: a folder tamis did not write is refused
                progress=False,
            )
        )
        seed = (sample_dir / "seed_newsfarm_de.txt").read_text("utf-8")
    _print_summary(summary.stats, str(out))
    doc = clean_document(seed, cfg.pipeline, doc_id="seed_newsfarm_de.txt")
    click.echo("\nThe motivating page, cleaned (tamis clean):\n")
    if doc.title and not doc.text.startswith(doc.title):
        click.echo(f"# {doc.title}\n")
    click.echo(doc.text)
    if doc.captions:
        click.echo("\ncaptions: " + " | ".join(doc.captions))
    rules: dict[str, int] = {}
    for e in doc.edits:
        rules[f"{e.step}:{e.rule}"] = rules.get(f"{e.step}:{e.rule}", 0) + 1
    click.echo(f"\n{len(doc.edits)} edits: " + ", ".join(f"{k} ×{v}" for k, v in sorted(rules.items())))
    report_path = out / "report.html"
    if report_path.exists():
        click.echo(f"report: {report_path}")


if __name__ == "__main__":
    main()
