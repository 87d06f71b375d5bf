//! The packet notation of `run:` and `out:` directives, turned into bytes
//! through [`crate::packet::PacketBuilder`]:
//!
//! ```text
//! raw 0011223344556677 8899aabbccdd 0800 ...
//! eth [src=MAC] [dst=MAC] [vlan=ID]... [type=0x0806]
//!     [ipv4 A -> B [ttl=N] [tos=N] [id=N] [df=0|1] [proto=N]
//!     |ipv6 A -> B [ttl=N] [proto=N]]
//!     [udp SPORT -> DPORT
//!     |tcp SPORT -> DPORT [flags=SYN|ACK] [seq=N] [ack=N] [win=N]
//!     |icmp echo-request|echo-reply [id=N] [seq=N]
//!     |icmp type=N [code=N]]
//!     [payload "text" | payload hex 0a0b | payload zeros N]...
//! ```
//!
//! Layers must come in that order and options right after their layer; an
//! unknown word is an error. This file only parses; it must not run anything.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::lexer::{parse_hex, parse_int, Cursor, Token};
use super::values::parse_mac;
use crate::packet::{Packet, PacketBuilder, TcpFlags};

/// Parses a packet up to (not including) `)` or the end of the line.
pub(crate) fn parse_packet(c: &mut Cursor) -> Result<Vec<u8>, String> {
    if c.eat_word("raw") {
        let mut words = Vec::new();
        while let Some(w) = c.peek_word() {
            words.push(w.to_string());
            c.next();
        }
        if words.is_empty() {
            return Err(format!("expected hex bytes after `raw`, {}", c.found()));
        }
        return parse_hex(&words);
    }
    c.expect_word("eth", "to start a packet (`eth ...` or `raw HEX`)")?;
    let mut b = Packet::eth();
    let mut stage = Stage::Eth;
    while let Some(Token::Word(w)) = c.peek().cloned() {
        c.next();
        if let Some((key, val)) = w.split_once('=') {
            b = option(b, stage, key, val)?;
            continue;
        }
        match (w.as_str(), stage) {
            ("ipv4", Stage::Eth) => {
                let (s, d) = addr_pair::<Ipv4Addr>(c, "IPv4")?;
                b = b.ipv4(s, d);
                stage = Stage::Ipv4;
            }
            ("ipv6", Stage::Eth) => {
                let (s, d) = addr_pair::<Ipv6Addr>(c, "IPv6")?;
                b = b.ipv6(s, d);
                stage = Stage::Ipv6;
            }
            ("udp", Stage::Ipv4 | Stage::Ipv6) => {
                let (s, d) = ports(c)?;
                b = b.udp(s, d);
                stage = Stage::Udp;
            }
            ("tcp", Stage::Ipv4 | Stage::Ipv6) => {
                let (s, d) = ports(c)?;
                b = b.tcp(s, d);
                stage = Stage::Tcp;
            }
            ("icmp", Stage::Ipv4 | Stage::Ipv6) => {
                b = if c.eat_word("echo-request") {
                    b.icmp_echo_request(0, 0)
                } else if c.eat_word("echo-reply") {
                    b.icmp_echo_reply(0, 0)
                } else {
                    b.icmp(0, 0)
                };
                stage = Stage::Icmp;
            }
            ("payload", _) => {
                b = b.payload(&payload(c)?);
                stage = Stage::Payload;
            }
            ("ipv4" | "ipv6" | "udp" | "tcp" | "icmp", _) => {
                return Err(format!(
                    "`{w}` cannot follow {} (order: eth, ip, transport, payload)",
                    stage.name()
                ));
            }
            _ => return Err(format!("unknown packet word `{w}` after {}", stage.name())),
        }
    }
    Ok(b.build())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Eth,
    Ipv4,
    Ipv6,
    Udp,
    Tcp,
    Icmp,
    Payload,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Eth => "`eth`",
            Stage::Ipv4 => "`ipv4`",
            Stage::Ipv6 => "`ipv6`",
            Stage::Udp => "`udp`",
            Stage::Tcp => "`tcp`",
            Stage::Icmp => "`icmp`",
            Stage::Payload => "`payload`",
        }
    }
}

fn num<T: TryFrom<i128>>(key: &str, val: &str) -> Result<T, String> {
    let v = parse_int(val)?;
    T::try_from(v).map_err(|_| format!("{key}={val} is out of range"))
}

fn option(b: PacketBuilder, stage: Stage, key: &str, val: &str) -> Result<PacketBuilder, String> {
    Ok(match (stage, key) {
        (Stage::Eth, "src") => b.src_mac(parse_mac(val)?),
        (Stage::Eth, "dst") => b.dst_mac(parse_mac(val)?),
        (Stage::Eth, "vlan") => b.vlan(num::<u16>(key, val)?),
        (Stage::Eth, "type") => b.ethertype(num::<u16>(key, val)?),
        (Stage::Ipv4 | Stage::Ipv6, "ttl") => b.ttl(num::<u8>(key, val)?),
        (Stage::Ipv4 | Stage::Ipv6, "proto") => b.ip_proto(num::<u8>(key, val)?),
        (Stage::Ipv4, "tos") => b.tos(num::<u8>(key, val)?),
        (Stage::Ipv4, "id") => b.ip_id(num::<u16>(key, val)?),
        (Stage::Ipv4, "df") => b.dont_fragment(num::<u8>(key, val)? != 0),
        (Stage::Tcp, "flags") => b.flags(tcp_flags(val)?),
        (Stage::Tcp, "seq") => b.seq(num::<u32>(key, val)?),
        (Stage::Tcp, "ack") => b.ack(num::<u32>(key, val)?),
        (Stage::Tcp, "win") => b.window(num::<u16>(key, val)?),
        (Stage::Icmp, "id") => b.icmp_id(num::<u16>(key, val)?),
        (Stage::Icmp, "seq") => b.seq(u32::from(num::<u16>(key, val)?)),
        (Stage::Icmp, "type") => b.icmp_type(num::<u8>(key, val)?),
        (Stage::Icmp, "code") => b.icmp_code(num::<u8>(key, val)?),
        _ => return Err(format!("`{key}=` is not an option of {}", stage.name())),
    })
}

fn tcp_flags(val: &str) -> Result<TcpFlags, String> {
    let mut flags = TcpFlags::NONE;
    for name in val.split('|').filter(|s| !s.is_empty()) {
        flags = flags
            | TcpFlags::by_name(name).ok_or_else(|| {
                format!(
                    "unknown TCP flag `{name}` (FIN SYN RST PSH ACK URG ECE CWR, joined with `|`)"
                )
            })?;
    }
    Ok(flags)
}

fn addr_pair<A: std::str::FromStr>(c: &mut Cursor, what: &str) -> Result<(A, A), String> {
    let parse = |w: String| {
        w.parse::<A>()
            .map_err(|_| format!("`{w}` is not an {what} address"))
    };
    let src = parse(c.word(&format!("a source {what} address"))?)?;
    c.expect_word("->", &format!("between the {what} source and destination"))?;
    let dst = parse(c.word(&format!("a destination {what} address"))?)?;
    Ok((src, dst))
}

fn ports(c: &mut Cursor) -> Result<(u16, u16), String> {
    let src = num::<u16>("port", &c.word("a source port")?)?;
    c.expect_word("->", "between the source and destination ports")?;
    let dst = num::<u16>("port", &c.word("a destination port")?)?;
    Ok((src, dst))
}

fn payload(c: &mut Cursor) -> Result<Vec<u8>, String> {
    if let Some(Token::Str(_)) = c.peek() {
        return c.string("the payload");
    }
    if c.eat_word("hex") {
        return parse_hex(&[c.word("hex payload bytes")?]);
    }
    if c.eat_word("zeros") {
        let n = num::<u16>("zeros", &c.word("a byte count")?)?;
        return Ok(vec![0; usize::from(n)]);
    }
    Err(format!(
        "expected `payload \"text\"`, `payload hex HEX` or `payload zeros N`, {}",
        c.found()
    ))
}
