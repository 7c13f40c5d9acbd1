"""Which addresses a link preview may connect to: public ones only.

``ipaddress``'s ``is_global`` knows the reserved ranges, but it calls many IPv6
addresses global that carry an IPv4 address inside and reach it on networks
that route them: NAT64 (``64:ff9b::a00:1`` is 10.0.0.1), 6to4
(``2002:7f00:1::`` is 127.0.0.1), Teredo, IPv4-mapped, -compatible and
-translated addresses. Those are decoded and the IPv4 inside must be public
too. Where the IPv4's place is not fixed (the local-use NAT64 prefix
``64:ff9b:1::/48``, whose operator picks the prefix length) the whole prefix is
refused.
"""
from __future__ import annotations

import ipaddress

NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052: the last 32 bits
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: refused outright
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated (RFC 4291): the last 32 bits
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT (RFC 2765): the last 32 bits
LAST_32_BITS = (NAT64_WELL_KNOWN, IPV4_COMPATIBLE, IPV4_TRANSLATED)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses ``ip`` maps or embeds (none for a plain IPv6 address)."""
    found = []
    if ip.ipv4_mapped:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour:
        found.append(ip.sixtofour)
    if ip.teredo:
        found.extend(ip.teredo)  # the Teredo server and the (de-obfuscated) client
    for network in LAST_32_BITS:
        if ip in network:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF))
    return found


def _public(ip) -> bool:
    return ip.is_global and not ip.is_multicast


def is_public_address(address: str) -> bool:
    """May a preview connect to ``address``? Only if it is public and so is every
    IPv4 address it carries."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        return _public(ip)
    if ip in NAT64_LOCAL_USE:
        return False
    inner = embedded_ipv4(ip)
    if ip.ipv4_mapped:  # ::ffff:a.b.c.d is the IPv4 address itself
        return _public(ip.ipv4_mapped)
    return _public(ip) and all(_public(v4) for v4 in inner)
