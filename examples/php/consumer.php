<?php
// The classic php-rdkafka KafkaConsumer loop with a rebalance callback, unchanged but for an exit
// after COUNT messages. usage: php consumer.php TOPIC [COUNT] [GROUP]
$conf = new RdKafka\Conf();
$conf->setRebalanceCb(function (RdKafka\KafkaConsumer $kafka, $err, array $partitions = null) {
    switch ($err) {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            $kafka->assign($partitions);
            break;
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            $kafka->assign(NULL);
            break;
        default:
            throw new \Exception($err);
    }
});
$conf->set('group.id', $argv[3] ?? 'myConsumerGroup');
$conf->set('metadata.broker.list', getenv('KAFKA_BOOTSTRAP') ?: 'localhost:9092');
$conf->set('auto.offset.reset', 'earliest');
$conf->set('enable.partition.eof', 'true');

$consumer = new RdKafka\KafkaConsumer($conf);
$consumer->subscribe([$argv[1] ?? 'test']);
$wanted = (int) ($argv[2] ?? PHP_INT_MAX);
$seen = 0;

while ($seen < $wanted) {
    $message = $consumer->consume(120 * 1000);
    switch ($message->err) {
        case RD_KAFKA_RESP_ERR_NO_ERROR:
            echo $message->payload, "\n";
            $seen++;
            break;
        case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            break;
        case RD_KAFKA_RESP_ERR__TIMED_OUT:
            fwrite(STDERR, "Timed out\n");
            break;
        default:
            throw new \Exception($message->errstr(), $message->err);
    }
}
