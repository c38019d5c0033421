//! Consumer output: kcat's `-f` format strings and its `-J` JSON envelope, byte for byte.

use std::io::{self, Write};

use ferrokafka::{Message, Timestamp};

use crate::escapes::unescape_format_literal;

/// One piece of a parsed `-f` format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    Literal(Vec<u8>),
    Offset,
    Key,
    KeyLen,
    Payload,
    PayloadLen,
    /// `%R`: payload length (-1 for NULL) as a big-endian i32.
    PayloadLenBinary,
    Topic,
    Partition,
    Timestamp,
    Headers,
}

/// kcat's `fmt_parse()`.
pub fn parse_format(fmt: &[u8]) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut s = fmt;
    while !s.is_empty() {
        let Some(pct) = s.iter().position(|&c| c == b'%') else {
            tokens.push(Token::Literal(unescape_format_literal(s)));
            break;
        };
        if pct > 0 {
            tokens.push(Token::Literal(unescape_format_literal(&s[..pct])));
        }
        let token = match s.get(pct + 1) {
            Some(b'o') => Token::Offset,
            Some(b'k') => Token::Key,
            Some(b'K') => Token::KeyLen,
            Some(b's') => Token::Payload,
            Some(b'S') => Token::PayloadLen,
            Some(b'R') => Token::PayloadLenBinary,
            Some(b't') => Token::Topic,
            Some(b'p') => Token::Partition,
            Some(b'T') => Token::Timestamp,
            Some(b'h') => Token::Headers,
            Some(b'%') => Token::Literal(b"%".to_vec()),
            None => return Err("Empty formatter".into()),
            Some(&c) => return Err(format!("Unsupported formatter: %{}", c as char)),
        };
        tokens.push(token);
        s = &s[pct + 2..];
    }
    Ok(tokens)
}

/// How messages are written.
pub struct Formatter {
    tokens: Vec<Token>,
    json: bool,
    /// `-Z`: empty keys and values print as NULL.
    null_empty: bool,
}

impl Formatter {
    pub fn new(format: &[u8], json: bool, null_empty: bool) -> Result<Formatter, String> {
        Ok(Formatter {
            tokens: parse_format(format)?,
            json,
            null_empty,
        })
    }

    /// Writes one message; `broker` is the id of the broker it was fetched from.
    pub fn write(&self, out: &mut impl Write, m: &Message, broker: i32) -> io::Result<()> {
        if self.json {
            self.write_json(out, m, broker)
        } else {
            self.write_tokens(out, m)
        }
    }

    fn write_tokens(&self, out: &mut impl Write, m: &Message) -> io::Result<()> {
        for token in &self.tokens {
            match token {
                Token::Literal(s) => out.write_all(s)?,
                Token::Offset => write!(out, "{}", m.offset)?,
                Token::Key => self.write_bytes_or_null(out, m.key.as_deref())?,
                Token::KeyLen => write!(out, "{}", m.key.as_ref().map_or(-1, |k| k.len() as i64))?,
                Token::Payload => self.write_bytes_or_null(out, m.value.as_deref())?,
                Token::PayloadLen => write!(out, "{}", m.value.as_ref().map_or(-1, |v| v.len() as i64))?,
                Token::PayloadLenBinary => {
                    let len = m.value.as_ref().map_or(-1, |v| v.len() as i32);
                    out.write_all(&len.to_be_bytes())?
                }
                Token::Topic => out.write_all(m.topic.as_bytes())?,
                Token::Partition => write!(out, "{}", m.partition)?,
                Token::Timestamp => write!(out, "{}", m.timestamp.millis().unwrap_or(-1))?,
                Token::Headers => {
                    for (i, h) in m.headers.iter().enumerate() {
                        if i > 0 {
                            out.write_all(b",")?;
                        }
                        out.write_all(h.key.as_bytes())?;
                        out.write_all(b"=")?;
                        match &h.value {
                            Some(v) => out.write_all(v)?,
                            None => out.write_all(b"NULL")?,
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// kcat prints nothing for an empty or NULL key/value, or "NULL" for both with `-Z`.
    fn write_bytes_or_null(&self, out: &mut impl Write, v: Option<&[u8]>) -> io::Result<()> {
        match v {
            Some(v) if !v.is_empty() => out.write_all(v),
            _ if self.null_empty => out.write_all(b"NULL"),
            _ => Ok(()),
        }
    }

    /// kcat's `fmt_msg_output_json()` (yajl, compact), followed by the format's first literal.
    fn write_json(&self, out: &mut impl Write, m: &Message, broker: i32) -> io::Result<()> {
        out.write_all(b"{\"topic\":")?;
        json_string(out, m.topic.as_bytes())?;
        write!(out, ",\"partition\":{},\"offset\":{}", m.partition, m.offset)?;
        match m.timestamp {
            Timestamp::NotAvailable => {}
            Timestamp::CreateTime(ts) => write!(out, ",\"tstype\":\"create\",\"ts\":{ts}")?,
            Timestamp::LogAppendTime(ts) => write!(out, ",\"tstype\":\"logappend\",\"ts\":{ts}")?,
        }
        write!(out, ",\"broker\":{broker}")?;
        if !m.headers.is_empty() {
            out.write_all(b",\"headers\":[")?;
            for (i, h) in m.headers.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                json_string(out, h.key.as_bytes())?;
                out.write_all(b",")?;
                json_nullable(out, h.value.as_deref())?;
            }
            out.write_all(b"]")?;
        }
        out.write_all(b",\"key\":")?;
        json_nullable(out, m.key.as_deref())?;
        out.write_all(b",\"payload\":")?;
        json_nullable(out, m.value.as_deref())?;
        out.write_all(b"}")?;
        if let Some(Token::Literal(delim)) = self.tokens.first() {
            out.write_all(delim)?;
        }
        Ok(())
    }
}

fn json_nullable(out: &mut impl Write, v: Option<&[u8]>) -> io::Result<()> {
    match v {
        Some(v) => json_string(out, v),
        None => out.write_all(b"null"),
    }
}

/// A JSON string as yajl writes it: `"` `\` and control characters escaped (`\b \f \n \r \t`,
/// else `\u00XX` in upper case), every other byte (`/`, DEL, non-UTF-8) verbatim.
pub fn json_string(out: &mut impl Write, s: &[u8]) -> io::Result<()> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.write_all(b"\"")?;
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        let short: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            c if c < 0x20 => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 15)],
            ],
            _ => continue,
        };
        out.write_all(&s[start..i])?;
        out.write_all(short)?;
        start = i + 1;
    }
    out.write_all(&s[start..])?;
    out.write_all(b"\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use ferrokafka::Header;
    use std::sync::Arc;

    fn message() -> Message {
        Message {
            topic: Arc::from("t"),
            partition: 2,
            offset: 7,
            key: Some(Bytes::from_static(b"k1")),
            value: Some(Bytes::from_static(b"v\"1")),
            headers: vec![
                Header {
                    key: "a".into(),
                    value: Some(Bytes::from_static(b"1")),
                },
                Header {
                    key: "b".into(),
                    value: None,
                },
                Header {
                    key: "c".into(),
                    value: Some(Bytes::new()),
                },
            ],
            timestamp: Timestamp::CreateTime(1700000000000),
            leader_epoch: None,
        }
    }

    fn render(fmt: &str, json: bool, null_empty: bool, m: &Message) -> String {
        let f = Formatter::new(fmt.as_bytes(), json, null_empty).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        f.write(&mut out, m, 1).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn format_tokens_like_kcat() {
        // Checked against kcat 1.7.1: t|0|0|k1|v1|2|2|1795316999610|a=1,b=NULL,c=|%|
        let m = message();
        assert_eq!(
            render("%t|%p|%o|%k|%s|%S|%K|%T|%h|%%|\\n", false, false, &m),
            "t|2|7|k1|v\"1|3|2|1700000000000|a=1,b=NULL,c=|%|\n"
        );
        let mut null = message();
        null.key = None;
        null.value = Some(Bytes::new());
        null.headers.clear();
        null.timestamp = Timestamp::NotAvailable;
        assert_eq!(
            render("[%k][%s][%K][%S][%h][%T]", false, false, &null),
            "[][][-1][0][][-1]"
        );
        assert_eq!(render("[%k][%s]", false, true, &null), "[NULL][NULL]");
        assert_eq!(render("%R", false, false, &null), "\0\0\0\0");
    }

    #[test]
    fn format_errors() {
        assert_eq!(parse_format(b"abc%").expect_err("invalid"), "Empty formatter");
        assert_eq!(parse_format(b"%x").expect_err("invalid"), "Unsupported formatter: %x");
    }

    #[test]
    fn json_like_kcat() {
        let m = message();
        assert_eq!(
            render("\n", true, false, &m),
            "{\"topic\":\"t\",\"partition\":2,\"offset\":7,\"tstype\":\"create\",\"ts\":1700000000000,\
             \"broker\":1,\"headers\":[\"a\",\"1\",\"b\",null,\"c\",\"\"],\"key\":\"k1\",\"payload\":\"v\\\"1\"}\n"
        );
        let mut bare = message();
        bare.headers.clear();
        bare.key = None;
        bare.timestamp = Timestamp::LogAppendTime(5);
        assert_eq!(
            render("", true, false, &bare),
            "{\"topic\":\"t\",\"partition\":2,\"offset\":7,\"tstype\":\"logappend\",\"ts\":5,\"broker\":1,\
             \"key\":null,\"payload\":\"v\\\"1\"}"
        );
    }

    #[test]
    fn json_escapes_like_yajl() {
        let mut out = Vec::new();
        json_string(&mut out, b"q\"\\/\x01\x1f\x7f\xc3\xa9\xff\t\x08\x0c\r\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            out,
            b"\"q\\\"\\\\/\\u0001\\u001F\x7f\xc3\xa9\xff\\t\\b\\f\\r\\n\"".to_vec()
        );
    }
}
