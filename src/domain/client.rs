//! Who the limits on strangers count as one client. An IPv4 address is one client (a lecture hall behind one
//! address is allowed for in the limits themselves). An IPv6 client is its /64: a home, a phone or a rented
//! server is given a whole /64 and may send from any of its 2^64 addresses, so counting each address alone gave
//! it endless budgets. An IPv4 address written as IPv6 (`::ffff:198.51.100.4`, as a dual-stack socket or a
//! proxy may report it) is that IPv4 address.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
    str::FromStr,
};

/// The addresses that the sign-in, mail and join limits count as one client: an IPv4 address, or an IPv6 /64.
/// Written (`Display`) as the address, or as the /64's network with `/64`: the key the store counts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientGroup(IpAddr);

impl ClientGroup {
    /// The group a client's address belongs to.
    pub fn of(address: IpAddr) -> Self {
        match address {
            IpAddr::V4(_) => Self(address),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let [a, b, c, d, ..] = v6.segments();
                    Self(IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0)))
                }
            },
        }
    }
}

impl fmt::Display for ClientGroup {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(formatter, "{v4}"),
            IpAddr::V6(v6) => write!(formatter, "{v6}/64"),
        }
    }
}

/// Text that is not an IP address has no group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not an IP address")]
pub struct NotAnAddress;

impl FromStr for ClientGroup {
    type Err = NotAnAddress;

    /// The group of an address written as text (either IPv6 form, compressed or full).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.trim()
            .parse::<IpAddr>()
            .map(Self::of)
            .map_err(|_| NotAnAddress)
    }
}

#[cfg(test)]
mod tests {
    use super::{ClientGroup, NotAnAddress};

    fn group(text: &str) -> Result<String, NotAnAddress> {
        text.parse::<ClientGroup>().map(|group| group.to_string())
    }

    #[test]
    fn an_ipv4_address_is_a_client_by_itself() {
        assert_eq!(group("203.0.113.9").unwrap(), "203.0.113.9");
        assert_ne!(group("203.0.113.9"), group("203.0.113.10"));
    }

    #[test]
    fn an_ipv6_address_counts_as_its_slash_64_in_either_form() {
        let full = group("2001:0db8:0001:0002:0000:0000:0000:0001").unwrap();
        assert_eq!(full, "2001:db8:1:2::/64");
        for same in [
            "2001:db8:1:2::1",
            "2001:db8:1:2::",
            "2001:db8:1:2:ffff:ffff:ffff:ffff",
            "2001:db8:1:2:abcd::1234",
            " 2001:DB8:1:2::9 ",
        ] {
            assert_eq!(group(same).unwrap(), full, "{same}");
        }
        for other in ["2001:db8:1:3::1", "2001:db8::1", "2001:db9:1:2::1"] {
            assert_ne!(group(other).unwrap(), full, "{other}");
        }
        assert_eq!(group("::1").unwrap(), "::/64");
    }

    #[test]
    fn an_ipv4_mapped_ipv6_address_is_its_ipv4_address() {
        assert_eq!(group("::ffff:1.2.3.4").unwrap(), "1.2.3.4");
        assert_eq!(group("::ffff:102:304").unwrap(), "1.2.3.4");
        assert_eq!(group("0:0:0:0:0:ffff:198.51.100.4"), group("198.51.100.4"));
        assert_ne!(group("::ffff:1.2.3.4"), group("::ffff:1.2.3.5"));
    }

    #[test]
    fn text_that_is_no_address_has_no_group() {
        for garbage in [
            "",
            "not-an-ip",
            "203.0.113",
            "203.0.113.256",
            "2001:db8::1::2",
            "2001:db8:1:2::/64",
            "[2001:db8::1]",
            "203.0.113.9:443",
            "fe80::1%eth0",
        ] {
            assert_eq!(group(garbage), Err(NotAnAddress), "{garbage:?}");
        }
    }
}
