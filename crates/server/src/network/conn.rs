//! One client connection: its socket, the frames it has sent, the bytes
//! waiting to go out, and what `cons`/`stat` report about it.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;

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
    /// Shared with the log's sync thread while output is lent to it.
    stream: Arc<TcpStream>,
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
    /// Bytes of output lent to the sync thread (see `lend`): nothing is
    /// written here until they come back.
    lent: Option<usize>,
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

/// A connection's output in the hands of the log's sync thread, which
/// writes it once the group it waits for is durable.
pub struct LentOutput {
    pub token: mio::Token,
    stream: Arc<TcpStream>,
    /// The output from its first unsent byte.
    bytes: Vec<u8>,
    /// Its held segments, starting where they start in `bytes`.
    held: VecDeque<Held>,
    /// How much of `bytes` has been written.
    written: usize,
    /// Whether the group it waited for became durable.
    durable: bool,
}

impl LentOutput {
    /// Called on the sync thread when the sync ends: once the group is
    /// durable, writes the output.
    pub fn sync_ended(&mut self, durable: bool) {
        self.durable = durable;
        if durable {
            self.write();
        }
    }

    /// Whether all of it has been written.
    pub fn all_written(&self) -> bool {
        self.written == self.bytes.len()
    }

    /// Writes what the socket takes without waiting. What it does not
    /// take (a full buffer, a broken socket) goes back to the serving
    /// thread, which deals with it as with any output.
    fn write(&mut self) {
        while self.written < self.bytes.len() {
            match (&*self.stream).write(&self.bytes[self.written..]) {
                Ok(0) => break,
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
    }
}

impl Conn {
    pub fn new(stream: TcpStream, peer: SocketAddr, max_frame: usize, now_ms: i64) -> Conn {
        Conn {
            stream: Arc::new(stream),
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
            lent: None,
        }
    }

    /// The socket's descriptor, for (re)registering it with the poll.
    pub fn fd(&self) -> RawFd {
        self.stream.as_raw_fd()
    }

    /// Hands all unsent output, held segments included, to the sync
    /// thread; None when there is none or some is lent already. Until it
    /// comes back (`take_back`) nothing is written here, so the answers
    /// keep their order.
    pub fn lend(&mut self, token: mio::Token) -> Option<LentOutput> {
        if self.lent.is_some() || self.pending_output() == 0 {
            return None;
        }
        let bytes = if self.out_pos == 0 {
            std::mem::take(&mut self.out)
        } else {
            self.out.split_off(self.out_pos)
        };
        let mut held = std::mem::take(&mut self.held);
        for h in &mut held {
            h.start -= self.out_pos;
        }
        self.out.clear();
        self.out_pos = 0;
        self.lent = Some(bytes.len());
        Some(LentOutput {
            token,
            stream: self.stream.clone(),
            bytes,
            held,
            written: 0,
            durable: false,
        })
    }

    /// Takes lent output back: what was not written goes before anything
    /// queued meanwhile. Its held segments come back only if their group
    /// did not become durable: then nothing was written, and the output
    /// is taken back as if it had never left.
    pub fn take_back(&mut self, lent: LentOutput) {
        self.lent = None;
        let LentOutput {
            mut bytes,
            held,
            written,
            durable,
            ..
        } = lent;
        let left = bytes.len() - written;
        for h in &mut self.held {
            h.start += left;
        }
        if !durable {
            let mut returned = held;
            returned.append(&mut self.held);
            self.held = returned;
        }
        bytes.drain(..written);
        if !self.out.is_empty() {
            bytes.extend_from_slice(&self.out[self.out_pos..]);
        }
        self.out = bytes;
        self.out_pos = 0;
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
            match (&*self.stream).read(scratch) {
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

    /// Output that may be written now (none of it held for a sync or
    /// behind output lent to the sync thread).
    pub fn flushable(&self) -> usize {
        if self.lent.is_some() {
            return 0;
        }
        self.held.front().map_or(self.out.len(), |h| h.start) - self.out_pos
    }

    /// Unsent bytes, lent ones included.
    pub fn pending_output(&self) -> usize {
        self.out.len() - self.out_pos + self.lent.unwrap_or(0)
    }

    /// Writes what the socket takes; Err on a broken socket.
    pub fn flush(&mut self) -> io::Result<()> {
        if self.lent.is_some() {
            return Ok(());
        }
        let limit = self.held.front().map_or(self.out.len(), |h| h.start);
        while self.out_pos < limit {
            match (&*self.stream).write(&self.out[self.out_pos..limit]) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Duration;

    /// A connection over loopback and the client's end of it.
    fn pair() -> (Conn, std::net::TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, peer) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        (
            Conn::new(TcpStream::from_std(server), peer, 1 << 20, 0),
            client,
        )
    }

    fn frame(payload: &[u8]) -> Vec<u8> {
        let mut v = (payload.len() as i32).to_be_bytes().to_vec();
        v.extend_from_slice(payload);
        v
    }

    /// An answer that goes at once, then one held for zxid 5.
    fn ready_then_write_5(c: &mut Conn) {
        c.queue_frame(b"ready");
        c.hold(5).frames += 1;
        c.queue_frame(b"write-5");
    }

    fn read_n(client: &mut std::net::TcpStream, n: usize) -> Vec<u8> {
        let mut buf = vec![0; n];
        client.read_exact(&mut buf).unwrap();
        buf
    }

    /// Nothing more has arrived within a moment.
    fn nothing_more(client: &mut std::net::TcpStream) -> bool {
        client
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let mut b = [0u8; 1];
        let idle = matches!(client.read(&mut b), Err(ref e) if e.kind() == io::ErrorKind::WouldBlock
            || e.kind() == io::ErrorKind::TimedOut);
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        idle
    }

    #[test]
    fn lent_output_is_written_once_durable_and_comes_before_later_output() {
        let (mut c, mut client) = pair();
        ready_then_write_5(&mut c);
        let mut lent = c.lend(mio::Token(7)).expect("output to lend");
        assert!(c.lend(mio::Token(7)).is_none(), "lent once at a time");
        // Queued meanwhile: waits behind the lent output.
        c.queue_frame(b"later");
        assert_eq!(c.flushable(), 0);
        c.flush().unwrap();
        assert!(nothing_more(&mut client));
        assert_eq!(c.pending_output(), 3 * 4 + 5 + 7 + 5);

        lent.sync_ended(true);
        let mut expected = frame(b"ready");
        expected.extend(frame(b"write-5"));
        assert_eq!(read_n(&mut client, expected.len()), expected);
        c.take_back(lent);
        assert!(c.held.is_empty(), "its group is durable");
        c.flush().unwrap();
        assert_eq!(read_n(&mut client, 9), frame(b"later"));
        assert_eq!(c.pending_output(), 0);
    }

    #[test]
    fn output_lent_for_a_group_that_failed_comes_back_held_and_unsent() {
        let (mut c, mut client) = pair();
        ready_then_write_5(&mut c);
        let mut lent = c.lend(mio::Token(7)).unwrap();
        c.hold(6).frames += 1;
        c.queue_frame(b"write-6");
        lent.sync_ended(false);
        assert!(nothing_more(&mut client));
        c.take_back(lent);
        let zxids: Vec<i64> = c.held.iter().map(|h| h.zxid).collect();
        assert_eq!(zxids, [5, 6]);
        // What answered the failed writes is taken back; what did not
        // wait for them still goes out.
        let held = c.take_back_held();
        assert_eq!(held.iter().map(|h| h.frames).sum::<usize>(), 2);
        c.flush().unwrap();
        assert_eq!(read_n(&mut client, 9), frame(b"ready"));
        assert!(nothing_more(&mut client));
        assert_eq!(c.pending_output(), 0);
    }

    #[test]
    fn what_a_full_socket_did_not_take_is_written_later_in_order() {
        let (mut c, mut client) = pair();
        // More than the socket buffers hold while the client reads nothing.
        let big: Vec<u8> = (0..16 << 20).map(|i| (i % 251) as u8).collect();
        c.hold(1).frames += 1;
        c.queue_frame(&big);
        let mut lent = c.lend(mio::Token(1)).unwrap();
        c.queue_frame(b"after");
        lent.sync_ended(true);
        assert!(lent.written < lent.bytes.len(), "the socket filled up");
        c.take_back(lent);
        let reader = std::thread::spawn(move || {
            let got = read_n(&mut client, 4 + big.len() + 9);
            assert_eq!(&got[..4], &(big.len() as i32).to_be_bytes());
            assert!(got[4..4 + big.len()] == big[..], "the big frame intact");
            assert_eq!(&got[4 + big.len()..], &frame(b"after")[..]);
        });
        while c.pending_output() > 0 {
            c.flush().unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
        reader.join().unwrap();
    }
}
