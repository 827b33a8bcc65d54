//! The ZooKeeper client engine behind the C API.
//!
//! A [`Client`] is one handle (`zhandle_t`). It owns two threads: an I/O
//! thread running a mio loop around the [`session::Session`] state machine
//! (which does no I/O itself), and a callback thread that runs completions
//! and watchers in wire order. A submitting thread queues its request in
//! the session and, when nothing else is in flight, writes it to the
//! socket itself (under the session's lock); requests queued behind others
//! leave together with the next burst of replies. Replies, timers and
//! reconnection are the I/O thread's. Synchronous calls ([`Client::call`])
//! get their result straight from the thread that read the reply (for a
//! short while the caller reads replies itself), never through the
//! callback thread, so they also work inside callbacks; [`Client::close`]
//! works from any thread.
//!
//! Paths in [`Op`]s and results are relative to the connection string's
//! chroot; error codes are the C client's (`zkrs_proto::errors`).
//!
//! How the C API maps onto it:
//!
//! | C | engine |
//! |---|---|
//! | `zookeeper_init(2)` | [`Client::connect`] ([`ConnectError::errno`] for errno) |
//! | `zoo_a*` / `zoo_*` | [`Client::submit`] / [`Client::call`] with an [`Op`] |
//! | `watch=1` | pass [`Client::watcher`] (the global watcher) |
//! | `zoo_w*` | pass `Watcher::new(WatcherId(fn, ctx), ..)` |
//! | `zoo_create2`, `zoo_get_children2` | `with_stat: true` |
//! | `zoo_async` | [`Op::Sync`] |
//! | `zoo_multi` | [`Op::Multi`], results in [`Response::Multi`] |
//! | `zoo_(w)getconfig`, `zoo_reconfig` | [`Op::GetConfig`], [`Op::Reconfig`] |
//! | `zoo_(a)remove_(all_)watches` | [`Op::RemoveWatches`] |
//! | `zoo_add_auth` | [`Client::add_auth`] |
//! | `zoo_state`, `zoo_client_id`, `zoo_recv_timeout`, `is_unrecoverable` | same names |
//! | `zoo_set_watcher` | [`Client::set_watcher`] |
//! | `zoo_get_current_server`, `zookeeper_get_connected_host` | [`Client::current_server`], [`Client::connected_host`] |
//! | `zoo_set_servers`, `zoo_cycle_next_server`, `zoo_set_servers_resolution_delay` | same names |
//! | `zoo_deterministic_conn_order` | [`set_deterministic_conn_order`] |
//! | `zookeeper_close` | [`Client::close`] |
//! | log callback / stream | [`ConnectOptions::logger`] |

pub mod chroot;
mod client;
mod dispatch;
mod driver;
pub mod hosts;
pub mod ops;
mod reply;
pub mod session;
mod types;
pub mod watches;

pub use client::{Client, ConnectError, ConnectOptions};
pub use hosts::{deterministic_conn_order, set_deterministic_conn_order, HostsError};
pub use types::*;
pub use zkrs_proto::records::{Acl, Id, Stat};
pub use zkrs_proto::request::{MultiOp, MultiResult};
