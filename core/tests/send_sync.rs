//! Every type a binding wraps must cross threads: PHP, Python and Node hold these in objects
//! that may move between threads, and C callers share them freely.

fn assert_send_sync<T: Send + Sync>() {}

#[test]
fn handles_are_send_and_sync() {
    assert_send_sync::<ferrokafka::ClientConfig>();
    assert_send_sync::<ferrokafka::Producer>();
    assert_send_sync::<ferrokafka::Consumer>();
    assert_send_sync::<ferrokafka::AdminClient>();
    assert_send_sync::<ferrokafka::blocking::Producer>();
    assert_send_sync::<ferrokafka::blocking::Consumer>();
    assert_send_sync::<ferrokafka::blocking::AdminClient>();
    assert_send_sync::<ferrokafka::Error>();
    assert_send_sync::<ferrokafka::Message>();
    assert_send_sync::<ferrokafka::Event>();
    assert_send_sync::<ferrokafka::DeliveryReport>();
    assert_send_sync::<ferrokafka::Metadata>();
}

#[test]
fn delivery_future_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<ferrokafka::DeliveryFuture>();
}
