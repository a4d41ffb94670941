//! Messages in and out: the `Content-Length` framing of the protocol, read leniently.
//!
//! `lsp-server`'s own standard-input reader stops for good at the first message it cannot read.
//! This one decodes each message from a [`serde_json::Value`], and a message it cannot read is
//! answered with an error (when it has an id) or logged, and the next one is read: nothing a
//! client sends stops the server but `exit` or the end of its input.

use std::io::{self, BufRead, Read as _, Write};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender, unbounded};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response, ResponseError};
use serde_json::Value;

/// The largest message read (a 1 MiB campaign, JSON-escaped, fits many times over).
const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// What the reader found in the input.
#[derive(Debug)]
pub enum Incoming {
    /// A message.
    Message(Message),
    /// Something that is not a message; answered with an error when it had an id.
    Malformed {
        /// The request's id, when it could be read.
        id: Option<RequestId>,
        /// What was wrong, for the log and the error response.
        error: String,
    },
}

/// Reads the next message. `Ok(None)` at the end of the input.
///
/// # Errors
///
/// Only errors of the input itself: a malformed message is [`Incoming::Malformed`].
pub fn read(input: &mut impl BufRead) -> io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut bad_header = None;
    let mut line = String::new();
    let mut any_header = false;
    loop {
        line.clear();
        if read_line(input, &mut line)? == 0 {
            return Ok(None);
        }
        let header = line.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if any_header {
                break;
            }
            // Blank lines between messages are skipped.
            continue;
        }
        any_header = true;
        match header.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length: {value:?}")),
                }
            }
            Some(_) => {}
            None => bad_header = Some(format!("malformed header: {header:?}")),
        }
    }
    let Some(length) = length else {
        let error = bad_header.unwrap_or_else(|| "a message without Content-Length".into());
        return Ok(Some(Incoming::Malformed { id: None, error }));
    };
    if length > MAX_MESSAGE_BYTES {
        io::copy(&mut input.take(length as u64), &mut io::sink())?;
        return Ok(Some(Incoming::Malformed {
            id: None,
            error: format!("a message of {length} bytes, more than {MAX_MESSAGE_BYTES}"),
        }));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            return Ok(Some(Incoming::Malformed {
                id: None,
                error: format!("the message is not JSON: {e}"),
            }));
        }
    };
    Ok(Some(decode(value)))
}

/// Reads one header line, at most 64 KiB of it (a longer one is cut there).
fn read_line(input: &mut impl BufRead, line: &mut String) -> io::Result<usize> {
    let mut bytes = Vec::new();
    let n = input.take(64 << 10).read_until(b'\n', &mut bytes)?;
    line.push_str(&String::from_utf8_lossy(&bytes));
    Ok(n)
}

/// A JSON value as a request, a notification or a response.
pub fn decode(value: Value) -> Incoming {
    let Value::Object(mut object) = value else {
        return Incoming::Malformed {
            id: None,
            error: "the message is not a JSON object".into(),
        };
    };
    let id = object.remove("id").map(|id| match id {
        Value::Number(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(RequestId::from)
            .ok_or_else(|| format!("the id {n} is not a 32-bit integer")),
        Value::String(s) => Ok(RequestId::from(s)),
        other => Err(format!("the id {other} is neither a number nor a text")),
    });
    let params = object.remove("params").unwrap_or(Value::Null);
    let method = match object.remove("method") {
        Some(Value::String(m)) => Some(m),
        Some(_) => {
            return Incoming::Malformed {
                id: id.and_then(Result::ok),
                error: "the method is not a text".into(),
            };
        }
        None => None,
    };
    match (method, id) {
        (Some(method), Some(Ok(id))) => Incoming::Message(Message::Request(Request { id, method, params })),
        (Some(method), None) => Incoming::Message(Message::Notification(Notification { method, params })),
        (_, Some(Err(error))) => Incoming::Malformed { id: None, error },
        (None, Some(Ok(id))) => {
            let response_result = match (object.remove("result"), object.remove("error")) {
                (_, Some(error)) => Err(ResponseError {
                    code: error.get("code").and_then(Value::as_i64).unwrap_or(0) as i32,
                    message: error.get("message").and_then(Value::as_str).unwrap_or("").to_string(),
                    data: None,
                }),
                (result, None) => Ok(result.unwrap_or(Value::Null)),
            };
            Incoming::Message(Message::Response(Response { id, response_result }))
        }
        (None, None) => Incoming::Malformed {
            id: None,
            error: "the message has neither a method nor an id".into(),
        },
    }
}

/// The error response to a malformed message with an id.
pub fn malformed_response(id: RequestId, error: &str) -> Response {
    Response::new_err(id, ErrorCode::InvalidRequest as i32, error.to_string())
}

/// The threads that read and write the messages of a connection.
#[derive(Debug)]
pub struct Threads {
    reader: JoinHandle<()>,
    writer: JoinHandle<io::Result<()>>,
}

impl Threads {
    /// Waits for the writer to write what it was given; the reader is not waited for (it may be
    /// blocked reading an input that stays open).
    ///
    /// # Errors
    ///
    /// The error that stopped the writer.
    pub fn join_writer(self) -> io::Result<()> {
        drop(self.reader);
        self.writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer stopped unexpectedly")))
    }
}

/// Starts a reader of `input` and a writer to `output`: the server receives what the reader
/// finds (malformed messages too, to log and answer them) and sends its messages to the writer.
/// The writer stops when every sender is dropped; the reader at `exit` or the end of the input.
///
/// # Errors
///
/// When a thread cannot be started.
pub fn start<I, O>(input: I, output: O) -> io::Result<(Sender<Message>, Receiver<Incoming>, Threads)>
where
    I: BufRead + Send + 'static,
    O: Write + Send + 'static,
{
    let (to_writer, from_server) = unbounded::<Message>();
    let (to_server, from_reader) = unbounded::<Incoming>();
    let writer = std::thread::Builder::new()
        .name("campaign-lsp-writer".into())
        .spawn(move || {
            let mut output = output;
            for message in from_server {
                message.write(&mut output)?;
            }
            Ok(())
        })?;
    let reader = std::thread::Builder::new()
        .name("campaign-lsp-reader".into())
        .spawn(move || {
            let mut input = input;
            loop {
                let incoming = match read(&mut input) {
                    Ok(Some(incoming)) => incoming,
                    Ok(None) => break,
                    Err(e) => Incoming::Malformed {
                        id: None,
                        error: format!("cannot read the input: {e}"),
                    },
                };
                let stop = match &incoming {
                    Incoming::Message(Message::Notification(n)) => n.method == "exit",
                    // An input that cannot be read cannot be read further.
                    Incoming::Malformed { error, .. } => error.starts_with("cannot read the input"),
                    _ => false,
                };
                if to_server.send(incoming).is_err() || stop {
                    break;
                }
            }
        })?;
    Ok((to_writer, from_reader, Threads { reader, writer }))
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "tests fail loudly")]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn read_all(input: &str) -> Vec<Incoming> {
        let mut reader = io::BufReader::new(input.as_bytes());
        let mut out = Vec::new();
        while let Some(m) = read(&mut reader).unwrap() {
            out.push(m);
        }
        out
    }

    #[test]
    fn requests_notifications_and_responses_decode() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"x":1}}"#),
            frame(r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","id":"a","result":null}"#),
        ]
        .concat();
        let got = read_all(&input);
        assert_eq!(got.len(), 3);
        let Some(Incoming::Message(Message::Request(r))) = got.first() else {
            unreachable!("a request: {got:?}")
        };
        assert_eq!(r.id, RequestId::from(1));
        assert_eq!(r.method, "initialize");
        assert_eq!(r.params.get("x").and_then(Value::as_i64), Some(1));
        assert!(matches!(got.get(1), Some(Incoming::Message(Message::Notification(n))) if n.method == "initialized"));
        assert!(
            matches!(got.get(2), Some(Incoming::Message(Message::Response(r))) if r.id == RequestId::from("a".to_string()))
        );
    }

    #[test]
    fn malformed_messages_are_reported_and_reading_goes_on() {
        let input = [
            frame("{not json"),
            frame(r#"[1, 2]"#),
            frame(r#"{"jsonrpc":"2.0","id":7,"method":3}"#),
            frame(r#"{"jsonrpc":"2.0","id":{"a":1},"method":"x"}"#),
            "Content-Length: abc\r\n\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","id":8,"method":"shutdown"}"#),
        ]
        .concat();
        let got = read_all(&input);
        assert_eq!(got.len(), 6, "{got:?}");
        assert!(matches!(got.first(), Some(Incoming::Malformed { id: None, .. })));
        assert!(matches!(got.get(1), Some(Incoming::Malformed { id: None, .. })));
        assert!(matches!(got.get(2), Some(Incoming::Malformed { id: Some(id), .. }) if *id == RequestId::from(7)));
        assert!(matches!(got.get(3), Some(Incoming::Malformed { id: None, .. })));
        assert!(matches!(got.get(4), Some(Incoming::Malformed { id: None, .. })));
        assert!(matches!(got.get(5), Some(Incoming::Message(Message::Request(r))) if r.method == "shutdown"));
    }

    #[test]
    fn a_truncated_message_ends_the_input_without_a_message() {
        let mut reader = io::BufReader::new(&b"Content-Length: 100\r\n\r\n{\"id\":1"[..]);
        assert!(read(&mut reader).is_err());
    }

    #[test]
    fn lf_only_headers_are_accepted() {
        let body = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let got = read_all(&format!("Content-Length: {}\n\n{body}", body.len()));
        assert!(matches!(got.first(), Some(Incoming::Message(Message::Notification(n))) if n.method == "exit"));
    }
}
