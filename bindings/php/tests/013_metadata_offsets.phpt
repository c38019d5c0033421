--TEST--
getMetadata with its collections, queryWatermarkOffsets, offsetsForTimes, pause/resume, offset positions
--SKIPIF--
<?php if (!getenv('KAFKA_BOOTSTRAP')) die('skip KAFKA_BOOTSTRAP is not set (bindings/php/run-tests.sh sets it)'); ?>
--FILE--
<?php
$topic = 'php-md-' . bin2hex(random_bytes(4));
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$producer = new RdKafka\Producer($conf);
$t = $producer->newTopic($topic);
$start = (int) (microtime(true) * 1000);
for ($i = 0; $i < 5; $i++) {
    $t->producev(0, 0, "m$i", null, null, $start + $i * 1000);
}
var_dump($producer->flush(10000));

$md = $producer->getMetadata(false, $t, 10000);
$topics = $md->getTopics();
var_dump($topics instanceof Countable, count($topics));
foreach ($topics as $i => $tm) {
    var_dump($i, $tm->getTopic() === $topic, $tm->getErr());
    foreach ($tm->getPartitions() as $p) {
        var_dump($p->getId(), $p->getErr(), $p->getLeader() === $md->getOrigBrokerId() || $p->getLeader() > 0, count($p->getReplicas()), iterator_to_array($p->getIsrs()) === [$p->getLeader()]);
    }
}
$brokers = $producer->getMetadata(true, null, 10000)->getBrokers();
foreach ($brokers as $b) {
    var_dump(is_int($b->getId()), $b->getHost(), $b->getPort() > 0);
}
$low = $high = null;
$producer->queryWatermarkOffsets($topic, 0, $low, $high, 10000);
var_dump($low, $high);
$found = $producer->offsetsForTimes([new RdKafka\TopicPartition($topic, 0, $start + 2500)], 10000);
var_dump($found[0]->getOffset(), $found[0]->getErr());

$conf->set('group.id', $topic . '-g');
$conf->set('enable.auto.offset.store', 'false');
$consumer = new RdKafka\KafkaConsumer($conf);
$consumer->assign([new RdKafka\TopicPartition($topic, 0, RD_KAFKA_OFFSET_BEGINNING)]);
$m = $consumer->consume(10000);
var_dump($m->payload);
$paused = $consumer->pausePartitions([new RdKafka\TopicPartition($topic, 0)]);
var_dump($paused[0]->getErr());
$resumed = $consumer->resumePartitions([new RdKafka\TopicPartition($topic, 0)]);
var_dump($resumed[0]->getErr());
var_dump($consumer->consume(10000)->payload);
var_dump($consumer->getOffsetPositions([new RdKafka\TopicPartition($topic, 0)])[0]->getOffset() >= 2);
// As librdkafka's rd_kafka_offset_store: the message's offset, so offset + 1 is committed.
$consumer->newTopic($topic)->offsetStore(0, 1);
$consumer->commit();
var_dump($consumer->getCommittedOffsets([new RdKafka\TopicPartition($topic, 0)], 10000)[0]->getOffset());
?>
--EXPECT--
int(0)
bool(true)
int(1)
int(0)
bool(true)
int(0)
int(0)
int(0)
bool(true)
int(1)
bool(true)
bool(true)
string(9) "127.0.0.1"
bool(true)
int(0)
int(5)
int(3)
int(0)
string(2) "m0"
int(0)
int(0)
string(2) "m1"
bool(true)
int(2)
