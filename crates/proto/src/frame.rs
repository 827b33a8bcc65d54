//! Length-prefixed framing: every message on a ZooKeeper connection is a
//! 4-byte big-endian length followed by that many bytes.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FrameError {
    #[error("frame length {len} is negative or exceeds the limit of {max} bytes")]
    BadLength { len: i64, max: usize },
}

/// Appends `payload` as one frame.
pub fn write_frame(out: &mut Vec<u8>, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as i32).to_be_bytes());
    out.extend_from_slice(payload);
}

/// Starts a frame whose length is filled in by [`finish_frame`], so a record
/// can be encoded straight into the output buffer.
pub fn begin_frame(out: &mut Vec<u8>) -> usize {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    at
}

pub fn finish_frame(out: &mut [u8], at: usize) {
    let len = (out.len() - at - 4) as i32;
    out[at..at + 4].copy_from_slice(&len.to_be_bytes());
}

/// Accumulates bytes from a stream and cuts them into frames.
#[derive(Debug)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    start: usize,
    max: usize,
}

impl FrameDecoder {
    /// `max` is the largest payload accepted (jute.maxbuffer plus slack).
    pub fn new(max: usize) -> Self {
        FrameDecoder {
            buf: Vec::new(),
            start: 0,
            max,
        }
    }

    pub fn extend(&mut self, data: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Bytes received but not yet returned as frames.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The length of the next frame, if its header has arrived.
    pub fn peek_len(&self) -> Option<i32> {
        let b = &self.buf[self.start..];
        (b.len() >= 4).then(|| i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The next complete frame's payload, `None` while one is incomplete.
    pub fn next_frame(&mut self) -> Result<Option<&[u8]>, FrameError> {
        let Some(len) = self.peek_len() else {
            return Ok(None);
        };
        if len < 0 || len as usize > self.max {
            return Err(FrameError::BadLength {
                len: len as i64,
                max: self.max,
            });
        }
        let len = len as usize;
        if self.buffered() < 4 + len {
            return Ok(None);
        }
        let from = self.start + 4;
        self.start = from + len;
        Ok(Some(&self.buf[from..from + len]))
    }

    /// Drops consumed bytes so the buffer does not grow without bound.
    pub fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_frames_across_reads() {
        let mut wire = Vec::new();
        write_frame(&mut wire, b"hello");
        write_frame(&mut wire, b"");
        write_frame(&mut wire, b"world!");
        let mut d = FrameDecoder::new(100);
        let mut got = Vec::new();
        for chunk in wire.chunks(3) {
            d.extend(chunk);
            while let Some(f) = d.next_frame().unwrap() {
                got.push(f.to_vec());
            }
            d.compact();
        }
        assert_eq!(got, vec![b"hello".to_vec(), vec![], b"world!".to_vec()]);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn oversize_and_negative_lengths_are_errors() {
        let mut d = FrameDecoder::new(10);
        d.extend(&11i32.to_be_bytes());
        assert!(d.next_frame().is_err());
        let mut d = FrameDecoder::new(10);
        d.extend(&(-1i32).to_be_bytes());
        assert!(d.next_frame().is_err());
    }

    #[test]
    fn begin_finish_frame() {
        let mut out = vec![9];
        let at = begin_frame(&mut out);
        out.extend_from_slice(b"abc");
        finish_frame(&mut out, at);
        assert_eq!(out, vec![9, 0, 0, 0, 3, b'a', b'b', b'c']);
    }
}
