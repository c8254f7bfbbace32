"""The emulator's HTML: persona picker, consent and error pages, and their stylesheet.

Plain string.Template with html.escape on every value: this file is rendered by cookiecutter's
Jinja, so it cannot hold Jinja-looking delimiters, and the pages need no template engine. No
JavaScript and no inline styles, so the pages run under a strict CSP (default-src 'self').
"""

from collections.abc import Iterable
from html import escape
from string import Template

CSS_PATH = "/_emulator/static/emulator.css"

CSS = """
:root { color-scheme: light; --ink: #1a1a1a; --muted: #5b5b5b; --line: #d0d4da;
  --brand: #1b4fa0; --brand-dark: #123a78; --bg: #f4f6f9; --danger: #b42318; --focus: #ffbf47; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.5; }
.banner { background: #2b2b2b; color: #fff; padding: 0.5rem 1rem; font-size: 0.9rem; }
.banner strong { color: var(--focus); }
header.site { background: #fff; border-bottom: 4px solid var(--brand); }
header.site .wrap { padding-top: 1rem; padding-bottom: 1rem; font-weight: 700; font-size: 1.25rem; }
.wrap { max-width: 40rem; margin: 0 auto; padding: 0 1rem; }
main.wrap { padding-top: 1.5rem; padding-bottom: 3rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.5rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 0.75rem; }
p.lead { color: var(--muted); margin-top: 0; }
fieldset { border: 0; margin: 0 0 1.5rem; padding: 0; }
legend { font-weight: 700; font-size: 1.125rem; margin-bottom: 0.75rem; padding: 0; }
.choice { display: flex; gap: 0.75rem; align-items: flex-start; padding: 0.75rem;
  border: 1px solid var(--line); border-radius: 6px; margin-bottom: 0.5rem; background: #fff; }
.choice input { width: 1.25rem; height: 1.25rem; margin-top: 0.2rem; flex: none; }
.choice label { cursor: pointer; flex: 1; }
.choice .name { display: block; font-weight: 700; overflow-wrap: anywhere; }
.choice .summary { display: block; color: var(--muted); font-size: 0.95rem; }
.choice:hover { border-color: var(--brand); }
ul.scopes { list-style: none; margin: 0 0 1.5rem; padding: 0; }
ul.scopes li { padding: 0.75rem 0; border-bottom: 1px solid var(--line); }
ul.scopes .label { display: block; font-weight: 700; }
ul.scopes .description { display: block; color: var(--muted); font-size: 0.95rem; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; }
button { font: inherit; font-weight: 700; font-size: 1.125rem; min-height: 3rem;
  padding: 0.75rem 1.5rem; border-radius: 6px; border: 2px solid var(--brand); cursor: pointer; }
button.primary { background: var(--brand); color: #fff; }
button.primary:hover { background: var(--brand-dark); }
button.secondary { background: #fff; color: var(--brand); }
button.danger { background: #fff; color: var(--danger); border-color: var(--danger); }
a { color: var(--brand); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px;
  box-shadow: 0 0 0 5px var(--ink); }
.choice:focus-within { border-color: var(--brand); box-shadow: 0 0 0 2px var(--brand); }
.error { border-left: 5px solid var(--danger); padding: 0.75rem 1rem; background: #fff;
  margin-bottom: 1rem; }
code { background: #eef1f5; padding: 0 0.25rem; border-radius: 3px; overflow-wrap: anywhere; }
@media (max-width: 30rem) {
  h1 { font-size: 1.4rem; }
  .card { padding: 1rem; }
  .actions button { width: 100%; }
}
"""

_LAYOUT = Template(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>$title · sgID emulator</title>
<link rel="stylesheet" href="$css">
</head>
<body>
<div class="banner" role="note"><strong>Local sgID emulator.</strong>
Fake people for development and tests; this is not Singpass.</div>
<header class="site"><div class="wrap">sgID emulator</div></header>
<main class="wrap" id="main">
<div class="card">
$body
</div>
</main>
</body>
</html>
"""
)


def _layout(title: str, body: str, base_path: str = "") -> str:
    return _LAYOUT.substitute(title=escape(title), body=body, css=escape(base_path + CSS_PATH))


def picker_page(
    action: str,
    request_id: str,
    client_id: str,
    personas: Iterable,
    error: str = "",
    base_path: str = "",
) -> str:
    items = []
    for i, p in enumerate(personas):
        pid = f"persona-{i}"
        items.append(
            '<div class="choice">'
            f'<input type="radio" name="persona" id="{pid}" value="{escape(p.id)}" required>'
            f'<label for="{pid}"><span class="name">{escape(p.name)}</span>'
            f'<span class="summary">{escape(p.summary)}</span></label></div>'
        )
    alert = f'<div class="error" role="alert">{escape(error)}</div>' if error else ""
    body = (
        "<h1>Choose who logs in</h1>"
        f'<p class="lead">The app <code>{escape(client_id)}</code> asked you to log in with sgID. '
        "Pick one of the test personas below.</p>"
        f"{alert}"
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="request_id" value="{escape(request_id)}">'
        "<fieldset><legend>Test personas</legend>" + "".join(items) + "</fieldset>"
        '<div class="actions">'
        '<button type="submit" class="primary" name="action" value="choose">Continue</button>'
        "</div></form>"
    )
    return _layout("Choose who logs in", body, base_path)


def consent_page(
    action: str, request_id: str, client_id: str, persona, scopes: Iterable, base_path: str = ""
) -> str:
    rows = "".join(
        f'<li><span class="label">{escape(s.label)}</span>'
        f'<span class="description">{escape(s.description)}</span></li>'
        for s in scopes
    )
    body = (
        "<h1>Share your information?</h1>"
        f'<p class="lead">Logging in as <strong>{escape(persona.name)}</strong>. '
        f"The app <code>{escape(client_id)}</code> will receive:</p>"
        f'<ul class="scopes" aria-label="Information requested">{rows}</ul>'
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="request_id" value="{escape(request_id)}">'
        '<div class="actions">'
        '<button type="submit" class="primary" name="action" value="approve">Approve</button>'
        '<button type="submit" class="danger" name="action" value="deny">Deny</button>'
        '<button type="submit" class="secondary" name="action" value="back">'
        "Choose someone else</button>"
        "</div></form>"
    )
    return _layout("Share your information?", body, base_path)


def error_page(title: str, message: str, base_path: str = "") -> str:
    body = (
        f"<h1>{escape(title)}</h1>"
        f'<div class="error" role="alert"><p>{escape(message)}</p></div>'
        "<p>The app that sent you here is misconfigured, or the login link is stale. "
        "You will not be sent back to it.</p>"
    )
    return _layout(title, body, base_path)
