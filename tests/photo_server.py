"A local HTTP server on 127.0.0.1 that serves photos, search answers, and every way a download can go wrong."
import socket, struct, threading, time
from urllib.parse import urlsplit
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JPEG = {'Content-Type': 'image/jpeg'}  # the headers a web server sends with a JPEG photo

class Route:
    "What the server does for one path: a status, headers, a body, how slowly, and whether the connection breaks"
    def __init__(self, body=b'', status=200, headers=None, delay=0, declared_length=None, stall=0, drip=0, reset=False, until=None):
        self.body, self.status, self.headers, self.delay, self.declared_length, self.stall = body, status, headers or {}, delay, declared_length, stall
        self.drip, self.reset = drip, reset  # seconds between 64-byte pieces of the body; abort with a TCP reset after half of it
        self.until = until  # a `threading.Event` to wait for before answering

class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_GET(self):
        self.server.requests.append(self.path)
        routes = self.server.routes
        route = routes.get(self.path, routes.get(urlsplit(self.path).path, Route(b'not found', 404)))  # the path with its query, or without
        if callable(route): route = route(self.path)  # an answer that depends on the query
        time.sleep(route.delay)
        if route.until: route.until.wait()
        self.send_response(route.status)
        for k, v in route.headers.items(): self.send_header(k, v)
        length = route.declared_length if route.declared_length is not None else len(route.body)
        if length != -1: self.send_header('Content-Length', str(length))
        self.end_headers()
        try:
            half = len(route.body)//2 if route.stall or route.reset else len(route.body)
            self.send_body(route.body[:half], route.drip)
            if route.reset: return self.abort()
            time.sleep(route.stall)
            self.send_body(route.body[half:], route.drip)
        except (BrokenPipeError, ConnectionResetError): pass

    def send_body(self, data, drip):
        step = 64 if drip else max(len(data), 1)
        for i in range(0, len(data), step):
            self.wfile.write(data[i:i+step]); self.wfile.flush()
            time.sleep(drip)

    def abort(self):
        "Close the connection with a TCP reset (RST) instead of an orderly end (FIN)"
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        self.rfile.close(); self.connection.close()

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64  # the default, 5, drops connections when many downloads start at once on a busy machine

class PhotoServer:
    "Serve `routes` (path -> `Route`, or a function of the path with its query that gives one) on a free port of 127.0.0.1 until `stop`; `requests` lists the paths asked for"
    def __init__(self, routes):
        self.httpd = _Server(('127.0.0.1', 0), _Handler)
        self.httpd.routes, self.httpd.requests = routes, []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
    @property
    def requests(self): return self.httpd.requests
    def url(self, path): return f'http://127.0.0.1:{self.httpd.server_port}{path}'
    def stop(self):
        self.httpd.shutdown(); self.httpd.server_close(); self.thread.join(5)
