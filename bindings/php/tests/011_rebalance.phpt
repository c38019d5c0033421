--TEST--
KafkaConsumer's rebalance callback receives the assignment and assigns it
--SKIPIF--
<?php if (!getenv('KAFKA_BOOTSTRAP')) die('skip KAFKA_BOOTSTRAP is not set (bindings/php/run-tests.sh sets it)'); ?>
--FILE--
<?php
$topic = 'php-rb-' . bin2hex(random_bytes(4));
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$producer = new RdKafka\Producer($conf);
$producer->newTopic($topic)->produce(0, 0, 'hello');
var_dump($producer->flush(10000));

$conf->set('group.id', $topic . '-g');
$conf->set('auto.offset.reset', 'earliest');
$events = [];
$conf->setRebalanceCb(function (RdKafka\KafkaConsumer $kafka, $err, ?array $partitions) use (&$events) {
    $names = array_map(fn ($tp) => $tp->getTopic() === $kafka->getSubscription()[0] ? $tp->getPartition() : 'other', $partitions ?? []);
    $events[] = ($err === RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? 'assign ' : 'revoke ') . json_encode($names);
    $kafka->assign($err === RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS ? $partitions : null);
});
$consumer = new RdKafka\KafkaConsumer($conf);
$consumer->subscribe([$topic]);
$deadline = microtime(true) + 30;
do {
    $m = $consumer->consume(500);
} while ($m->err !== 0 && microtime(true) < $deadline);
var_dump($m->payload);
echo implode("\n", $events), "\n";
var_dump(count($consumer->getAssignment()));
?>
--EXPECT--
int(0)
string(5) "hello"
assign [0]
int(1)
