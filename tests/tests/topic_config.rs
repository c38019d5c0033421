//! Topic configurations (librdkafka's topic handles with a topic conf, php-rdkafka's
//! newTopic(name, TopicConf)): acks, message.timeout.ms, partitioner per topic on the producer,
//! auto.offset.reset per topic on the consumer. Runs against the testkit or real Kafka.

use std::time::{Duration, Instant};

use ferrokafka::blocking::{Consumer, Producer};
use ferrokafka::config::TopicConfig;
use ferrokafka::producer::partitioner::Partitioner;
use ferrokafka::{ErrorKind, Event, Offset, ProducerRecord, TopicPartitionOffset};
use ferrokafka_tests::Env;

const T: Duration = Duration::from_secs(30);

#[test]
fn a_topic_config_sets_acks_and_the_partitioner_of_its_topic() {
    let env = Env::new(1);
    let own = env.topic("own", 4);
    let plain = env.topic("plain", 4);
    let p = Producer::new(&env.config(&[("acks", "all")])).expect("producer");
    let conf = TopicConfig::new().with("request.required.acks", "0").expect("acks").with("partitioner", "consistent").expect("partitioner");
    p.set_topic_config(&own, &conf).expect("topic config");
    // A key where consistent (CRC32) and the default murmur2 disagree.
    let key = (0..100)
        .map(|i| format!("key-{i}"))
        .find(|k| Partitioner::Consistent.partition_for_key(Some(k.as_bytes()), 4) != Partitioner::Murmur2Random.partition_for_key(Some(k.as_bytes()), 4))
        .expect("a key the partitioners disagree on");
    let own_d = p.send(ProducerRecord::new(&own).key(key.clone()).value("x")).expect("send").wait().expect("delivered");
    let plain_d = p.send(ProducerRecord::new(&plain).key(key.clone()).value("x")).expect("send").wait().expect("delivered");
    assert_eq!(own_d.offset, -1, "acks=0 from the topic config: no offset comes back");
    assert!(plain_d.offset >= 0, "the producer's acks=all elsewhere");
    assert_eq!(Some(own_d.partition), Partitioner::Consistent.partition_for_key(Some(key.as_bytes()), 4));
    assert_eq!(Some(plain_d.partition), Partitioner::Murmur2Random.partition_for_key(Some(key.as_bytes()), 4));
}

#[test]
fn a_topic_config_sets_message_timeout_of_its_topic() {
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return ferrokafka_tests::skip("topic message.timeout.ms", "needs the testkit to stall the broker");
    };
    let topic = env.topic("timeout", 1);
    let p = Producer::new(&env.config(&[("request.timeout.ms", "60000")])).expect("producer");
    p.send(ProducerRecord::new(&topic).value("warm")).expect("send").wait().expect("delivered");
    p.set_topic_config(&topic, &TopicConfig::new().with("message.timeout.ms", "400").expect("timeout")).expect("topic config");
    cluster.stall_broker(1, true);
    // The first record's request hangs in flight (that waits for request.timeout.ms); the next
    // one waits in the queue behind it, where message.timeout.ms applies.
    let blocker = p.send(ProducerRecord::new(&topic).value("in flight")).expect("send");
    std::thread::sleep(Duration::from_millis(100));
    let started = Instant::now();
    let r = p.send(ProducerRecord::new(&topic).value("x")).expect("send").wait();
    cluster.stall_broker(1, false);
    drop(blocker);
    let e = r.expect_err("timed out");
    assert_eq!(e.kind, ErrorKind::MsgTimedOut, "{e}");
    assert!(started.elapsed() < Duration::from_secs(20), "the topic's 400 ms, not the producer's 300 s: {:?}", started.elapsed());
}

#[test]
fn an_idempotent_producer_refuses_a_topic_config_without_acks_all() {
    let env = Env::new(1);
    let p = Producer::new(&env.config(&[("enable.idempotence", "true")])).expect("producer");
    let e = p.set_topic_config("t", &TopicConfig::new().with("acks", "1").expect("acks")).expect_err("refused");
    assert_eq!(e.kind, ErrorKind::InvalidArg);
    assert!(e.message.contains("acks") && e.message.contains("idempotence"), "{e}");
}

#[test]
fn a_topic_config_sets_auto_offset_reset_of_its_topic() {
    let env = Env::new(1);
    let topic = env.topic("reset", 1);
    let p = Producer::new(&env.config(&[])).expect("producer");
    for i in 0..3 {
        p.send(ProducerRecord::new(&topic).value(format!("{i}"))).expect("send").wait().expect("delivered");
    }
    let c = Consumer::new(&env.config(&[("auto.offset.reset", "latest")])).expect("consumer");
    c.set_topic_config(&topic, &TopicConfig::new().with("auto.offset.reset", "earliest").expect("reset")).expect("topic config");
    c.assign(&[TopicPartitionOffset::new(&topic, 0, Offset::Stored)]).expect("assign");
    let deadline = Instant::now() + T;
    loop {
        assert!(Instant::now() < deadline, "nothing: the consumer's latest was used");
        if let Some(Event::Message(m)) = c.poll(Duration::from_millis(100)) {
            assert_eq!(m.offset, 0, "the topic's earliest");
            break;
        }
    }
}

/// A topic configuration's compression.codec applies to its topic's batches only.
#[test]
fn a_topic_config_sets_compression_of_its_topic() {
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return ferrokafka_tests::skip("topic compression", "reads the stored batches of the testkit");
    };
    let own = env.topic("gzipped", 1);
    let plain = env.topic("lz4ed", 1);
    let p = Producer::new(&env.config(&[("compression.type", "lz4")])).expect("producer");
    p.set_topic_config(&own, &TopicConfig::new().with("compression.codec", "gzip").expect("codec")).expect("topic config");
    for topic in [&own, &plain] {
        p.send(ProducerRecord::new(topic).value("x".repeat(200))).expect("send").wait().expect("delivered");
    }
    assert_eq!(cluster.batch_codecs(&own, 0), [1], "gzip from the topic config");
    assert_eq!(cluster.batch_codecs(&plain, 0), [3], "lz4 from the producer elsewhere");
}

/// A topic configuration's request.timeout.ms bounds the wait for its Produce answers.
#[test]
fn a_topic_config_sets_request_timeout_of_its_topic() {
    let env = Env::new(1);
    let Some(cluster) = env.testkit() else {
        return ferrokafka_tests::skip("topic request.timeout.ms", "needs the testkit to stall the broker");
    };
    let topic = env.topic("reqtimeout", 1);
    let p = Producer::new(&env.config(&[("request.timeout.ms", "60000"), ("retries", "0")])).expect("producer");
    p.send(ProducerRecord::new(&topic).value("warm")).expect("send").wait().expect("delivered");
    p.set_topic_config(&topic, &TopicConfig::new().with("request.timeout.ms", "500").expect("timeout")).expect("topic config");
    cluster.stall_broker(1, true);
    let started = Instant::now();
    let r = p.send(ProducerRecord::new(&topic).value("x")).expect("send").wait();
    cluster.stall_broker(1, false);
    let e = r.expect_err("timed out");
    assert!(started.elapsed() < Duration::from_secs(20), "the topic's 500 ms, not the producer's 60 s: {:?} ({e})", started.elapsed());
}
