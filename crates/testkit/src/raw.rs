//! A raw ZooKeeper session over the wire protocol, for tests that need what
//! a full client hides: the zxid of each reply, pipelining, exact frames.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use zkrs_proto::frame::write_frame;
use zkrs_proto::jute::{to_vec, Decode, Encode, Reader};
use zkrs_proto::records::{ConnectRequest, ConnectResponse, ReplyHeader, RequestHeader};

/// Reads one length-prefixed frame straight off a blocking stream. Nothing
/// is read ahead, so the stream can still be watched for its close.
pub fn read_frame(s: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len)?;
    let len = usize::try_from(i32::from_be_bytes(len))
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "negative length"))?;
    let mut buf = vec![0u8; len];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

/// The frame of a handshake: `req` behind its length.
pub fn connect_frame(req: &ConnectRequest) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(&mut out, &to_vec(req));
    out
}

/// A request frame: length, header, then `body` as it is.
pub fn request_frame(xid: i32, opcode: i32, body: &[u8]) -> Vec<u8> {
    let mut payload = to_vec(&RequestHeader { xid, op: opcode });
    payload.extend_from_slice(body);
    let mut out = Vec::new();
    write_frame(&mut out, &payload);
    out
}

/// Whether the peer has closed the connection: the next read ends or fails
/// (within the stream's read timeout).
pub fn is_closed(s: &mut TcpStream) -> bool {
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0) | Err(_))
}

/// One connection with its session.
pub struct RawSession {
    stream: TcpStream,
    buf: Vec<u8>,
    next_xid: i32,
    pub session_id: i64,
    pub passwd: Vec<u8>,
    pub timeout_ms: i32,
}

/// A reply: its header and body.
#[derive(Debug, Clone)]
pub struct RawReply {
    pub header: ReplyHeader,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn decode<T: Decode>(&self) -> io::Result<T> {
        T::decode(&mut Reader::new(&self.body))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}")))
    }
}

impl RawSession {
    /// A new session with the given timeout.
    pub fn connect(port: u16, timeout_ms: i32) -> io::Result<RawSession> {
        RawSession::attach(port, 0, &[0; 16], timeout_ms)
    }

    /// A new session whose reads (the handshake's included) fail after
    /// waiting `io_timeout`: for polling a server that is starting.
    pub fn connect_within(
        port: u16,
        timeout_ms: i32,
        io_timeout: Duration,
    ) -> io::Result<RawSession> {
        RawSession::attach_within(port, 0, &[0; 16], timeout_ms, io_timeout)
    }

    /// Reattaches to `session_id` (0 for a new session). A refused session
    /// gives an error of kind `NotFound`.
    pub fn attach(
        port: u16,
        session_id: i64,
        passwd: &[u8],
        timeout_ms: i32,
    ) -> io::Result<RawSession> {
        RawSession::attach_within(
            port,
            session_id,
            passwd,
            timeout_ms,
            Duration::from_secs(30),
        )
    }

    fn attach_within(
        port: u16,
        session_id: i64,
        passwd: &[u8],
        timeout_ms: i32,
        io_timeout: Duration,
    ) -> io::Result<RawSession> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(io_timeout))?;
        let mut me = RawSession {
            stream,
            buf: Vec::new(),
            next_xid: 1,
            session_id: 0,
            passwd: Vec::new(),
            timeout_ms: 0,
        };
        let req = ConnectRequest {
            time_out: timeout_ms,
            session_id,
            passwd: passwd.to_vec(),
            ..Default::default()
        };
        me.stream.write_all(&connect_frame(&req))?;
        let frame = me.read_frame()?;
        let resp = ConnectResponse::decode(&mut Reader::new(&frame))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}")))?;
        if resp.time_out <= 0 {
            return Err(io::Error::new(io::ErrorKind::NotFound, "session expired"));
        }
        me.session_id = resp.session_id;
        me.passwd = resp.passwd;
        me.timeout_ms = resp.time_out;
        Ok(me)
    }

    /// The connection and the bytes already read from it, for a client that
    /// drives many sessions from one event loop.
    pub fn into_parts(self) -> (TcpStream, Vec<u8>) {
        (self.stream, self.buf)
    }

    /// Sends a request without waiting; returns its xid.
    pub fn send(&mut self, opcode: i32, body: &impl Encode) -> io::Result<i32> {
        self.send_raw(opcode, &to_vec(body))
    }

    /// Sends a request whose body is already encoded; returns its xid.
    pub fn send_raw(&mut self, opcode: i32, body: &[u8]) -> io::Result<i32> {
        let xid = self.next_xid;
        self.next_xid += 1;
        self.stream.write_all(&request_frame(xid, opcode, body))?;
        Ok(xid)
    }

    /// The next reply that is not a notification.
    pub fn receive(&mut self) -> io::Result<RawReply> {
        loop {
            let frame = self.read_frame()?;
            let mut r = Reader::new(&frame);
            let header = ReplyHeader::decode(&mut r)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{e:?}")))?;
            if header.xid == -1 {
                continue;
            }
            return Ok(RawReply {
                header,
                body: r.rest().to_vec(),
            });
        }
    }

    /// Sends a request and waits for its reply.
    pub fn call(&mut self, opcode: i32, body: &impl Encode) -> io::Result<RawReply> {
        self.call_raw(opcode, &to_vec(body))
    }

    /// Sends an encoded request and waits for its reply.
    pub fn call_raw(&mut self, opcode: i32, body: &[u8]) -> io::Result<RawReply> {
        let xid = self.send_raw(opcode, body)?;
        let reply = self.receive()?;
        if reply.header.xid != xid {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("reply to xid {} while waiting for {xid}", reply.header.xid),
            ));
        }
        Ok(reply)
    }

    fn read_frame(&mut self) -> io::Result<Vec<u8>> {
        let mut chunk = [0u8; 64 * 1024];
        loop {
            if self.buf.len() >= 4 {
                let len = i32::from_be_bytes([self.buf[0], self.buf[1], self.buf[2], self.buf[3]]);
                if len < 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "negative length",
                    ));
                }
                let len = len as usize;
                if self.buf.len() >= 4 + len {
                    let frame = self.buf[4..4 + len].to_vec();
                    self.buf.drain(..4 + len);
                    return Ok(frame);
                }
            }
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}
