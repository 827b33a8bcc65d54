"""One operation script, error cases included, printed as a normalized
transcript: return values and error names, Stat fields with zxids relative to
a base node and session owners as letters, and watch events in arrival order.
Run against two servers, the transcripts must be equal.

usage: transcript.py HOST:PORT
"""
import sys
import threading
import time

from kazoo.client import KazooClient
from kazoo.security import make_acl, make_digest_acl

host = sys.argv[1]
lines = []
events = []
lock = threading.Lock()


def out(*parts):
    lines.append(" ".join(str(p) for p in parts))


def watcher(tag):
    def fire(e):
        with lock:
            events.append("%s %s %s %s" % (tag, e.type, e.state, e.path))
    return fire


def settle():
    # Events travel before later replies on the same session; a short pause
    # lets kazoo's dispatch thread hand them over.
    time.sleep(0.15)
    with lock:
        batch = list(events)
        events.clear()
    # kazoo calls the watchers of one event in no fixed order: sort within
    # runs of the same event, keep the order between events.
    i = 0
    while i < len(batch):
        key = batch[i].split(" ", 1)[1]
        j = i
        while j < len(batch) and batch[j].split(" ", 1)[1] == key:
            j += 1
        for e in sorted(batch[i:j]):
            out("  event", e)
        i = j


a = KazooClient(hosts=host, timeout=10)
a.start()
b = KazooClient(hosts=host, timeout=10)
b.start()
owners = {a.client_id[0]: "A", b.client_id[0]: "B", 0: "none"}
base = a.create("/base", b"", include_data=True)[1].czxid


def stat(s):
    if s is None:
        return "None"
    return "czxid=%d mzxid=%d pzxid=%d version=%d cversion=%d aversion=%d owner=%s len=%d children=%d" % (
        s.czxid - base, s.mzxid - base, s.pzxid - base, s.version, s.cversion, s.aversion,
        owners.get(s.ephemeralOwner, "other"), s.dataLength, s.numChildren)


def step(name, fn):
    try:
        r = fn()
        if isinstance(r, tuple) and len(r) == 2 and hasattr(r[1], "czxid"):
            out(name, "->", repr(r[0]), stat(r[1]))
        elif hasattr(r, "czxid"):
            out(name, "->", stat(r))
        elif isinstance(r, list):
            out(name, "->", [x if isinstance(x, (str, bool)) else type(x).__name__ for x in r])
        else:
            out(name, "->", repr(r))
    except Exception as e:  # the error's class is the result
        out(name, "!!", type(e).__name__)
    settle()


step("create /t", lambda: a.create("/t", b"x", include_data=True))
step("create /t again", lambda: a.create("/t", b"y"))
step("create no parent", lambda: a.create("/nope/child", b""))
for i in range(3):
    step("create seq %d" % i, lambda: a.create("/t/seq-", b"s", sequence=True))
step("create seq no prefix", lambda: a.create("/t/", b"s", sequence=True))
# Deleting children moves cversion but not the sequence counter.
step("delete a seq child", lambda: a.delete("/t/0000000003"))
step("seq after delete", lambda: a.create("/t/seq-", b"s", sequence=True))
step("create plain child", lambda: a.create("/t/plain", b""))
step("delete plain child", lambda: a.delete("/t/plain"))
step("seq after create+delete", lambda: a.create("/t/seq-", b"s", sequence=True))
step("parent stat", lambda: a.exists("/t"))
step("create ephemeral", lambda: b.create("/t/e", b"eph", ephemeral=True, include_data=True))
step("child of ephemeral", lambda: b.create("/t/e/c", b""))
step("ephemeral seq", lambda: b.create("/t/es-", b"", ephemeral=True, sequence=True))
step("get /t", lambda: a.get("/t"))
step("get missing", lambda: a.get("/missing"))
step("set bad version", lambda: a.set("/t", b"z", version=5))
step("set", lambda: a.set("/t", b"zz", version=0))
step("set any version", lambda: a.set("/t", b"zzz", version=-1))
step("set missing", lambda: a.set("/missing", b""))
step("delete not empty", lambda: a.delete("/t"))
step("delete bad version", lambda: a.delete("/t/seq-0000000000", version=3))
step("delete missing", lambda: a.delete("/missing"))
step("children", lambda: sorted(a.get_children("/t")))
step("children2", lambda: (sorted(a.get_children("/t", include_data=True)[0]), a.get_children("/t", include_data=True)[1]))
step("children missing", lambda: a.get_children("/missing"))
step("root children", lambda: sorted(a.get_children("/")))
step("zookeeper children", lambda: sorted(a.get_children("/zookeeper")))
step("exists missing", lambda: a.exists("/w"))
step("root stat 1", lambda: a.exists("/"))

# One-shot watches and their triggers.
step("exists watch on missing", lambda: a.exists("/w", watch=watcher("A-exists")))
step("create watched", lambda: b.create("/w", b"1"))
step("data watch", lambda: a.get("/w", watch=watcher("A-data")))
step("exists watch", lambda: a.exists("/w", watch=watcher("A-exists2")))
step("child watch", lambda: a.get_children("/w", watch=watcher("A-child")))
step("set watched", lambda: b.set("/w", b"2"))
step("set again (no watch left)", lambda: b.set("/w", b"3"))
step("create child of watched", lambda: b.create("/w/c", b""))
step("child watch again", lambda: a.get_children("/w", watch=watcher("A-child2")))
step("data watch on child", lambda: a.get("/w/c", watch=watcher("A-cdata")))
step("delete child", lambda: b.delete("/w/c"))
step("get missing with watch", lambda: a.get("/w/c", watch=watcher("A-never")))
step("create it again", lambda: b.create("/w/c", b""))
step("watch before delete", lambda: a.get("/w", watch=watcher("A-data2")))
step("delete /w/c", lambda: b.delete("/w/c"))
step("delete /w", lambda: b.delete("/w"))
step("root stat 2", lambda: a.exists("/"))

# Transactions: all or nothing.
def failing_txn():
    t = a.transaction()
    t.create("/tx1", b"1")
    t.check("/t", 99)
    t.create("/tx2", b"2")
    return t.commit()
step("txn failing", failing_txn)
step("txn left nothing", lambda: a.exists("/tx1"))

def good_txn():
    t = a.transaction()
    t.create("/tx1", b"1")
    t.set_data("/t", b"txn")
    t.check("/t", 3)
    t.delete("/tx1")
    return t.commit()
step("txn ok", good_txn)
step("after txn", lambda: a.get("/t"))

def txn_bad_first():
    t = a.transaction()
    t.delete("/missing")
    t.create("/tx3", b"")
    return t.commit()
step("txn first fails", txn_bad_first)
step("root stat 3", lambda: a.exists("/"))

# ACLs.
digest = make_digest_acl("user", "secret", all=True)
step("create with digest acl", lambda: a.create("/acl", b"secret", acl=[digest]))
step("read without auth", lambda: b.get("/acl"))
step("add auth", lambda: b.add_auth("digest", "user:secret"))
step("read with auth", lambda: b.get("/acl"))
step("get acls", lambda: [str(x) for x in b.get_acls("/acl")[0]])
step("acl stat", lambda: b.get_acls("/acl")[1])
step("set acls bad version", lambda: b.set_acls("/acl", [digest], version=7))
read_only = make_acl("world", "anyone", read=True)
step("set acls", lambda: b.set_acls("/acl", [read_only, digest]))
step("acl aversion", lambda: a.exists("/acl"))
step("world read ok", lambda: a.get("/acl"))
step("create under read-only for a", lambda: a.create("/acl/c", b""))
step("invalid acl", lambda: a.create("/bad-acl", b"", acl=[make_acl("nosuch", "x", all=True)]))
step("auth acl without auth", lambda: a.create("/auth-acl", b"", acl=[make_acl("auth", "", all=True)]))
step("auth acl with auth", lambda: b.create("/auth-acl", b"", acl=[make_acl("auth", "", all=True)]))
step("auth acl stored", lambda: [str(x) for x in b.get_acls("/auth-acl")[0]])
step("ip acl", lambda: a.create("/ip-acl", b"", acl=[make_acl("ip", "127.0.0.1", all=True)]))
step("ip acl read", lambda: a.get("/ip-acl"))
step("ip acl other net", lambda: a.create("/ip-acl2", b"", acl=[make_acl("ip", "10.0.0.0/8", all=True)]))
step("ip acl other net read", lambda: a.get("/ip-acl2"))
step("sync", lambda: a.sync("/t"))
step("root stat 4", lambda: a.exists("/"))

# Ephemerals go with their session; watchers hear it.
step("watch B's ephemeral", lambda: a.exists("/t/e", watch=watcher("A-eph")))
step("B closes", lambda: b.stop())
step("ephemeral gone", lambda: a.exists("/t/e"))
step("children after close", lambda: sorted(a.get_children("/t")))
step("root stat 5", lambda: a.exists("/"))
a.stop()
for l in lines:
    print(l)
