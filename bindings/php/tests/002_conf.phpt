--TEST--
Conf validates librdkafka's properties with its wording and accepts PHP ints and bools
--FILE--
<?php
$conf = new RdKafka\Conf();
$conf->set('queue.buffering.max.messages', 1 << 10);
$conf->set('enable.idempotence', true);
$conf->set('linger.ms', '5');
$dump = $conf->dump();
var_dump($dump['queue.buffering.max.messages'], $dump['enable.idempotence'], $dump['linger.ms']);
try {
    $conf->set('no.such.property', 'x');
} catch (RdKafka\Exception $e) {
    var_dump($e->getCode(), $e->getMessage());
}
try {
    $conf->set('enable.idempotence', 'maybe');
} catch (RdKafka\Exception $e) {
    var_dump($e->getCode(), $e->getMessage());
}
$topicConf = new RdKafka\TopicConf();
$topicConf->set('acks', -1);
$topicConf->setPartitioner(RD_KAFKA_MSG_PARTITIONER_MURMUR2);
var_dump($topicConf->dump()['partitioner']);
try {
    new RdKafka\KafkaConsumer(new RdKafka\Conf());
} catch (RdKafka\Exception $e) {
    var_dump($e->getMessage());
}
?>
--EXPECT--
string(4) "1024"
string(4) "true"
string(1) "5"
int(-2)
string(50) "No such configuration property: "no.such.property""
int(-1)
string(59) "Expected bool value for "enable.idempotence": true or false"
string(7) "murmur2"
string(29) ""group.id" must be configured"
