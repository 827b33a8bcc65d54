"""A session expired from a second client: B connects with A's session id and
password, then closes, which ends A's session; A sees it expire and its
ephemeral node is gone. Prints OK lines the test checks.

usage: expiry.py HOST:PORT
"""
import sys
import threading

from kazoo.client import KazooClient, KazooState

host = sys.argv[1]
a = KazooClient(hosts=host, timeout=6)
lost = threading.Event()
a.add_listener(lambda s: lost.set() if s == KazooState.LOST else None)
a.start()
a.create("/owned", b"", ephemeral=True)
watcher = KazooClient(hosts=host, timeout=6)
watcher.start()
gone = threading.Event()
watcher.exists("/owned", watch=lambda e: gone.set() if e.type == "DELETED" else None)

sid, pw = a.client_id
thief = KazooClient(hosts=host, timeout=6, client_id=(sid, pw))
thief.start()
assert thief.client_id[0] == sid, "reattach gave another session"
print("OK reattached")
thief.stop()
thief.close()
assert gone.wait(10), "ephemeral of the closed session still there"
print("OK ephemeral deleted")
assert watcher.exists("/owned") is None
assert lost.wait(20), "first client never saw its session expire"
print("OK first client lost its session")

# A wrong password is an expired session, not access.
bad = KazooClient(hosts=host, timeout=6, client_id=(watcher.client_id[0], b"0" * 16))
bad_lost = threading.Event()
bad.add_listener(lambda s: bad_lost.set() if s == KazooState.LOST else None)
try:
    bad.start(timeout=5)
except Exception:
    pass
assert bad_lost.wait(10) or bad.client_id is None or bad.client_id[0] != watcher.client_id[0]
print("OK wrong password refused")
watcher.stop()
