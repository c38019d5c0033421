--TEST--
Transactions: commit, abort, and KafkaErrorException for a call out of place
--SKIPIF--
<?php if (!getenv('KAFKA_BOOTSTRAP')) die('skip KAFKA_BOOTSTRAP is not set (bindings/php/run-tests.sh sets it)'); ?>
--FILE--
<?php
$topic = 'php-tx-' . bin2hex(random_bytes(4));
$conf = new RdKafka\Conf();
$conf->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$conf->set('transactional.id', $topic . '-tx');
$producer = new RdKafka\Producer($conf);
try {
    $producer->beginTransaction();
} catch (RdKafka\KafkaErrorException $e) {
    printf("%s | fatal=%s retriable=%s abort=%s\n", $e->getMessage(), json_encode($e->isFatal()), json_encode($e->isRetriable()),
        json_encode($e->transactionRequiresAbort()));
    var_dump($e instanceof RdKafka\Exception, $e->getCode());
}
$producer->initTransactions(10000);
$t = $producer->newTopic($topic);
$producer->beginTransaction();
$t->produce(0, 0, 'aborted');
$producer->flush(10000);
$producer->abortTransaction(10000);
$producer->beginTransaction();
$t->produce(0, 0, 'committed');
$producer->commitTransaction(10000);

$c = new RdKafka\Conf();
$c->set('bootstrap.servers', getenv('KAFKA_BOOTSTRAP'));
$c->set('group.id', $topic . '-g');
$c->set('auto.offset.reset', 'earliest');
$consumer = new RdKafka\KafkaConsumer($c);
$consumer->subscribe([$topic]);
$deadline = microtime(true) + 30;
do {
    $m = $consumer->consume(500);
} while ($m->err !== 0 && microtime(true) < $deadline);
var_dump($m->payload);
?>
--EXPECTF--
Local: Erroneous state (RD_KAFKA_RESP_ERR__STATE) | fatal=false retriable=false abort=false
bool(true)
int(-172)
string(9) "committed"
