//! Apache ZooKeeper's path rules (`PathUtils.validatePath`), with its
//! messages, so that both ends refuse exactly the paths Apache refuses.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PathError {
    #[error("Path length must be > 0")]
    Empty,
    #[error("Path must start with / character")]
    NoLeadingSlash,
    #[error("Path must not end with / character")]
    TrailingSlash,
    #[error("Invalid path string \"{path}\" caused by {reason} @{index}")]
    Invalid {
        path: String,
        reason: &'static str,
        index: usize,
    },
}

/// Validates a path; a sequential create is checked as if its suffix were
/// already appended, so `/a/` is a valid sequential prefix.
pub fn validate_path(path: &str, sequential: bool) -> Result<(), PathError> {
    if sequential {
        let mut p = String::with_capacity(path.len() + 1);
        p.push_str(path);
        p.push('1');
        validate(&p)
    } else {
        validate(path)
    }
}

fn validate(path: &str) -> Result<(), PathError> {
    // Indices are UTF-16 units, as Java counts them, so messages match. An
    // ASCII path's bytes are its units: no copy for the common case.
    if path.is_ascii() {
        check_units(path, path.as_bytes())
    } else {
        let units: Vec<u16> = path.encode_utf16().collect();
        check_units(path, &units)
    }
}

fn check_units<T: Copy + Into<u16>>(path: &str, units: &[T]) -> Result<(), PathError> {
    let unit = |i: usize| -> u16 { units[i].into() };
    if units.is_empty() {
        return Err(PathError::Empty);
    }
    if unit(0) != b'/' as u16 {
        return Err(PathError::NoLeadingSlash);
    }
    if units.len() == 1 {
        return Ok(());
    }
    if unit(units.len() - 1) == b'/' as u16 {
        return Err(PathError::TrailingSlash);
    }
    let slash = b'/' as u16;
    let dot = b'.' as u16;
    let bad = |reason, index| {
        Err(PathError::Invalid {
            path: path.to_string(),
            reason,
            index,
        })
    };
    let mut last = slash;
    for i in 1..units.len() {
        let c = unit(i);
        let next_ends = i + 1 == units.len() || unit(i + 1) == slash;
        if c == 0 {
            return bad("null character not allowed", i);
        } else if c == slash && last == slash {
            return bad("empty node name specified", i);
        } else if c == dot && last == dot {
            if unit(i - 2) == slash && next_ends {
                return bad("relative paths not allowed", i);
            }
        } else if c == dot {
            if unit(i - 1) == slash && next_ends {
                return bad("relative paths not allowed", i);
            }
        } else if (c > 0 && c <= 0x1f)
            || (0x7f..=0x9f).contains(&c)
            || (0xd800..=0xf8ff).contains(&c)
            || c >= 0xfff0
        {
            return bad("invalid character", i);
        }
        last = c;
    }
    Ok(())
}

/// The parent of an absolute, valid path (`/` for a top-level node).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

/// The last component of an absolute, valid path.
pub fn basename(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[i + 1..],
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_apache_accepts() {
        for p in [
            "/",
            "/a",
            "/a/b",
            "/a.b",
            "/..a",
            "/a..",
            "/a/.b",
            "/zookeeper/quota",
        ] {
            assert_eq!(validate_path(p, false), Ok(()), "{p}");
        }
        assert_eq!(validate_path("/a/", true), Ok(()));
        assert_eq!(validate_path("/", true), Ok(()));
    }

    #[test]
    fn refuses_what_apache_refuses() {
        assert_eq!(validate_path("", false), Err(PathError::Empty));
        assert_eq!(validate_path("a", false), Err(PathError::NoLeadingSlash));
        assert_eq!(validate_path("/a/", false), Err(PathError::TrailingSlash));
        let reason = |p: &str| match validate_path(p, false) {
            Err(PathError::Invalid { reason, index, .. }) => (reason, index),
            other => panic!("{p}: {other:?}"),
        };
        assert_eq!(reason("/a//b"), ("empty node name specified", 3));
        assert_eq!(reason("/a/./b"), ("relative paths not allowed", 3));
        assert_eq!(reason("/a/.."), ("relative paths not allowed", 4));
        assert_eq!(reason("/a\u{0}b"), ("null character not allowed", 2));
        assert_eq!(reason("/a\u{1}"), ("invalid character", 2));
        assert_eq!(reason("/\u{e000}"), ("invalid character", 1));
        assert_eq!(reason("/\u{1F600}"), ("invalid character", 1));
        // Counted in UTF-16 units, as Java counts: é is one, not two bytes.
        assert_eq!(reason("/é/\u{1}"), ("invalid character", 3));
    }

    #[test]
    fn parent_and_basename() {
        assert_eq!(parent("/a"), "/");
        assert_eq!(parent("/a/b/c"), "/a/b");
        assert_eq!(basename("/a/b"), "b");
        assert_eq!(basename("/"), "");
    }
}
