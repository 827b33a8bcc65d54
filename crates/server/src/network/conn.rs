//! One client connection: its socket, the frames it has sent, the bytes
//! waiting to go out, and what `cons`/`stat` report about it.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::SocketAddr;

use mio::net::TcpStream;
use zkrs_proto::frame::{begin_frame, finish_frame, FrameDecoder};

/// Past this many unsent bytes the connection stops being read until the
/// client catches up, so one slow reader cannot make the server hoard memory.
pub const OUTPUT_HIGH_WATER: usize = 4 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for the ConnectRequest (or a four-letter word).
    Handshake,
    /// Attached to a session.
    Session(i64),
    /// Flushing a last answer, then closing.
    Closing,
}

pub struct Conn {
    pub stream: TcpStream,
    pub peer: SocketAddr,
    pub decoder: FrameDecoder,
    out: Vec<u8>,
    out_pos: usize,
    pub phase: Phase,
    pub readable_registered: bool,
    pub writable_registered: bool,
    /// Frames were left unprocessed because too much output was waiting.
    pub paused: bool,
    pub established_ms: i64,
    pub received: u64,
    pub sent: u64,
    pub last_op: &'static str,
    pub last_cxid: i32,
    pub last_zxid: i64,
    pub last_response_ms: i64,
    pub timeout_ms: i32,
    pub latency: Latency,
    /// Output that reflects transactions not yet durable, in segments by
    /// the zxid that must be durable first. Held back from the socket until
    /// then; taken back if those transactions cannot be made durable.
    pub held: VecDeque<Held>,
}

/// Frames at the end of the output buffer that wait for a zxid to be
/// durable.
#[derive(Debug)]
pub struct Held {
    /// Where the segment starts in the buffer; it runs to the next one.
    pub start: usize,
    pub zxid: i64,
    pub frames: usize,
    /// The xids of the writes it answers.
    pub write_xids: Vec<i32>,
}

/// Request latency counters in milliseconds, as `cons` and `stat` print them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    pub min: i64,
    pub max: i64,
    pub total: i64,
    pub count: i64,
    pub last: i64,
}

impl Latency {
    pub fn record(&mut self, ms: i64) {
        if self.count == 0 || ms < self.min {
            self.min = ms;
        }
        self.max = self.max.max(ms);
        self.total += ms;
        self.count += 1;
        self.last = ms;
    }

    pub fn avg(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.total as f64 / self.count as f64
        }
    }
}

pub enum ReadOutcome {
    /// Data was read (maybe none); the socket is still open.
    Open,
    /// The peer closed or the socket failed.
    Closed,
}

impl Conn {
    pub fn new(stream: TcpStream, peer: SocketAddr, max_frame: usize, now_ms: i64) -> Conn {
        Conn {
            stream,
            peer,
            decoder: FrameDecoder::new(max_frame),
            out: Vec::new(),
            out_pos: 0,
            phase: Phase::Handshake,
            readable_registered: true,
            writable_registered: false,
            paused: false,
            established_ms: now_ms,
            received: 0,
            sent: 0,
            last_op: "NA",
            last_cxid: 0,
            last_zxid: -1,
            last_response_ms: 0,
            timeout_ms: 0,
            latency: Latency::default(),
            held: VecDeque::new(),
        }
    }

    pub fn session(&self) -> Option<i64> {
        match self.phase {
            Phase::Session(id) => Some(id),
            _ => None,
        }
    }

    /// Reads everything available into the frame decoder. With `drain`
    /// unset, a read that leaves room in `scratch` ends it: the socket was
    /// empty then, and anything arriving later raises a new readiness
    /// event, so the read that would only say "empty" is saved. A peer's
    /// close that came before the event is flagged on it; the caller drains
    /// then.
    pub fn read_available(&mut self, scratch: &mut [u8], drain: bool) -> ReadOutcome {
        loop {
            match self.stream.read(scratch) {
                Ok(0) => return ReadOutcome::Closed,
                Ok(n) => {
                    self.decoder.extend(&scratch[..n]);
                    if n < scratch.len() && !drain {
                        return ReadOutcome::Open;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return ReadOutcome::Open,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return ReadOutcome::Closed,
            }
        }
    }

    /// Queues one frame (`payload` without its length prefix).
    pub fn queue_frame(&mut self, payload: &[u8]) {
        let at = begin_frame(&mut self.out);
        self.out.extend_from_slice(payload);
        finish_frame(&mut self.out, at);
        self.sent += 1;
    }

    /// The segment that output about to be queued joins: it waits for
    /// `zxid` to be durable.
    pub fn hold(&mut self, zxid: i64) -> &mut Held {
        if self.held.back().is_none_or(|h| h.zxid != zxid) {
            self.held.push_back(Held {
                start: self.out.len(),
                zxid,
                frames: 0,
                write_xids: Vec::new(),
            });
        }
        self.held.back_mut().expect("just pushed")
    }

    /// Frees the output that waited for zxids up to `durable`; returns
    /// whether some output still waits.
    pub fn release_through(&mut self, durable: i64) -> bool {
        while self.held.front().is_some_and(|h| h.zxid <= durable) {
            self.held.pop_front();
        }
        !self.held.is_empty()
    }

    /// Takes back all held output: it never reached the socket.
    pub fn take_back_held(&mut self) -> Vec<Held> {
        if let Some(first) = self.held.front() {
            self.out.truncate(first.start.max(self.out_pos));
        }
        self.held.drain(..).collect()
    }

    /// Queues raw bytes (four-letter answers have no framing).
    pub fn queue_raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// Output that may be written now (none of it held for a sync).
    pub fn flushable(&self) -> usize {
        self.held.front().map_or(self.out.len(), |h| h.start) - self.out_pos
    }

    pub fn pending_output(&self) -> usize {
        self.out.len() - self.out_pos
    }

    /// Writes what the socket takes; Err on a broken socket.
    pub fn flush(&mut self) -> io::Result<()> {
        let limit = self.held.front().map_or(self.out.len(), |h| h.start);
        while self.out_pos < limit {
            match self.stream.write(&self.out[self.out_pos..limit]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        } else if self.out_pos > (1 << 20) {
            self.out.drain(..self.out_pos);
            for h in &mut self.held {
                h.start -= self.out_pos;
            }
            self.out_pos = 0;
        }
        Ok(())
    }
}
