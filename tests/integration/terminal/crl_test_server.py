#!/usr/bin/env python3
"""The web servers `crl sync` meets, for tests/integration/terminal/crl_sync.sh.

Usage: crl_test_server.py MODE PORT_FILE [FOLDER]
  static   serves FOLDER (GET only; 404 for anything missing), logging each path to stdout
  hang     accepts, reads the request, never answers
  midbody  sends the headers and 10 of 1000 bytes, then nothing
  garbage  answers 200 with 500 bytes of noise to every request
  notfound answers 404 to every request
Listens on 127.0.0.1, on a free port written to PORT_FILE once it listens.
"""
import os
import socket
import sys
import threading
import time

mode, port_file = sys.argv[1], sys.argv[2]
folder = os.path.realpath(sys.argv[3]) if len(sys.argv) > 3 else None


def read_request(connection):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[1]


def answer(connection, status, body, content_type="application/octet-stream"):
    head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    connection.sendall(head.encode() + body)


def serve(connection):
    try:
        path = read_request(connection)
        if path is None:
            return
        print(path, flush=True)
        if mode == "hang":
            time.sleep(3600)
        elif mode == "midbody":
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
            time.sleep(3600)
        elif mode == "garbage":
            answer(connection, "200 OK", os.urandom(500))
        elif mode == "notfound":
            answer(connection, "404 Not Found", b"not here\n", "text/plain")
        else:
            file = os.path.realpath(os.path.join(folder, path.lstrip("/")))
            if file.startswith(folder + os.sep) and os.path.isfile(file):
                with open(file, "rb") as content:
                    answer(connection, "200 OK", content.read())
            else:
                answer(connection, "404 Not Found", b"not here\n", "text/plain")
    except OSError:
        pass
    finally:
        connection.close()


listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(16)
with open(port_file + ".tmp", "w") as out:
    out.write(str(listener.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
