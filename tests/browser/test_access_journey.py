"""A nurse signs in in a real browser and is refused a manager page."""
import pytest

from .conftest import sign_in

pytestmark = pytest.mark.browser


def test_nurse_signs_in_and_gets_403_on_a_manager_page(page, users, unit):
    sign_in(page, "nurse@trc.test", "pw-nurse")
    assert "Signed in as" in page.content()
    response = page.goto(page.base + "/unit/settings")
    assert response.status == 403
    assert "Not allowed" in page.content()
