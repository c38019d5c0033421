//! A client made before fork() and used in the child (php-fpm, Python multiprocessing) ends
//! with a clear error instead of hanging on runtime threads that stayed in the parent.

use std::time::{Duration, Instant};

use ferrokafka::blocking::{Consumer, Producer};
use ferrokafka::{ClientConfig, ClientEvent, ErrorKind, Event, ProducerRecord};

#[test]
fn a_client_used_after_fork_says_so() {
    let cluster = ferrokafka_testkit::Cluster::builder().start().expect("testkit");
    let config = ClientConfig::from_pairs([("bootstrap.servers", cluster.bootstrap())]).expect("config");
    let p = Producer::new(&config).expect("producer");
    p.send(ProducerRecord::new("fork").value("parent")).expect("send").wait().expect("delivered in the parent");
    let c = Consumer::new(&config).expect("consumer");

    // SAFETY: the child only calls into the clients (whose first step is the pid check) and
    // leaves with _exit, running no destructor and no atexit handler of the parent's.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let flush = p.flush(Duration::from_secs(5));
        let produce = p.produce(ProducerRecord::new("fork").value("child"));
        let events = p.poll(Duration::from_secs(5), 10);
        let polled = c.poll(Duration::from_secs(5));
        let state = |r: &ferrokafka::Result<()>| matches!(r, Err(e) if e.kind == ErrorKind::State && e.message.contains("fork()"));
        let ok = state(&flush)
            && state(&produce)
            && matches!(events.as_slice(), [ClientEvent::Error(e)] if e.kind == ErrorKind::State)
            && matches!(polled, Some(Event::Error { error, .. }) if error.kind == ErrorKind::State);
        // SAFETY: ends the child at once.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child, WNOHANG so a hung child cannot hang the test.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            break;
        }
        if Instant::now() > deadline {
            // SAFETY: kills our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the child hung using a client made before fork()");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "the child saw no clear error (status {status})");
    // The parent's clients go on working.
    p.send(ProducerRecord::new("fork").value("parent again")).expect("send").wait().expect("delivered");
}
