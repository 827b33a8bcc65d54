//! Chroot handling: application paths are prefixed before they go to the
//! server, and server paths are stripped before the application sees them.

/// The chroot of a handle; `None` when the connection string has none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Chroot(Option<String>);

impl Chroot {
    pub fn new(root: Option<String>) -> Chroot {
        Chroot(root)
    }

    pub fn as_str(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The server path for an application path; `/` is the chroot itself.
    /// Without a chroot the path is returned as it is, not copied.
    pub fn prefix(&self, path: String) -> String {
        match &self.0 {
            None => path,
            Some(root) if path == "/" => root.clone(),
            Some(root) => {
                let mut p = String::with_capacity(root.len() + path.len());
                p.push_str(root);
                p.push_str(&path);
                p
            }
        }
    }

    /// The application path for a server path. A path outside the chroot
    /// (e.g. `/zookeeper/config`) is returned unchanged, as Apache does.
    pub fn strip(&self, path: String) -> String {
        match &self.0 {
            None => path,
            Some(root) => match path.strip_prefix(root.as_str()) {
                Some("") => "/".to_string(),
                Some(rest) if rest.starts_with('/') => rest.to_string(),
                _ => path,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_strips() {
        let c = Chroot::new(Some("/app".into()));
        assert_eq!(c.prefix("/".into()), "/app");
        assert_eq!(c.prefix("/a/b".into()), "/app/a/b");
        assert_eq!(c.strip("/app".into()), "/");
        assert_eq!(c.strip("/app/a".into()), "/a");
        assert_eq!(c.strip("/zookeeper/config".into()), "/zookeeper/config");
        assert_eq!(c.strip("/apple".into()), "/apple");
        let none = Chroot::default();
        assert_eq!(none.prefix("/a".into()), "/a");
        assert_eq!(none.strip("/a".into()), "/a");
    }
}
