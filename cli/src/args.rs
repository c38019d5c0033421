//! Command-line parsing, getopt-compatible with kcat's: bundled flags (`-qe`), attached values
//! (`-tfoo`), `--` and GNU argument permutation (`-G grp topic -e`), and kcat's property sources
//! in kcat's order (`-F` files and `-X` as they come, then `$KCAT_CONFIG` or
//! `~/.config/kcat.conf`, then `-b`).

use std::ffi::OsString;
use std::io::IsTerminal;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use bytes::Bytes;
use ferrokafka::{Header, Offset};

use crate::escapes::{atoi, parse_delim, strtoll};
use crate::Failure;

/// kcat's modes (`-P -C -L -Q -G`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Produce,
    Consume,
    List,
    Query,
    Group,
}

impl Mode {
    fn letter(self) -> char {
        match self {
            Mode::Produce => 'P',
            Mode::Consume => 'C',
            Mode::List => 'L',
            Mode::Query => 'Q',
            Mode::Group => 'G',
        }
    }
}

/// Where `-o` starts consuming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Start {
    Beginning,
    End,
    Stored,
    Offset(i64),
    /// `-o -N`: N records before the end.
    Tail(i64),
}

impl Start {
    pub fn offset(self) -> Offset {
        match self {
            Start::Beginning => Offset::Beginning,
            Start::End => Offset::End,
            Start::Stored => Offset::Stored,
            Start::Offset(o) => Offset::Offset(o),
            Start::Tail(n) => Offset::Tail(n),
        }
    }
}

/// Where a configuration property came from, for kcat's error messages.
#[derive(Clone, Debug)]
pub enum Source {
    /// `-X`, `-z`, `-d`, `-b`, `-G`.
    CommandLine,
    /// A line of a configuration file.
    File { path: String, line: usize },
}

#[derive(Debug)]
pub struct Options {
    pub mode: Mode,
    /// `-G`: the group, as kcat names it in its rebalance lines (a later `-X group.id` joins another).
    pub group: Option<String>,
    pub topic: Option<String>,
    /// None: kcat's RD_KAFKA_PARTITION_UA (-1), i.e. the partitioner picks / all partitions.
    pub partition: Option<i32>,
    /// Properties in the order kcat applies them.
    pub properties: Vec<(String, String, Source)>,
    /// `-o`; None when not given (kcat's RD_KAFKA_OFFSET_INVALID): `-C` starts at the
    /// beginning, `-G` at the committed offsets.
    pub start: Option<Start>,
    /// `-o s@TS`: start at the first record at or after TS (wins over `start`).
    pub start_timestamp: Option<i64>,
    /// `-o e@TS`: stop each partition at the first record at or after TS (not printed).
    pub stop_timestamp: Option<i64>,
    pub exit_eof: bool,
    /// `-f`, or the format kcat derives from `-K`/`-D` (or, with `-J`, the object delimiter).
    pub format: Vec<u8>,
    pub json: bool,
    /// `-D`, decoded.
    pub delim: Vec<u8>,
    /// `-K`, decoded.
    pub key_delim: Option<Vec<u8>>,
    /// `-k`.
    pub fixed_key: Option<Bytes>,
    /// `-H`, in order.
    pub headers: Vec<Header>,
    /// `-l`.
    pub line_mode: bool,
    /// `-c`: stop after this many messages (kcat ignores 0 and negative counts).
    pub count: Option<u64>,
    /// `-m`.
    pub metadata_timeout: Duration,
    /// `-Z`.
    pub null_empty: bool,
    /// `-T`.
    pub tee: bool,
    /// `-u`.
    pub unbuffered: bool,
    /// `-X dump`.
    pub dump_config: bool,
    /// `-Q -t topic:partition:timestamp`, in order.
    pub queries: Vec<(String, i32, i64)>,
    /// Files (`-P`) or topics (`-G`) after the options.
    pub positional: Vec<OsString>,
}

/// Options taking a value, as in kcat's getopt string.
const WITH_VALUE: &[u8] = b"GMtpbzoDKkHdFXcfsrm";
/// Options without a value.
const FLAGS: &[u8] = b"PCLQeEOqvTuZlVhJU";

/// One option occurrence.
struct Opt {
    letter: u8,
    value: Vec<u8>,
}

/// Splits argv (without the program name) into options and operands, GNU getopt style.
fn getopt(args: &[OsString]) -> Result<(Vec<Opt>, Vec<OsString>), Failure> {
    let mut opts = Vec::new();
    let mut operands = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].clone().into_vec();
        i += 1;
        if arg == b"--" {
            operands.extend(args[i..].iter().cloned());
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            operands.push(OsString::from_vec(arg));
            continue;
        }
        let mut j = 1;
        while j < arg.len() {
            let letter = arg[j];
            j += 1;
            if WITH_VALUE.contains(&letter) {
                let value = if j < arg.len() {
                    arg[j..].to_vec()
                } else if i < args.len() {
                    i += 1;
                    args[i - 1].clone().into_vec()
                } else {
                    return Err(Failure::Usage("unknown argument".into()));
                };
                opts.push(Opt { letter, value });
                break;
            } else if FLAGS.contains(&letter) {
                opts.push(Opt {
                    letter,
                    value: Vec::new(),
                });
            } else {
                return Err(Failure::Usage("unknown argument".into()));
            }
        }
    }
    Ok((opts, operands))
}

/// What the caller must do after parsing.
pub enum Parsed {
    Run(Box<Options>),
    /// `-h`, `-V`, `-X list`: print this on stdout and exit 0.
    Print(String),
}

pub fn parse(mut args: Vec<OsString>) -> Result<Parsed, Failure> {
    // Docker images that run `kcat kcat -b ...` made kcat drop a leading "kcat": keep that.
    if args
        .first()
        .is_some_and(|a| a == "kcat" || a == "kafkacat" || a == "ferrokafka")
    {
        args.remove(0);
    }
    let (opts, positional) = getopt(&args)?;

    let mut mode: Option<Mode> = None;
    let mut o = Options {
        mode: Mode::Consume,
        group: None,
        topic: None,
        partition: None,
        properties: Vec::new(),
        start: None,
        start_timestamp: None,
        stop_timestamp: None,
        exit_eof: false,
        format: Vec::new(),
        json: false,
        delim: Vec::new(),
        key_delim: None,
        fixed_key: None,
        headers: Vec::new(),
        line_mode: false,
        count: None,
        metadata_timeout: Duration::from_secs(5),
        null_empty: false,
        tee: false,
        unbuffered: false,
        dump_config: false,
        queries: Vec::new(),
        positional,
    };
    let mut format: Option<Vec<u8>> = None;
    let mut delim: Vec<u8> = b"\n".to_vec();
    let mut key_delim: Option<Vec<u8>> = None;
    let mut brokers: Option<String> = None;
    let mut brokers_seen = false;
    let mut config_files_read = false;
    let mut no_config_search = false;
    let text = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    let cmdline = |k: &str, v: &str| (k.to_string(), v.to_string(), Source::CommandLine);

    for Opt { letter, value } in opts {
        let v = text(&value);
        match letter {
            b'P' => set_mode(&mut mode, Mode::Produce)?,
            b'C' => set_mode(&mut mode, Mode::Consume)?,
            b'L' => set_mode(&mut mode, Mode::List)?,
            b'Q' => set_mode(&mut mode, Mode::Query)?,
            b'G' => {
                set_mode(&mut mode, Mode::Group)?;
                o.properties.push(cmdline("group.id", &v));
                o.group = Some(v);
            }
            // As in kcat, -t is a query only when -Q came before it.
            b't' if mode == Some(Mode::Query) => o.queries.push(crate::query::parse_query(&v)?),
            b't' => o.topic = Some(v),
            b'p' => o.partition = Some(atoi(&v)).filter(|p| *p != -1),
            b'b' => {
                brokers = Some(v);
                brokers_seen = true;
            }
            b'z' => o.properties.push(cmdline("compression.codec", &v)),
            b'o' => {
                if v == "end" {
                    o.start = Some(Start::End);
                } else if v == "beginning" {
                    o.start = Some(Start::Beginning);
                } else if v == "stored" {
                    o.start = Some(Start::Stored);
                } else if let Some(ts) = v.strip_prefix("s@") {
                    // As in kcat, a zero timestamp means "none".
                    o.start_timestamp = Some(strtoll(ts)).filter(|ts| *ts != 0);
                } else if let Some(ts) = v.strip_prefix("e@") {
                    o.stop_timestamp = Some(strtoll(ts)).filter(|ts| *ts != 0);
                } else {
                    let n = strtoll(&v);
                    o.start = Some(if n < 0 { Start::Tail(-n) } else { Start::Offset(n) });
                }
            }
            b'e' => o.exit_eof = true,
            // kcat's -E keeps going after non-fatal client errors; the core reports none.
            b'E' => {}
            b'f' => format = Some(value),
            b'J' => o.json = true,
            b'D' => delim = value,
            b'K' => key_delim = Some(value),
            b'k' => o.fixed_key = Some(Bytes::from(value)),
            b'H' => o.headers.push(parse_header(&value)?),
            b'l' => o.line_mode = true,
            b'O' => {} // kcat 1.7 accepts -O but its output does not change.
            b'c' => o.count = u64::try_from(strtoll(&v)).ok().filter(|n| *n > 0),
            b'm' => o.metadata_timeout = Duration::from_secs(u64::try_from(strtoll(&v)).unwrap_or(0)),
            b'Z' => o.null_empty = true,
            b'd' => o.properties.push(cmdline("debug", &v)),
            b'q' => crate::set_verbosity(0),
            b'v' => crate::set_verbosity(crate::verbosity() + 1),
            b'T' => o.tee = true,
            b'u' => o.unbuffered = true,
            b'F' => {
                no_config_search = true;
                if v != "-" && v != "none" {
                    o.properties.extend(read_config_file(&v, true)?);
                    config_files_read = true;
                }
            }
            b'X' => {
                if v == "list" || v == "help" {
                    return Ok(Parsed::Print(crate::properties_list()));
                }
                if v == "dump" {
                    o.dump_config = true;
                    continue;
                }
                let Some((name, val)) = v.split_once('=') else {
                    eprintln!("% Expected -X property=value, not {v}, use -X list to display available properties");
                    return Err(Failure::Exit(1));
                };
                o.properties.push(cmdline(name, val));
            }
            b's' | b'r' => {
                return Err(Failure::Fatal(format!(
                    "-{} (deserializers, schema registry) is not supported yet by ferrokafka",
                    letter as char
                )))
            }
            b'M' => return Err(Failure::Usage("unknown argument".into())),
            b'U' => return Err(Failure::Exit(0)),
            b'V' => return Ok(Parsed::Print(crate::version_banner())),
            b'h' => return Ok(Parsed::Print(usage_text())),
            _ => return Err(Failure::Usage("unknown argument".into())),
        }
    }

    if !config_files_read {
        if let Some(path) = std::env::var("KCAT_CONFIG").ok().filter(|p| !p.is_empty()) {
            no_config_search = true;
            o.properties.extend(read_config_file(&path, true)?);
        } else if let Some(path) = std::env::var("KAFKACAT_CONFIG").ok().filter(|p| !p.is_empty()) {
            crate::info!(1, "KAFKA_CONFIG is deprecated!\n");
            crate::info!(1, "Rename KAFKA_CONFIG to KCAT_CONFIG\n");
            no_config_search = true;
            o.properties.extend(read_config_file(&path, true)?);
        }
    }
    if !no_config_search {
        if let Some(home) = std::env::var("HOME").ok().filter(|h| !h.is_empty()) {
            let kcat = format!("{home}/.config/kcat.conf");
            let old = format!("{home}/.config/kafkacat.conf");
            if std::path::Path::new(&kcat).exists() {
                o.properties.extend(read_config_file(&kcat, false)?);
            } else if std::path::Path::new(&old).exists() {
                o.properties.extend(read_config_file(&old, false)?);
                crate::info!(1, "Configuration filename kafkacat.conf is deprecated!\n");
                crate::info!(1, "Rename {old} to {kcat}\n");
            }
        }
    }
    brokers_seen |= o
        .properties
        .iter()
        .any(|(k, _, _)| k == "bootstrap.servers" || k == "metadata.broker.list");

    if o.dump_config {
        o.mode = mode.unwrap_or(Mode::Consume);
        return Ok(Parsed::Run(Box::new(o)));
    }
    if !brokers_seen {
        return Err(Failure::Usage("-b <broker,..> missing".into()));
    }
    o.mode = match mode {
        Some(m) => m,
        None => {
            let m = if std::io::stdin().is_terminal() {
                Mode::Consume
            } else {
                Mode::Produce
            };
            crate::info!(
                1,
                "Auto-selecting {} mode (use -P or -C to override)\n",
                if m == Mode::Consume { "Consumer" } else { "Producer" }
            );
            m
        }
    };
    if !matches!(o.mode, Mode::Group | Mode::List | Mode::Query) && o.topic.is_none() {
        return Err(Failure::Usage("-t <topic> missing".into()));
    }
    if o.mode == Mode::Query && o.queries.is_empty() {
        return Err(Failure::Usage(
            "-t <topic>:<partition>:<offset_or_timestamp> missing".into(),
        ));
    }
    if let Some(b) = brokers {
        o.properties.push(cmdline("bootstrap.servers", &b));
    }

    if let Some(k) = &key_delim {
        o.key_delim = Some(parse_delim(k).map_err(Failure::Fatal)?);
    }
    o.delim = parse_delim(&delim).map_err(Failure::Fatal)?;

    match o.mode {
        Mode::Consume | Mode::Group => {
            o.properties.push(cmdline("enable.partition.eof", "true"));
            o.format = match format {
                Some(f) => f,
                // For JSON the format string is only the object delimiter.
                None if o.json => o.delim.clone(),
                None => {
                    let mut f = Vec::new();
                    if let Some(k) = &o.key_delim {
                        f.extend_from_slice(b"%k");
                        f.extend_from_slice(k);
                    }
                    f.extend_from_slice(b"%s");
                    f.extend_from_slice(&o.delim);
                    f
                }
            };
        }
        Mode::Produce if o.delim.is_empty() => {
            return Err(Failure::Fatal(
                "Message delimiter -D must not be empty when producing".into(),
            ));
        }
        _ => {}
    }

    if !o.positional.is_empty() {
        if !matches!(o.mode, Mode::Produce | Mode::Group) {
            return Err(Failure::Usage(
                "file/topic list only allowed in producer(-P)/kafkaconsumer(-G) mode".into(),
            ));
        }
        if o.line_mode && o.positional.len() > 1 {
            return Err(Failure::Fatal("Only one file allowed for line mode (-l)".into()));
        }
    }
    Ok(Parsed::Run(Box::new(o)))
}

/// kcat refuses two different modes.
fn set_mode(mode: &mut Option<Mode>, m: Mode) -> Result<(), Failure> {
    match *mode {
        Some(old) if old != m => Err(Failure::Fatal(format!(
            "Do not mix modes: -{} seen when -{} already set",
            m.letter(),
            old.letter()
        ))),
        _ => {
            *mode = Some(m);
            Ok(())
        }
    }
}

/// `-H name=value` (a value, possibly empty) or `-H name` (a null value).
fn parse_header(arg: &[u8]) -> Result<Header, Failure> {
    let eq = arg.iter().position(|&c| c == b'=');
    if arg.is_empty() || eq == Some(0) {
        return Err(Failure::Fatal("Expected -H \"name=value..\" or -H \"name\"".into()));
    }
    Ok(match eq {
        Some(i) => Header {
            key: String::from_utf8_lossy(&arg[..i]).into_owned(),
            value: Some(Bytes::copy_from_slice(&arg[i + 1..])),
        },
        None => Header {
            key: String::from_utf8_lossy(arg).into_owned(),
            value: None,
        },
    })
}

/// kcat's `read_conf_file()`: `property=value` lines, `#` comments, Java's `\:` `\=` escapes, and
/// the two Java-only properties kcat translates.
pub(crate) fn read_config_file(path: &str, fatal: bool) -> Result<Vec<(String, String, Source)>, Failure> {
    let content = match std::fs::read(path) {
        Ok(c) => c,
        Err(e) if fatal => {
            return Err(Failure::Fatal(format!(
                "Failed to open {path}: {}",
                crate::strerror(&e)
            )))
        }
        Err(_) => return Ok(Vec::new()),
    };
    crate::info!(if fatal { 1 } else { 3 }, "Reading configuration from file {path}\n");
    let mut out = Vec::new();
    for (n, raw) in String::from_utf8_lossy(&content).lines().enumerate() {
        let line = n + 1;
        let s = raw.trim();
        if s.is_empty() || s.starts_with('#') {
            continue;
        }
        let s = s.replace("\\:", ":").replace("\\=", "=");
        let (name, value) = match s.split_once('=') {
            Some((name, value)) if !name.is_empty() => (name.to_string(), value.to_string()),
            _ => return Err(Failure::Fatal(format!("{path}:{line}: expected property=value\n"))),
        };
        let source = Source::File {
            path: path.to_string(),
            line,
        };
        match name.as_str() {
            // SSL endpoint identification: kcat ignores it, and so do we.
            "ssl.endpoint.identification.algorithm" => {}
            "sasl.jaas.config" => match parse_plain_jaas(&value) {
                Some((user, pass)) => {
                    out.push(("sasl.username".into(), user, source.clone()));
                    out.push(("sasl.password".into(), pass, source));
                }
                None => out.push((name, value, source)),
            },
            _ => out.push((name, value, source)),
        }
    }
    Ok(out)
}

/// `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p"`.
fn parse_plain_jaas(v: &str) -> Option<(String, String)> {
    let rest = v.strip_prefix("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"")?;
    let (user, rest) = rest.split_once('"')?;
    let rest = rest.strip_prefix(" password=\"")?;
    let (pass, _) = rest.split_once('"')?;
    Some((user.to_string(), pass.to_string()))
}

pub fn usage_text() -> String {
    format!(
        "Usage: ferrokafka <options> [file1 file2 .. | topic1 topic2 ..]]\n{}{}\n{}",
        crate::version_banner(),
        USAGE,
        crate::admin::USAGE
    )
}

const USAGE: &str = r#"
General options:
  -C | -P | -L       Mode: Consume, Produce, Metadata List
  -G <group-id>      Mode: High-level KafkaConsumer (balanced consumer groups)
  -t <topic>         Topic to consume from, produce to, or list
  -p <partition>     Partition
  -b <brokers,..>    Bootstrap broker(s) (host[:port])
  -D <delim>         Message delimiter string:
                     a-z | \n | \t | \xNN ..
                     Default: \n
  -K <delim>         Key delimiter (same format as -D)
  -c <cnt>           Limit message count
  -m <seconds>       Metadata (et.al.) request timeout.
                     Default: 5 seconds.
  -F <config-file>   Read configuration properties from file,
                     file format is "property=value".
                     The KCAT_CONFIG=path environment can also be used, but -F takes precedence.
                     The default configuration file is $HOME/.config/kcat.conf
  -X list            List available configuration properties
  -X prop=val        Set a configuration property (librdkafka names).
                     Properties prefixed with "topic." are
                     applied as topic properties.
  -X dump            Dump configuration and exit.
  -d <dbg1,...>      Enable debugging (sets the debug property)
  -q                 Be quiet (verbosity set to 0)
  -v                 Increase verbosity
  -E                 Do not exit on non-fatal error
  -V                 Print version
  -h                 Print usage help

Producer options:
  -z snappy|gzip|lz4|zstd Message compression. Default: none
  -p -1              Use the partitioner (default murmur2_random;
                     -X partitioner=consistent_random is kcat's default)
  -D <delim>         Delimiter to split input into messages
  -K <delim>         Delimiter to split input key and message
  -k <str>           Use a fixed key for all messages.
                     If combined with -K, per-message keys
                     takes precendence.
  -H <header=value>  Add Message Headers (may be specified multiple times)
  -l                 Send messages from a file separated by
                     delimiter, as with stdin.
                     (only one file allowed)
  -T                 Output sent messages to stdout, acting like tee.
  -c <cnt>           Exit after producing this number of messages
  -Z                 Send empty messages as NULL messages
  file1 file2..      Read messages from files.
                     With -l, only one file permitted.
                     Otherwise, the entire file contents will
                     be sent as one single message.

Consumer options:
  -o <offset>        Offset to start consuming from:
                     beginning | end | stored |
                     <value>  (absolute offset) |
                     -<value> (relative offset from end)
                     s@<value> (timestamp in ms to start at)
                     e@<value> (timestamp in ms to stop at (not included))
  -e                 Exit successfully when last message received
  -f <fmt..>         Output formatting string, see below.
                     Takes precedence over -D and -K.
  -J                 Output with JSON envelope
  -D <delim>         Delimiter to separate messages on output
  -K <delim>         Print message keys prefixing the message
                     with specified delimiter.
  -c <cnt>           Exit after consuming this number of messages
  -Z                 Print NULL values and keys as "NULL" instead of empty.
                     For JSON (-J) the nullstr is always null.
  -u                 Unbuffered output

Metadata options (-L):
  -t <topic>         Topic to query (optional)

Format string tokens:
  %s                 Message payload
  %S                 Message payload length (or -1 for NULL)
  %R                 Message payload length (or -1 for NULL) serialized
                     as a binary big endian 32-bit signed integer
  %k                 Message key
  %K                 Message key length (or -1 for NULL)
  %T                 Message timestamp (milliseconds since epoch UTC)
  %h                 Message headers (n=v CSV)
  %t                 Topic
  %p                 Partition
  %o                 Message offset
  \n \r \t           Newlines, tab
  \xXX \xNNN         Any ASCII character
 Example:
  -f 'Topic %t [%p] at offset %o: key %k: %s\n'

JSON message envelope (on one line) when consuming with -J:
 { "topic": str, "partition": int, "offset": int,
   "tstype": "create|logappend|unknown", "ts": int, // timestamp in milliseconds since epoch
   "broker": int,
   "headers": [ "<name>", str|null, .. ], // optional
   "key": str, "payload": str }

Consumer mode (writes messages to stdout):
  ferrokafka -b <broker> -t <topic> -p <partition>
 or:
  ferrokafka -C -b ...

High-level KafkaConsumer mode:
  ferrokafka -b <broker> -G <group-id> topic1 top2 ^aregex\d+

Producer mode (reads messages from stdin):
  ... | ferrokafka -b <broker> -t <topic> -p <partition>
 or:
  ferrokafka -P -b ...

Metadata listing:
  ferrokafka -L -b <broker> [-t <topic>]

"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    fn letters(args: &[&str]) -> (String, Vec<String>, Vec<OsString>) {
        let (opts, rest) = getopt(&os(args)).unwrap_or_else(|_| panic!("getopt {args:?}"));
        let l = opts.iter().map(|o| o.letter as char).collect();
        let v = opts
            .iter()
            .map(|o| String::from_utf8_lossy(&o.value).into_owned())
            .collect();
        (l, v, rest)
    }

    #[test]
    fn getopt_bundles_attaches_and_permutes() {
        let (l, v, rest) = letters(&["-qeC", "-tfoo", "-b", "h:1", "file", "-K:", "--", "-x"]);
        assert_eq!(l, "qeCtbK");
        assert_eq!(v, ["", "", "", "foo", "h:1", ":"]);
        assert_eq!(rest, os(&["file", "-x"]));
        assert!(getopt(&os(&["-t"])).is_err());
        assert!(getopt(&os(&["-y"])).is_err());
        let (_, _, rest) = letters(&["-", "-C"]);
        assert_eq!(rest, os(&["-"]));
    }

    #[test]
    fn headers() {
        let h = parse_header(b"a=1=2").unwrap_or_else(|_| panic!());
        assert_eq!((h.key.as_str(), h.value.as_deref()), ("a", Some(&b"1=2"[..])));
        let h = parse_header(b"n").unwrap_or_else(|_| panic!());
        assert_eq!(h.value, None);
        let h = parse_header(b"e=").unwrap_or_else(|_| panic!());
        assert_eq!(h.value.as_deref(), Some(&b""[..]));
        assert!(parse_header(b"=v").is_err());
        assert!(parse_header(b"").is_err());
    }

    #[test]
    fn jaas() {
        let v = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p w\";";
        assert_eq!(parse_plain_jaas(v), Some(("u".into(), "p w".into())));
    }
}
