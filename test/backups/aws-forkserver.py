"""The aws CLI with its imports done once: a fork server for the backup script tests.

Each `aws` call the backup scripts make costs about 0.8 CPU-s, and three
quarters of that is Python importing awscli and botocore and loading their
plugins, the same every time. The suite makes about a hundred calls. This
server, run by the aws CLI's own interpreter, imports them once; each call then
runs in a fresh fork of it:

    aws ARGS...  (the client, first on the scripts' PATH)
      -> connects to this server's Unix socket and passes its stdin, stdout
         and stderr (SCM_RIGHTS), its arguments, environment and working
         directory
      -> a forked worker takes those as its own and runs the real `aws` entry
         script (runpy, as `python aws ARGS...` would), against the real S3
         server, then exits with the CLI's exit status
      -> the client exits with that status (or dies of the same signal).

The code that runs is the installed aws CLI's, at its version: argument
parsing, signing, the HTTP requests, error messages and exit codes. Only the
imports and the parsed data files are shared (SharedDataFiles); the session,
its configuration and the credentials are created in the worker from the
caller's environment, as a fresh process creates them, and the import-time
reads of the environment those calls depend on (awscli's AWS_DATA_PATH,
botocore's ~/.aws/models) are done again under the caller's.
test/backups/scripts.test.ts compares the two on the same commands (success,
error and streaming paths), and MED_AGI_AWS_FORKSERVER=0 runs the suite on the
plain CLI.

Usage: python aws-forkserver.py SOCKET REAL_AWS_SCRIPT
Prints "READY" once listening; SIGTERM stops it.
"""

import array
import gc
import importlib
import json
import os
import runpy
import signal
import socket
import struct
import sys

# The modules a call of the scripts' commands imports beyond the CLI's start
# (s3 and s3api: transfers, signing, parsing). A module a future CLI version
# renamed is only not preloaded: the worker imports it as the CLI would.
PRELOAD = (
    "awscli.customizations.s3.subcommands",
    "awscli.customizations.s3.s3handler",
    "awscli.customizations.s3.filegenerator",
    "awscli.customizations.s3.fileinfobuilder",
    "awscli.customizations.s3.results",
    "s3transfer.manager",
    "s3transfer.upload",
    "s3transfer.download",
    "s3transfer.copies",
    "s3transfer.delete",
    "botocore.httpsession",
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.serialize",
    "botocore.auth",
    "botocore.signers",
    "botocore.retries.standard",
    "botocore.retries.adaptive",
    "urllib3",
)


def preload():
    """Imports the CLI and builds one driver (which imports every plugin), its
    command table and an S3 client, recording the data files they read
    (SharedDataFiles); the driver and the client are discarded. The server runs
    in its callers' environment (HOME and AWS_* of the test's S3 server), so
    what it records is what their calls read."""
    import awscli.clidriver

    shared = SharedDataFiles()
    shared.recording = True
    try:
        driver = awscli.clidriver.create_clidriver()
        driver._get_command_table()
        driver.session.create_client("s3")
    except Exception as e:  # a CLI version without these: its calls read every file themselves
        print(f"aws-forkserver: nothing recorded ({e!r})", file=sys.stderr, flush=True)
    finally:
        shared.recording = False
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass


class SharedDataFiles:
    """The CLI's data files (service models, endpoint rules, partitions), read and
    parsed once in the server instead of in every call.

    botocore reads each JSON data file it needs with JSONFileLoader.load_file
    (about 0.2 CPU-s of a call: gzip and json with an OrderedDict hook) and scans
    the data directories with Loader.list_available_services. preload() records
    what creating the driver and an S3 client reads. A worker then gets, for each
    recorded path or scan, the object the server parsed, once: the first load of
    a path in a process is a freshly parsed object that nothing has modified (the
    server kept one copy for the workers and handed its own callers another), as
    in a fresh process; any later load of it in the same worker reads the file
    again, as botocore would. Other paths are read as usual.
    """

    def __init__(self):
        import botocore.loaders

        self.recorded = {}
        self.recording = False
        self.handed = set()
        load_file = botocore.loaders.JSONFileLoader.load_file
        list_services = botocore.loaders.Loader.list_available_services
        shared = self

        def shared_load_file(loader, file_path):
            return shared.serve(("file", file_path), lambda: load_file(loader, file_path))

        def shared_list_services(loader, type_name):
            key = ("services", tuple(loader.search_paths), type_name)
            return shared.serve(key, lambda: list(list_services(loader, type_name)))

        botocore.loaders.JSONFileLoader.load_file = shared_load_file
        botocore.loaders.Loader.list_available_services = shared_list_services

    def serve(self, key, load):
        if self.recording:
            if key not in self.recorded:
                self.recorded[key] = load()
            return load()
        if key in self.recorded and key not in self.handed:
            self.handed.add(key)
            return self.recorded[key]
        return load()


def recv_request(conn):
    """The caller's three file descriptors and its {argv, env, cwd}."""
    fds = array.array("i")
    data, ancdata, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - (len(payload) % fds.itemsize)])
    if len(fds) != 3:
        raise RuntimeError(f"expected 3 file descriptors, got {len(fds)}")
    while len(data) < 4:
        chunk = conn.recv(65536)
        if not chunk:
            raise RuntimeError("client closed before its request")
        data += chunk
    (size,) = struct.unpack("!I", data[:4])
    body = data[4:]
    while len(body) < size:
        chunk = conn.recv(65536)
        if not chunk:
            raise RuntimeError("client closed mid-request")
        body += chunk
    return list(fds), json.loads(body)


def run_cli(aws, fds, request):
    """In the worker: become the caller's process, run the aws entry script, exit with its status."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # The import-time reads of the environment that a call of the scripts' commands
    # depends on, done again under the caller's environment, as a fresh process
    # would do them: awscli's __init__ puts its data directory on AWS_DATA_PATH
    # (after the caller's own entries), and botocore's loader searches
    # ~/.aws/models of the caller's HOME. (The other import-time reads of HOME are
    # caches of SSO, assume-role and EKS commands, and the CLI history, which
    # the scripts do not use.)
    import awscli
    import botocore.loaders

    importlib.reload(awscli)
    botocore.loaders.Loader.CUSTOMER_DATA_PATH = os.path.join(os.path.expanduser("~"), ".aws", "models")
    sys.stdin = sys.__stdin__ = open(0, "r", closefd=False)
    sys.stdout = sys.__stdout__ = open(1, "w", closefd=False)
    sys.stderr = sys.__stderr__ = open(2, "w", closefd=False)
    sys.argv = [aws, *request["argv"]]
    status = 0
    try:
        runpy.run_path(aws, run_name="__main__")
    except SystemExit as e:
        if e.code is None:
            status = 0
        elif isinstance(e.code, int):
            status = e.code
        else:
            print(e.code, file=sys.stderr)
            status = 1
    except BaseException:
        import traceback

        traceback.print_exc()
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(status & 0xFF)


def handle(conn, listener, aws):
    """In a handler process: read the request, fork the worker, report how it ended."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    fds, request = recv_request(conn)
    pid = os.fork()
    if pid == 0:
        conn.close()
        listener.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        run_cli(aws, fds, request)
    for fd in fds:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    # An exit status, or minus the signal that killed the worker.
    conn.sendall(struct.pack("!i", os.waitstatus_to_exitcode(status)))
    os._exit(0)


def main():
    path, aws = sys.argv[1], sys.argv[2]
    preload()
    # What preload() made is kept by the workers for their whole life: out of the
    # collector's sight, a worker's collections do not walk it (nor copy its pages,
    # shared with the server after the fork, by writing their reference counts).
    gc.freeze()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # handlers are reaped by the kernel
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    print("READY", flush=True)
    while True:
        conn, _ = listener.accept()
        if os.fork() == 0:
            try:
                handle(conn, listener, aws)
            except BaseException as e:  # the client sees its connection close without a status
                print(f"aws-forkserver: {e}", file=sys.stderr, flush=True)
            os._exit(1)
        conn.close()


if __name__ == "__main__":
    main()
