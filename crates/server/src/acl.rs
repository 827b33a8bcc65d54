//! Access control as Apache ZooKeeper's server applies it: the `world`,
//! `auth`, `digest`, `ip` (with CIDR masks) and `super` schemes, the ACL
//! normalisation done on create/setACL (`fixupACL`) and the permission check
//! done per operation (`checkACL`).

use base64::Engine;
use sha1::{Digest, Sha1};
use std::net::IpAddr;
use zkrs_proto::errors;
use zkrs_proto::records::{Acl, Id};

/// The id an authenticated superuser holds (Apache adds `super:` with an
/// empty id when the digest matches the configured superDigest).
pub const SUPER_SCHEME: &str = "super";

/// `user:base64(sha1("user:password"))`, the id a digest login yields.
pub fn digest_id(user_password: &str) -> String {
    let user = user_password.split(':').next().unwrap_or("");
    let hash = Sha1::digest(user_password.as_bytes());
    format!(
        "{user}:{}",
        base64::engine::general_purpose::STANDARD.encode(hash)
    )
}

/// Java's `String.split(sep)`: trailing empty pieces are dropped.
fn java_split(s: &str, sep: char) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(sep).collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

fn is_valid_digest_id(id: &str) -> bool {
    java_split(id, ':').len() == 2
}

fn parse_ipv4(s: &str) -> Option<Vec<u8>> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut out = Vec::with_capacity(4);
    for p in parts {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = p.parse().ok()?;
        if v > 255 {
            return None;
        }
        out.push(v as u8);
    }
    Some(out)
}

/// An address in an ip ACL or a peer's address, as bytes (4 or 16).
fn addr_bytes(s: &str) -> Option<Vec<u8>> {
    if let Some(v4) = parse_ipv4(s) {
        return Some(v4);
    }
    match s.parse::<std::net::Ipv6Addr>() {
        Ok(v6) => Some(v6.octets().to_vec()),
        Err(_) => None,
    }
}

/// Splits `addr[/bits]` and checks the mask width.
fn parse_ip_acl(expr: &str) -> Option<(Vec<u8>, usize)> {
    let (addr, bits) = match expr.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (expr, None),
    };
    let bytes = addr_bytes(addr)?;
    let max = bytes.len() * 8;
    let bits = match bits {
        None => max,
        Some(b) => {
            let n: i64 = b.trim_start_matches('+').parse().ok()?;
            if n < 0 || n as usize > max {
                return None;
            }
            n as usize
        }
    };
    Some((bytes, bits))
}

fn mask(bytes: &mut [u8], bits: usize) {
    for (i, b) in bytes.iter_mut().enumerate() {
        let start = i * 8;
        if start >= bits {
            *b = 0;
        } else if bits - start < 8 {
            *b &= 0xffu8 << (8 - (bits - start));
        }
    }
}

/// Whether a peer address (textual) falls within an ip ACL expression.
pub fn ip_matches(peer: &str, acl_expr: &str) -> bool {
    let Some((mut acl, bits)) = parse_ip_acl(acl_expr) else {
        return false;
    };
    let Some(mut remote) = addr_bytes(peer) else {
        return false;
    };
    if remote.len() != acl.len() {
        return false;
    }
    mask(&mut acl, bits);
    mask(&mut remote, bits);
    acl == remote
}

/// The textual form Java's `InetAddress.getHostAddress()` gives.
pub fn host_address(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            s.iter()
                .map(|x| format!("{x:x}"))
                .collect::<Vec<_>>()
                .join(":")
        }
    }
}

/// Schemes this server knows; an unknown scheme in an ACL is ZINVALIDACL and
/// in an auth packet is an auth failure.
fn known_scheme(scheme: &str) -> bool {
    matches!(scheme, "digest" | "ip")
}

/// Whether an id of this scheme counts for an `auth` ACL expansion (Apache's
/// `isAuthenticated`: digest yes, ip no).
fn is_authenticated_scheme(scheme: &str) -> bool {
    scheme == "digest"
}

fn id_is_valid(id: &Id) -> bool {
    match id.scheme.as_str() {
        "digest" => is_valid_digest_id(&id.id),
        "ip" => parse_ip_acl(&id.id).is_some(),
        _ => false,
    }
}

/// Normalises an ACL from a create or setACL as Apache does: duplicates
/// removed, `auth` expanded to the session's authenticated ids, every other
/// entry validated. Errors are ZINVALIDACL.
pub fn fixup_acl(acl: &[Acl], auth: &[Id]) -> Result<Vec<Acl>, i32> {
    let mut unique: Vec<&Acl> = Vec::with_capacity(acl.len());
    for a in acl {
        if !unique.contains(&a) {
            unique.push(a);
        }
    }
    if unique.is_empty() {
        return Err(errors::ZINVALIDACL);
    }
    let mut out = Vec::with_capacity(unique.len());
    for a in unique {
        if a.id.scheme == "world" && a.id.id == "anyone" {
            out.push(a.clone());
        } else if a.id.scheme == "auth" {
            let mut any = false;
            for cid in auth {
                if is_authenticated_scheme(&cid.scheme) {
                    any = true;
                    out.push(Acl {
                        perms: a.perms,
                        id: cid.clone(),
                    });
                }
            }
            if !any {
                return Err(errors::ZINVALIDACL);
            }
        } else if id_is_valid(&a.id) {
            out.push(a.clone());
        } else {
            return Err(errors::ZINVALIDACL);
        }
    }
    Ok(out)
}

/// Apache's `checkACL`: Ok if some entry grants one of the bits of `perm` to
/// an identity the session holds (or to anyone), or the session is super.
pub fn check_acl(acl: &[Acl], perm: i32, auth: &[Id]) -> Result<(), i32> {
    if acl.is_empty() || auth.iter().any(|a| a.scheme == SUPER_SCHEME) {
        return Ok(());
    }
    for a in acl {
        if a.perms & perm == 0 {
            continue;
        }
        if a.id.scheme == "world" && a.id.id == "anyone" {
            return Ok(());
        }
        if !known_scheme(&a.id.scheme) {
            continue;
        }
        for held in auth.iter().filter(|h| h.scheme == a.id.scheme) {
            let ok = match a.id.scheme.as_str() {
                "ip" => ip_matches(&held.id, &a.id.id),
                _ => held.id == a.id.id,
            };
            if ok {
                return Ok(());
            }
        }
    }
    Err(errors::ZNOAUTH)
}

/// What an auth packet adds to a session, or None when Apache fails it
/// (unknown scheme). `peer` is the session's address for the ip scheme.
pub fn authenticate(
    scheme: &str,
    auth: &[u8],
    peer: Option<IpAddr>,
    super_digest: Option<&str>,
) -> Option<Vec<Id>> {
    match scheme {
        "digest" => {
            // Java decodes the bytes with the platform charset; invalid UTF-8
            // becomes replacement characters rather than a failure.
            let text = String::from_utf8_lossy(auth);
            let id = digest_id(&text);
            let mut ids = Vec::new();
            if super_digest == Some(id.as_str()) {
                ids.push(Id {
                    scheme: SUPER_SCHEME.into(),
                    id: String::new(),
                });
            }
            ids.push(Id {
                scheme: "digest".into(),
                id,
            });
            Some(ids)
        }
        "ip" => peer.map(|ip| {
            vec![Id {
                scheme: "ip".into(),
                id: host_address(ip),
            }]
        }),
        _ => None,
    }
}

/// The user name whoAmI reports for an id (Apache's `getUserName`).
pub fn user_name(id: &Id) -> String {
    match id.scheme.as_str() {
        "digest" => id.id.split(':').next().unwrap_or("").to_string(),
        _ => id.id.clone(),
    }
}

/// What getACL shows a reader without ADMIN: digest hashes hidden as Apache
/// hides them (`user:x`).
pub fn redact_digests(acl: &[Acl]) -> Vec<Acl> {
    acl.iter()
        .map(|a| {
            if a.id.scheme == "digest" {
                let user = a.id.id.split(':').next().unwrap_or("");
                let id = if a.id.id.contains(':') {
                    format!("{user}:x")
                } else {
                    a.id.id.clone()
                };
                Acl {
                    perms: a.perms,
                    id: Id {
                        scheme: "digest".into(),
                        id,
                    },
                }
            } else {
                a.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkrs_proto::consts::perms;

    fn id(s: &str, i: &str) -> Id {
        Id {
            scheme: s.into(),
            id: i.into(),
        }
    }
    fn acl(p: i32, s: &str, i: &str) -> Acl {
        Acl {
            perms: p,
            id: id(s, i),
        }
    }

    #[test]
    fn digest_matches_apache() {
        // Value printed by Apache's DigestAuthenticationProvider for super:test.
        assert_eq!(
            digest_id("super:test"),
            "super:D/InIHSb7yEEbrWz8b9l71RjZJU="
        );
        assert_eq!(
            digest_id("nocolon"),
            format!("nocolon:{}", &digest_id("nocolon")[8..])
        );
    }

    #[test]
    fn ip_cidr_matching() {
        assert!(ip_matches("127.0.0.1", "127.0.0.1"));
        assert!(ip_matches("127.0.0.7", "127.0.0.0/24"));
        assert!(!ip_matches("127.0.1.7", "127.0.0.0/24"));
        assert!(ip_matches("10.1.2.3", "0.0.0.0/0"));
        assert!(!ip_matches("10.1.2.3", "10.1.2.3/33"));
        assert!(!ip_matches("::1", "127.0.0.1"));
        assert!(ip_matches("0:0:0:0:0:0:0:1", "::1"));
        assert!(!ip_matches("127.0.0.1", "not-an-ip"));
    }

    #[test]
    fn fixup_validates_and_expands() {
        let world = acl(31, "world", "anyone");
        assert_eq!(fixup_acl(&[], &[]), Err(errors::ZINVALIDACL));
        assert_eq!(
            fixup_acl(&[world.clone(), world.clone()], &[]),
            Ok(vec![world.clone()])
        );
        assert_eq!(
            fixup_acl(&[acl(31, "foo", "x")], &[]),
            Err(errors::ZINVALIDACL)
        );
        assert_eq!(
            fixup_acl(&[acl(31, "digest", "user:")], &[]),
            Err(errors::ZINVALIDACL)
        );
        assert_eq!(
            fixup_acl(&[acl(31, "digest", "a:b:c")], &[]),
            Err(errors::ZINVALIDACL)
        );
        assert!(fixup_acl(&[acl(31, "digest", "u:h")], &[]).is_ok());
        assert_eq!(
            fixup_acl(&[acl(31, "ip", "1.2.3.4/40")], &[]),
            Err(errors::ZINVALIDACL)
        );
        assert!(fixup_acl(&[acl(31, "ip", "1.2.3.0/24")], &[]).is_ok());
        // auth with only an ip identity is invalid; with a digest it expands.
        let ip = id("ip", "127.0.0.1");
        assert_eq!(
            fixup_acl(&[acl(5, "auth", "")], std::slice::from_ref(&ip)),
            Err(errors::ZINVALIDACL)
        );
        let d = id("digest", "u:h");
        assert_eq!(
            fixup_acl(&[acl(5, "auth", "")], &[ip, d.clone()]),
            Ok(vec![Acl { perms: 5, id: d }])
        );
    }

    #[test]
    fn check_acl_per_scheme() {
        let list = vec![
            acl(perms::READ, "digest", "u:h"),
            acl(perms::WRITE, "ip", "10.0.0.0/8"),
        ];
        assert_eq!(check_acl(&list, perms::READ, &[]), Err(errors::ZNOAUTH));
        assert_eq!(
            check_acl(&list, perms::READ, &[id("digest", "u:h")]),
            Ok(())
        );
        assert_eq!(
            check_acl(&list, perms::WRITE, &[id("digest", "u:h")]),
            Err(errors::ZNOAUTH)
        );
        assert_eq!(
            check_acl(&list, perms::WRITE, &[id("ip", "10.9.9.9")]),
            Ok(())
        );
        assert_eq!(check_acl(&list, perms::ADMIN, &[id("super", "")]), Ok(()));
        assert_eq!(
            check_acl(&list, perms::READ | perms::ADMIN, &[id("digest", "u:h")]),
            Ok(())
        );
        assert_eq!(check_acl(&[], perms::ADMIN, &[]), Ok(()));
    }

    #[test]
    fn authenticate_schemes() {
        let sup = digest_id("super:pw");
        let ids = authenticate("digest", b"super:pw", None, Some(&sup)).unwrap();
        assert_eq!(ids[0], id("super", ""));
        assert_eq!(ids.len(), 2);
        assert_eq!(
            authenticate("digest", b"bob:pw", None, Some(&sup))
                .unwrap()
                .len(),
            1
        );
        assert_eq!(authenticate("kerberos", b"x", None, None), None);
        let ip = authenticate("ip", b"", Some("127.0.0.1".parse().unwrap()), None).unwrap();
        assert_eq!(ip, vec![id("ip", "127.0.0.1")]);
    }

    #[test]
    fn redaction_hides_hashes() {
        let r = redact_digests(&[acl(1, "digest", "u:secret"), acl(1, "world", "anyone")]);
        assert_eq!(r[0].id.id, "u:x");
        assert_eq!(r[1].id.id, "anyone");
    }
}
