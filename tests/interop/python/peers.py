"""What several interop tests need: which APIs the broker advertises (to skip what the testkit does not offer
yet, with exit status 77) and the path of ferrokafka's CLI."""
import os
import socket
import struct
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def advertised_api_keys(bootstrap):
    """The API keys of an ApiVersions v0 answer from the first bootstrap broker."""
    host, port = bootstrap.split(",")[0].rsplit(":", 1)
    client_id = b"interop-probe"
    request = struct.pack(">hhih", 18, 0, 1, len(client_id)) + client_id
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(struct.pack(">i", len(request)) + request)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = s.recv(65536)
            assert chunk, "broker closed the connection during ApiVersions"
            data += chunk
    _, _, error, count = struct.unpack(">iihi", data[:14])
    assert error == 0, f"ApiVersions error {error}"
    return {struct.unpack(">h", data[14 + 6 * i:16 + 6 * i])[0] for i in range(count)}


def cli_binary():
    """$FERROKAFKA_CLI, or target/release/ferrokafka (built if missing)."""
    path = os.environ.get("FERROKAFKA_CLI")
    if path:
        return path
    path = ROOT / "target" / "release" / "ferrokafka"
    if not path.exists():
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "ferrokafka-cli"], cwd=ROOT, check=True)
    return str(path)
