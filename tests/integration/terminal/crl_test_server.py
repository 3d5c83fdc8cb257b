#!/usr/bin/env python3
"""The web servers `crl sync` meets, for tests/integration/terminal/crl_sync.sh.

Usage: crl_test_server.py [--tls CERT KEY] MODE PORT_FILE [FOLDER | BASE_URL]
  static   serves FOLDER (GET only; 404 for anything missing), logging each path to stdout
  hang     accepts, reads the request, never answers
  midbody  sends the headers and 10 of 1000 bytes, then nothing
  garbage  answers 200 with 500 bytes of noise to every request
  notfound answers 404 to every request
  redirect answers 302 to BASE_URL + the path asked for
Listens on 127.0.0.1, on a free port written to PORT_FILE once it listens. With --tls it
speaks HTTPS only, presenting CERT (PEM, chain allowed) with its private KEY.
"""
import os
import socket
import ssl
import sys
import threading
import time

arguments = sys.argv[1:]
tls = None
if arguments[:1] == ["--tls"]:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(arguments[1], arguments[2])
    arguments = arguments[3:]
mode, port_file = arguments[0], arguments[1]
target = arguments[2] if len(arguments) > 2 else None
folder = os.path.realpath(target) if target and mode == "static" else None


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
        if tls:
            # The handshake runs here, not in the accept loop: a client that refuses the
            # certificate (the point of some tests) only ends its own connection.
            connection = tls.wrap_socket(connection, server_side=True)
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
        elif mode == "redirect":
            head = f"HTTP/1.1 302 Found\r\nLocation: {target}{path}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            connection.sendall(head.encode())
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
