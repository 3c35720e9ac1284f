"""Users in the admin: the sign-out-everywhere action needs change_user; the admin's logout
signs out everywhere, like the storefront's and the API's."""

from urllib.parse import urlencode

import pytest

from accounts.admin import UserAdmin
from accounts.models import User
from tests.conftest import ApiClient, token_client_for
from tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/user/"
FORM = "application/x-www-form-urlencoded"


def _admin(*permissions) -> ApiClient:
    client = ApiClient()
    client.force_login(StaffFactory(permissions=list(permissions)))
    return client


def _sign_out_everywhere(client, user):
    data = urlencode({"action": "sign_out_everywhere", "_selected_action": user.pk})
    return client.post(CHANGELIST, data, content_type=FORM)


def test_view_only_staff_cannot_sign_the_superuser_out_everywhere():
    boss = UserFactory(is_staff=True, is_superuser=True)
    boss_client = ApiClient()
    boss_client.force_login(boss)
    viewer = _admin("accounts.view_user")

    _sign_out_everywhere(viewer, boss)

    assert User.objects.get(pk=boss.pk).auth_generation == 0
    assert boss_client.get("/api/auth/me").status_code == 200
    assert 'value="sign_out_everywhere"' not in viewer.get(CHANGELIST).content.decode()


def test_staff_with_change_user_sign_a_user_out_everywhere(user):
    shopper = ApiClient()
    shopper.force_login(user)
    changer = _admin("accounts.view_user", "accounts.change_user")

    assert _sign_out_everywhere(changer, user).status_code == 302

    assert User.objects.get(pk=user.pk).auth_generation == 1
    assert shopper.get("/api/auth/me").status_code == 401


def test_admin_logout_signs_out_every_session_and_token_of_the_user():
    staff = StaffFactory()
    admin_tab, other_device = ApiClient(), ApiClient()
    admin_tab.force_login(staff)
    other_device.force_login(staff)
    token_client = token_client_for(staff)

    response = admin_tab.post("/admin/logout/", content_type=FORM)

    assert response.status_code == 302 and response["Location"] == "/"  # LOGOUT_REDIRECT_URL
    assert admin_tab.get("/admin/").status_code == 302
    assert other_device.get("/admin/").status_code == 302
    assert other_device.get("/api/auth/me").status_code == 401
    assert token_client.get("/api/auth/me").status_code == 401


def test_admin_logout_is_post_only():
    staff = StaffFactory()
    client = ApiClient()
    client.force_login(staff)
    assert client.get("/admin/logout/").status_code == 405
    assert client.get("/admin/").status_code == 200
    assert User.objects.get(pk=staff.pk).auth_generation == 0


def test_editing_a_user_keeps_a_sign_out_and_password_change_made_meanwhile(
    admin_client, user, monkeypatch
):
    stale = User.objects.get(pk=user.pk)  # read before the user changes the password
    user.set_password("a-brand-new-passphrase-9")
    user.auth_generation += 1
    user.save()
    monkeypatch.setattr(UserAdmin, "get_object", lambda self, request, object_id, *a: stale)
    form = {"email": user.email, "name": "Ada", "is_active": "on", "date_joined_0": "2025-01-01"}
    form["date_joined_1"] = "00:00:00"

    response = admin_client.post(f"{CHANGELIST}{user.pk}/change/", form)

    assert response.status_code == 302
    fresh = User.objects.get(pk=user.pk)
    assert fresh.name == "Ada" and fresh.auth_generation == 1
    assert fresh.check_password("a-brand-new-passphrase-9")


def _user_form(user, **fields):
    data = {"email": user.email, "name": "", "is_active": "on", "date_joined_0": "2025-01-01"}
    return {**data, "date_joined_1": "00:00:00", **fields}


def test_staff_who_change_users_cannot_grant_rights():
    staff = StaffFactory(permissions=["accounts.view_user", "accounts.change_user"])
    client = ApiClient()
    client.force_login(staff)
    form = _user_form(staff, is_staff="on", is_superuser="on", name="Me")

    response = client.post(f"{CHANGELIST}{staff.pk}/change/", urlencode(form), content_type=FORM)

    assert response.status_code == 302
    fresh = User.objects.get(pk=staff.pk)
    assert (fresh.name, fresh.is_superuser) == ("Me", False)


def test_staff_who_change_users_cannot_change_a_superuser():
    boss = UserFactory(is_staff=True, is_superuser=True)
    client = _admin("accounts.view_user", "accounts.change_user")
    form = urlencode(_user_form(boss, email="mine@example.com"))

    response = client.post(f"{CHANGELIST}{boss.pk}/change/", form, content_type=FORM)
    password_page = client.get(f"{CHANGELIST}{boss.pk}/password/")

    assert response.status_code == 403 and password_page.status_code == 403
    assert User.objects.get(pk=boss.pk).email == boss.email


@pytest.mark.parametrize("email", ["ANN@example.com", " Ann@Example.com"])
def test_the_admin_refuses_an_email_that_differs_only_in_case(admin_client, email):
    UserFactory(email="ann@example.com")
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {"email": email, "password1": "a-long-passphrase-9", "password2": "a-long-passphrase-9"},
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert User.objects.filter(email__iexact="ann@example.com").count() == 1
