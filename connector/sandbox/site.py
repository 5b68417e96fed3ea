"""The demo site: a small marketing site whose pages record page views and whose forms
post to HubSpot's form submission endpoint, so a person can walk the funnel in a browser.

Pages: home, two blog posts, pricing, ebook download, webinar registration,
webinar room (attendance), book a meeting, and "Contact us" (challenge, budget,
buying role). A visitor is known by the `hubspotutk` cookie, as with HubSpot's
tracking code: page views of an anonymous visitor wait in the world and are
attributed to the contact when the visitor submits a form (forms.py).
Everything is server-rendered; the only script is the inline form poster.
"""

from __future__ import annotations

import uuid
from html import escape

from flask import Blueprint, Response, request

from connector.sandbox import engagement
from connector.sandbox.web import sandbox
from connector.sandbox.world import Form, World

blueprint = Blueprint("site", __name__, url_prefix="/site")

WEBINAR = ("8001", "Scoring leads that sales will call")


def _guid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"leadflow-sandbox/{name}"))


DEMO_FORMS = {
    "newsletter": Form(_guid("newsletter"), "Blog subscription", ("email",), "subscriber"),
    "ebook": Form(
        _guid("ebook"), "Ebook download", ("email", "firstname", "lastname", "company", "jobtitle")
    ),
    "webinar": Form(
        _guid("webinar"),
        "Webinar registration",
        ("email", "firstname", "lastname", "company"),
        marketing_event=WEBINAR,
    ),
    "contact": Form(
        _guid("contact"),
        "Contact us",
        (
            "email",
            "firstname",
            "lastname",
            "company",
            "jobtitle",
            "hs_buying_role",
            "challenge",
            "budget",
            "message",
        ),
    ),
}
BLOG = {
    "lead-scoring-101": "Lead scoring 101",
    "why-mqls-go-cold": "Why MQLs go cold",
}
PAGES = {
    "/site/": "Home",
    "/site/pricing": "Pricing",
    "/site/ebook": "Ebook: The MQL playbook",
    "/site/webinar": "Webinar registration",
    "/site/webinar/room": "Webinar room",
    "/site/meetings": "Book a meeting",
    "/site/contact": "Contact us",
    **{f"/site/blog/{slug}": title for slug, title in BLOG.items()},
}
FIELD_LABELS = {
    "email": "Email",
    "firstname": "First name",
    "lastname": "Last name",
    "company": "Company",
    "jobtitle": "Job title",
    "hs_buying_role": "Your role in the decision",
    "challenge": "Your biggest challenge",
    "budget": "Budget",
    "message": "Anything else?",
}
CHOICES = {
    "hs_buying_role": ("DECISION_MAKER", "BUDGET_HOLDER", "CHAMPION", "INFLUENCER", "END_USER"),
    "budget": ("under_10k", "10k_50k", "50k_250k", "over_250k"),
}
POSTER = """<script>
document.querySelectorAll('form[data-guid]').forEach(function (form) {
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var fields = Array.from(new FormData(form).entries()).map(function (pair) {
      return {objectTypeId: '0-1', name: pair[0], value: pair[1]};
    });
    var hutk = (document.cookie.match(/hubspotutk=([^;]+)/) || [])[1];
    fetch('/submissions/v3/integration/submit/' + form.dataset.portal + '/' + form.dataset.guid, {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({submittedAt: String(Date.now()), fields: fields,
        context: {hutk: hutk, pageUri: location.href, pageName: document.title}})
    }).then(function (r) { return r.json(); }).then(function (answer) {
      form.outerHTML = '<p class="done">' + (answer.inlineMessage || answer.message) + '</p>';
    });
  });
});
</script>"""


def install_forms(world: World) -> None:
    """Registers the demo forms in the portal (idempotent)."""
    for form in DEMO_FORMS.values():
        world.forms.setdefault(form.guid, form)


def _form(key: str, portal_id: int) -> str:
    form = DEMO_FORMS[key]
    inputs = []
    for name in form.fields:
        label = escape(FIELD_LABELS.get(name, name))
        if name in CHOICES:
            options = "".join(f"<option>{escape(c)}</option>" for c in CHOICES[name])
            control = f'<select name="{name}">{options}</select>'
        elif name in ("challenge", "message"):
            control = f'<textarea name="{name}"></textarea>'
        else:
            kind = "email" if name == "email" else "text"
            control = f'<input type="{kind}" name="{name}"{" required" if name == "email" else ""}>'
        inputs.append(f"<label>{label}{control}</label>")
    return (
        f'<form data-guid="{form.guid}" data-portal="{portal_id}">{"".join(inputs)}'
        f'<button type="submit">{escape(form.name)}</button></form>'
    )


def _page(title: str, body: str) -> str:
    links = " · ".join(
        f'<a href="{path}">{escape(name)}</a>'
        for path, name in PAGES.items()
        if path != "/site/webinar/room"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:44rem;margin:2rem auto;line-height:1.5}"
        "label{display:block;margin:.5rem 0}input,select,textarea{display:block;width:100%}"
        "nav{font-size:.9rem;margin-bottom:2rem}.done{color:green}</style></head>"
        f"<body><nav>{links}</nav><h1>{escape(title)}</h1>{body}{POSTER}</body></html>"
    )


def _visit(title: str) -> tuple[str, str | None]:
    """Records a page view for this visitor; returns (hutk, contact id or None)."""
    world = sandbox().world
    hutk = request.cookies.get("hubspotutk") or uuid.uuid4().hex
    url = request.base_url
    with world.lock:
        contact_id = world.visitor_contacts.get(hutk)
        record = world.contacts.get(str(contact_id)) if contact_id else None
        if record is not None:
            engagement.page_view(
                world, record, url, title, world.now(), referrer=request.referrer or ""
            )
        else:
            world.visitors.setdefault(hutk, []).append((url, title, world.now()))
    return hutk, (str(record.id) if record else None)


def _answer(title: str, body: str) -> Response:
    hutk, _ = _visit(title)
    response = Response(_page(title, body), mimetype="text/html")
    response.set_cookie("hubspotutk", hutk, max_age=60 * 60 * 24 * 390, samesite="Lax")
    return response


@blueprint.get("/")
def home():
    posts = "".join(f'<li><a href="/site/blog/{s}">{escape(t)}</a></li>' for s, t in BLOG.items())
    return _answer("Home", f"<p>Leadflow Demo Co. helps B2B teams score leads.</p><ul>{posts}</ul>")


@blueprint.get("/blog/<slug>")
def blog_post(slug: str):
    title = BLOG.get(slug)
    if title is None:
        return Response(
            _page("Not found", "<p>No such post.</p>"), status=404, mimetype="text/html"
        )
    portal = sandbox().world.portal_id
    return _answer(
        title,
        f"<p>A post about {escape(title.lower())}.</p>"
        f"<h2>Subscribe</h2>{_form('newsletter', portal)}",
    )


@blueprint.get("/pricing")
def pricing():
    return _answer(
        "Pricing",
        "<p>Starter $99 · Growth $499 · Enterprise: talk to us.</p>"
        "<a href='/site/contact'>Contact sales</a>",
    )


@blueprint.get("/ebook")
def ebook():
    return _answer("Ebook: The MQL playbook", _form("ebook", sandbox().world.portal_id))


@blueprint.get("/webinar")
def webinar():
    return _answer(
        "Webinar registration",
        f"<p>{escape(WEBINAR[1])}</p>{_form('webinar', sandbox().world.portal_id)}",
    )


@blueprint.get("/contact")
def contact():
    return _answer("Contact us", _form("contact", sandbox().world.portal_id))


def _identified_action(title: str, action) -> Response:
    """A page that records something only a known visitor can do (attend, book)."""
    world = sandbox().world
    hutk, contact_id = _visit(title)
    if contact_id is None:
        body = "<p>Please register or fill in a form first, so we know who you are.</p>"
    else:
        with world.lock:
            action(world, world.contacts.get(contact_id))
        body = "<p class='done'>Done — the connector will see this activity.</p>"
    response = Response(_page(title, body), mimetype="text/html")
    response.set_cookie("hubspotutk", hutk, samesite="Lax")
    return response


@blueprint.get("/webinar/room")
def webinar_room():
    return _identified_action(
        "Webinar room",
        lambda world, record: engagement.marketing_event(
            world, record, engagement.WEBINAR_ATTENDANCE, WEBINAR[0], WEBINAR[1], world.now()
        ),
    )


@blueprint.get("/meetings")
def meetings():
    return _identified_action(
        "Book a meeting",
        lambda world, record: engagement.meeting_booked(
            world, record, "Intro call", request.base_url, world.now()
        ),
    )
