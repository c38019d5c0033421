//! The one mapping from the core's errors to PHP: `RdKafka\Exception` (code = librdkafka's error
//! code, message = librdkafka's text, as php-rdkafka throws them) and `RdKafka\KafkaErrorException`
//! for transactional calls, with isFatal / isRetriable / transactionRequiresAbort.

use ext_php_rs::class::RegisteredClass;
use ext_php_rs::convert::IntoZval;
use ext_php_rs::exception::PhpException;
use ext_php_rs::prelude::*;
use ext_php_rs::types::ZendClassObject;
use ext_php_rs::zend::{ce, ExecutorGlobals};
use ferrokafka::config::ConfError;
use ferrokafka::{Error, ErrorKind};

#[php_class]
#[php(name = "RdKafka\\Exception")]
#[php(extends(ce = ce::exception, stub = "\\Exception"))]
#[derive(Default)]
pub struct RdKafkaException;

#[php_class]
#[php(name = "RdKafka\\KafkaErrorException")]
#[php(extends(RdKafkaException))]
#[derive(Default)]
pub struct KafkaErrorException {
    error_string: String,
    fatal: bool,
    retriable: bool,
    txn_requires_abort: bool,
}

#[php_impl]
impl KafkaErrorException {
    pub fn get_error_string(&self) -> String {
        self.error_string.clone()
    }

    pub fn is_fatal(&self) -> bool {
        self.fatal
    }

    pub fn is_retriable(&self) -> bool {
        self.retriable
    }

    pub fn transaction_requires_abort(&self) -> bool {
        self.txn_requires_abort
    }
}

/// librdkafka's rd_kafka_err2str for any code, known or not.
pub fn err2str(code: i64) -> String {
    match i32::try_from(code).ok().and_then(ErrorKind::from_code) {
        Some(kind) => kind.description().to_string(),
        None => format!("Err-{code}?"),
    }
}

/// librdkafka's rd_kafka_err2name (local errors keep their leading underscore: `_TIMED_OUT`).
pub fn err2name(code: i64) -> String {
    match i32::try_from(code).ok().and_then(ErrorKind::from_code) {
        Some(kind) => kind.as_str().to_string(),
        None => format!("ERR_{code}?"),
    }
}

/// An `RdKafka\Exception` with librdkafka's text and code, as php-rdkafka throws for a failed call.
pub fn exception(e: &Error) -> PhpException {
    PhpException::new(e.kind.description().to_string(), e.kind.code(), RdKafkaException::get_metadata().ce())
}

/// An `RdKafka\Exception` with a message of our own (argument checks).
pub fn message(text: impl Into<String>, code: i32) -> PhpException {
    PhpException::new(text.into(), code, RdKafkaException::get_metadata().ce())
}

/// Conf::set's failure: code -1 (invalid value) or -2 (unknown property), librdkafka's wording.
pub fn conf_error(e: &ConfError) -> PhpException {
    message(e.message.clone(), e.result as i32)
}

/// A `RdKafka\KafkaErrorException` (transactions): "<text> (RD_KAFKA_RESP_ERR_<NAME>)" with the
/// flags librdkafka's rd_kafka_error_t carries.
pub fn kafka_error(e: &Error) -> PhpException {
    let text = e.kind.description().to_string();
    let name = err2name(i64::from(e.kind.code()));
    let message = format!("{text} (RD_KAFKA_RESP_ERR_{name})");
    let state = KafkaErrorException {
        error_string: if e.message.is_empty() { text } else { e.message.clone() },
        fatal: e.fatal,
        retriable: e.is_retriable(),
        txn_requires_abort: e.txn_requires_abort,
    };
    let fallback = || PhpException::new(message.clone(), e.kind.code(), KafkaErrorException::get_metadata().ce());
    let Ok(mut zval) = ZendClassObject::new(state).into_zval(false) else {
        return fallback();
    };
    // The Exception's own message and code are protected: written in Exception's scope, as
    // its constructor would.
    if let Some(obj) = zval.object_mut() {
        let previous = std::mem::replace(&mut ExecutorGlobals::get_mut().fake_scope, std::ptr::from_ref(ce::exception()).cast_mut());
        let written = obj.set_property("message", message.as_str()).and_then(|()| obj.set_property("code", i64::from(e.kind.code())));
        ExecutorGlobals::get_mut().fake_scope = previous;
        if written.is_err() {
            return fallback();
        }
    }
    fallback().with_object(zval)
}
