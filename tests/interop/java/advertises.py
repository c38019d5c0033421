"""Exit 0 if the broker at KAFKA_BOOTSTRAP (its first address) advertises API key ARGV[1] in ApiVersions,
1 if not, 2 if it cannot be asked. Lets a scenario that needs an API skip until the broker implements it."""
import os
import socket
import struct
import sys


def api_keys(host, port):
    request = struct.pack(">hhih", 18, 0, 1, 5) + b"probe"  # ApiVersions v0, correlation id 1, client "probe"
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(struct.pack(">i", len(request)) + request)
        data = b""
        while len(data) < 4 or len(data) < 4 + struct.unpack(">i", data[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("connection closed")
            data += chunk
    # v0 response: correlation id, error code, [api key, min version, max version]
    _, error, count = struct.unpack_from(">ihi", data, 4)
    if error:
        raise OSError(f"ApiVersions error {error}")
    return {struct.unpack_from(">h", data, 14 + 6 * i)[0] for i in range(count)}


def main():
    host, port = os.environ["KAFKA_BOOTSTRAP"].split(",")[0].rsplit(":", 1)
    try:
        keys = api_keys(host, int(port))
    except OSError as e:
        print(f"advertises.py: ApiVersions to {host}:{port} failed: {e}", file=sys.stderr)
        return 2
    return 0 if int(sys.argv[1]) in keys else 1


sys.exit(main())
