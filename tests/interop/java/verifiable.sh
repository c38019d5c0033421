#!/usr/bin/env bash
# VerifiableProducer, then VerifiableConsumer (a consumer group, committing as it goes): every record the
# producer saw acknowledged is consumed, at the partition and offset the acknowledgement named.
source "$(dirname "$0")/common.sh"
require_api 11 JoinGroup VerifiableConsumer
n=20000
work=$(mktemp -d "${TMPDIR:-/tmp}/verifiable.XXXXXX")
trap 'rm -rf "$work"' EXIT
tool VerifiableProducer --bootstrap-server "$KAFKA_BOOTSTRAP" --topic "$TOPIC" --max-messages "$n" \
    --acks -1 --repeating-keys 100 >"$work/producer.jsonl" 2>"$work/producer.err" ||
    { cat "$work/producer.err"; echo "VerifiableProducer failed"; exit 1; }
acked=$(grep -c '"name":"producer_send_success"' "$work/producer.jsonl" || true)
echo "VerifiableProducer: $acked of $n acknowledged"
# It stops after --max-messages records; give up after 60 s if fewer arrive.
status=0
timeout 60 bash "$ROOT/scripts/kafka.sh" java org.apache.kafka.tools.VerifiableConsumer \
    --bootstrap-server "$KAFKA_BOOTSTRAP" --topic "$TOPIC" --group-id "verifiable-$TOPIC" \
    --max-messages "$acked" --verbose --reset-policy earliest >"$work/consumer.jsonl" 2>"$work/consumer.err" ||
    status=$?
[ $status -eq 0 ] || echo "VerifiableConsumer failed (status $status; 124: timed out)"
python3 "$JAVA_DIR/verifiable_check.py" "$n" "$work/producer.jsonl" "$work/consumer.jsonl" || status=1
if [ $status -ne 0 ]; then
    echo "last lines of the consumer's stderr:"
    tail -n 20 "$work/consumer.err"
    exit 1
fi
