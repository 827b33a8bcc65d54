//! Jute, the big-endian binary encoding ZooKeeper uses on the wire.
//!
//! Integers are big-endian; booleans are one byte; buffers and strings are an
//! `i32` length followed by the bytes, with `-1` meaning null; vectors are an
//! `i32` count followed by the elements, `-1` meaning null.

use thiserror::Error;

/// Why a jute value could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("truncated record: needed {needed} bytes at offset {offset}, {available} available")]
    Truncated {
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("negative length {0} in record")]
    NegativeLength(i32),
    #[error("length {len} exceeds the remaining {remaining} bytes")]
    LengthTooLarge { len: usize, remaining: usize },
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    #[error("unknown opcode {0}")]
    UnknownOpCode(i32),
    #[error("invalid value {value} for {field}")]
    InvalidValue { field: &'static str, value: i64 },
}

/// Something that can be written in jute encoding.
pub trait Encode {
    fn encode(&self, out: &mut Vec<u8>);
}

/// Something that can be read from jute encoding.
pub trait Decode: Sized {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// A cursor over a received record.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::Truncated {
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub fn read_i32(&mut self) -> Result<i32, DecodeError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn read_i64(&mut self) -> Result<i64, DecodeError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(i64::from_be_bytes(a))
    }

    pub fn read_bool(&mut self) -> Result<bool, DecodeError> {
        Ok(self.take(1)?[0] != 0)
    }

    /// A length prefix: `None` for null (-1), an error for other negatives or
    /// for a length longer than what is left (so a hostile length never
    /// allocates).
    fn read_len(&mut self, elem_min: usize) -> Result<Option<usize>, DecodeError> {
        let n = self.read_i32()?;
        if n == -1 {
            return Ok(None);
        }
        if n < 0 {
            return Err(DecodeError::NegativeLength(n));
        }
        let n = n as usize;
        if n.saturating_mul(elem_min) > self.remaining() {
            return Err(DecodeError::LengthTooLarge {
                len: n,
                remaining: self.remaining(),
            });
        }
        Ok(Some(n))
    }

    /// A buffer, with null distinguished from empty.
    pub fn read_opt_buffer(&mut self) -> Result<Option<Vec<u8>>, DecodeError> {
        match self.read_len(1)? {
            None => Ok(None),
            Some(n) => Ok(Some(self.take(n)?.to_vec())),
        }
    }

    pub fn read_buffer(&mut self) -> Result<Vec<u8>, DecodeError> {
        Ok(self.read_opt_buffer()?.unwrap_or_default())
    }

    pub fn read_string(&mut self) -> Result<String, DecodeError> {
        match self.read_len(1)? {
            None => Ok(String::new()),
            Some(n) => {
                let b = self.take(n)?;
                String::from_utf8(b.to_vec()).map_err(|_| DecodeError::InvalidUtf8)
            }
        }
    }

    /// A vector of `T`, each at least `elem_min` bytes long on the wire.
    pub fn read_vec<T: Decode>(&mut self, elem_min: usize) -> Result<Vec<T>, DecodeError> {
        match self.read_len(elem_min)? {
            None => Ok(Vec::new()),
            Some(n) => {
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(T::decode(self)?);
                }
                Ok(v)
            }
        }
    }
}

pub fn write_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn write_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&v.to_be_bytes());
}

pub fn write_bool(out: &mut Vec<u8>, v: bool) {
    out.push(v as u8);
}

pub fn write_buffer(out: &mut Vec<u8>, v: &[u8]) {
    write_i32(out, v.len() as i32);
    out.extend_from_slice(v);
}

pub fn write_opt_buffer(out: &mut Vec<u8>, v: Option<&[u8]>) {
    match v {
        None => write_i32(out, -1),
        Some(b) => write_buffer(out, b),
    }
}

pub fn write_string(out: &mut Vec<u8>, v: &str) {
    write_buffer(out, v.as_bytes());
}

pub fn write_vec<T: Encode>(out: &mut Vec<u8>, v: &[T]) {
    write_i32(out, v.len() as i32);
    for e in v {
        e.encode(out);
    }
}

impl Encode for i32 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_i32(out, *self)
    }
}
impl Decode for i32 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_i32()
    }
}
impl Encode for i64 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_i64(out, *self)
    }
}
impl Decode for i64 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_i64()
    }
}
impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        write_bool(out, *self)
    }
}
impl Decode for bool {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_bool()
    }
}
impl Encode for String {
    fn encode(&self, out: &mut Vec<u8>) {
        write_string(out, self)
    }
}
impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_string()
    }
}
/// `Vec<u8>` is a jute buffer (null reads as empty).
impl Encode for Vec<u8> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_buffer(out, self)
    }
}
impl Decode for Vec<u8> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_buffer()
    }
}
/// `Option<Vec<u8>>` is a jute buffer where null (-1) is kept apart from empty.
impl Encode for Option<Vec<u8>> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_opt_buffer(out, self.as_deref())
    }
}
impl Decode for Option<Vec<u8>> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_opt_buffer()
    }
}
impl Encode for Vec<String> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_vec(out, self)
    }
}
impl Decode for Vec<String> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.read_vec(4)
    }
}

/// Encodes a value into a fresh buffer.
pub fn to_vec<T: Encode + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    v.encode(&mut out);
    out
}

/// Decodes a value that must fill `buf` exactly... or leave bytes over, which
/// jute readers tolerate (newer peers append fields); the caller decides.
pub fn from_slice<T: Decode>(buf: &[u8]) -> Result<T, DecodeError> {
    T::decode(&mut Reader::new(buf))
}

/// Declares a jute record: a struct whose fields are encoded in order.
#[macro_export]
macro_rules! jute_record {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name { $($(#[$fm])* pub $field: $ty),* }
        impl $crate::jute::Encode for $name {
            #[allow(unused_variables)]
            fn encode(&self, out: &mut Vec<u8>) { $($crate::jute::Encode::encode(&self.$field, out);)* }
        }
        impl $crate::jute::Decode for $name {
            #[allow(unused_variables)]
            fn decode(r: &mut $crate::jute::Reader<'_>) -> Result<Self, $crate::jute::DecodeError> {
                Ok(Self { $($field: $crate::jute::Decode::decode(r)?),* })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_big_endian() {
        assert_eq!(to_vec(&1i32), vec![0, 0, 0, 1]);
        assert_eq!(
            to_vec(&-2i64),
            vec![0xff; 7].into_iter().chain([0xfe]).collect::<Vec<_>>()
        );
    }

    #[test]
    fn null_buffer_round_trips_apart_from_empty() {
        let null: Option<Vec<u8>> = None;
        assert_eq!(to_vec(&null), vec![0xff, 0xff, 0xff, 0xff]);
        assert_eq!(from_slice::<Option<Vec<u8>>>(&to_vec(&null)).unwrap(), None);
        let empty: Option<Vec<u8>> = Some(vec![]);
        assert_eq!(
            from_slice::<Option<Vec<u8>>>(&to_vec(&empty)).unwrap(),
            Some(vec![])
        );
    }

    #[test]
    fn hostile_lengths_are_rejected_without_allocating() {
        let mut b = vec![];
        write_i32(&mut b, i32::MAX);
        assert!(matches!(
            from_slice::<String>(&b),
            Err(DecodeError::LengthTooLarge { .. })
        ));
        let mut b = vec![];
        write_i32(&mut b, 100_000_000);
        assert!(from_slice::<Vec<String>>(&b).is_err());
        let mut b = vec![];
        write_i32(&mut b, -5);
        assert_eq!(
            from_slice::<String>(&b),
            Err(DecodeError::NegativeLength(-5))
        );
    }

    #[test]
    fn truncated_input_is_an_error() {
        assert!(matches!(
            from_slice::<i64>(&[0, 1, 2]),
            Err(DecodeError::Truncated { .. })
        ));
    }

    #[test]
    fn invalid_utf8_is_an_error() {
        let mut b = vec![];
        write_buffer(&mut b, &[0xff, 0xfe]);
        assert_eq!(from_slice::<String>(&b), Err(DecodeError::InvalidUtf8));
    }
}
