"""The client's address: X-Forwarded-For is believed only as written by trusted proxies."""

import ipaddress

import pytest
from django.test import RequestFactory

from core.clients import client_address, client_ip, from_trusted_proxy
from tests.test_deploy import manage

PROXY = "10.0.0.5"


@pytest.fixture
def proxies(settings):
    """Trust these networks, as TRUSTED_PROXIES=... in the environment would."""

    def trust(*networks: str) -> None:
        settings.TRUSTED_PROXIES = list(networks)
        settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network(n) for n in networks]

    return trust


def request(remote: str | None = PROXY, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote} if remote is not None else {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    req = RequestFactory().get("/")
    if remote is None:
        del req.META["REMOTE_ADDR"]
    req.META.update(meta)
    return req


def test_without_trusted_proxies_x_forwarded_for_is_ignored(proxies):
    proxies()
    req = request("203.0.113.7", forwarded="198.51.100.1")

    assert client_address(req) == "203.0.113.7"
    assert not from_trusted_proxy(req)


def test_an_untrusted_peer_cannot_forward_for_anyone(proxies):
    proxies("10.0.0.0/24")

    assert client_address(request("203.0.113.7", forwarded="198.51.100.1")) == "203.0.113.7"


def test_one_trusted_proxy_forwards_the_client(proxies):
    proxies(PROXY + "/32")
    req = request(PROXY, forwarded="198.51.100.1")

    assert client_address(req) == "198.51.100.1"
    assert from_trusted_proxy(req)


def test_a_chain_of_trusted_proxies_is_walked_from_the_right(proxies):
    proxies("10.0.0.0/24", "192.0.2.0/24")

    req = request(PROXY, forwarded="198.51.100.1, 192.0.2.9,10.0.0.7")

    assert client_address(req) == "198.51.100.1"


def test_spoofed_left_most_entries_are_not_believed(proxies):
    """The client wrote the left part itself; the right-most untrusted hop is the client."""
    proxies("10.0.0.0/24")

    req = request(PROXY, forwarded="1.1.1.1, 10.0.0.9, 198.51.100.1")

    assert client_address(req) == "198.51.100.1"


def test_a_client_cannot_pose_as_a_trusted_proxy_to_go_further_left(proxies):
    proxies("10.0.0.0/24")

    req = request(PROXY, forwarded="1.1.1.1, 198.51.100.1, 10.0.0.9")

    assert client_address(req) == "198.51.100.1"


@pytest.mark.parametrize(
    "forwarded",
    ["", " ", "not-an-ip", "198.51.100.1:4321", "1.1.1.1, garbage", "[2001:db8::1]", ",,"],
)
def test_a_malformed_last_hop_counts_as_the_proxy_itself(proxies, forwarded):
    """Nothing left of a hop that cannot be read is believed: the proxy is the client."""
    proxies("10.0.0.0/24")

    assert client_address(request(PROXY, forwarded=forwarded)) == PROXY


def test_a_request_only_through_trusted_proxies_is_the_last_proxy(proxies):
    proxies("10.0.0.0/24")

    assert client_address(request(PROXY, forwarded="10.0.0.8, 10.0.0.9")) == "10.0.0.8"


def test_ipv6_clients_count_by_their_slash_64(proxies):
    proxies()

    assert client_address(request("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64"
    assert client_address(request("2001:db8:1:2::ffff")) == "2001:db8:1:2::/64"
    assert client_address(request("2001:db8:1:3::1")) == "2001:db8:1:3::/64"


def test_ipv6_forwarded_clients_and_proxies(proxies):
    proxies("fd00::/8")

    req = request("fd00::1", forwarded="2001:db8:5:6::1234")

    assert client_address(req) == "2001:db8:5:6::/64"


def test_an_ipv4_mapped_address_is_the_ipv4_address(proxies):
    proxies("10.0.0.0/24")

    assert client_address(request("::ffff:203.0.113.7")) == "203.0.113.7"
    # ... for trusting a proxy too
    assert client_address(request("::ffff:10.0.0.5", forwarded="198.51.100.1")) == "198.51.100.1"


def test_an_ipv6_scope_does_not_make_another_client(proxies):
    proxies()

    assert client_address(request("fe80::1%eth0")) == client_address(request("fe80::1"))


def test_no_or_a_bad_remote_address_is_no_address(proxies):
    proxies("10.0.0.0/24")

    assert client_address(request(None, forwarded="198.51.100.1")) is None
    assert client_address(request("", forwarded="198.51.100.1")) is None
    assert client_address(request("unix:/run/shop.sock")) is None
    assert client_ip(request("garbage")) is None
    assert client_address(None) is None


@pytest.mark.parametrize("value", ["not-a-network", "10.0.0.0/33", "10.0.0.1,nope", "*"])
def test_an_invalid_trusted_proxies_setting_stops_the_server(value):
    result = manage("check", DEBUG="1", TRUSTED_PROXIES=value)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TRUSTED_PROXIES" in result.stderr


def test_a_valid_trusted_proxies_setting_starts(value="10.0.0.1, 192.0.2.0/24,fd00::/8"):
    code = "from django.conf import settings as s; print(s.TRUSTED_PROXY_NETWORKS)"
    result = manage("shell", "-c", code, DEBUG="1", TRUSTED_PROXIES=value)

    assert result.returncode == 0, result.stderr
    assert "IPv4Network('192.0.2.0/24')" in result.stdout
    assert "IPv6Network('fd00::/8')" in result.stdout
