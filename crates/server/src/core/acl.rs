//! Access control as Apache's server does it: the `world`, `auth`, `digest`
//! and `ip` schemes, a super user through a configured digest, and the
//! permission check applied to each operation.

use std::net::IpAddr;

use base64::Engine as _;
use sha1::{Digest as _, Sha1};
use zkrs_proto::errors::{ZINVALIDACL, ZNOAUTH};
use zkrs_proto::records::{Acl, Id};

/// `user:base64(sha1("user:password"))` for an auth string `user:password`.
pub fn digest(user_password: &str) -> String {
    let user = user_password.split(':').next().unwrap_or("");
    let hash = Sha1::digest(user_password.as_bytes());
    format!(
        "{user}:{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

fn id(scheme: &str, id: &str) -> Id {
    Id {
        scheme: scheme.to_string(),
        id: id.to_string(),
    }
}

/// The identities an `auth` packet adds to a connection, or None when the
/// scheme is unknown (Apache answers that with an auth failure).
pub fn authenticate(
    scheme: &str,
    auth: &[u8],
    peer: Option<IpAddr>,
    super_digest: Option<&str>,
) -> Option<Vec<Id>> {
    match scheme {
        "digest" => {
            let d = digest(&String::from_utf8_lossy(auth));
            let mut ids = Vec::new();
            if super_digest == Some(d.as_str()) {
                ids.push(id("super", ""));
            }
            ids.push(id("digest", &d));
            Some(ids)
        }
        "ip" => Some(vec![id(
            "ip",
            &peer.map(|p| p.to_string()).unwrap_or_default(),
        )]),
        _ => None,
    }
}

/// Whether identities of this scheme come from authentication (Apache's
/// `isAuthenticated`): these are what the `auth` scheme expands to and what
/// `whoAmI` reports.
pub fn is_authenticated_scheme(scheme: &str) -> bool {
    scheme == "digest"
}

/// An address in Apache's textual forms, as bytes (4 for IPv4, 16 for IPv6).
fn addr_bytes(s: &str) -> Option<Vec<u8>> {
    if s.contains('.') && !s.contains(':') {
        let parts: Vec<&str> = s.split('.').collect();
        if parts.len() != 4 {
            return None;
        }
        let mut b = Vec::with_capacity(4);
        for p in parts {
            // Java's Integer.parseInt: an optional sign, then digits.
            let v: i32 = p.parse().ok()?;
            if !(0..=255).contains(&v) {
                return None;
            }
            b.push(v as u8);
        }
        return Some(b);
    }
    match s.parse::<IpAddr>().ok()? {
        IpAddr::V6(a) => Some(a.octets().to_vec()),
        IpAddr::V4(_) => None,
    }
}

fn ip_is_valid(expr: &str) -> bool {
    let mut parts = expr.splitn(2, '/');
    let Some(addr) = addr_bytes(parts.next().unwrap_or("")) else {
        return false;
    };
    match parts.next() {
        None => true,
        Some(bits) => {
            matches!(bits.parse::<i32>(), Ok(b) if b >= 0 && b as usize <= addr.len() * 8)
        }
    }
}

fn ip_matches(remote: &str, expr: &str) -> bool {
    let mut parts = expr.splitn(2, '/');
    let Some(acl_addr) = addr_bytes(parts.next().unwrap_or("")) else {
        return false;
    };
    let bits = match parts.next() {
        None => acl_addr.len() * 8,
        Some(b) => match b.parse::<i32>() {
            Ok(b) if b >= 0 && b as usize <= acl_addr.len() * 8 => b as usize,
            _ => return false,
        },
    };
    let Some(remote) = addr_bytes(remote) else {
        return false;
    };
    if remote.len() != acl_addr.len() {
        return false;
    }
    (0..bits).all(|i| {
        let mask = 0x80u8 >> (i % 8);
        remote[i / 8] & mask == acl_addr[i / 8] & mask
    })
}

/// Apache's `DigestAuthenticationProvider.isValid`: exactly one colon-split
/// pair, with Java's `split` dropping trailing empty parts.
fn digest_is_valid(expr: &str) -> bool {
    let mut parts: Vec<&str> = expr.split(':').collect();
    while parts.len() > 1 && parts.last() == Some(&"") {
        parts.pop();
    }
    parts.len() == 2
}

/// Validates and expands an ACL list given by a client (Apache's `fixupACL`):
/// duplicates go, `auth` becomes the session's authenticated identities.
pub fn fixup(acl: &[Acl], auth: &[Id]) -> Result<Vec<Acl>, i32> {
    if acl.is_empty() {
        return Err(ZINVALIDACL);
    }
    let mut unique: Vec<&Acl> = Vec::with_capacity(acl.len());
    for a in acl {
        if !unique.contains(&a) {
            unique.push(a);
        }
    }
    let mut out = Vec::with_capacity(unique.len());
    for a in unique {
        let (scheme, idv) = (a.id.scheme.as_str(), a.id.id.as_str());
        if scheme == "world" && idv == "anyone" {
            out.push(a.clone());
        } else if scheme == "auth" {
            let mut any = false;
            for cid in auth.iter().filter(|i| is_authenticated_scheme(&i.scheme)) {
                any = true;
                out.push(Acl {
                    perms: a.perms,
                    id: cid.clone(),
                });
            }
            if !any {
                return Err(ZINVALIDACL);
            }
        } else {
            let valid = match scheme {
                "digest" => digest_is_valid(idv),
                "ip" => ip_is_valid(idv),
                _ => false,
            };
            if !valid {
                return Err(ZINVALIDACL);
            }
            out.push(a.clone());
        }
    }
    Ok(out)
}

/// Apache's `checkACL`: ok when the node grants `perm` to one of the
/// session's identities (or to anyone), or the session is super.
pub fn check(acl: &[Acl], perm: i32, auth: &[Id]) -> Result<(), i32> {
    if acl.is_empty() || auth.iter().any(|i| i.scheme == "super") {
        return Ok(());
    }
    for a in acl.iter().filter(|a| a.perms & perm != 0) {
        let (scheme, expr) = (a.id.scheme.as_str(), a.id.id.as_str());
        if scheme == "world" && expr == "anyone" {
            return Ok(());
        }
        let matched = auth
            .iter()
            .filter(|i| i.scheme == scheme)
            .any(|i| match scheme {
                "digest" => i.id == expr,
                "ip" => ip_matches(&i.id, expr),
                _ => false,
            });
        if matched {
            return Ok(());
        }
    }
    Err(ZNOAUTH)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(perms: i32, scheme: &str, i: &str) -> Acl {
        Acl {
            perms,
            id: id(scheme, i),
        }
    }

    #[test]
    fn digest_matches_apache() {
        // Value printed by Apache's DigestAuthenticationProvider for super:test.
        assert_eq!(digest("super:test"), "super:D/InIHSb7yEEbrWz8b9l71RjZJU=");
        // Without a colon the whole string is the user name.
        let d = digest("nouser");
        assert!(
            d.starts_with("nouser:") && d.len() == "nouser:".len() + 28,
            "{d}"
        );
    }

    #[test]
    fn authenticate_digest_and_super() {
        let sup = digest("super:test");
        let ids = authenticate("digest", b"super:test", None, Some(&sup)).unwrap();
        assert_eq!(ids[0], id("super", ""));
        assert_eq!(ids[1], id("digest", &sup));
        let ids = authenticate("digest", b"bob:pw", None, Some(&sup)).unwrap();
        assert_eq!(ids.len(), 1);
        assert!(authenticate("kerberos", b"x", None, None).is_none());
        let ip = authenticate("ip", b"", Some("127.0.0.1".parse().unwrap()), None).unwrap();
        assert_eq!(ip, vec![id("ip", "127.0.0.1")]);
    }

    #[test]
    fn fixup_validates_and_expands() {
        assert_eq!(fixup(&[], &[]), Err(ZINVALIDACL));
        assert_eq!(fixup(&[acl(31, "world", "someone")], &[]), Err(ZINVALIDACL));
        assert_eq!(
            fixup(&[acl(31, "auth", "")], &[id("ip", "127.0.0.1")]),
            Err(ZINVALIDACL)
        );
        assert_eq!(fixup(&[acl(31, "digest", "user")], &[]), Err(ZINVALIDACL));
        assert_eq!(fixup(&[acl(31, "digest", "user:")], &[]), Err(ZINVALIDACL));
        assert_eq!(fixup(&[acl(31, "digest", "a:b:c")], &[]), Err(ZINVALIDACL));
        assert_eq!(fixup(&[acl(31, "ip", "1.2.3")], &[]), Err(ZINVALIDACL));
        assert_eq!(fixup(&[acl(31, "ip", "1.2.3.4/33")], &[]), Err(ZINVALIDACL));
        assert_eq!(fixup(&[acl(31, "unknown", "x")], &[]), Err(ZINVALIDACL));
        let me = id("digest", "bob:abc=");
        let out = fixup(
            &[
                acl(1, "auth", ""),
                acl(31, "ip", "10.0.0.0/8"),
                acl(31, "ip", "10.0.0.0/8"),
            ],
            &[id("ip", "127.0.0.1"), me.clone()],
        )
        .unwrap();
        assert_eq!(
            out,
            vec![Acl { perms: 1, id: me }, acl(31, "ip", "10.0.0.0/8")]
        );
        assert!(fixup(&[acl(31, "ip", "::1")], &[]).is_ok());
    }

    #[test]
    fn check_follows_schemes() {
        let ip = [id("ip", "10.1.2.3")];
        assert_eq!(check(&[acl(31, "ip", "10.0.0.0/8")], 1, &ip), Ok(()));
        assert_eq!(check(&[acl(31, "ip", "10.1.2.4")], 1, &ip), Err(ZNOAUTH));
        assert_eq!(check(&[acl(2, "world", "anyone")], 1, &ip), Err(ZNOAUTH));
        assert_eq!(check(&[acl(3, "world", "anyone")], 1, &ip), Ok(()));
        let d = [id("digest", "bob:x=")];
        assert_eq!(check(&[acl(31, "digest", "bob:x=")], 8, &d), Ok(()));
        assert_eq!(check(&[acl(31, "digest", "bob:y=")], 8, &d), Err(ZNOAUTH));
        assert_eq!(
            check(&[acl(31, "digest", "bob:y=")], 8, &[id("super", "")]),
            Ok(())
        );
        assert_eq!(
            check(&[acl(31, "ip", "::1")], 8, &[id("ip", "::1")]),
            Ok(())
        );
        assert_eq!(
            check(&[acl(31, "ip", "::1")], 8, &[id("ip", "127.0.0.1")]),
            Err(ZNOAUTH)
        );
    }
}
