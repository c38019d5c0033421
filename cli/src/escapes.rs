//! kcat's two escape dialects, and the C number parsers they are built on.
//!
//! kcat decodes `-D`/`-K` delimiters with `parse_delim()` (only `\n`, `\t`, `\xNN`) and `-f`
//! literals with `fmt_add()` (`\n \t \r`, `\xN..`, `\N..` and "any other character stands for
//! itself"). The two differ, and scripts depend on the differences (`-D '\r'` is a backslash and an
//! `r`, `-f '\r'` a carriage return), so each is reproduced as is, C string semantics included: a
//! decoded NUL ends the string.

/// C `strtoul(s, &end, base)` on bytes: the value (saturated, as strtoul clamps to ULONG_MAX) and
/// how many bytes were consumed (0 when no digits were found).
pub fn strtoul(s: &[u8], base: u32) -> (u64, usize) {
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    let negative = i < s.len() && s[i] == b'-';
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        i += 1;
    }
    let hex_prefix = |at: usize| {
        s.get(at) == Some(&b'0')
            && matches!(s.get(at + 1), Some(b'x' | b'X'))
            && s.get(at + 2).is_some_and(u8::is_ascii_hexdigit)
    };
    let base = match base {
        0 if hex_prefix(i) => {
            i += 2;
            16
        }
        0 if s.get(i) == Some(&b'0') => 8,
        0 => 10,
        16 if hex_prefix(i) => {
            i += 2;
            16
        }
        b => b,
    };
    let start = i;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(d) = s.get(i).and_then(|c| (*c as char).to_digit(base)) {
        match value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    if overflow {
        value = u64::MAX;
    }
    (if negative { value.wrapping_neg() } else { value }, i)
}

/// C `strtoll(s, NULL, 10)`: leading blanks, a sign, digits; 0 when there are none.
pub fn strtoll(s: &str) -> i64 {
    let t = s.trim_start();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let end = digits.bytes().position(|c| !c.is_ascii_digit()).unwrap_or(digits.len());
    let magnitude = digits[..end]
        .parse::<i64>()
        .unwrap_or(if end == 0 { 0 } else { i64::MAX });
    if negative {
        magnitude.saturating_neg()
    } else {
        magnitude
    }
}

/// C `atoi`: like [`strtoll`], truncated to `i32`.
pub fn atoi(s: &str) -> i32 {
    strtoll(s) as i32
}

/// Truncates at the first NUL, as a C string would be.
fn c_string(mut v: Vec<u8>) -> Vec<u8> {
    if let Some(nul) = v.iter().position(|&c| c == 0) {
        v.truncate(nul);
    }
    v
}

/// kcat's `parse_delim()`: replaces `\n`, then `\t`, then `\xNN` (in that order of preference,
/// each time the first occurrence), until none is left.
pub fn parse_delim(input: &[u8]) -> Result<Vec<u8>, String> {
    let mut s = input.to_vec();
    loop {
        let find = |s: &[u8], pat: &[u8]| s.windows(pat.len()).position(|w| w == pat);
        if let Some(t) = find(&s, b"\\n") {
            s.splice(t..t + 2, [b'\n']);
        } else if let Some(t) = find(&s, b"\\t") {
            s.splice(t..t + 2, [b'\t']);
        } else if let Some(t) = find(&s, b"\\x") {
            let (value, used) = strtoul(&s[t + 2..], 16);
            if used == 0 {
                return Err(format!(
                    "Delimiter {} expects hex number",
                    String::from_utf8_lossy(&s[t..])
                ));
            }
            s.splice(t..t + 2 + used, [(value & 0xff) as u8]);
        } else {
            return Ok(c_string(s));
        }
    }
}

/// kcat's `fmt_add()` decoding of a literal piece of a `-f` format string.
pub fn unescape_format_literal(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            i += 1;
            let mut base = 0;
            match s[i] {
                b't' => out.push(b'\t'),
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                c => {
                    if c == b'x' {
                        i += 1;
                        base = 16;
                    }
                    // As in kcat, a number must start with a decimal digit, even after \x.
                    match s.get(i) {
                        Some(d) if d.is_ascii_digit() => {
                            let (value, used) = strtoul(&s[i..], base);
                            out.push((value & 0xff) as u8);
                            i += used.max(1) - 1;
                        }
                        Some(&other) => out.push(other),
                        None => break,
                    }
                }
            }
        } else {
            out.push(s[i]);
        }
        i += 1;
    }
    c_string(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_like_kcat_unittest() {
        // kcat's own unittest_parse_delim() vectors.
        assert_eq!(parse_delim(b"").expect("valid"), b"");
        assert_eq!(parse_delim(b"\\n").expect("valid"), b"\n");
        assert_eq!(parse_delim(b"\\t\\n\\n").expect("valid"), b"\t\n\n");
        assert_eq!(parse_delim(b"\\x54!\\x45\\x53T").expect("valid"), b"T!EST");
        assert_eq!(parse_delim(b"\\x30").expect("valid"), b"0");
        assert_eq!(parse_delim(b"\\r").expect("valid"), b"\\r");
        assert_eq!(parse_delim(b"a\\x00zb").expect("valid"), b"a");
        assert_eq!(parse_delim(b"a\\x00b").expect("valid"), b"a\x0b");
        assert!(parse_delim(b"\\xzz").is_err());
    }

    #[test]
    fn format_literals() {
        assert_eq!(unescape_format_literal(b"a\\tb\\nc\\r"), b"a\tb\nc\r");
        assert_eq!(unescape_format_literal(b"\\x41\\x4a"), b"AJ");
        assert_eq!(unescape_format_literal(b"\\xA1"), b"A1");
        assert_eq!(unescape_format_literal(b"\\65\\012"), b"A\n");
        assert_eq!(unescape_format_literal(b"\\q\\\\"), b"q\\");
        assert_eq!(unescape_format_literal(b"end\\"), b"end\\");
        assert_eq!(unescape_format_literal(b"x\\0y"), b"x");
    }

    #[test]
    fn c_numbers() {
        assert_eq!(strtoll("  -12abc"), -12);
        assert_eq!(strtoll("abc"), 0);
        assert_eq!(strtoll("+7"), 7);
        assert_eq!(atoi("3"), 3);
        assert_eq!(strtoul(b"0x1f", 0), (31, 4));
        assert_eq!(strtoul(b"017", 0), (15, 3));
        assert_eq!(strtoul(b"zz", 16), (0, 0));
    }
}
