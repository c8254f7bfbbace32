"""What a person does in a browser, over plain HTTP: follow the links and submit the forms the
pages show, nothing the pages do not offer. The journeys use it against a generated app and its
emulator; it knows no URL of theirs but the first one.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio buttons, by name
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (text, name, value)


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (text, href)
        self.forms: list[Form] = []
        self._link: list | None = None
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in a:
            self._link = ["", a["href"]]
        elif tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif tag == "input" and self.forms and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                self.forms[-1].choices.setdefault(a["name"], []).append(a.get("value", ""))
            elif kind not in ("submit", "button"):
                self.forms[-1].fields[a["name"]] = a.get("value", "")
        elif tag == "button" and self.forms:
            self._button = ["", a.get("name", ""), a.get("value", "")]

    def handle_data(self, data):
        for open_element in (self._link, self._button):
            if open_element is not None:
                open_element[0] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append((" ".join(self._link[0].split()), self._link[1]))
            self._link = None
        elif tag == "button" and self._button is not None:
            text, name, value = self._button
            self.forms[-1].buttons.append((" ".join(text.split()), name, value))
            self._button = None


class Person:
    """One browser: its cookies, the page it is on, and what it can click."""

    def __init__(self, start_url: str):
        self.http = requests.Session()
        self.page = self._load("get", start_url)

    @property
    def text(self) -> str:
        return self.page.text

    def click_link(self, text: str) -> None:
        parsed = self._parsed()
        hrefs = [href for label, href in parsed.links if label == text]
        assert hrefs, f"no link {text!r} on {self.page.url}: {[label for label, _ in parsed.links]}"
        self.page = self._load("get", urljoin(self.page.url, hrefs[0]))

    def press(self, button: str, **choose: str) -> None:
        """Press the button whose text is `button`, with radio choices made by name=value."""
        for form in self._parsed().forms:
            for text, name, value in form.buttons:
                if text != button:
                    continue
                data = dict(form.fields)
                for radio, chosen in choose.items():
                    assert chosen in form.choices.get(radio, []), (radio, chosen, form.choices)
                    data[radio] = chosen
                if name:
                    data[name] = value
                url = urljoin(self.page.url, form.action or self.page.url)
                self.page = self._load(form.method, url, data)
                return
        raise AssertionError(f"no button {button!r} on {self.page.url}")

    def _load(self, method: str, url: str, data: dict | None = None) -> requests.Response:
        if method == "get":
            response = self.http.get(url, params=data, timeout=30)
        else:
            response = self.http.post(url, data=data, timeout=30)
        assert response.status_code == 200, f"{method.upper()} {url}: {response.status_code}"
        return response

    def _parsed(self) -> _Page:
        parser = _Page()
        parser.feed(self.page.text)
        return parser
