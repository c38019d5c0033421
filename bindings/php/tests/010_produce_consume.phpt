--TEST--
Producer with delivery reports, opaque and headers; a KafkaConsumer group reads it back and commits
--SKIPIF--
<?php if (!getenv('KAFKA_BOOTSTRAP')) die('skip KAFKA_BOOTSTRAP is not set (bindings/php/run-tests.sh sets it)'); ?>
--FILE--
<?php
$topic = 'php-' . bin2hex(random_bytes(4));
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$reports = [];
$conf->setDrMsgCb(function ($kafka, RdKafka\Message $m) use (&$reports) {
    $reports[] = sprintf('%s err=%d partition=%d offset=%d payload=%s key=%s opaque=%s',
        $kafka instanceof RdKafka\Producer ? 'producer' : 'other', $m->err, $m->partition, $m->offset,
        json_encode($m->payload), json_encode($m->key), json_encode($m->opaque));
});
$producer = new RdKafka\Producer($conf);
$t = $producer->newTopic($topic);
var_dump($t->getName() === $topic);
$t->produce(0, 0, 'first', 'k1', 'opaque-1');
$t->producev(0, 0, "bin\x00ary", null, ['h1' => 'v1', 'h2' => 'v2'], null, 'opaque-2');
$t->produce(0, 0, null, 'tombstone');
var_dump($producer->flush(10000));
var_dump($producer->getOutQLen());
echo implode("\n", $reports), "\n";

$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$conf->set('group.id', $topic . '-g');
$conf->set('auto.offset.reset', 'earliest');
$conf->set('enable.auto.commit', 'false');
$consumer = new RdKafka\KafkaConsumer($conf);
$consumer->subscribe([$topic]);
var_dump($consumer->getSubscription() === [$topic]);
$got = [];
$deadline = microtime(true) + 30;
while (count($got) < 3 && microtime(true) < $deadline) {
    $m = $consumer->consume(1000);
    if ($m->err === RD_KAFKA_RESP_ERR__TIMED_OUT) {
        continue;
    }
    if ($m->err) {
        echo "error: ", $m->errstr(), "\n";
        break;
    }
    $got[] = $m;
}
foreach ($got as $m) {
    printf("offset=%d payload=%s len=%s key=%s headers=%s topic=%s ts=%s\n", $m->offset, json_encode($m->payload),
        json_encode($m->len), json_encode($m->key), json_encode($m->headers), $m->topic_name === $topic ? 'ok' : 'wrong',
        $m->payload === null ? json_encode($m->timestamp) : (is_int($m->timestamp) && $m->timestamp > 0 ? 'ok' : 'bad'));
}
$consumer->commit($got[2]);
$committed = $consumer->getCommittedOffsets([new RdKafka\TopicPartition($topic, 0)], 10000);
var_dump($committed[0]->getOffset());
$timeout = $consumer->consume(0);
var_dump($timeout->err === RD_KAFKA_RESP_ERR__TIMED_OUT, $timeout->errstr());
$consumer->close();
try {
    $consumer->consume(10);
} catch (RdKafka\Exception $e) {
    echo "closed\n";
}
?>
--EXPECT--
bool(true)
int(0)
int(0)
producer err=0 partition=0 offset=0 payload="first" key="k1" opaque="opaque-1"
producer err=0 partition=0 offset=1 payload="bin\u0000ary" key=null opaque="opaque-2"
producer err=0 partition=0 offset=2 payload=null key="tombstone" opaque=null
bool(true)
offset=0 payload="first" len=5 key="k1" headers=[] topic=ok ts=ok
offset=1 payload="bin\u0000ary" len=7 key=null headers={"h1":"v1","h2":"v2"} topic=ok ts=ok
offset=2 payload=null len=null key="tombstone" headers=[] topic=ok ts=null
int(3)
bool(true)
string(16) "Local: Timed out"
closed
