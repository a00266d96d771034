"""Layout at a desktop width (1280 px) and a phone's (375 px): nothing in the inbox's table or
the request's history is cut off or pushed out of its box. Measured in Chromium, after layout."""

import pytest

from sharing.models import Status, Urgency
from sharing.services.handling import info_request_assign
from tests.factories import CommuneFactory, request_in

pytestmark = pytest.mark.slow  # scheduled first in its group (tests/conftest.py)

# Every element of `root` whose content is wider than its box (and that does not scroll on
# purpose), or that sticks out of `root`'s visible area: what a reader sees cut off.
CUT_OFF = """
(root) => {
  const box = root.getBoundingClientRect();
  const cut = [];
  for (const element of [root, ...root.querySelectorAll("*")]) {
    const style = getComputedStyle(element);
    if (style.display === "none" || style.visibility === "hidden") continue;
    if (element.closest(".fr-sr-only")) continue;  // for screen readers: clipped on purpose
    const rect = element.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    const name = element.tagName.toLowerCase() + (element.className ? "." + element.className : "");
    if (element.scrollWidth > element.clientWidth + 1 && style.overflowX !== "visible") {
      cut.push(`${name}: content ${element.scrollWidth}px wide in a ${element.clientWidth}px box`);
    }
    if (rect.right > box.right + 1 || rect.left < box.left - 1) {
      const span = `${Math.round(rect.left)} to ${Math.round(rect.right)}`;
      const edges = `${Math.round(box.left)} to ${Math.round(box.right)}`;
      cut.push(`${name}: from ${span}, outside ${edges}`);
    }
    if (rect.right > window.innerWidth + 1) {
      const end = Math.round(rect.right);
      cut.push(`${name}: ends at ${end}, past the window's ${window.innerWidth}px`);
    }
  }
  return cut;
}
"""


# Where each item's number (its ::marker, outside the item's box) starts: a pseudo-element has no
# box of its own to measure, so its text is measured in its own font.
MARKERS_LEFT = """
(list) => [...list.children].map((item, index) => {
  const marker = getComputedStyle(item, "::marker");
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${marker.fontWeight} ${marker.fontSize} ${marker.fontFamily}`;
  const width = context.measureText(`${index + 1}.\u00a0\u00a0`).width;
  return item.getBoundingClientRect().left - width;
})
"""


@pytest.fixture(scope="module")
def inbox(orgs, people):
    """A liaison's inbox with every column filled: an urgent request, every open status, a long
    commune name, a request assigned to someone with a long name."""
    urgent = request_in(Status.SUBMITTED, orgs.montelimar, urgency=Urgency.URGENT)
    for status in (Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED, Status.DECIDED):
        request_in(status, orgs.valence)
    far = CommuneFactory(code="26324", name="Saint-Paul-Trois-Châteaux", prefecture=orgs.pref26)
    liaison = people.liaison
    liaison.first_name, liaison.last_name = "Marie-Christine", "de La Tour-Fontanges"
    liaison.save(update_fields=["first_name", "last_name"])
    info_request_assign(
        info_request=request_in(Status.SUBMITTED, far),
        actor=people.prefecture_admin,
        liaison=liaison,
    )
    return urgent


def page_for(new_page, user, width: int, language: str = "fr"):
    return new_page(language, signed_in_as=user, width=width)


@pytest.mark.parametrize(("width", "language"), [(1280, "fr"), (1280, "en"), (375, "fr")])
def test_the_inbox_table_fits_and_shows_the_urgent_badge_whole(
    new_page, people, inbox, width, language
):
    page = page_for(new_page, people.liaison, width, language)
    page.goto("/demandes/")
    table = page.locator("#requests-table")
    if width >= 1280:
        # At a desktop width the whole table fits: no cell is cut, nothing to scroll to.
        cut = table.evaluate(CUT_OFF)
        assert cut == [], "\n".join(cut)
    urgent = "Urgente" if language == "fr" else "Urgent"
    badge = page.locator("#requests-table .fr-badge", has_text=urgent).first
    badge.scroll_into_view_if_needed()
    box = badge.bounding_box()
    # The container is what scrolls sideways on a narrow screen: the badge is within its view.
    scroller = page.locator("#requests-table .fr-table__container").bounding_box()
    assert box is not None
    assert scroller is not None
    assert box["x"] >= scroller["x"] - 1
    assert box["x"] + box["width"] <= scroller["x"] + scroller["width"] + 1
    assert box["x"] + box["width"] <= width
    assert badge.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_history_is_whole_on_a_phone_and_a_desktop(new_page, people, inbox, width):
    page = page_for(new_page, people.liaison, width)
    page.goto(f"/demandes/{inbox.reference}/")
    history = page.locator("#timeline-title").locator("xpath=..")
    assert history.evaluate(CUT_OFF) == []
    left = history.bounding_box()["x"]
    for start in page.locator(".relais-timeline").evaluate(MARKERS_LEFT):
        assert start >= max(left, 0) - 1, "an event's number is cut off at the left"
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_the_auditors_log_fits_a_desktop(new_page, people, inbox):
    page = page_for(new_page, people.auditor_national, 1280)
    page.goto("/audit/journal/")
    assert page.locator("#events-table").evaluate(CUT_OFF) == []
