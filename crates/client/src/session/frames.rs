//! The frames the session writes on its own: pings, close, auth and
//! setWatches (requests from the application come ready-made from `ops`).

use zkrs_proto::consts::{op, xid};
use zkrs_proto::frame::{begin_frame, finish_frame};
use zkrs_proto::jute::Encode;
use zkrs_proto::records::{AuthPacket, RequestHeader, SetWatches};

/// Watch paths per setWatches frame, counted in bytes (the Java client's
/// limit), so a large watch set does not exceed the server's frame limit.
pub(crate) const SET_WATCHES_MAX_BYTES: usize = 128 * 1024;

/// A request that is only a header (ping, closeSession).
pub(crate) fn header_only(out: &mut Vec<u8>, x: i32, opcode: i32) {
    let at = begin_frame(out);
    RequestHeader { xid: x, op: opcode }.encode(out);
    finish_frame(out, at);
}

pub(crate) fn auth(out: &mut Vec<u8>, scheme: &str, data: &[u8]) {
    let at = begin_frame(out);
    RequestHeader {
        xid: xid::AUTH,
        op: op::AUTH,
    }
    .encode(out);
    AuthPacket {
        auth_type: 0,
        scheme: scheme.to_string(),
        auth: data.to_vec(),
    }
    .encode(out);
    finish_frame(out, at);
}

/// Re-registers watches after a reconnect, in as many frames as needed;
/// nothing when there are none.
pub(crate) fn set_watches(
    out: &mut Vec<u8>,
    relative_zxid: i64,
    data: Vec<String>,
    exist: Vec<String>,
    child: Vec<String>,
) {
    if data.is_empty() && exist.is_empty() && child.is_empty() {
        return;
    }
    let mut batch = SetWatches {
        relative_zxid,
        ..Default::default()
    };
    let mut bytes = 0;
    for (which, paths) in [(0, data), (1, exist), (2, child)] {
        for p in paths {
            if bytes > 0 && bytes + p.len() > SET_WATCHES_MAX_BYTES {
                set_watches_frame(out, &batch);
                batch.data_watches.clear();
                batch.exist_watches.clear();
                batch.child_watches.clear();
                bytes = 0;
            }
            bytes += p.len();
            match which {
                0 => batch.data_watches.push(p),
                1 => batch.exist_watches.push(p),
                _ => batch.child_watches.push(p),
            }
        }
    }
    set_watches_frame(out, &batch);
}

fn set_watches_frame(out: &mut Vec<u8>, req: &SetWatches) {
    let at = begin_frame(out);
    RequestHeader {
        xid: xid::SET_WATCHES,
        op: op::SET_WATCHES,
    }
    .encode(out);
    req.encode(out);
    finish_frame(out, at);
}
