# Forwards 127.0.0.1:LISTEN_PORT to HOST:PORT; killing it cuts every connection.
import selectors, socket, sys

listen_port, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen_port))
srv.listen(16)
srv.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(srv, selectors.EVENT_READ)
peer = {}
print("listening", flush=True)

def close(s):
    other = peer.pop(s, None)
    for x in (s, other):
        if x is not None:
            try:
                sel.unregister(x)
            except Exception:
                pass
            x.close()
            peer.pop(x, None)

while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is srv:
            c, _ = srv.accept()
            try:
                u = socket.create_connection((host, port))
            except OSError:
                c.close()
                continue
            peer[c], peer[u] = u, c
            sel.register(c, selectors.EVENT_READ)
            sel.register(u, selectors.EVENT_READ)
            continue
        try:
            data = s.recv(65536)
        except OSError:
            data = b""
        if not data:
            close(s)
            continue
        try:
            peer[s].sendall(data)
        except (OSError, KeyError):
            close(s)
