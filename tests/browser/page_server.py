"""The page's own origin: serves page.html (also sandboxed, as sandboxed.html) and page.js
from this directory, nothing else.

Run as `python3 page_server.py --port N` (0 picks a free port); it prints the port it
listens on as its first line, binds only 127.0.0.1, and stops on SIGTERM or SIGINT.
The page sets a cookie so that credentialed calls carry one to the S3 server (cookies are
per host, not per port, so 127.0.0.1 on another port is the same site).
"""

import argparse
import http.server
import os
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = {
    "/": ("page.html", "text/html; charset=utf-8"),
    "/page.html": ("page.html", "text/html; charset=utf-8"),
    "/page.js": ("page.js", "text/javascript; charset=utf-8"),
    # The same page in a sandbox: its origin is opaque, so its calls carry `Origin: null`.
    "/sandboxed.html": ("page.html", "text/html; charset=utf-8"),
}


class PageHandler(http.server.BaseHTTPRequestHandler):
    server_version = "bucket-cors-page/1"

    def do_GET(self):  # noqa: N802 (the http.server naming)
        path = self.path.split("?", 1)[0]
        entry = FILES.get(path)
        if entry is None:
            self.send_error(404)
            return
        name, content_type = entry
        with open(os.path.join(HERE, name), "rb") as f:
            body = f.read()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        if path == "/sandboxed.html":
            self.send_header("Content-Security-Policy", "sandbox allow-scripts")
        elif name == "page.html":
            self.send_header("Set-Cookie", "page-session=1; Path=/; SameSite=Lax")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), PageHandler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
