//! The session table: ids, passwords, negotiated timeouts and expiry in
//! tick-sized buckets, as Apache's SessionTrackerImpl/ExpiryQueue keep them.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};

use sha1::{Digest, Sha1};

/// Length of a session password.
pub const PASSWD_LEN: usize = 16;

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub timeout_ms: i32,
    /// The bucket (a multiple of the tick) in which it expires.
    pub expire_at_ms: i64,
}

pub struct SessionTracker {
    tick_ms: i64,
    next_id: i64,
    /// Keys session passwords; kept in the data directory so that
    /// sessions survive a restart.
    secret: [u8; 16],
    sessions: HashMap<i64, SessionInfo>,
    buckets: BTreeMap<i64, HashSet<i64>>,
}

impl SessionTracker {
    /// `now_ms` is wall-clock time: ids start from it, as Apache's do, so
    /// ids from an earlier run of the server are not handed out again.
    /// A tracker with a secret of its own (a server without a data
    /// directory: its sessions end with the process anyway).
    pub fn new(tick_ms: i32, now_ms: i64) -> SessionTracker {
        let mut secret = [0u8; 16];
        for (i, chunk) in secret.chunks_mut(8).enumerate() {
            let mut h = RandomState::new().build_hasher();
            h.write_usize(i);
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        SessionTracker::with_secret(tick_ms, now_ms, secret)
    }

    pub fn with_secret(tick_ms: i32, now_ms: i64, secret: [u8; 16]) -> SessionTracker {
        // Apache: ((time << 24) >>> 8) | (serverId << 56); a standalone
        // server's id is 1.
        let base = (((now_ms as u64) << 24) >> 8) as i64 | (1i64 << 56);
        SessionTracker {
            tick_ms: tick_ms.max(1) as i64,
            next_id: base,
            secret,
            sessions: HashMap::new(),
            buckets: BTreeMap::new(),
        }
    }

    fn bucket(&self, t: i64) -> i64 {
        (t / self.tick_ms + 1) * self.tick_ms
    }

    /// A new session; returns its id and password.
    pub fn create(&mut self, timeout_ms: i32, now_ms: i64) -> (i64, [u8; PASSWD_LEN]) {
        let id = self.next_id;
        self.next_id += 1;
        self.add(id, timeout_ms, now_ms);
        (id, self.password(id))
    }

    /// Adds a session with a known id (one restored from storage).
    pub fn add(&mut self, id: i64, timeout_ms: i32, now_ms: i64) {
        let expire = self.bucket(now_ms + timeout_ms as i64);
        self.sessions.insert(
            id,
            SessionInfo {
                timeout_ms,
                expire_at_ms: expire,
            },
        );
        self.buckets.entry(expire).or_default().insert(id);
        if id >= self.next_id {
            self.next_id = id + 1;
        }
    }

    /// The password of a session id: derived from a per-process secret, so
    /// only the server can make it.
    pub fn password(&self, id: i64) -> [u8; PASSWD_LEN] {
        let mut h = Sha1::new();
        h.update(self.secret);
        h.update(id.to_be_bytes());
        let digest = h.finalize();
        let mut out = [0u8; PASSWD_LEN];
        out.copy_from_slice(&digest[..PASSWD_LEN]);
        out
    }

    pub fn check_password(&self, id: i64, passwd: &[u8]) -> bool {
        passwd == self.password(id)
    }

    pub fn get(&self, id: i64) -> Option<&SessionInfo> {
        self.sessions.get(&id)
    }

    pub fn contains(&self, id: i64) -> bool {
        self.sessions.contains_key(&id)
    }

    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Moves a live session's expiry forward; false if it is gone.
    pub fn touch(&mut self, id: i64, now_ms: i64) -> bool {
        let Some(info) = self.sessions.get(&id) else {
            return false;
        };
        let new = self.bucket(now_ms + info.timeout_ms as i64);
        let old = info.expire_at_ms;
        if new != old {
            if let Some(set) = self.buckets.get_mut(&old) {
                set.remove(&id);
                if set.is_empty() {
                    self.buckets.remove(&old);
                }
            }
            self.buckets.entry(new).or_default().insert(id);
            if let Some(info) = self.sessions.get_mut(&id) {
                info.expire_at_ms = new;
            }
        }
        true
    }

    pub fn remove(&mut self, id: i64) -> Option<SessionInfo> {
        let info = self.sessions.remove(&id)?;
        if let Some(set) = self.buckets.get_mut(&info.expire_at_ms) {
            set.remove(&id);
            if set.is_empty() {
                self.buckets.remove(&info.expire_at_ms);
            }
        }
        Some(info)
    }

    /// Removes and returns the sessions whose bucket has passed.
    pub fn take_expired(&mut self, now_ms: i64) -> Vec<i64> {
        let mut out = Vec::new();
        while let Some((&t, _)) = self.buckets.first_key_value() {
            if t > now_ms {
                break;
            }
            let set = self.buckets.remove(&t).unwrap_or_default();
            for id in set {
                self.sessions.remove(&id);
                out.push(id);
            }
        }
        out.sort_unstable();
        out
    }

    /// When the next bucket expires, if any session is live.
    pub fn next_expiry(&self) -> Option<i64> {
        self.buckets.keys().next().copied()
    }

    /// Buckets and their sessions, earliest first (for `dump`).
    pub fn buckets(&self) -> impl Iterator<Item = (i64, Vec<i64>)> + '_ {
        self.buckets.iter().map(|(t, s)| {
            let mut v: Vec<i64> = s.iter().copied().collect();
            v.sort_unstable();
            (*t, v)
        })
    }

    pub fn ids(&self) -> impl Iterator<Item = (&i64, &SessionInfo)> {
        self.sessions.iter()
    }
}

/// Clamps a requested timeout into the server's range, as Apache does.
pub fn negotiate_timeout(requested: i32, min: i32, max: i32) -> i32 {
    requested.clamp(min, max.max(min))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_carry_server_id_one() {
        let mut t = SessionTracker::new(2000, 1_700_000_000_000);
        let (a, pa) = t.create(4000, 0);
        let (b, _) = t.create(4000, 0);
        assert_ne!(a, b);
        assert_eq!(a >> 56, 1);
        assert!(t.check_password(a, &pa));
        assert!(!t.check_password(b, &pa));
        assert!(!t.check_password(a, &[0; 16]));
    }

    #[test]
    fn sessions_expire_in_tick_buckets_unless_touched() {
        let mut t = SessionTracker::new(1000, 0);
        let (a, _) = t.create(3000, 500);
        let (b, _) = t.create(3000, 500);
        // 500 + 3000 = 3500 rounds up to the 4000 bucket.
        assert_eq!(t.get(a).unwrap().expire_at_ms, 4000);
        assert!(t.take_expired(3999).is_empty());
        assert!(t.touch(b, 2100));
        assert_eq!(t.take_expired(4000), vec![a]);
        assert!(!t.contains(a));
        assert!(!t.touch(a, 4100));
        assert_eq!(t.next_expiry(), Some(6000));
        assert_eq!(t.take_expired(6000), vec![b]);
        assert!(t.is_empty());
    }

    #[test]
    fn timeouts_are_clamped() {
        assert_eq!(negotiate_timeout(100, 4000, 40000), 4000);
        assert_eq!(negotiate_timeout(100_000, 4000, 40000), 40000);
        assert_eq!(negotiate_timeout(5000, 4000, 40000), 5000);
    }
}
