"""Command line and start-up cost: no heavy framework is imported to serve."""

from __future__ import annotations

import subprocess
import sys

from mindconverter.server.__main__ import parse_args
from mindconverter.server.features import FEATURE_MODULES


def test_stdio_is_accepted_and_default() -> None:
    assert not parse_args([]).tcp
    assert parse_args(["--stdio"]).stdio
    assert not parse_args(["--stdio", "--clientProcessId=42"]).tcp  # extra client flags ignored
    tcp = parse_args(["--tcp", "--host", "0.0.0.0", "--port", "9000"])
    assert (tcp.tcp, tcp.host, tcp.port) == (True, "0.0.0.0", 9000)


def test_server_starts_without_heavy_imports() -> None:
    code = (
        "import sys\n"
        "from mindconverter.server.server import create_server\n"
        "server = create_server()\n"
        "heavy = {'mindspore', 'onnxruntime', 'torch', 'onnx', 'libcst', 'numpy',\n"
        "         'multiprocessing', 'mindconverter.mappings', 'mindconverter.converter.ast'}\n"
        "heavy &= set(sys.modules)\n"
        "print(sorted(heavy))\n"
        "print(' '.join(sorted([*server.protocol.fm.features, *server.protocol.fm.commands])))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    heavy, registered = out.stdout.splitlines()
    assert heavy == "[]"
    assert registered.split() == [
        "initialize",
        "initialized",
        "mindconverter.convertFile",
        "mindconverter.convertModelFile",
        "mindconverter.inspectModel",
        "shutdown",
        "textDocument/codeAction",
        "textDocument/didChange",
        "textDocument/didClose",
        "textDocument/didOpen",
        "textDocument/didSave",
        "textDocument/hover",
        "workspace/didChangeConfiguration",
    ]


def test_feature_modules_are_listed_explicitly() -> None:
    names = [m.__name__.rsplit(".", 1)[1] for m in FEATURE_MODULES]
    assert names == ["configuration", "diagnostics", "code_actions", "hover", "commands"]


def test_version_flag() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mindconverter.server", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "mindconverter-lsp" in out.stdout


def test_a_failing_feature_module_does_not_stop_the_others(monkeypatch, caplog) -> None:
    import types as pytypes

    import mindconverter.server.features as features
    from mindconverter.server.server import MindConverterServer

    def broken(server) -> None:
        raise RuntimeError("cannot register")

    bad = pytypes.SimpleNamespace(__name__="broken_feature", register=broken)
    monkeypatch.setattr(features, "FEATURE_MODULES", (bad, *features.FEATURE_MODULES))
    server = MindConverterServer()
    features.register_all(server)
    assert "textDocument/hover" in server.protocol.fm.features
    assert "broken_feature" in caplog.text


def test_tcp_transport_answers_initialize() -> None:
    import json
    import socket
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "mindconverter.server", "--tcp", "--port", str(port)],
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with connection:
            body = json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "initialize",
                    "params": {"processId": None, "rootUri": None, "capabilities": {}},
                }
            ).encode()
            connection.sendall(b"Content-Length: %d\r\n\r\n" % len(body) + body)
            received = b""
            while b'"serverInfo"' not in received:
                chunk = connection.recv(65536)
                assert chunk, "connection closed"
                received += chunk
        assert b"mindconverter-lsp" in received
    finally:
        server.kill()
        server.wait()
