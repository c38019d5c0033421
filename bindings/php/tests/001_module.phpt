--TEST--
The module is rdkafka 6.0.x with php-rdkafka's classes, constants and functions
--FILE--
<?php
var_dump(extension_loaded('rdkafka'));
var_dump(str_starts_with(phpversion('rdkafka'), '6.0.'));
var_dump(RD_KAFKA_PARTITION_UA, RD_KAFKA_OFFSET_BEGINNING, RD_KAFKA_OFFSET_END, RD_KAFKA_OFFSET_STORED);
var_dump(RD_KAFKA_RESP_ERR_NO_ERROR, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__PARTITION_EOF,
    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS, RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS);
var_dump(rd_kafka_err2str(RD_KAFKA_RESP_ERR__TIMED_OUT));
var_dump(rd_kafka_err2str(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART));
var_dump(rd_kafka_err2name(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
var_dump(rd_kafka_offset_tail(5));
var_dump(is_subclass_of('RdKafka\Producer', 'RdKafka'));
var_dump(is_subclass_of('RdKafka\KafkaErrorException', 'RdKafka\Exception'));
var_dump(is_subclass_of('RdKafka\Exception', 'Exception'));
var_dump((new ReflectionClass('RdKafka'))->isAbstract());
var_dump(count(rd_kafka_get_err_descs()) > 100);
?>
--EXPECT--
bool(true)
bool(true)
int(-1)
int(-2)
int(-1)
int(-1000)
int(0)
int(-185)
int(-191)
int(3)
int(-175)
int(-174)
string(16) "Local: Timed out"
string(34) "Broker: Unknown topic or partition"
string(14) "_MSG_TIMED_OUT"
int(-2005)
bool(true)
bool(true)
bool(true)
bool(true)
bool(true)
