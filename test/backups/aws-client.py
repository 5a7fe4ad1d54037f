"""`aws` for the backup script tests: hands this call to the fork server
(aws-forkserver.py, socket in MED_AGI_AWS_FORKSERVER) and exits as the aws
CLI did. Run with the CLI's interpreter in isolated mode without site
(-I -S): a few milliseconds instead of the CLI's whole import."""

import array
import json
import os
import signal
import socket
import struct
import sys


def main():
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.environ["MED_AGI_AWS_FORKSERVER"])
    body = json.dumps({"argv": sys.argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    message = struct.pack("!I", len(body)) + body
    sent = sock.sendmsg([message], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [0, 1, 2]))])
    sock.sendall(message[sent:])
    reply = b""
    while len(reply) < 4:
        chunk = sock.recv(4 - len(reply))
        if not chunk:
            print("aws (fork server client): the server closed the connection without an exit status", file=sys.stderr)
            return 70
        reply += chunk
    (status,) = struct.unpack("!i", reply)
    if status < 0:  # the worker died of a signal: so does this process, as the CLI would have
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status


if __name__ == "__main__":
    sys.exit(main())
