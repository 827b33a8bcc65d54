//! Where the log is synced: on the serving thread or on the log's own
//! thread.
//!
//! Handing a group to the sync thread and being woken when it is durable
//! costs two thread wake-ups, tens of microseconds each on a busy or
//! virtualised machine. When the serving thread has nothing else to do it
//! syncs the group itself and saves both. It only does so while syncs are
//! fast: on a slow disk every request arriving during a sync would wait
//! for it, so there the sync thread does them and reads go on meanwhile.

use std::time::Duration;

/// A sync slower than this makes the serving thread stop syncing inline.
const SLOW_SYNC: Duration = Duration::from_millis(2);
/// After a slow inline sync, this many groups go to the sync thread before
/// the serving thread tries again.
const GROUPS_BEFORE_RETRY: u32 = 1000;

#[derive(Debug, Default)]
pub struct SyncPolicy {
    /// Groups left to hand to the sync thread before trying inline again.
    handed_off_left: u32,
}

impl SyncPolicy {
    /// Whether a group may be synced on the serving thread when it has
    /// nothing else to do.
    pub fn may_sync_inline(&self) -> bool {
        self.handed_off_left == 0
    }

    /// An inline sync took `took`.
    pub fn synced_inline(&mut self, took: Duration) {
        if took > SLOW_SYNC {
            self.handed_off_left = GROUPS_BEFORE_RETRY;
        }
    }

    /// A group was handed to the sync thread.
    pub fn handed_off(&mut self) {
        self.handed_off_left = self.handed_off_left.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_syncs_stay_inline() {
        let mut p = SyncPolicy::default();
        for _ in 0..10 {
            assert!(p.may_sync_inline());
            p.synced_inline(Duration::from_micros(150));
        }
        assert!(p.may_sync_inline());
    }

    #[test]
    fn a_slow_sync_hands_groups_off_then_retries() {
        let mut p = SyncPolicy::default();
        p.synced_inline(Duration::from_millis(9));
        for _ in 0..GROUPS_BEFORE_RETRY {
            assert!(!p.may_sync_inline());
            p.handed_off();
        }
        assert!(p.may_sync_inline());
    }
}
