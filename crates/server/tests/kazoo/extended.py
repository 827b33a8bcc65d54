"""The opcodes kazoo 2.8 has no method for, sent through kazoo's connection as
hand-made requests: addWatch (persistent and persistent-recursive),
setWatches with a relative zxid, checkWatches/removeWatches, getEphemerals,
getAllChildrenNumber, whoAmI, createContainer, createTTL, multiRead,
reconfig, an unknown opcode. Every watch event that reaches the connection is
logged, in arrival order. Printed as a normalized transcript (zxids relative
to a base node) so that two servers can be compared.

usage: extended.py HOST:PORT
"""
import socket
import struct
import sys
import threading
import time
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.protocol import connection as kconn
from kazoo.protocol.serialization import (
    Create, int_struct, long_struct, read_string, stat_struct, write_string,
    ZnodeStat,
)
from kazoo.security import OPEN_ACL_UNSAFE

host = sys.argv[1]
lines = []
events = []
lock = threading.Lock()
base = 0


def out(*parts):
    lines.append(" ".join(str(p) for p in parts))


# Log every event the server sends, persistent ones included (kazoo itself
# only hands one-shot events to callbacks).
_original_read_watch_event = kconn.ConnectionHandler._read_watch_event


def _logging_read_watch_event(self, buffer, offset):
    etype, state = struct.unpack_from("!ii", buffer, offset)
    path, _ = read_string(buffer, offset + 8)
    with lock:
        events.append("%s type=%d state=%d %s" % (self.client.tag, etype, state, path))
    return _original_read_watch_event(self, buffer, offset)


kconn.ConnectionHandler._read_watch_event = _logging_read_watch_event


# kazoo 2.8 knows no class for newer error codes (ZNOWATCHER...) and its
# connection loop dies on them: name them by number instead.
class _AnyErrorCode(dict):
    def __missing__(self, code):
        return type("Error%d" % code, (Exception,), {})


kconn.EXCEPTIONS = _AnyErrorCode(kconn.EXCEPTIONS.items())


def write_int(v):
    return int_struct.pack(v)


def write_long(v):
    return long_struct.pack(v)


def write_strings(items):
    b = bytearray(write_int(len(items)))
    for s in items:
        b.extend(write_string(s))
    return b


def read_strings(buf, offset):
    (n,) = int_struct.unpack_from(buf, offset)
    offset += 4
    items = []
    for _ in range(max(n, 0)):
        s, offset = read_string(buf, offset)
        items.append(s)
    return items, offset


def no_body(cls):
    cls.deserialize = classmethod(lambda c, buf, off: "ok")
    return cls


@no_body
class AddWatch(namedtuple("AddWatch", "path mode")):
    type = 106

    def serialize(self):
        return bytearray(write_string(self.path) + write_int(self.mode))


@no_body
class SetWatches(namedtuple("SetWatches", "zxid data exist child")):
    type = 101

    def serialize(self):
        return bytearray(write_long(self.zxid) + write_strings(self.data)
                         + write_strings(self.exist) + write_strings(self.child))


@no_body
class CheckWatches(namedtuple("CheckWatches", "path kind")):
    type = 17

    def serialize(self):
        return bytearray(write_string(self.path) + write_int(self.kind))


@no_body
class RemoveWatches(namedtuple("RemoveWatches", "path kind")):
    type = 18

    def serialize(self):
        return bytearray(write_string(self.path) + write_int(self.kind))


class GetEphemerals(namedtuple("GetEphemerals", "prefix")):
    type = 103

    def serialize(self):
        return bytearray(write_string(self.prefix))

    @classmethod
    def deserialize(cls, buf, off):
        return sorted(read_strings(buf, off)[0])


class GetAllChildrenNumber(namedtuple("GetAllChildrenNumber", "path")):
    type = 104

    def serialize(self):
        return bytearray(write_string(self.path))

    @classmethod
    def deserialize(cls, buf, off):
        return int_struct.unpack_from(buf, off)[0]


class WhoAmI(namedtuple("WhoAmI", "unused")):
    # A field, because kazoo skips requests that are empty tuples.
    type = 107

    def serialize(self):
        return bytearray()

    @classmethod
    def deserialize(cls, buf, off):
        (n,) = int_struct.unpack_from(buf, off)
        off += 4
        ids = []
        for _ in range(n):
            scheme, off = read_string(buf, off)
            user, off = read_string(buf, off)
            ids.append("%s:%s" % (scheme, user))
        return sorted(ids)


class CreateTyped(namedtuple("CreateTyped", "op path data flags ttl")):
    """createContainer (19) or createTTL (21): a Create2-style answer."""

    @property
    def type(self):
        return self.op

    def serialize(self):
        b = bytearray(Create(self.path, self.data, OPEN_ACL_UNSAFE, self.flags).serialize())
        if self.op == 21:
            b.extend(write_long(self.ttl))
        return b

    @classmethod
    def deserialize(cls, buf, off):
        path, off = read_string(buf, off)
        return path, ZnodeStat._make(stat_struct.unpack_from(buf, off))


class MultiRead(namedtuple("MultiRead", "ops")):
    """ops: (opcode, path) pairs of getData (4) and getChildren (8)."""
    type = 22

    def serialize(self):
        b = bytearray()
        for code, path in self.ops:
            b.extend(struct.pack("!iBi", code, 0, -1))
            b.extend(write_string(path) + bytearray([0]))
        b.extend(struct.pack("!iBi", -1, 1, -1))
        return b

    @classmethod
    def deserialize(cls, buf, off):
        results = []
        while True:
            code, done, err = struct.unpack_from("!iBi", buf, off)
            off += 9
            if done:
                return results
            if code == -1:
                (e,) = int_struct.unpack_from(buf, off)
                off += 4
                results.append("error %d" % e)
            elif code == 4:
                (n,) = int_struct.unpack_from(buf, off)
                off += 4
                data = bytes(buf[off:off + max(n, 0)])
                off += max(n, 0)
                s = ZnodeStat._make(stat_struct.unpack_from(buf, off))
                off += stat_struct.size
                results.append("data %r version=%d" % (data, s.version))
            elif code == 8:
                kids, off = read_strings(buf, off)
                results.append("children %s" % sorted(kids))
            else:
                results.append("op %d" % code)


@no_body
class Raw(namedtuple("Raw", "op body")):
    @property
    def type(self):
        return self.op

    def serialize(self):
        return bytearray(self.body)


def owner(v):
    # Sessions differ between servers; special markers (TTL, container)
    # must not.
    if v == 0:
        return "no"
    top = (v >> 56) & 0xff
    return "0x%x" % (v & 0xffffffffffffffff) if top in (0x80, 0xff) else "session"


def stat(s):
    return "czxid=%d mzxid=%d pzxid=%d version=%d cversion=%d aversion=%d ephemeral=%s len=%d children=%d" % (
        s.czxid - base, s.mzxid - base, s.pzxid - base, s.version, s.cversion, s.aversion,
        owner(s.ephemeralOwner),
        s.dataLength, s.numChildren)


def settle():
    time.sleep(0.15)
    with lock:
        batch = list(events)
        events.clear()
    # Events for different clients travel on different connections: only the
    # order per client is defined.
    for e in sorted(batch, key=lambda e: e.split(" ", 1)[0]):
        out("  event", e)


def call(client, request):
    result = client.handler.async_result()
    client._call(request, result)
    return result.get(timeout=10)


def step(name, fn):
    try:
        r = fn()
        if isinstance(r, tuple) and len(r) == 2 and hasattr(r[1], "czxid"):
            out(name, "->", repr(r[0]), stat(r[1]))
        elif hasattr(r, "czxid"):
            out(name, "->", stat(r))
        else:
            out(name, "->", repr(r))
    except Exception as e:  # the error's class is the result
        out(name, "!!", type(e).__name__)
    settle()


a = KazooClient(hosts=host, timeout=10)
a.tag = "A"
a.start()
b = KazooClient(hosts=host, timeout=10)
b.tag = "B"
b.start()
base = a.create("/ext-base", b"", include_data=True)[1].czxid

# Persistent watch: every change of the node itself, and its children's
# membership; it stays.
step("persistent watch", lambda: call(a, AddWatch("/p", 0)))
step("create /p", lambda: b.create("/p", b"1"))
step("set /p", lambda: b.set("/p", b"2"))
step("set /p again", lambda: b.set("/p", b"3"))
step("create /p/c", lambda: b.create("/p/c", b""))
step("set /p/c (not watched)", lambda: b.set("/p/c", b"x"))
step("delete /p/c", lambda: b.delete("/p/c"))
step("checkWatches any", lambda: call(a, CheckWatches("/p", 3)))
step("removeWatches data", lambda: call(a, RemoveWatches("/p", 2)))
step("checkWatches after remove", lambda: call(a, CheckWatches("/p", 3)))
step("removeWatches none left", lambda: call(a, RemoveWatches("/p", 3)))
step("set /p after remove", lambda: b.set("/p", b"4"))

# Persistent recursive: the whole subtree, no child events.
step("recursive watch", lambda: call(a, AddWatch("/r", 1)))
step("create /r", lambda: b.create("/r", b""))
step("create /r/x", lambda: b.create("/r/x", b""))
step("create /r/x/y", lambda: b.create("/r/x/y", b""))
step("set /r/x/y", lambda: b.set("/r/x/y", b"deep"))
step("delete /r/x/y", lambda: b.delete("/r/x/y"))
step("one-shot child watch too", lambda: sorted(a.get_children("/r", watch=lambda e: None)))
step("create /r/z", lambda: b.create("/r/z", b""))
step("addWatch bad mode", lambda: call(a, AddWatch("/r", 7)))
step("checkWatches missing", lambda: call(a, CheckWatches("/nowatch", 3)))
step("root stat", lambda: a.exists("/"))

# setWatches: watches registered as of an old zxid fire for what changed since.
old = a.exists("/ext-base").mzxid
b.create("/sw-data", b"")
b.create("/sw-exist", b"")
b.create("/sw-child", b"")
b.set("/sw-data", b"changed")
b.create("/sw-child/k", b"")
step("setWatches from base", lambda: call(a, SetWatches(old, ["/sw-data", "/gone"], ["/sw-exist", "/sw-none"], ["/sw-child"])))
now = b.exists("/sw-data").mzxid
c = KazooClient(hosts=host, timeout=10)
c.tag = "C"
c.start()
step("setWatches up to date", lambda: call(c, SetWatches(b.exists("/sw-child/k").czxid, ["/sw-data"], ["/sw-none"], ["/sw-child"])))
step("change after setWatches", lambda: b.set("/sw-data", b"again"))
step("create watched missing", lambda: b.create("/sw-none", b""))

# Other opcodes.
b.create("/eph", b"", ephemeral=True)
b.create("/r/eph", b"", ephemeral=True)
step("getEphemerals all", lambda: call(b, GetEphemerals("/")))
step("getEphemerals prefix", lambda: call(b, GetEphemerals("/r")))
step("getEphemerals of a", lambda: call(a, GetEphemerals("/")))
step("allChildrenNumber /r", lambda: call(a, GetAllChildrenNumber("/r")))
step("allChildrenNumber /", lambda: call(a, GetAllChildrenNumber("/")) > 0)
step("allChildrenNumber missing", lambda: call(a, GetAllChildrenNumber("/nothing")))
step("whoAmI", lambda: call(a, WhoAmI(None)))
step("add digest auth", lambda: a.add_auth("digest", "me:pw"))
step("whoAmI after auth", lambda: call(a, WhoAmI(None)))
step("container", lambda: call(a, CreateTyped(19, "/box", b"", 4, 0)))
step("container child", lambda: a.create("/box/item", b""))
step("container stat", lambda: a.exists("/box"))
step("root stat", lambda: a.exists("/"))
step("ttl node", lambda: call(a, CreateTyped(21, "/ttl", b"t", 5, 60000)))
step("ttl sequential", lambda: call(a, CreateTyped(21, "/ttl-", b"t", 6, 60000)))
step("ttl zero", lambda: call(a, CreateTyped(21, "/ttl0", b"", 5, 0)))
step("ttl non-ttl mode", lambda: call(a, CreateTyped(21, "/ttl1", b"", 0, 1000)))
step("multiRead", lambda: call(a, MultiRead([(4, "/p"), (8, "/r"), (4, "/missing"), (8, "/missing")])))
step("reconfig", lambda: call(a, Raw(16, write_string("") + write_string("") + write_string("") + write_long(-1))))

# Watches belong to the connection: after a reconnect (kazoo 2.8 sends no
# setWatches) the server has forgotten them.
def drop_connection(client):
    back = threading.Event()
    lost = threading.Event()

    def listen(state):
        if state == "SUSPENDED":
            lost.set()
        elif state == "CONNECTED" and lost.is_set():
            back.set()
            return True
    client.add_listener(listen)
    client._connection._socket.shutdown(socket.SHUT_RDWR)
    return back.wait(10)


step("watch before reconnect", lambda: a.get("/p", watch=lambda e: None)[0])
step("reconnect", lambda: drop_connection(a))
step("change after reconnect", lambda: b.set("/p", b"5").version)
step("unknown opcode", lambda: call(a, Raw(999, b"junk")))
step("still serving", lambda: a.exists("/p"))
step("root stat", lambda: a.exists("/"))
a.stop()
b.stop()
c.stop()
for l in lines:
    print(l)
