"""A minimal W3C WebDriver client for chromedriver, standard library only.

It starts chromedriver on a free loopback port in its own process group (so that the
browser it launches is stopped with it), opens one headless Chromium session with a fresh
profile, and offers the few commands the suite needs: navigate, run an asynchronous
script, and read the performance log (the DevTools protocol's Network events, where
Chromium records the reason of every CORS block).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

# Offline-safe flags: without the background-networking ones Chromium keeps trying to
# reach Google's hosts, which a closed network refuses.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
]


class WebDriverError(Exception):
    """chromedriver answered with an error, or did not answer in time."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """One chromedriver process and one Chromium session."""

    def __init__(self, chromium, chromedriver, timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="bucket-cors-chromium-")
        self.port = free_port()
        self.log_path = os.path.join(self.profile, "chromedriver.log")
        self.process = subprocess.Popen(
            [chromedriver, f"--port={self.port}", "--allowed-ips=127.0.0.1", f"--log-path={self.log_path}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.session = None
        try:
            self._wait_ready()
            capabilities = {
                "browserName": "chrome",
                "pageLoadStrategy": "normal",
                "goog:chromeOptions": {
                    "binary": chromium,
                    "args": CHROMIUM_FLAGS + [f"--user-data-dir={os.path.join(self.profile, 'profile')}"],
                },
                "goog:loggingPrefs": {"performance": "ALL", "browser": "ALL"},
            }
            answer = self._call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
            self.session = answer["sessionId"]
            self.capabilities = answer.get("capabilities", {})
            self._call(
                "POST",
                f"/session/{self.session}/timeouts",
                {"script": int(timeout * 1000), "pageLoad": int(timeout * 1000)},
            )
        except BaseException:
            self.close()
            raise

    def _wait_ready(self):
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise WebDriverError(f"chromedriver exited with status {self.process.returncode}")
            try:
                if self._call("GET", "/status", timeout=2).get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            time.sleep(0.1)
        raise WebDriverError(f"chromedriver not ready after {self.timeout} s")

    def _call(self, method, path, body=None, timeout=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout + 10) as response:
                payload = json.load(response)
        except urllib.error.HTTPError as error:
            try:
                detail = json.load(error).get("value", {})
            except ValueError:
                detail = {}
            raise WebDriverError(
                f"{method} {path}: {error.code} {detail.get('error', '')}: {detail.get('message', '')[:500]}"
            ) from None
        return payload.get("value")

    def version(self):
        return self.capabilities.get("browserVersion", "unknown")

    def navigate(self, url):
        self._call("POST", f"/session/{self.session}/url", {"url": url})

    def execute_async(self, script, *args):
        return self._call("POST", f"/session/{self.session}/execute/async", {"script": script, "args": list(args)})

    def execute(self, script, *args):
        return self._call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": list(args)})

    def log(self, kind):
        """The log entries of `kind` ("performance" or "browser") since the last read."""
        return self._call("POST", f"/session/{self.session}/se/log", {"type": kind})

    def network_events(self):
        """The DevTools protocol Network.* events recorded since the last read."""
        events = []
        for entry in self.log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method", "").startswith("Network."):
                events.append(message)
        return events

    def log_tail(self, lines):
        """The last lines of chromedriver's own log, for diagnosing a failure."""
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as error:
            return f"(no chromedriver log: {error})"

    def close(self):
        if self.session is not None:
            try:
                self._call("DELETE", f"/session/{self.session}", timeout=10)
            except (OSError, WebDriverError):
                pass
            self.session = None
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=5)
        shutil.rmtree(self.profile, ignore_errors=True)
