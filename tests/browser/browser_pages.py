"""What the browser tests do on a page: run all, wait, look for errors, move a control.

The course's experiments are ``helpers.widgets.Experiment`` boxes: a row of
controls, an Image with CSS class ``course-figure`` and an HTML verdict with
class ``course-verdict``. Everything here finds them by those classes.
"""
import re
import time

from playwright.sync_api import Error as PlaywrightError

EXPERIMENT = ".widget-vbox:has(> .course-verdict)"
ERROR_TEXT = re.compile(r"Traceback|\b\w*Error\b|There was an error when executing cell")
WIDGET_ERROR_TEXT = re.compile(r"Error displaying widget|Failed to (load|create) (model|view)|"
                               r"model not found", re.I)


def click_run_all(page):
    """Menu Run > Run All Cells, as a learner would."""
    page.locator(".lm-MenuBar-item", has_text="Run").first.click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()


def prompts(page):
    return [p.inner_text().strip() for p in page.locator(".jp-CodeCell .jp-InputPrompt").all()]


def wait_for_run_all(page, lab, name, timeout):
    """Wait until no cell shows [*] and the kernel has stayed idle for ~1.5 s."""
    deadline = time.monotonic() + timeout
    started, quiet = False, 0
    while time.monotonic() < deadline:
        shown = prompts(page)
        busy = any("*" in p for p in shown)
        started = started or busy or any(re.search(r"\[\d+\]", p) for p in shown)
        idle = lab.kernel_state(name) == "idle"
        quiet = quiet + 1 if (started and not busy and idle) else 0
        if quiet >= 3:
            return shown
        time.sleep(0.5)
    raise TimeoutError(f"cells still running after {timeout} s; prompts: {prompts(page)}")


def output_errors(page):
    """Texts of error outputs on the page: tracebacks, stderr with an Error, broken widgets."""
    found = []
    for el in page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all():
        text = el.inner_text()
        if ERROR_TEXT.search(text):
            found.append(text.strip()[:600])
    for el in page.locator(".jp-OutputArea-output").all():
        text = el.inner_text()
        if WIDGET_ERROR_TEXT.search(text) or "There was an error when executing cell" in text:
            found.append(text.strip()[:600])
    return found


def state(box):
    """(verdict text, figure src) of one experiment box."""
    return (box.locator(".course-verdict").first.inner_text().strip(),
            box.locator("img.course-figure").first.get_attribute("src") or "")


def upscaled(box):
    """How much the page enlarges the experiment's figure: shown width / PNG width (> 1 is blurry)."""
    img = box.locator("img.course-figure").first
    return img.evaluate("e => e.naturalWidth ? e.clientWidth / e.naturalWidth : 0")


def wait_for_change(box, before, timeout):
    """Wait until both the verdict text and the figure changed; return the new state or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = state(box)
        if now[0] and now[0] != before[0] and now[1] != before[1]:
            return now
        time.sleep(0.1)
    return None


def wait_until_stable(box, seconds=1.0, timeout=20):
    """Wait until the state has not changed for `seconds` (queued updates done)."""
    last, since = state(box), time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = state(box)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            break
    return last


def controls(box):
    """The experiment's controls, in order, as (kind, locator) pairs."""
    found = []
    row = box.locator(":scope > .widget-hbox").first
    for el in row.locator(":scope > .lm-Widget").all():
        cls = el.get_attribute("class") or ""
        if "widget-slider" in cls:
            found.append(("slider", el))
        elif "widget-text" in cls or "widget-textarea" in cls:
            found.append(("text", el))
        elif "widget-dropdown" in cls:
            found.append(("dropdown", el))
        elif "widget-toggle-buttons" in cls:
            found.append(("toggle", el))
        elif "widget-checkbox" in cls:
            found.append(("checkbox", el))
        else:
            found.append(("other:" + cls, el))
    return found


def actions_for(kind, el, spec):
    """Yield (description, callable) attempts that move this control, mildest first."""
    if kind == "slider":
        handle = el.locator(".noUi-handle").first
        keys = spec.get("keys") or [["ArrowRight"] * 3, ["End"], ["Home"]]
        for seq in keys:
            def press(seq=seq):
                handle.focus()
                for key in seq:
                    handle.press(key)
            yield f"slider: focus the handle, press {'+'.join(seq)}", press
    elif kind == "text":
        box = el.locator("input, textarea").first
        current = box.input_value()
        text = spec.get("text") or (current + " the" if current else "the")
        multiline = "widget-textarea" in (el.get_attribute("class") or "")

        def type_text():
            box.click()
            box.press("Control+a")
            box.press_sequentially(text, delay=20)
            box.press("Tab" if multiline else "Enter")  # commits when continuous_update=False
        yield f"text box: type {text!r}", type_text
    elif kind == "dropdown":
        select = el.locator("select").first
        options = select.locator("option").all()
        for k in range(len(options)):
            def choose(k=k):
                select.select_option(index=k)
            yield f"dropdown: choose option {k}", choose
    elif kind in ("toggle", "checkbox"):
        targets = el.locator("button, input").all()
        for k, target in enumerate(targets):
            yield f"{kind}: click item {k}", target.click


def move_main_control(box, spec, timeout=15):
    """Move the experiment's main control until verdict and figure change.

    spec: {"control": index (default 0), "keys": [[...], ...], "text": str}, or
    {"click": button label, "fill": text for the first text area} for a form.
    Returns (description, seconds until the change showed, before, after);
    after is None when nothing changed the page.
    """
    if "click" in spec:  # e.g. fill a text area, then press the experiment's "Train" button
        before = state(box)
        start = time.monotonic()
        if "fill" in spec:
            box.locator("textarea").first.fill(spec["fill"])
        box.locator("button", has_text=spec["click"]).first.click()
        after = wait_for_change(box, before, timeout)
        what = f"fill the text area, click {spec['click']!r}"
        if after is None:
            return what, None, before, None
        return what, time.monotonic() - start, before, wait_until_stable(box)
    found = controls(box)
    if not found:
        raise AssertionError("the experiment has no controls in its first row")
    index = spec.get("control", 0)
    kind, el = found[index]
    before = state(box)
    tried = []
    for description, act in actions_for(kind, el, spec):
        tried.append(description)
        start = time.monotonic()
        try:
            act()
        except PlaywrightError as err:
            tried[-1] += f" (failed: {err.message.splitlines()[0]})"
            continue
        after = wait_for_change(box, before, timeout)
        if after is not None:
            seconds = time.monotonic() - start
            return "; then ".join(tried), seconds, before, wait_until_stable(box)
    return "; then ".join(tried) or f"no way to move a {kind}", None, before, None


# ----------------------------------------------------- what a person sees on a page
# attachment: is a notebook cell's own image, which JupyterLab asks for before it swaps in its data
LOCAL_URL = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/|^(data|blob|about|attachment):")


def record_requests(page):
    """Start recording every URL the page requests; returns the (growing) list."""
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    return urls


def outside(urls):
    """The recorded URLs that leave the machine (not loopback, data:, blob:)."""
    return sorted({u for u in urls if not LOCAL_URL.match(u)})


def broken_images(page, scope="body", timeout=20):
    """srcs (shortened) of the <img> under ``scope`` that did not load (naturalWidth 0), after waiting."""
    js = f"""() => [...document.querySelectorAll({scope!r} + ' img')]
                 .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => (i.getAttribute('src') || '').slice(0, 80))"""
    deadline = time.monotonic() + timeout
    while True:
        bad = page.evaluate(js)
        if not bad or time.monotonic() > deadline:
            return bad
        time.sleep(0.25)


def image_count(page, scope="body"):
    return page.evaluate(f"() => document.querySelectorAll({scope!r} + ' img').length")


MATH_DONE = "mjx-container, .MathJax, .MathJax_Display, .MathJax_SVG, .katex"
MATH_ERRORS = "mjx-merror, .MathJax_Error, .katex-error"


def math_state(page, scope="body"):
    """(typeset equations, error texts) under ``scope``; 'Math Processing Error' counts as an error."""
    return page.evaluate(f"""() => {{
        const root = document.querySelector({scope!r}) || document.body;
        const errors = [...root.querySelectorAll({MATH_ERRORS!r})].map(e => e.textContent.slice(0, 80));
        if (root.innerText.includes('Math Processing Error')) errors.push('Math Processing Error');
        return [root.querySelectorAll({MATH_DONE!r}).length, errors];
    }}""")


def wait_for_math(page, expected, scope="body", timeout=30):
    """Wait until at least ``expected`` equations are typeset (or an error shows); return math_state."""
    deadline = time.monotonic() + timeout
    while True:
        done, errors = math_state(page, scope)
        if done >= expected or errors or time.monotonic() > deadline:
            return done, errors
        time.sleep(0.25)


# Markdown math: $$...$$ or $...$ outside code. Used to know how many equations a page must show.
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$", re.S)


def math_in_markdown(text):
    """How many equations markdown ``text`` holds (display and inline)."""
    return len(_MATH.findall(_CODE.sub("", text)))


def empty_headings(page, scope="body"):
    """Headings under ``scope`` with nothing visible before the next heading of their level or higher (or the end)."""
    return page.evaluate(f"""() => {{
        const root = document.querySelector({scope!r}) || document.body;
        const items = [...root.querySelectorAll('h1,h2,h3,h4,h5,h6,p,li,img,pre,table,svg,mjx-container,.jupyter-widgets,.jp-OutputArea-output')]
            .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden');
        const empty = [];
        items.forEach((e, k) => {{
            if (!/^H[1-6]$/.test(e.tagName)) return;
            const next = items.slice(k + 1).find(n => !e.contains(n));
            // empty: nothing follows, or the next heading is of the same or a higher level (## 5. then ### 5.1 is fine)
            if (!next || (/^H[1-6]$/.test(next.tagName) && next.tagName <= e.tagName)) empty.push(e.innerText.trim().slice(0, 80));
        }});
        return empty;
    }}""")


def words_split_across_lines(page, selector):
    """Words inside ``selector`` elements that the browser broke across two lines (at most 10).

    A compound word may break after its hyphen ("long-" / "time"); "1e-400" may not."""
    return page.evaluate(f"""() => {{
        const WORD = /(?:[^\\s-]|-(?![A-Za-z])|(?<![A-Za-z])-)+-?/g;
        const found = [];
        for (const el of document.querySelectorAll({selector!r})) {{
            const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node && found.length < 10; node = walker.nextNode()) {{
                for (const m of node.textContent.matchAll(WORD)) {{
                    const r = document.createRange();
                    r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
                    const tops = new Set([...r.getClientRects()].filter(q => q.width > 0).map(q => Math.round(q.top)));
                    if (tops.size > 1) {{ found.push(m[0].slice(0, 60)); if (found.length >= 10) break; }}
                }}
            }}
        }}
        return found;
    }}""")


def small_text(page, selector, minimum=16):
    """(font size, text) of visible elements matching ``selector`` whose own text is under ``minimum`` px."""
    return page.evaluate(f"""() => [...document.querySelectorAll({selector!r})]
        .filter(e => e.getClientRects().length && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => [parseFloat(getComputedStyle(e).fontSize), e.innerText.trim().slice(0, 50)])
        .filter(([size]) => size < {minimum})""")
