"""A warm process that forks notebook kernels: the imports are paid once per run, not per notebook.

Starting a kernel the usual way costs a new Python process that imports IPython, ipykernel,
pandas and perfanalysis again: about 0.9 s each, nine times for a council's pack. The runner
instead starts this host once, at the beginning of the run (while the data is read and checked),
and the host imports those modules once. Each notebook's kernel is then a `fork()` of the host: a
new process, with its own memory, its own session and working folder, and nothing carried over
from another notebook, that starts with the modules already imported. Each kernel begins from
the same state a fresh kernel reaches after importing them, so an executed notebook is the same,
byte for byte, as one papermill runs in a fresh kernel (the auditor's rerun; tested).

The host speaks JSON lines on its standard input and output:
    -> {"argv": [...], "cwd": "...", "env": {...}}     <- {"pid": 1234}
and exits when its standard input closes (the run ended, or was killed). It forks only while it
is single-threaded: if an import started a thread, it says so on its first line and the runner
starts kernels the usual way.

    python -c "$BOOT" MODULE [MODULE ...]     (see `BOOT`; started by `KernelHost`)
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading

#: What every pack notebook imports; the host imports them before it forks.
PRELOAD = (
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "IPython.core.interactiveshell",
    "pyarrow.parquet",
    "perfanalysis.report",
    "perfanalysis.display",
)


def _kernel(request: dict) -> None:
    """In the forked child: become a kernel as `python -m ipykernel_launcher ARGS` would."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the host ignores it; a kernel must not
        os.setsid()  # its own session and process group, as jupyter_client starts kernels
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.close(null)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile

        tempfile.tempdir = None  # read TMPDIR from the kernel's own environment again
        sys.path[0] = os.getcwd()  # as `python -m` in the kernel's folder puts it
        # The kernel stops when the host goes (the run ended or was killed). ipykernel reads
        # JPY_PARENT_PID when it is imported, which the host did before any kernel existed, so
        # the parent to watch is passed on the command line.
        argv = [*request["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        sys.argv = [sys.executable, *argv]
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance(argv=argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - a kernel that cannot start is seen by its manager
        code = 1
    finally:
        os._exit(code)


#: How the runner starts the host. pandas sets its display defaults when it is imported, by
#: asking whether it runs in a Jupyter kernel (`display.max_columns` is 20 there, 0 in a
#: terminal), and `import perfanalysis` imports pandas: so pandas is imported first, with
#: `get_ipython()` answering as a kernel's shell would, and tables print as in a fresh kernel.
BOOT = """
import builtins, importlib, sys
class _KernelShell:
    kernel = True
builtins.get_ipython = _KernelShell
try:
    importlib.import_module("pandas")
finally:
    del builtins.get_ipython
from perfanalysis.kernelhost import main
main(sys.argv[1:])
"""


def main(modules: list[str]) -> None:
    """Import `modules`, say whether forking is safe, then fork a kernel per request."""
    out = sys.stdout
    for name in modules:
        importlib.import_module(name)
    if threading.active_count() > 1:
        out.write(json.dumps({"ready": False, "why": "an import started a thread"}) + "\n")
        out.flush()
        return
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped by the system
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _kernel(request)
        out.write(json.dumps({"pid": pid}) + "\n")
        out.flush()


# --------------------------------------------------------------------------- the runner's side
class KernelHost:
    """The runner's handle on a host process: start it, ask it for kernels, stop it."""

    def __init__(self, modules: tuple[str, ...] = PRELOAD) -> None:
        import subprocess

        debug = bool(os.environ.get("PERFANALYSIS_DEBUG"))
        self._lock = threading.Lock()
        self._ready: bool | None = None
        self.process = subprocess.Popen(
            [sys.executable, "-c", BOOT, *modules],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=None if debug else subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )

    def ready(self) -> bool:
        """Wait for the imports; False when the host cannot fork (kernels then start as usual)."""
        with self._lock:
            if self._ready is None:
                line = self.process.stdout.readline() if self.process.stdout else ""
                try:
                    self._ready = bool(json.loads(line).get("ready"))
                except ValueError:
                    self._ready = False
            return self._ready

    def serves(self, argv: list[str]) -> bool:
        """Whether `argv` is the kernel this host can fork: ipykernel on this same Python."""
        return (
            len(argv) > 3
            and os.path.realpath(argv[0]) == os.path.realpath(sys.executable)
            and argv[1:3] == ["-m", "ipykernel_launcher"]
            and self.ready()
        )

    def fork(self, argv: list[str], cwd: str, env: dict[str, str]) -> int:
        """A new kernel process running `argv` (after `-m ipykernel_launcher`); its pid."""
        request = {"argv": argv[3:], "cwd": cwd, "env": dict(env)}
        with self._lock:
            assert self.process.stdin and self.process.stdout
            try:
                self.process.stdin.write(json.dumps(request) + "\n")
                self.process.stdin.flush()
                reply = self.process.stdout.readline()
            except (OSError, ValueError):  # a closed pipe: the host stopped
                reply = ""
        try:
            return int(json.loads(reply)["pid"])
        except (ValueError, KeyError, TypeError):
            raise OSError("the kernel host stopped before it started a kernel") from None

    def close(self) -> None:
        """Stop the host (its kernels were stopped by their managers)."""
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        # The host holds nothing to save: stopping it now spares the run its interpreter's
        # teardown (half a second with pandas loaded).
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except Exception:  # noqa: BLE001 - a host that does not stop is killed
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> KernelHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ForkedKernel:
    """A kernel forked by the host, with the part of `subprocess.Popen` jupyter_client uses.

    It is the host's child, not ours: its exit is seen by its pid disappearing (the host has
    the system reap it), and its exit status is not known (0).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:
                pass
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import subprocess
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.01)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def forked_provisioner(host: KernelHost) -> type:
    """A jupyter_client provisioner that asks `host` for the kernel instead of starting Python."""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkedProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: object) -> dict:
            if not host.serves(cmd):
                return await super().launch_kernel(cmd, **kwargs)
            env = kwargs.get("env") or os.environ
            cwd = str(kwargs.get("cwd") or os.getcwd())
            env = {**env, "JPY_PARENT_PID": str(host.process.pid)}  # as launch_kernel sets it
            try:
                pid = host.fork(cmd, cwd, env)
            except OSError:  # the host is gone (killed, out of memory): start one as usual
                return await super().launch_kernel(cmd, **kwargs)
            self.process = ForkedKernel(pid)  # type: ignore[assignment]
            self.pid = self.pgid = self.process.pid
            self.cwd = cwd
            return self.connection_info

    return ForkedProvisioner
