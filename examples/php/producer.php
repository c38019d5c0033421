<?php
// The classic php-rdkafka producer loop, unchanged: runs on ferrokafka's extension as written.
// usage: php producer.php TOPIC [COUNT]   (bootstrap from KAFKA_BOOTSTRAP, default localhost:9092)
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP') ?: 'localhost:9092');
$conf->setDrMsgCb(function ($kafka, $message) {
    if ($message->err) {
        fwrite(STDERR, "delivery failed: " . rd_kafka_err2str($message->err) . "\n");
    }
});

$producer = new RdKafka\Producer($conf);
$topic = $producer->newTopic($argv[1] ?? 'test');
$count = (int) ($argv[2] ?? 10);

for ($i = 0; $i < $count; $i++) {
    $topic->produce(RD_KAFKA_PARTITION_UA, 0, "Message $i");
    $producer->poll(0);
}

for ($flushRetries = 0; $flushRetries < 10; $flushRetries++) {
    $result = $producer->flush(10000);
    if (RD_KAFKA_RESP_ERR_NO_ERROR === $result) {
        break;
    }
}

if (RD_KAFKA_RESP_ERR_NO_ERROR !== $result) {
    throw new \RuntimeException('Was unable to flush, messages might be lost!');
}
echo "produced $count\n";
