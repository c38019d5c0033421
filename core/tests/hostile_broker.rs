//! The client against a broker that lies (ferrokafka_testkit::hostile): impossible array counts,
//! absurd partition ids, truncated frames, length prefixes of gigabytes. Every case must end in
//! an error, never a signal. The whole test binary runs under a 1 GiB address-space limit, so an
//! allocation sized by the peer's word (the old failure: "memory allocation of N bytes failed",
//! then abort) kills it rather than passing by luck on a big machine.

use std::sync::Once;
use std::time::{Duration, Instant};

use ferrokafka::blocking::{AdminClient, Producer};
use ferrokafka::{ClientConfig, ProducerRecord};
use ferrokafka_testkit::hostile::{Hostile, HostileBroker};

fn limit_address_space() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let limit = libc::rlimit { rlim_cur: 1 << 30, rlim_max: 1 << 30 };
        // SAFETY: setrlimit reads the struct we pass and nothing else.
        let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
        assert_eq!(rc, 0, "setrlimit(RLIMIT_AS, 1 GiB) failed");
    });
}

fn config(bootstrap: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    for (k, v) in [
        ("bootstrap.servers", bootstrap),
        ("socket.timeout.ms", "2000"),
        ("request.timeout.ms", "2000"),
        ("api.version.request.timeout.ms", "2000"),
        ("reconnect.backoff.ms", "50"),
        ("message.timeout.ms", "1500"),
    ] {
        c.set(k, v).expect("valid property");
    }
    c
}

#[test]
fn every_hostile_answer_ends_in_an_error_not_a_signal() {
    limit_address_space();
    for case in Hostile::ALL {
        let broker = HostileBroker::start(case).expect("start hostile broker");
        let admin = AdminClient::new(&config(&broker.bootstrap())).expect("admin client");
        let started = Instant::now();
        let result = admin.metadata(None, Duration::from_secs(4));
        let took = started.elapsed();
        assert!(took < Duration::from_secs(15), "{case:?}: metadata took {took:?}");
        match (case, result) {
            (Hostile::AbsurdPartitionIds, Ok(md)) => {
                // The answer decodes; what matters is that the ids sized nothing. Producing to
                // the topic finds no usable partition and fails in time.
                assert!(md.topic("hostile").is_some(), "{case:?}: {md:?}");
                let producer = Producer::new(&config(&broker.bootstrap())).expect("producer");
                let record = ProducerRecord::new("hostile").value(b"v".to_vec());
                let outcome = producer.send(record).and_then(|f| f.wait());
                assert!(outcome.is_err(), "{case:?}: a send to partitions that do not exist succeeded");
            }
            (case, Ok(md)) => panic!("{case:?}: metadata succeeded against a lying broker: {md:?}"),
            (Hostile::AbsurdPartitionIds, Err(e)) => panic!("{case:?}: the answer is well-formed, metadata must decode: {e}"),
            (case, Err(e)) => {
                eprintln!("{case:?}: {} ({:?})", e.message(), e.kind());
                assert!(!e.message().is_empty());
            }
        }
    }
}
