"A local HTTP server on 127.0.0.1 that serves photos and every way a download can go wrong."
import threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Route:
    "What the server does for one path: a status, headers, a body, and how slowly"
    def __init__(self, body=b'', status=200, headers=None, delay=0, declared_length=None, stall=0):
        self.body, self.status, self.headers, self.delay, self.declared_length, self.stall = body, status, headers or {}, delay, declared_length, stall

class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args): pass
    def do_GET(self):
        route = self.server.routes.get(self.path)
        if route is None: route = Route(b'not found', 404)
        time.sleep(route.delay)
        self.send_response(route.status)
        for k, v in route.headers.items(): self.send_header(k, v)
        length = route.declared_length if route.declared_length is not None else len(route.body)
        if length != -1: self.send_header('Content-Length', str(length))
        self.end_headers()
        try:
            half = len(route.body)//2 if route.stall else len(route.body)
            self.wfile.write(route.body[:half]); self.wfile.flush()
            time.sleep(route.stall)
            self.wfile.write(route.body[half:])
        except (BrokenPipeError, ConnectionResetError): pass

class PhotoServer:
    "Serve `routes` (path -> `Route`) on a free port of 127.0.0.1 until `stop`"
    def __init__(self, routes):
        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        self.httpd.daemon_threads, self.httpd.routes = True, routes
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
    def url(self, path): return f'http://127.0.0.1:{self.httpd.server_port}{path}'
    def stop(self):
        self.httpd.shutdown(); self.httpd.server_close(); self.thread.join(5)
