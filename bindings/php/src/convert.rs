//! Conversions PHP needs that ext-php-rs does not have: a byte string (payloads and keys are
//! binary; a Rust `String` would refuse or mangle them).

use ext_php_rs::convert::{FromZval, IntoZval};
use ext_php_rs::flags::DataType;
use ext_php_rs::types::Zval;

/// A PHP string of arbitrary bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PhpBytes(pub Vec<u8>);

impl IntoZval for PhpBytes {
    const TYPE: DataType = DataType::String;
    const NULLABLE: bool = false;

    fn set_zval(self, zv: &mut Zval, _persistent: bool) -> ext_php_rs::error::Result<()> {
        zv.set_binary(self.0);
        Ok(())
    }
}

impl FromZval<'_> for PhpBytes {
    const TYPE: DataType = DataType::String;

    fn from_zval(zval: &Zval) -> Option<Self> {
        zval.zend_str().map(|s| PhpBytes(s.as_bytes().to_vec()))
    }
}

impl PhpBytes {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}
