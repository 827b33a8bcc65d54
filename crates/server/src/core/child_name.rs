//! A child's name in its parent's sorted set of children.
//!
//! Most names are short: those up to 22 bytes are held inside the set's own
//! nodes. Placing a name in a large set compares it with a score of others;
//! held inline, each comparison reads memory the set already has at hand
//! instead of following a pointer to a string elsewhere, and the name costs
//! no allocation of its own.

use std::cmp::Ordering;
use std::fmt;

const INLINE: usize = 22;

#[derive(Clone)]
pub enum ChildName {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl ChildName {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            ChildName::Inline { len, bytes } => &bytes[..*len as usize],
            ChildName::Heap(s) => s.as_bytes(),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Copied from a str whole: valid UTF-8.
            ChildName::Inline { .. } => {
                std::str::from_utf8(self.as_bytes()).expect("a name copied from a str")
            }
            ChildName::Heap(s) => s,
        }
    }
}

impl From<&str> for ChildName {
    fn from(name: &str) -> ChildName {
        if name.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..name.len()].copy_from_slice(name.as_bytes());
            ChildName::Inline {
                len: name.len() as u8,
                bytes,
            }
        } else {
            ChildName::Heap(name.into())
        }
    }
}

/// Ordered as the names' bytes, as `str` is.
impl Ord for ChildName {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl PartialOrd for ChildName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for ChildName {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for ChildName {}

impl fmt::Display for ChildName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for ChildName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn short_and_long_names_keep_str_order_and_text() {
        let names = [
            "",
            "a",
            "a-0000000001",
            "ä",
            "exactly-twenty-two-b_x",
            "exactly-twenty-two-b_xy",
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
            "z",
        ];
        assert!(matches!(
            ChildName::from("exactly-twenty-two-b_x"),
            ChildName::Inline { .. }
        ));
        assert!(matches!(
            ChildName::from("exactly-twenty-two-b_xy"),
            ChildName::Heap(_)
        ));
        let set: BTreeSet<ChildName> = names.iter().map(|n| ChildName::from(*n)).collect();
        let mut sorted: Vec<&str> = names.to_vec();
        sorted.sort();
        let got: Vec<String> = set.iter().map(|n| n.to_string()).collect();
        assert_eq!(got, sorted);
        assert!(set.contains(&ChildName::from("a-0000000001")));
        assert!(!set.contains(&ChildName::from("a-000000000")));
        assert_eq!(std::mem::size_of::<ChildName>(), 24);
    }
}
