//! The callback thread of a handle: runs completions and delivers watch
//! events one at a time, in the order the I/O thread produced them.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};

use crossbeam_channel::{Receiver, Sender, TryRecvError};
use valgrind_annotate::Arc;

use crate::client::Shared;
use crate::types::{Completion, OpResult, WatchEvent, Watcher};

pub(crate) enum Dispatch {
    Complete(Completion, OpResult),
    Watch(Vec<Watcher>, WatchEvent),
    /// Goes to the global watcher (looked up at delivery, so
    /// `set_watcher` takes effect at once) and to these watchers.
    Session(Vec<Watcher>, WatchEvent),
}

/// The I/O thread's end of the callback queue. The callback thread sleeps
/// with `park` instead of a blocking `recv`, whose spinning before it
/// sleeps costs more CPU than the handoff itself when replies trickle in.
pub(crate) struct DispatchSender {
    /// Taken on drop, so the channel is closed before the final wake-up.
    tx: Option<Sender<Vec<Dispatch>>>,
    sleeping: Arc<AtomicBool>,
    thread: Thread,
}

impl DispatchSender {
    pub(crate) fn send(&self, batch: Vec<Dispatch>) {
        if let Some(tx) = &self.tx {
            valgrind_annotate::happens_before(&*self.sleeping);
            let _ = tx.send(batch);
        }
        if self.sleeping.load(Ordering::SeqCst) {
            valgrind_annotate::unrecorded(|| self.thread.unpark());
        }
    }
}

impl Drop for DispatchSender {
    fn drop(&mut self) {
        drop(self.tx.take());
        valgrind_annotate::unrecorded(|| self.thread.unpark());
    }
}

pub(crate) struct DispatchReceiver {
    rx: Receiver<Vec<Dispatch>>,
    sleeping: Arc<AtomicBool>,
}

/// A queue to the callback thread whose handle is `thread`.
pub(crate) fn queue_to(
    thread: Thread,
    rx: Receiver<Vec<Dispatch>>,
    tx: Sender<Vec<Dispatch>>,
    sleeping: Arc<AtomicBool>,
) -> DispatchSender {
    drop(rx);
    DispatchSender {
        tx: Some(tx),
        sleeping,
        thread,
    }
}

pub(crate) fn receiver(rx: Receiver<Vec<Dispatch>>, sleeping: Arc<AtomicBool>) -> DispatchReceiver {
    DispatchReceiver { rx, sleeping }
}

impl DispatchReceiver {
    /// The next batch; `None` once the sender is gone and all is delivered.
    fn next(&self) -> Option<Vec<Dispatch>> {
        loop {
            match self.rx.try_recv() {
                Ok(b) => return Some(b),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => {}
            }
            // Announce the sleep, then look again: a sender that missed the
            // announcement queued its batch before this second look.
            self.sleeping.store(true, Ordering::SeqCst);
            match self.rx.try_recv() {
                Ok(b) => {
                    self.sleeping.store(false, Ordering::SeqCst);
                    return Some(b);
                }
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => valgrind_annotate::unrecorded(thread::park),
            }
            self.sleeping.store(false, Ordering::SeqCst);
        }
    }
}

/// Runs until the I/O thread drops its sender and every item is delivered.
pub(crate) fn run(rx: DispatchReceiver, shared: Arc<Shared>) {
    while let Some(batch) = rx.next() {
        valgrind_annotate::happens_after(&*rx.sleeping);
        for item in batch {
            // A panicking callback must not take the handle's other
            // callbacks down with it; the C layer also stops panics at its
            // boundary.
            let _ = catch_unwind(AssertUnwindSafe(|| deliver(item, &shared)));
        }
    }
    // Break reference cycles through the global watcher's captures.
    shared.take_global_watcher();
}

fn deliver(item: Dispatch, shared: &Shared) {
    match item {
        Dispatch::Complete(c, result) => c(result),
        Dispatch::Watch(watchers, event) => {
            for w in &watchers {
                w.notify(&event);
            }
        }
        Dispatch::Session(watchers, event) => {
            let mut all: Vec<Watcher> = shared.global_watcher().into_iter().collect();
            for w in watchers {
                if !all.iter().any(|x| x.id() == w.id()) {
                    all.push(w);
                }
            }
            for w in &all {
                w.notify(&event);
            }
        }
    }
}
