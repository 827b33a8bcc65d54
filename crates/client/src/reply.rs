//! The one-shot handoff of a synchronous call's result from the thread
//! that reads the reply to the thread waiting for it: an atomic flag to
//! spin on and a park token to sleep on, instead of a channel.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::thread::{self, Thread};

use valgrind_annotate::Arc;
use zkrs_proto::errors::ZCLOSING;

use crate::client::lock;
use crate::types::OpResult;

struct Slot {
    ready: AtomicBool,
    value: Mutex<Option<OpResult>>,
    waiter: Thread,
}

/// The end that delivers the result. Dropped unused (the handle went away
/// without answering), it delivers ZCLOSING so the waiter never hangs.
pub(crate) struct ReplySender(Option<Arc<Slot>>);

/// The waiting caller's end.
pub(crate) struct ReplyReceiver(Arc<Slot>);

/// A slot whose receiver is the current thread.
pub(crate) fn reply_slot() -> (ReplySender, ReplyReceiver) {
    let slot = Arc::new(Slot {
        ready: AtomicBool::new(false),
        value: Mutex::new(None),
        waiter: thread::current(),
    });
    // A flag written with a plain atomic store; the result it announces
    // goes through the annotated lock.
    valgrind_annotate::atomic_var(&slot.ready);
    (ReplySender(Some(slot.clone())), ReplyReceiver(slot))
}

impl ReplySender {
    pub(crate) fn send(mut self, result: OpResult) {
        if let Some(slot) = self.0.take() {
            deliver(&slot, result);
        }
    }
}

impl Drop for ReplySender {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            deliver(&slot, OpResult::error(ZCLOSING));
        }
    }
}

fn deliver(slot: &Slot, result: OpResult) {
    *lock(&slot.value) = Some(result);
    slot.ready.store(true, Ordering::Release);
    valgrind_annotate::unrecorded(|| slot.waiter.unpark());
}

impl ReplyReceiver {
    /// The result, if it has arrived.
    pub(crate) fn try_take(&self) -> Option<OpResult> {
        if !self.0.ready.load(Ordering::Acquire) {
            return None;
        }
        lock(&self.0.value).take()
    }

    /// Sleeps until the result arrives.
    pub(crate) fn wait(self) -> OpResult {
        loop {
            if let Some(r) = self.try_take() {
                return r;
            }
            // Wake-ups meant for other users of this thread's park token
            // (the callback thread's queue) just cause another look.
            valgrind_annotate::unrecorded(thread::park);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn result_crosses_threads() {
        let (tx, rx) = reply_slot();
        let t = thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            tx.send(OpResult::error(-101));
        });
        assert!(rx.try_take().is_none());
        assert_eq!(rx.wait().err, -101);
        t.join().unwrap();
    }

    #[test]
    fn dropped_sender_answers_closing() {
        let (tx, rx) = reply_slot();
        thread::spawn(move || drop(tx)).join().unwrap();
        assert_eq!(rx.wait().err, ZCLOSING);
    }

    #[test]
    fn result_sent_before_waiting_is_kept() {
        let (tx, rx) = reply_slot();
        tx.send(OpResult::error(-110));
        assert_eq!(rx.try_take().map(|r| r.err), Some(-110));
    }
}
