--TEST--
The error, stats, log and offset-commit callbacks run on the PHP thread, with the client first
--SKIPIF--
<?php if (!getenv('KAFKA_BOOTSTRAP')) die('skip KAFKA_BOOTSTRAP is not set (bindings/php/run-tests.sh sets it)'); ?>
--FILE--
<?php
// error_cb: nothing listens on the bootstrap address.
$dead = stream_socket_server('tcp://127.0.0.1:0');
$address = stream_socket_get_name($dead, false);
fclose($dead);
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', $address);
$errors = [];
$conf->setErrorCb(function ($kafka, int $err, string $reason) use (&$errors) {
    $errors[] = [$kafka instanceof RdKafka\Producer, $err];
});
$producer = new RdKafka\Producer($conf);
// The core connects when there is something to send (librdkafka connects at creation).
$producer->newTopic('unreachable')->produce(RD_KAFKA_PARTITION_UA, 0, 'x');
$deadline = microtime(true) + 20;
while (!$errors && microtime(true) < $deadline) {
    $producer->poll(100);
}
var_dump($errors[0][0], in_array($errors[0][1], [RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TRANSPORT], true));

// stats_cb and log_cb on a working client.
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$conf->set('statistics.interval.ms', 100);
$conf->set('debug', 'broker');
$stats = [];
$logs = 0;
$conf->setStatsCb(function ($kafka, string $json, int $len) use (&$stats) {
    $stats[] = [strlen($json) === $len, is_array(json_decode($json, true))];
});
$conf->setLogCb(function ($kafka, int $level, string $facility, string $message) use (&$logs) {
    $logs++;
});
$producer = new RdKafka\Producer($conf);
$producer->newTopic('php-cb-' . bin2hex(random_bytes(4)))->produce(0, 0, 'x');
$producer->flush(10000);
$deadline = microtime(true) + 20;
while (!$stats && microtime(true) < $deadline) {
    $producer->poll(100);
}
var_dump($stats[0], $logs > 0);

// offset_commit_cb: an asynchronous commit's result arrives in a later consume.
$topic = 'php-oc-' . bin2hex(random_bytes(4));
$producer->newTopic($topic)->produce(0, 0, 'y');
$producer->flush(10000);
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$conf->set('group.id', $topic . '-g');
$conf->set('auto.offset.reset', 'earliest');
$conf->set('enable.auto.commit', 'false');
$commits = [];
$conf->setOffsetCommitCb(function ($kafka, int $err, array $partitions) use (&$commits) {
    $commits[] = [$kafka instanceof RdKafka\KafkaConsumer, $err, $partitions[0]->getTopic(), $partitions[0]->getOffset()];
});
$consumer = new RdKafka\KafkaConsumer($conf);
$consumer->subscribe([$topic]);
$deadline = microtime(true) + 30;
do {
    $m = $consumer->consume(500);
} while ($m->err !== 0 && microtime(true) < $deadline);
$consumer->commitAsync($m);
$deadline = microtime(true) + 20;
while (!$commits && microtime(true) < $deadline) {
    $consumer->consume(100);
}
var_dump($commits[0][0], $commits[0][1], $commits[0][2] === $topic, $commits[0][3]);
?>
--EXPECT--
bool(true)
bool(true)
array(2) {
  [0]=>
  bool(true)
  [1]=>
  bool(true)
}
bool(true)
bool(true)
int(0)
bool(true)
int(1)
