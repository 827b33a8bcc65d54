//! A server that answers every request at once, with success, and keeps
//! nothing: no tree, no log, no sync. What the write runs reach against it
//! is the ceiling this machine's network stack and the bench's own client
//! set for any server, so a target can be read against what is possible.
//!
//! It runs in a process of its own (the bench binary started again with
//! `--null-server PORT`), so its CPU time is counted apart from the
//! client's, as a real server's is.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use zkrs_proto::consts::op;
use zkrs_proto::frame::{begin_frame, finish_frame, FrameDecoder};
use zkrs_proto::jute::{Decode, Encode, Reader};
use zkrs_proto::records::{
    ConnectRequest, ConnectResponse, CreateRequest, ReplyHeader, RequestHeader,
};

/// The argument that makes the bench binary a null server.
pub const FLAG: &str = "--null-server";

const LISTENER: Token = Token(usize::MAX);

struct Conn {
    stream: TcpStream,
    frames: FrameDecoder,
    out: Vec<u8>,
    /// Whether the handshake has been answered.
    connected: bool,
    closing: bool,
}

/// Serves on 127.0.0.1:`port` until killed.
pub fn serve(port: u16) -> io::Result<()> {
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut listener = TcpListener::bind(addr)?;
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut conns: HashMap<usize, Conn> = HashMap::new();
    let mut next_token = 0usize;
    let mut next_session = 1i64;
    let mut zxid = 0i64;
    let mut events = Events::with_capacity(1024);
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        poll.poll(&mut events, None)?;
        for ev in events.iter() {
            if ev.token() == LISTENER {
                while let Ok((mut stream, _)) = listener.accept() {
                    stream.set_nodelay(true)?;
                    let token = Token(next_token);
                    next_token += 1;
                    poll.registry()
                        .register(&mut stream, token, Interest::READABLE)?;
                    conns.insert(
                        token.0,
                        Conn {
                            stream,
                            frames: FrameDecoder::new(1 << 20),
                            out: Vec::new(),
                            connected: false,
                            closing: false,
                        },
                    );
                }
                continue;
            }
            let Some(c) = conns.get_mut(&ev.token().0) else {
                continue;
            };
            let open = read_and_answer(c, &mut chunk, &mut next_session, &mut zxid);
            if !open || c.closing {
                let _ = poll.registry().deregister(&mut c.stream);
                conns.remove(&ev.token().0);
            }
        }
    }
}

/// Reads what arrived on `c`, answers each whole request and sends the
/// answers; false when the connection is over.
fn read_and_answer(c: &mut Conn, chunk: &mut [u8], session: &mut i64, zxid: &mut i64) -> bool {
    let Ok(closed) = super::read_arrived(&mut c.stream, chunk, &mut c.frames) else {
        return false;
    };
    c.out.clear();
    while let Ok(Some(frame)) = c.frames.next_frame() {
        let at = begin_frame(&mut c.out);
        if !c.connected {
            let Ok(req) = ConnectRequest::decode(&mut Reader::new(frame)) else {
                return false;
            };
            c.connected = true;
            ConnectResponse {
                protocol_version: 0,
                time_out: req.time_out,
                session_id: *session,
                passwd: vec![0; 16],
                read_only: false,
            }
            .encode(&mut c.out);
            *session += 1;
        } else {
            let mut r = Reader::new(frame);
            let Ok(header) = RequestHeader::decode(&mut r) else {
                return false;
            };
            if header.xid >= 0 {
                *zxid += 1;
            }
            ReplyHeader {
                xid: header.xid,
                zxid: *zxid,
                err: 0,
            }
            .encode(&mut c.out);
            // A create answers with the path it made, as a real server's
            // does, so the answers are as long as real ones.
            if header.op == op::CREATE {
                if let Ok(req) = CreateRequest::decode(&mut r) {
                    req.path.encode(&mut c.out);
                }
            }
            c.closing |= header.op == op::CLOSE_SESSION;
        }
        finish_frame(&mut c.out, at);
    }
    c.frames.compact();
    super::write_small(&mut c.stream, &c.out).is_ok() && !closed
}
