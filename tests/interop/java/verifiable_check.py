"""verifiable_check.py N PRODUCER_JSONL CONSUMER_JSONL

Checks the JSON lines of VerifiableProducer and VerifiableConsumer (--verbose): all N records were
acknowledged without an error; each acknowledged record was consumed at the partition and offset of its
acknowledgement, with its value and key; the consumer's commits succeeded and ended at the end of each
partition it read."""
import json
import sys


def events(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                yield json.loads(line)


def main():
    n, producer_path, consumer_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    problems = []
    acked = {}
    errors = []
    for e in events(producer_path):
        if e["name"] == "producer_send_success":
            acked[(e["topic"], e["partition"], e["offset"])] = (e.get("key"), e["value"])
        elif e["name"] == "producer_send_error":
            errors.append(e)
    if errors:
        problems.append(f"{len(errors)} send errors, first: {errors[0]}")
    if len(acked) != n:
        problems.append(f"{len(acked)} of {n} records acknowledged (distinct offsets)")

    consumed = {}
    duplicates = 0
    committed = {}
    failed_commits = []
    for e in events(consumer_path):
        if e["name"] == "record_data":
            k = (e["topic"], e["partition"], e["offset"])
            duplicates += k in consumed
            consumed[k] = (e.get("key"), e["value"])
        elif e["name"] == "offsets_committed":
            if not e.get("success", False):
                failed_commits.append(e)
            for o in e.get("offsets") or []:
                committed[(o["topic"], o["partition"])] = o["offset"]
    missing = [k for k in acked if k not in consumed]
    if missing:
        problems.append(f"{len(missing)} acknowledged records never consumed, e.g. {sorted(missing)[:5]}")
    wrong = [(k, acked[k], consumed[k]) for k in acked if k in consumed and consumed[k] != acked[k]]
    if wrong:
        problems.append(f"{len(wrong)} records consumed with another key/value, e.g. {wrong[:3]}")
    if failed_commits:
        problems.append(f"{len(failed_commits)} failed commits, first: {failed_commits[0]}")
    ends = {}
    for topic, partition, offset in consumed:
        ends[(topic, partition)] = max(ends.get((topic, partition), -1), offset + 1)
    behind = {tp: (committed.get(tp), end) for tp, end in ends.items() if committed.get(tp) != end}
    if behind:
        problems.append(f"committed offsets are not at the end of what was read: {behind}")

    partitions = sorted({p for _, p, _ in acked})
    print(f"acknowledged {len(acked)} on partitions {partitions}; consumed {len(consumed)} distinct "
          f"({duplicates} redelivered); commits ok up to {dict(sorted(committed.items()))}")
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


sys.exit(main())
