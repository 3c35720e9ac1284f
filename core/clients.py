"""The client's address: REMOTE_ADDR, or X-Forwarded-For as written by trusted proxies only.

`settings.TRUSTED_PROXIES` (networks, empty by default) names the proxies in front of the
shop. The client is the right-most address of `REMOTE_ADDR` and `X-Forwarded-For` that is
not a trusted proxy, read from the right: each trusted proxy appends the address it got
the request from, and anything to the left of the first untrusted hop may be forged. With
no trusted proxies, `X-Forwarded-For` is ignored.
"""

import ipaddress

from django.conf import settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _ip(text: str) -> IPAddress | None:
    """The address in `text`; an IPv4-mapped IPv6 address is the IPv4 one, scopes are dropped."""
    try:
        ip = ipaddress.ip_address(text.strip().split("%", 1)[0])
    except ValueError:
        return None
    return (ip.ipv4_mapped or ip) if ip.version == 6 else ip


def _trusted(ip: IPAddress) -> bool:
    return any(ip in network for network in settings.TRUSTED_PROXY_NETWORKS)


def from_trusted_proxy(request) -> bool:
    """Whether the request came straight from a trusted proxy (its headers may be believed)."""
    ip = _ip(request.META.get("REMOTE_ADDR") or "")
    return ip is not None and _trusted(ip)


def client_ip(request) -> IPAddress | None:
    """The client's IP address (None if there is none, as in some test requests)."""
    ip = _ip(request.META.get("REMOTE_ADDR") or "")
    if ip is None or not _trusted(ip):
        return ip
    hops = (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")
    for hop in reversed(hops):
        hop_ip = _ip(hop)
        if hop_ip is None:
            return ip  # a malformed hop: trust nothing left of it
        ip = hop_ip
        if not _trusted(ip):
            return ip
    return ip


def client_address(request) -> str | None:
    """The client's address as a throttle key: an IPv6 client counts by its /64 (one host
    owns it all), an IPv4 client by its address."""
    ip = client_ip(request) if request is not None else None
    if ip is None:
        return None
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
