//! The client's address: the socket's, or, from a trusted load balancer, the last untrusted address of its
//! `X-Forwarded-For` header.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, FromRef, FromRequestParts},
    http::request::Parts,
};
use ipnet::IpNet;

/// The load balancers whose `X-Forwarded-For` is believed (`COLLOQUY_TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Reads addresses and CIDR ranges; an entry that is neither is an error.
    pub fn parse(entries: &[String]) -> anyhow::Result<Self> {
        let mut nets = Vec::new();
        for entry in entries
            .iter()
            .map(|entry| entry.trim())
            .filter(|entry| !entry.is_empty())
        {
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => IpNet::from(entry.parse::<IpAddr>().map_err(|_| {
                    anyhow::anyhow!(
                        "trusted proxy '{entry}' is neither an address nor a CIDR range"
                    )
                })?),
            };
            nets.push(net);
        }
        Ok(Self(nets))
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address given the socket's peer and the `X-Forwarded-For` values, in header order.
    pub fn client_address<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl Iterator<Item = &'a str>,
    ) -> IpAddr {
        // A proxy reached over IPv6 as `::ffff:127.0.0.1` is the 127.0.0.1 the operator trusted.
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop_address(hop) {
                Some(address) => {
                    client = address;
                    if !self.trusts(address) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// An `X-Forwarded-For` entry: an address, with or without a port (`203.0.113.9:5555`, `[2001:db8::1]:443`).
/// Read as nothing, it would make the proxy itself the client: one budget of every limit for everyone.
fn hop_address(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| {
            hop.parse::<std::net::SocketAddr>()
                .map(|socket| socket.ip())
        })
        .ok()
        .or_else(|| {
            hop.strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<IpAddr>()
                .ok()
        })
        .map(|address| address.to_canonical())
}

/// The requesting client's address, as the comment pipeline's flood check and the moderators see it.
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

impl<S> FromRequestParts<S> for ClientIp
where
    S: Send + Sync,
    Arc<TrustedProxies>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |ConnectInfo(address)| {
                address.ip()
            });
        let proxies = Arc::<TrustedProxies>::from_ref(state);
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .into_iter()
            .filter_map(|value| value.to_str().ok());
        Ok(Self(proxies.client_address(peer, forwarded)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(entries: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(
            &entries
                .iter()
                .map(|entry| (*entry).to_owned())
                .collect::<Vec<_>>(),
        )
        .unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let trusted = proxies(&["10.0.0.1"]);
        assert_eq!(
            trusted.client_address(ip("198.51.100.7"), ["203.0.113.5"].into_iter()),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_last_untrusted_hop_is_the_client() {
        let trusted = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let header = ["203.0.113.9, 198.51.100.1, 10.0.0.2"];
        assert_eq!(
            trusted.client_address(ip("127.0.0.1"), header.into_iter()),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn garbage_in_the_header_stops_the_walk() {
        let trusted = proxies(&["127.0.0.1"]);
        assert_eq!(
            trusted.client_address(ip("127.0.0.1"), ["not-an-ip"].into_iter()),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn addresses_with_ports_brackets_or_mapped_forms_are_read_as_their_address() {
        let trusted = proxies(&["127.0.0.1"]);
        let mapped_peer: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        for (hop, client) in [
            ("203.0.113.9:5555", "203.0.113.9"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("::ffff:198.51.100.4", "198.51.100.4"),
        ] {
            assert_eq!(
                trusted.client_address(mapped_peer, [hop].into_iter()),
                client.parse::<IpAddr>().unwrap(),
                "{hop}"
            );
        }
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(TrustedProxies::parse(&["lb.example".to_owned()]).is_err());
    }
}
