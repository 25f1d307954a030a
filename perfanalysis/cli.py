"""The `perfanalysis` command: what a scheduler runs and a performance officer types.

    perfanalysis run PARAMS.yaml [--jobs N] [--out DIR] [--quiet] [--strategy ID] [--pdf]
                                 [--no-inputs]
    perfanalysis validate DATASET [--period P] [--strict]
    perfanalysis verify PACK_DIR [--data DIR]
    perfanalysis summary DATASET --period P
    perfanalysis import REGISTER.xlsx --mapping MAP.yaml --out DIR
    perfanalysis init DIR --organisation NAME

Exit status: 0 done; 1 warnings under --strict, or a verify that found differences; 2 bad input
(the message names file, table, row and column); 3 a notebook failed; 130 interrupted. Errors are
one readable message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from perfanalysis.errors import PerfanalysisError, ValidationFailed

log = logging.getLogger("perfanalysis")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="perfanalysis", description="Quarterly performance packs for councils."
    )
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="validate the data, run the notebooks, publish the pack")
    run.add_argument("params", nargs="+", type=Path, help="parameters YAML file(s), one per pack")
    run.add_argument("--jobs", type=int, default=None, help="notebooks at once (default: cores)")
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        help="publish the pack into this folder (default: from the parameters)",
    )
    run.add_argument("--quiet", action="store_true", help="plain log lines, no progress bar")
    run.add_argument(
        "--strategy",
        action="append",
        default=None,
        metavar="ID",
        help="rerun only this strategy's page (repeatable); the rest is kept",
    )
    run.add_argument("--pdf", action="store_true", help="also write pack.pdf (needs Chromium)")
    run.add_argument(
        "--no-inputs",
        dest="inputs",
        action="store_false",
        default=None,
        help="keep the dataset's files out of the pack (an auditor then needs verify --data DIR)",
    )
    run.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="where notebooks run: a local pool, or a Dask cluster",
    )
    run.add_argument(
        "--scheduler", default=None, help="Dask scheduler address (with --executor dask)"
    )

    val = sub.add_parser("validate", help="check a dataset and list every problem")
    val.add_argument("dataset", type=Path)
    val.add_argument(
        "--period", default=None, help="the reporting period to check completeness for"
    )
    val.add_argument("--strict", action="store_true", help="exit 1 on warnings too")

    ver = sub.add_parser("verify", help="rerun a published pack and compare it, byte for byte")
    ver.add_argument("pack", type=Path)
    ver.add_argument(
        "--data",
        type=Path,
        default=None,
        help="compare against this dataset instead of the pack's own inputs/ folder",
    )
    ver.add_argument("--jobs", type=int, default=None)

    summ = sub.add_parser("summary", help='print every strategy\'s "How is success measured?" box')
    summ.add_argument("dataset", type=Path)
    summ.add_argument("--period", required=True)

    imp = sub.add_parser("import", help="turn a one-sheet KPI register into a dataset folder")
    imp.add_argument("register", type=Path, help="the register (.xlsx)")
    imp.add_argument("--mapping", type=Path, required=True, help="which column is which (YAML)")
    imp.add_argument("--out", type=Path, required=True, help="a new folder for the dataset")

    ini = sub.add_parser("init", help="start a new council's dataset from a skeleton")
    ini.add_argument("folder", type=Path, help="a new folder for the dataset")
    ini.add_argument("--organisation", required=True, help="the council's name")
    return p


def _skip_unused_grammar() -> None:
    """Keep jsonschema from building rfc3987_syntax's IRI grammar in this command's process.

    nbformat (papermill, nbconvert) imports jsonschema, which loads that optional grammar when it
    is installed (it is, for JupyterLab): 1.1 s of every `perfanalysis run`, for a string format
    no notebook or suite of ours uses. Only this process is affected, and only when nothing
    imported it before; notebooks and an analyst's session import as they always do.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> int:
    _skip_unused_grammar()
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="perfanalysis: %(message)s", stream=sys.stderr)
    for noisy in ("papermill", "traitlets", "great_expectations", "nbclient", "distributed"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return _dispatch(args)
    except ValidationFailed as exc:
        from perfanalysis.validate_cli import print_failures

        if exc.result is not None:
            print_failures(exc.result, sys.stderr)
        print(f"perfanalysis: error: {exc}", file=sys.stderr)
        return 2
    except PerfanalysisError as exc:
        print(f"perfanalysis: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("perfanalysis: interrupted; nothing was published", file=sys.stderr)
        return 130
    except OSError as exc:
        # A place the system refused (permissions, a full disk, a name too long): say which.
        where = exc.filename or "a file"
        print(f"perfanalysis: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "summary":
        import pandas as pd

        import perfanalysis as pa
        from perfanalysis.status import box_columns, status_words

        ds = pa.load(args.dataset)
        s = ds.summary(args.period)
        box = [c for c, _ in box_columns(status_words(ds.meta))]
        cols = ["strategy_id", "measures", "targeted", "measured", *box, "no_data"]
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(f'{ds.organisation}: "How is success measured?" at {args.period}')
            print(s[cols].to_string(index=False))
        return 0
    if args.command == "validate":
        from perfanalysis.validate_cli import validate_command

        return validate_command(args.dataset, args.period, args.strict)
    if args.command == "import":
        from perfanalysis.importer import import_command

        return import_command(args.register, args.mapping, args.out)
    if args.command == "init":
        from perfanalysis.skeleton import init_command

        return init_command(args.folder, args.organisation)
    if args.command == "verify":
        from perfanalysis.verify import verify_command

        return verify_command(args.pack, args.data, args.jobs)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from perfanalysis.runner import read_parameters, run_pack

    params_list = [read_parameters(p) for p in args.params]
    if args.out and len(params_list) > 1:
        raise PerfanalysisError("--out names one folder: give one parameters file with it")
    executor = None
    if args.executor == "dask":
        from perfanalysis.executors import dask_executor

        executor = dask_executor(args.scheduler)
    failed = 0
    for params in params_list:
        start = time.perf_counter()
        try:
            result = run_pack(
                params,
                jobs=args.jobs,
                out=args.out,
                quiet=args.quiet,
                only_strategies=args.strategy,
                executor=executor,
                pdf=args.pdf,
                inputs=args.inputs,
            )
        except PerfanalysisError as exc:
            if len(params_list) == 1:
                raise
            failed += 1
            print(f"perfanalysis: error: {params.source}: {exc}", file=sys.stderr)
            continue
        log.info(
            "published %d pages (%d built by this run) in %.1f s",
            len(result.pages),
            result.rebuilt,
            time.perf_counter() - start,
        )
        print(result.pack_dir / "index.html")
    if executor is not None:
        executor.shutdown()
    return 2 if failed else 0


def console() -> None:
    """The `perfanalysis` command: `main`, then exit with its code.

    Before exiting, every object is frozen out of the garbage collector's reach: the
    interpreter's last collections would walk everything a run made (pandas, notebooks) only to
    free memory the system frees anyway, 0.3 s of every command here. Files are closed and
    atexit handlers run as usual. `main` itself stays usable in-process (the tests call it).
    """
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
