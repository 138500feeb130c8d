"""The ``povsim`` command line: its entry point, which checks the environment, runs a command
and turns every error into one line and an exit status (2 bad input, 1 a failure, 130 an
interrupt). The options are in :mod:`povsim.arguments`, the commands in :mod:`povsim.commands`.

``povsim run SCENARIO [--seed N] [--replicates R] [--scale K] [--out DIR]`` runs a scenario,
shows a progress bar, prints a summary with 10-90% bands and writes tables, manifest and plots.
``povsim audit [--strict]`` checks the reported figures against each other; ``povsim targets
CASE [--replicates N] [--format text|md|csv]`` compares a case with its reported figures.
``povsim compare SCENARIO --vary LEVER=V1,V2 [--against ALT.yaml] [--replicates R]`` runs
policy variants on common random numbers and reports paired differences with intervals.
``povsim attribute SCENARIO [--replicates R] [--scale K] [--out DIR]`` switches each intervention
channel off in turn (and the whole programme) and reports what each adds.
``povsim sweep SWEEP.yaml [--workers N | --scheduler ADDRESS | --serial] [--out DIR]`` runs a
sweep (design points x replicates) on Dask into a resumable store; ``povsim summarize DIR``
writes its bands per point, Sobol or Morris indices and plots.

Example:
    >>> main(["run", "scenarios/does-not-exist.yaml", "--quiet"])
    2
"""

from __future__ import annotations

import errno
import os
import sys

from povsim.arguments import build_parser, subparser
from povsim.base.errors import ScenarioError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``povsim`` console script; returns the exit status.

    Called as the command (``argv`` None: the process's own arguments), an interrupt that
    comes after the command has finished, while the interpreter shuts down its libraries'
    threads (joblib's, torch's), also ends with status 130 and one line
    (:func:`guard_shutdown`), not with status 0 and a traceback.
    """
    status = _main(argv)
    if argv is None:
        guard_shutdown(status)
    return status


def guard_shutdown(status: int) -> None:
    """From now on, an interrupt ends the process at once with status 130 and one line saying
    the command had finished with ``status`` (its files are complete): what the command wrote
    was written before it returned, and no library's exit hook can swallow the interrupt.

    Example (in a process of its own: it replaces the interrupt's handler)::

        guard_shutdown(0)  # then Ctrl-C: "povsim: interrupted after the command finished
                           # (status 0); its files are complete", exit status 130
    """
    import signal

    def stop(signum, frame) -> None:  # pragma: no cover - runs in the shutting-down process
        try:
            sys.stdout.flush()
            print(f"povsim: interrupted after the command finished (status {status}); its "
                  "files are complete", file=sys.stderr, flush=True)
        finally:
            os._exit(130)

    signal.signal(signal.SIGINT, stop)


def _main(argv: list[str] | None) -> int:
    """:func:`main`'s work: parse, run the command, turn its errors into one line."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # an unknown option of a command: that command's usage, not povsim's
        subparser(parser, args.command).error(f"unrecognized arguments: {' '.join(extra)}")
    from povsim.base import allocator

    allocator.keep_freed_arrays()  # once per process, at its start
    # povsim draws every figure with matplotlib's file backend (Agg, povsim.reporting.plots): a
    # display
    # backend named in the environment, or a name matplotlib does not know, which stopped a
    # run at its first plot after all its work, plays no part in a command
    os.environ.pop("MPLBACKEND", None)
    from povsim.base import interrupts

    previous = interrupts.install()
    try:
        check_environment(os.environ)
        status = _with_a_sound_kernel_cache(args)
        interrupts.check()  # an interrupt a library swallowed still ends the command with 130
        return status
    except ScenarioError as exc:  # bad input: exit status 2
        if args.debug:
            raise
        print(f"povsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("povsim: interrupted; files already written are complete", file=sys.stderr)
        return 130
    except Exception as exc:  # a failure (I/O, or a bug): one line, exit status 1
        if interrupts.requested():  # the interrupt surfaced as another error
            print("povsim: interrupted; files already written are complete", file=sys.stderr)
            return 130
        if args.debug:
            raise
        print(f"povsim: error: {failure_line(exc)}", file=sys.stderr)
        return 1
    finally:
        interrupts.restore(previous)


def _with_a_sound_kernel_cache(args) -> int:
    """Run the command; if it stops on a corrupt or stale compiled-kernel cache, delete the
    cache of povsim's kernels, say so in one line, and run it once more (compiling afresh)."""
    from povsim.base import kernel_cache

    try:
        return args.func(args)
    except Exception as exc:
        if not kernel_cache.from_cache(exc):
            raise
        removed = kernel_cache.clear()
        print(f"povsim: notice: the compiled-kernel cache could not be read "
              f"({type(exc).__name__}); deleted its {len(removed)} file(s) and compiling "
              "afresh (this run takes a minute longer)", file=sys.stderr)
        return args.func(args)


#: the errors of a file or folder that cannot be written
_WRITE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOTDIR, errno.EISDIR,
                 errno.ENOSPC, errno.EDQUOT, errno.EEXIST}


#: environment variables povsim's libraries read as a number of threads (numba's kernels,
#: OpenMP, the BLAS libraries under numpy and torch)
THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS")


#: the threading layers numba accepts in NUMBA_THREADING_LAYER (its documentation's list)
THREADING_LAYERS = ("default", "safe", "forksafe", "threadsafe", "tbb", "omp", "workqueue")


def check_environment(env) -> None:
    """Refuse, in one line, a thread-count environment variable that is set but not a whole
    number of at least 1 (before numba or the BLAS libraries read it and fail with a traceback
    or a warning half-way through a run).

    Example:
        >>> check_environment({"NUMBA_NUM_THREADS": "2", "HOME": "/root"})
        >>> try:
        ...     check_environment({"NUMBA_NUM_THREADS": "0"})
        ... except ScenarioError as err:
        ...     print(str(err)[:50])
        environment variable NUMBA_NUM_THREADS='0': must b
    """
    for name in THREAD_VARIABLES:
        value = env.get(name)
        if value is not None and not (value.strip().isdigit() and int(value) >= 1):
            raise ScenarioError(f"environment variable {name}={value[:40]!r}: must be a whole "
                                "number of threads, 1 or more (or unset)")
    layer = env.get("NUMBA_THREADING_LAYER")
    if layer is not None and layer.strip().lower() not in THREADING_LAYERS:
        raise ScenarioError(f"environment variable NUMBA_THREADING_LAYER={layer[:40]!r}: must "
                            f"be one of {', '.join(THREADING_LAYERS)} (or unset)")


def failure_line(exc: BaseException) -> str:
    """One line for an error that is not bad input: an I/O failure names its path, anything
    else its type and message and the --debug option.

    Example:
        >>> failure_line(PermissionError(13, "Permission denied", "/ro/out"))
        'cannot write to /ro/out: permission denied'
        >>> failure_line(RuntimeError("boom"))
        'RuntimeError: boom (run again with --debug for the traceback)'
    """
    if isinstance(exc, OSError) and exc.filename is not None:
        what = "cannot write to" if exc.errno in _WRITE_ERRNOS else "cannot use"
        return f"{what} {exc.filename}: {(exc.strerror or str(exc)).lower()}"
    text = " ".join(str(exc).split()) or "no message"
    return f"{type(exc).__name__}: {text[:300]} (run again with --debug for the traceback)"


if __name__ == "__main__":
    raise SystemExit(main())
