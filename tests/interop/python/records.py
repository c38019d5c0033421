"""The records the Python interop tests send, and the check of what came back."""

COUNT = 3000
BASE_TIMESTAMP_MS = 1_700_000_000_000


def record(seq):
    """Record number `seq`: 100 keys, so each key recurs; headers include a repeated key (legal, KIP-82)."""
    return {
        "key": f"k{seq % 100}".encode(),
        "value": f"v{seq}".encode(),
        "headers": [("seq", str(seq).encode()), ("dup", b"first"), ("dup", b"second")],
        "timestamp": BASE_TIMESTAMP_MS + seq,
    }


def check_partitions(got, want, partitions):
    """got and want map partition -> [(offset, key, value, headers, timestamp)]; report the first difference."""
    assert sorted(want) == list(range(partitions)), f"records reached partitions {sorted(want)}"
    for p in range(partitions):
        g, w = got.get(p, []), want[p]
        for i, (a, b) in enumerate(zip(g, w)):
            assert a == b, f"partition {p}, record {i}: read {a}, expected {b}"
        assert len(g) == len(w), f"partition {p}: read {len(g)} records, expected {len(w)}"


def check_offsets(delivered, partitions):
    """delivered maps partition -> [(offset, seq)] in delivery order: a new topic gives offsets 0..n-1 in send order."""
    for p, reports in delivered.items():
        offsets = [offset for offset, _ in reports]
        assert offsets == list(range(len(reports))), f"partition {p}: offsets {offsets[:10]}... not 0..n-1"
        seqs = [seq for _, seq in reports]
        assert seqs == sorted(seqs), f"partition {p}: records stored out of send order"
