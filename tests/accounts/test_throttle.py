"""Failed sign-ins are throttled per account and per address on the API, page and admin."""

import ipaddress
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from accounts import throttle
from core.errors import Throttled
from tests.conftest import ApiClient
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def _api_login(email, password, address="10.0.0.1"):
    return ApiClient().post(
        "/api/auth/login", {"email": email, "password": password}, REMOTE_ADDR=address
    )


def _page_login(email, password, address="10.0.0.1"):
    return ApiClient().post(
        "/account/login/",
        urlencode({"username": email, "password": password}),
        content_type=FORM,
        REMOTE_ADDR=address,
    )


def _admin_login(email, password, address="10.0.0.1"):
    return ApiClient().post(
        "/admin/login/",
        urlencode({"username": email, "password": password}),
        content_type=FORM,
        REMOTE_ADDR=address,
    )


def _fail(times, email, login=_api_login, **kwargs):
    for _ in range(times):
        assert login(email, "wrong-password", **kwargs).status_code in (200, 401)


def _assert_throttled(response, window=900):
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= window


def test_ten_failures_lock_the_account_even_for_the_right_password(user, password):
    _fail(10, user.email)

    response = _api_login(user.email, password)

    _assert_throttled(response)
    assert response.json()["error"]["code"] == "throttled"


def test_nine_failures_do_not(user, password):
    _fail(9, user.email)

    assert _api_login(user.email, password).status_code == 200


def test_an_unknown_account_gets_the_same_answers_as_a_known_one(user):
    known = [_api_login(user.email, "wrong-password", "10.0.0.1") for _ in range(11)]
    unknown = [_api_login("ghost@example.com", "wrong-password", "10.0.0.2") for _ in range(11)]

    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [401] * 10 + [429]
    assert known[-1].json() == unknown[-1].json()
    assert known[0].json() == unknown[0].json()


def test_the_account_lock_holds_from_any_address(user, password):
    for n in range(10):
        _api_login(user.email, "wrong-password", address=f"10.0.1.{n}")

    _assert_throttled(_api_login(user.email, password, address="10.0.2.1"))


def test_other_accounts_are_not_locked_by_one_account(user, password):
    other = UserFactory()
    _fail(10, user.email)

    assert _api_login(other.email, password).status_code == 200


def test_fifty_failures_from_one_address_lock_the_address(password):
    user = UserFactory()
    for n in range(50):
        _api_login(f"guess{n}@example.com", "wrong-password", address="10.0.0.9")

    _assert_throttled(_api_login(user.email, password, address="10.0.0.9"))
    assert _api_login(user.email, password, address="10.0.0.10").status_code == 200


def test_an_ipv6_client_is_counted_by_its_slash_64(settings, user, password):
    settings.LOGIN_THROTTLE_PER_ADDRESS = 3
    for n in range(3):
        _api_login(f"guess{n}@example.com", "wrong-password", address=f"2001:db8::{n + 1}")

    _assert_throttled(_api_login(user.email, password, address="2001:db8::ffff"))
    assert _api_login(user.email, password, address="2001:db8:0:1::1").status_code == 200


def test_successful_sign_ins_are_not_counted(user, password):
    for _ in range(15):
        assert _api_login(user.email, password).status_code == 200

    assert _api_login(user.email, "wrong-password").status_code == 401


def test_the_lock_ends_with_the_window(settings, user, password):
    settings.LOGIN_THROTTLE_WINDOW = 1
    _fail(10, user.email)
    _assert_throttled(_api_login(user.email, password), window=1)

    time.sleep(1.1)

    assert _api_login(user.email, password).status_code == 200


def test_limits_are_settings(settings, user, password):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 2
    _fail(2, user.email)

    _assert_throttled(_api_login(user.email, password))


def test_the_sign_in_page_is_throttled(user, password):
    for _ in range(10):
        response = _page_login(user.email, "wrong-password")
        assert response.status_code == 200
        assert response.context["form"].non_field_errors()

    response = _page_login(user.email, password)

    _assert_throttled(response)
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in response.wsgi_request.session


def test_the_sign_in_page_answers_unknown_accounts_alike(user):
    known = _page_login(user.email, "wrong-password", "10.0.0.1")
    unknown = _page_login("ghost@example.com", "wrong-password", "10.0.0.2")

    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_the_admin_sign_in_is_throttled(password):
    staff = UserFactory(is_staff=True)
    _fail(10, staff.email, login=_admin_login)

    response = _admin_login(staff.email, password)

    _assert_throttled(response)
    assert ApiClient().get("/admin/").status_code == 302


def test_the_admin_still_signs_staff_in(password):
    staff = UserFactory(is_staff=True)

    response = _admin_login(staff.email, password)

    assert response.status_code == 302
    assert response.wsgi_request.user == staff


def test_failures_count_across_every_surface(user, password):
    _fail(4, user.email, login=_api_login)
    _fail(3, user.email, login=_page_login)
    _fail(3, user.email, login=_admin_login)

    _assert_throttled(_api_login(user.email, password))
    _assert_throttled(_page_login(user.email, password))
    _assert_throttled(_admin_login(user.email, password))


def test_concurrent_guesses_cannot_slip_past_the_limit(settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 10
    outcomes = []

    def guess():
        try:
            throttle.reserve("victim@example.com", None)  # a failure: never released
            outcomes.append("tried")
        except Throttled:
            outcomes.append("throttled")

    with ThreadPoolExecutor(max_workers=16) as pool:
        for _ in range(40):
            pool.submit(guess)

    assert outcomes.count("tried") == 10
    assert outcomes.count("throttled") == 30


def test_refused_attempts_do_not_lengthen_the_lock(settings):
    settings.LOGIN_THROTTLE_PER_ACCOUNT = 2
    for _ in range(2):
        throttle.reserve("a@example.com", "10.0.0.1")
    for _ in range(5):
        with pytest.raises(Throttled):
            throttle.reserve("a@example.com", "10.0.0.1")

    # Only the two real failures count against the shared address.
    settings.LOGIN_THROTTLE_PER_ADDRESS = 3
    throttle.reserve("b@example.com", "10.0.0.1")
    with pytest.raises(Throttled):
        throttle.reserve("c@example.com", "10.0.0.1")


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(settings, password):
    """50 failures forwarded for one client do not lock out another client of the proxy."""
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("10.9.0.0/16")]
    user = UserFactory()

    def login(email, pw, client_ip):
        return ApiClient().post(
            "/api/auth/login",
            {"email": email, "password": pw},
            REMOTE_ADDR="10.9.0.2",
            HTTP_X_FORWARDED_FOR=f"{client_ip}, 10.9.0.1",
        )

    for n in range(50):
        assert login(f"guess{n}@example.com", "wrong-password", "203.0.113.7").status_code == 401

    _assert_throttled(login(user.email, password, "203.0.113.7"))
    assert login(user.email, password, "198.51.100.20").status_code == 200


def test_without_trusted_proxies_a_forged_x_forwarded_for_is_no_way_around_the_lock(password):
    user = UserFactory()
    for n in range(50):
        ApiClient().post(
            "/api/auth/login",
            {"email": f"guess{n}@example.com", "password": "wrong-password"},
            REMOTE_ADDR="10.0.0.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )

    response = ApiClient().post(
        "/api/auth/login",
        {"email": user.email, "password": password},
        REMOTE_ADDR="10.0.0.9",
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    _assert_throttled(response)


# Changing the password: a wrong old password is a failed sign-in, per account and address.


def _change_password(client, old, new="a-new-long-passphrase-3", address="10.0.0.1"):
    data = {"old_password": old, "new_password1": new, "new_password2": new}
    return client.post(
        "/account/password/", urlencode(data), content_type=FORM, REMOTE_ADDR=address
    )


def test_wrong_old_passwords_are_throttled_per_account(user, password):
    client = ApiClient()
    client.force_login(user)
    for _ in range(10):
        response = _change_password(client, "wrong-password")
        assert response.status_code == 200
        assert response.context["form"].errors["old_password"]

    response = _change_password(client, password)

    _assert_throttled(response)
    assert b"Too many wrong passwords" in response.content
    assert b"minutes" in response.content or b"seconds" in response.content
    user.refresh_from_db()
    assert user.check_password(password)


def test_wrong_old_passwords_count_with_failed_sign_ins(user, password):
    _fail(5, user.email)
    client = ApiClient()
    client.force_login(user)
    for _ in range(5):
        _change_password(client, "wrong-password")

    _assert_throttled(_api_login(user.email, password))


def test_wrong_old_passwords_are_throttled_per_address(settings, password):
    settings.LOGIN_THROTTLE_PER_ADDRESS = 4
    for _ in range(2):
        for _ in range(2):
            client = ApiClient()
            client.force_login(UserFactory())
            _change_password(client, "wrong-password", address="10.0.0.7")
    user = UserFactory()
    client = ApiClient()
    client.force_login(user)

    _assert_throttled(_change_password(client, password, address="10.0.0.7"))
    assert _change_password(client, password, address="10.0.0.8").status_code == 302


def test_right_old_passwords_are_not_counted(user, password):
    client = ApiClient()
    client.force_login(user)
    new = password
    for n in range(12):
        old, new = new, f"a-new-long-passphrase-{n}"
        assert _change_password(client, old, new).status_code == 302

    user.refresh_from_db()
    assert user.check_password(new)
