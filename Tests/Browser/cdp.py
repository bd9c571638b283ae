#!/usr/bin/env python3
"""Drives headless Chromium through the DevTools protocol for Etalage's browser tests (Python stdlib only).

Chromium is started with --remote-debugging-pipe: commands go in on its fd 3 and answers come out on its fd 4, as
JSON messages ended by a NUL byte, so no WebSocket client is needed.

    python3 cdp.py --chromium /usr/bin/chromium < steps.json

steps.json is a list of steps, run in order on one page (one fresh profile per run, so no cookies carry over):
    {"goto": URL}                         navigate and wait for the load event
    {"wait": JS, "timeout": SECONDS}      poll until the expression is truthy (default 5 s)
    {"eval": JS}                          its value (promises awaited) is the step's result
    {"type": SELECTOR, "text": TEXT}      focus the element and type the text (Input.insertText)
    {"click": SELECTOR}                   a real mouse click at the element's centre
    {"screenshot": PATH}                  a PNG of the viewport
    {"dom": true}                         the document's outerHTML is the step's result

Prints {"results": [...], "exceptions": [...], "console": [...]} and exits 0; on a failing step prints the same with
"error" and "step", saves a screenshot beside the last requested one (if any), and exits 1. Exit 2: bad usage.
"""

import argparse
import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time


class StepError(Exception):
    pass


class Browser:
    def __init__(self, chromium, width, height):
        self.profile = tempfile.mkdtemp(prefix="etalage-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Copies above fd 10, so putting them on 3 and 4 in the child can never overwrite one another.
        child_in = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r)
        os.close(from_chrome_w)

        def on_child():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [chromium, "--headless", "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
                "--window-size=%d,%d" % (width, height), "about:blank"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.stderr = tempfile.TemporaryFile()
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self.stderr, preexec_fn=on_child, close_fds=False)
        os.close(child_in)
        os.close(child_out)
        self.next_id = 0
        self.answers = {}
        self.events = []
        self.lock = threading.Condition()
        self.closed = False
        self.session = None
        self.width, self.height = width, height
        threading.Thread(target=self.read_loop, daemon=True).start()

    def read_loop(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self.from_chrome, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                with self.lock:
                    self.closed = True
                    self.lock.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                try:
                    message = json.loads(raw.decode("utf-8"))
                except ValueError:
                    continue
                with self.lock:
                    if "id" in message:
                        self.answers[message["id"]] = message
                    else:
                        self.events.append(message)
                    self.lock.notify_all()

    def send(self, method, params=None, session=True, timeout=10.0):
        with self.lock:
            self.next_id += 1
            ident = self.next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode("utf-8") + b"\0"
        while data:
            written = os.write(self.to_chrome, data)
            data = data[written:]
        deadline = time.time() + timeout
        with self.lock:
            while ident not in self.answers:
                if self.closed:
                    raise StepError("Chromium exited: " + self.chromium_log())
                left = deadline - time.time()
                if left <= 0:
                    raise StepError("no answer to %s within %.0f s" % (method, timeout))
                self.lock.wait(left)
            answer = self.answers.pop(ident)
        if "error" in answer:
            raise StepError("%s failed: %s" % (method, answer["error"].get("message", answer["error"])))
        return answer.get("result", {})

    def chromium_log(self):
        try:
            self.stderr.seek(0)
            return self.stderr.read().decode("utf-8", "replace")[-2000:]
        except OSError:
            return ""

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False, timeout=30)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": self.width, "height": self.height, "deviceScaleFactor": 1, "mobile": False})

    def events_named(self, method, since=0):
        with self.lock:
            return [e for e in self.events[since:] if e.get("method") == method and e.get("sessionId") == self.session]

    def evaluate(self, expression, timeout=10.0):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise StepError("JavaScript error in %r: %s" % (expression[:80], text))
        return result.get("result", {}).get("value")

    def goto(self, url):
        timeout = 15.0  # seconds for the load event
        with self.lock:
            mark = len(self.events)
        answer = self.send("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise StepError("navigation to %s failed: %s" % (url, answer["errorText"]))
        if not answer.get("loaderId"):
            return  # same-document navigation (only the #fragment changed): no load event comes
        deadline = time.time() + timeout
        while not self.events_named("Page.loadEventFired", mark):
            if time.time() > deadline:
                raise StepError("%s did not finish loading within %.0f s" % (url, timeout))
            with self.lock:
                self.lock.wait(0.05)

    def wait(self, expression, timeout):
        deadline = time.time() + timeout
        last = None
        while True:
            try:
                last = self.evaluate("Boolean(%s)" % expression)
            except StepError as error:
                last = str(error)
            if last is True:
                return True
            if time.time() > deadline:
                raise StepError("still not true after %.1f s: %s (last: %s)" % (timeout, expression, last))
            time.sleep(0.05)

    def center(self, selector):
        box = self.evaluate("""(() => { const el = document.querySelector(%s); if (!el) return null;
            el.scrollIntoView({block: 'center'}); const r = el.getBoundingClientRect();
            return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()""" % json.dumps(selector))
        if not box:
            raise StepError("no element matches %s" % selector)
        return box

    def click(self, selector):
        box = self.center(selector)
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"], "button": "left",
                                                   "clickCount": 0 if kind == "mouseMoved" else 1})

    def type(self, selector, text):
        found = self.evaluate("""(() => { const el = document.querySelector(%s); if (!el) return false;
            el.focus(); return true; })()""" % json.dumps(selector))
        if not found:
            raise StepError("no element matches %s" % selector)
        self.send("Input.insertText", {"text": text})

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", {"format": "png"}, timeout=20)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=3)
        except StepError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)

    def exceptions(self):
        found = []
        for e in self.events_named("Runtime.exceptionThrown"):
            details = e["params"]["exceptionDetails"]
            found.append(details.get("exception", {}).get("description") or details.get("text"))
        return found

    def console(self):
        lines = []
        for e in self.events_named("Runtime.consoleAPICalled"):
            args = e["params"].get("args", [])
            lines.append(e["params"].get("type", "log") + ": " + " ".join(str(a.get("value", a.get("description", ""))) for a in args))
        return lines


def run(browser, steps):
    results = []
    last_screenshot = None
    try:
        browser.open_page()
        for index, step in enumerate(steps):
            if "goto" in step:
                browser.goto(step["goto"])
                results.append(None)
            elif "wait" in step:
                results.append(browser.wait(step["wait"], step.get("timeout", 5)))
            elif "eval" in step:
                results.append(browser.evaluate(step["eval"]))
            elif "type" in step:
                browser.type(step["type"], step["text"])
                results.append(None)
            elif "click" in step:
                browser.click(step["click"])
                results.append(None)
            elif "screenshot" in step:
                last_screenshot = step["screenshot"]
                browser.screenshot(last_screenshot)
                results.append(last_screenshot)
            elif "dom" in step:
                results.append(browser.evaluate("document.documentElement.outerHTML"))
            else:
                raise StepError("unknown step %s" % json.dumps(step))
    except StepError as error:
        failure = {"error": str(error), "step": len(results), "results": results,
                   "exceptions": browser.exceptions(), "console": browser.console()}
        if last_screenshot:
            path = os.path.splitext(last_screenshot)[0] + "-failure.png"
            try:
                browser.screenshot(path)
                failure["screenshot"] = path
            except StepError:
                pass
        return 1, failure
    return 0, {"results": results, "exceptions": browser.exceptions(), "console": browser.console()}


def main():
    parser = argparse.ArgumentParser(description="Run browser steps in headless Chromium (steps as JSON on stdin).")
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    args = parser.parse_args()
    try:
        steps = json.load(sys.stdin)
        assert isinstance(steps, list)
    except (ValueError, AssertionError):
        print(json.dumps({"error": "stdin must be a JSON list of steps"}))
        return 2
    browser = Browser(args.chromium, args.width, args.height)
    try:
        status, report = run(browser, steps)
    finally:
        browser.close()
    print(json.dumps(report))
    return status


if __name__ == "__main__":
    sys.exit(main())
