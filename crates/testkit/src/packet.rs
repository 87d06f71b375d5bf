//! Crafted test packets: a fluent builder for Ethernet (optionally 802.1Q
//! tagged) frames carrying IPv4 or IPv6 and UDP, TCP or ICMP, with every
//! length and checksum filled in the way a real stack would.
//!
//! This module only produces bytes. It must not touch the kernel or parse
//! annotation text (that is `e2e::packet_spec`); misuse of the builder (a TCP
//! option without a TCP layer, say) is a bug in the test and panics.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::BitOr;

/// EtherType of IPv4.
pub const ETH_P_IP: u16 = 0x0800;
/// EtherType of IPv6.
pub const ETH_P_IPV6: u16 = 0x86dd;
/// EtherType of an 802.1Q VLAN tag.
pub const ETH_P_8021Q: u16 = 0x8100;
/// EtherType of ARP.
pub const ETH_P_ARP: u16 = 0x0806;

/// IP protocol numbers used by the builder.
pub const IPPROTO_ICMP: u8 = 1;
pub const IPPROTO_TCP: u8 = 6;
pub const IPPROTO_UDP: u8 = 17;
pub const IPPROTO_ICMPV6: u8 = 58;

/// The source MAC a built frame has unless [`PacketBuilder::src_mac`] says otherwise.
pub const DEFAULT_SRC_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
/// The destination MAC a built frame has unless [`PacketBuilder::dst_mac`] says otherwise.
pub const DEFAULT_DST_MAC: [u8; 6] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];

/// TCP header flags; combine with `|`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpFlags(pub u8);

impl TcpFlags {
    pub const NONE: TcpFlags = TcpFlags(0);
    pub const FIN: TcpFlags = TcpFlags(0x01);
    pub const SYN: TcpFlags = TcpFlags(0x02);
    pub const RST: TcpFlags = TcpFlags(0x04);
    pub const PSH: TcpFlags = TcpFlags(0x08);
    pub const ACK: TcpFlags = TcpFlags(0x10);
    pub const URG: TcpFlags = TcpFlags(0x20);
    pub const ECE: TcpFlags = TcpFlags(0x40);
    pub const CWR: TcpFlags = TcpFlags(0x80);

    /// Looks a flag up by its usual upper-case name (`SYN`, `ACK`, ...).
    pub fn by_name(name: &str) -> Option<TcpFlags> {
        Some(match name {
            "FIN" => Self::FIN,
            "SYN" => Self::SYN,
            "RST" => Self::RST,
            "PSH" => Self::PSH,
            "ACK" => Self::ACK,
            "URG" => Self::URG,
            "ECE" => Self::ECE,
            "CWR" => Self::CWR,
            _ => return None,
        })
    }
}

impl BitOr for TcpFlags {
    type Output = TcpFlags;
    fn bitor(self, rhs: TcpFlags) -> TcpFlags {
        TcpFlags(self.0 | rhs.0)
    }
}

/// Entry point of the fluent API: `Packet::eth().ipv4(a, b).udp(1, 2).build()`.
pub struct Packet;

impl Packet {
    /// Starts an Ethernet frame with the default MACs and no payload yet.
    pub fn eth() -> PacketBuilder {
        PacketBuilder {
            src_mac: DEFAULT_SRC_MAC,
            dst_mac: DEFAULT_DST_MAC,
            vlans: Vec::new(),
            ethertype: None,
            l3: L3::None,
            l4: L4::None,
            payload: Vec::new(),
        }
    }
}

#[derive(Clone, Debug)]
enum L3 {
    None,
    V4 {
        src: Ipv4Addr,
        dst: Ipv4Addr,
        ttl: u8,
        tos: u8,
        id: u16,
        dont_fragment: bool,
        proto: Option<u8>,
    },
    V6 {
        src: Ipv6Addr,
        dst: Ipv6Addr,
        hop_limit: u8,
        proto: Option<u8>,
    },
}

#[derive(Clone, Debug)]
enum L4 {
    None,
    Udp {
        sport: u16,
        dport: u16,
    },
    Tcp {
        sport: u16,
        dport: u16,
        flags: TcpFlags,
        seq: u32,
        ack: u32,
        window: u16,
    },
    Icmp {
        ty: Option<u8>,
        code: u8,
        id: u16,
        seq: u16,
        echo: Echo,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Echo {
    Request,
    Reply,
    Other,
}

/// A frame under construction. Methods apply to the layer they name and
/// panic when that layer is missing, since that is a mistake in the test.
#[derive(Clone, Debug)]
pub struct PacketBuilder {
    src_mac: [u8; 6],
    dst_mac: [u8; 6],
    vlans: Vec<u16>,
    ethertype: Option<u16>,
    l3: L3,
    l4: L4,
    payload: Vec<u8>,
}

impl PacketBuilder {
    pub fn src_mac(mut self, mac: [u8; 6]) -> Self {
        self.src_mac = mac;
        self
    }

    pub fn dst_mac(mut self, mac: [u8; 6]) -> Self {
        self.dst_mac = mac;
        self
    }

    /// Adds an 802.1Q tag (outermost first) with this VLAN id.
    pub fn vlan(mut self, id: u16) -> Self {
        self.vlans.push(id & 0x0fff);
        self
    }

    /// Sets the EtherType explicitly (after any VLAN tags). Without an IP
    /// layer this is how to build, say, an ARP-typed frame of raw payload.
    pub fn ethertype(mut self, ethertype: u16) -> Self {
        self.ethertype = Some(ethertype);
        self
    }

    pub fn ipv4(mut self, src: impl Into<Ipv4Addr>, dst: impl Into<Ipv4Addr>) -> Self {
        self.l3 = L3::V4 {
            src: src.into(),
            dst: dst.into(),
            ttl: 64,
            tos: 0,
            id: 0,
            dont_fragment: true,
            proto: None,
        };
        self
    }

    pub fn ipv6(mut self, src: impl Into<Ipv6Addr>, dst: impl Into<Ipv6Addr>) -> Self {
        self.l3 = L3::V6 {
            src: src.into(),
            dst: dst.into(),
            hop_limit: 64,
            proto: None,
        };
        self
    }

    /// IPv4 TTL or IPv6 hop limit.
    pub fn ttl(mut self, value: u8) -> Self {
        match &mut self.l3 {
            L3::V4 { ttl, .. } => *ttl = value,
            L3::V6 { hop_limit, .. } => *hop_limit = value,
            L3::None => panic!("ttl() needs an IP layer"),
        }
        self
    }

    pub fn tos(mut self, value: u8) -> Self {
        match &mut self.l3 {
            L3::V4 { tos, .. } => *tos = value,
            _ => panic!("tos() needs an IPv4 layer"),
        }
        self
    }

    pub fn ip_id(mut self, value: u16) -> Self {
        match &mut self.l3 {
            L3::V4 { id, .. } => *id = value,
            _ => panic!("ip_id() needs an IPv4 layer"),
        }
        self
    }

    pub fn dont_fragment(mut self, value: bool) -> Self {
        match &mut self.l3 {
            L3::V4 { dont_fragment, .. } => *dont_fragment = value,
            _ => panic!("dont_fragment() needs an IPv4 layer"),
        }
        self
    }

    /// Overrides the IP protocol / next-header number (the default follows
    /// the transport layer, or 255 when there is none).
    pub fn ip_proto(mut self, value: u8) -> Self {
        match &mut self.l3 {
            L3::V4 { proto, .. } | L3::V6 { proto, .. } => *proto = Some(value),
            L3::None => panic!("ip_proto() needs an IP layer"),
        }
        self
    }

    pub fn udp(mut self, sport: u16, dport: u16) -> Self {
        self.need_ip("udp()");
        self.l4 = L4::Udp { sport, dport };
        self
    }

    /// A TCP header with no flags, seq 0, ack 0, window 65535.
    pub fn tcp(mut self, sport: u16, dport: u16) -> Self {
        self.need_ip("tcp()");
        self.l4 = L4::Tcp {
            sport,
            dport,
            flags: TcpFlags::NONE,
            seq: 0,
            ack: 0,
            window: 65535,
        };
        self
    }

    pub fn flags(mut self, value: TcpFlags) -> Self {
        match &mut self.l4 {
            L4::Tcp { flags, .. } => *flags = value,
            _ => panic!("flags() needs a TCP layer"),
        }
        self
    }

    /// TCP sequence number, or ICMP echo sequence number.
    pub fn seq(mut self, value: u32) -> Self {
        match &mut self.l4 {
            L4::Tcp { seq, .. } => *seq = value,
            L4::Icmp { seq, .. } => *seq = value as u16,
            _ => panic!("seq() needs a TCP or ICMP layer"),
        }
        self
    }

    pub fn ack(mut self, value: u32) -> Self {
        match &mut self.l4 {
            L4::Tcp { ack, .. } => *ack = value,
            _ => panic!("ack() needs a TCP layer"),
        }
        self
    }

    pub fn window(mut self, value: u16) -> Self {
        match &mut self.l4 {
            L4::Tcp { window, .. } => *window = value,
            _ => panic!("window() needs a TCP layer"),
        }
        self
    }

    /// ICMP (over IPv4) or ICMPv6 (over IPv6) echo request.
    pub fn icmp_echo_request(mut self, id: u16, seq: u16) -> Self {
        self.need_ip("icmp_echo_request()");
        self.l4 = L4::Icmp {
            ty: None,
            code: 0,
            id,
            seq,
            echo: Echo::Request,
        };
        self
    }

    /// ICMP (over IPv4) or ICMPv6 (over IPv6) echo reply.
    pub fn icmp_echo_reply(mut self, id: u16, seq: u16) -> Self {
        self.need_ip("icmp_echo_reply()");
        self.l4 = L4::Icmp {
            ty: None,
            code: 0,
            id,
            seq,
            echo: Echo::Reply,
        };
        self
    }

    /// Any ICMP/ICMPv6 message: type, code, then four zero "rest of header" bytes.
    pub fn icmp(mut self, ty: u8, code: u8) -> Self {
        self.need_ip("icmp()");
        self.l4 = L4::Icmp {
            ty: Some(ty),
            code,
            id: 0,
            seq: 0,
            echo: Echo::Other,
        };
        self
    }

    /// ICMP echo identifier.
    pub fn icmp_id(mut self, value: u16) -> Self {
        match &mut self.l4 {
            L4::Icmp { id, .. } => *id = value,
            _ => panic!("icmp_id() needs an ICMP layer"),
        }
        self
    }

    /// Overrides the ICMP type (the echo helpers choose it per IP version).
    pub fn icmp_type(mut self, value: u8) -> Self {
        match &mut self.l4 {
            L4::Icmp { ty, echo, .. } => {
                *ty = Some(value);
                *echo = Echo::Other;
            }
            _ => panic!("icmp_type() needs an ICMP layer"),
        }
        self
    }

    pub fn icmp_code(mut self, value: u8) -> Self {
        match &mut self.l4 {
            L4::Icmp { code, .. } => *code = value,
            _ => panic!("icmp_code() needs an ICMP layer"),
        }
        self
    }

    /// Appends bytes after the innermost header.
    pub fn payload(mut self, bytes: &[u8]) -> Self {
        self.payload.extend_from_slice(bytes);
        self
    }

    fn need_ip(&self, what: &str) {
        assert!(
            !matches!(self.l3, L3::None),
            "{what} needs an IP layer first"
        );
    }

    /// Serialises the frame, filling in lengths and checksums.
    pub fn build(&self) -> Vec<u8> {
        let l4 = self.build_l4();
        let mut out = Vec::with_capacity(64 + l4.len());
        out.extend_from_slice(&self.dst_mac);
        out.extend_from_slice(&self.src_mac);
        let inner_type = match (&self.l3, self.ethertype) {
            (_, Some(t)) => t,
            (L3::V4 { .. }, None) => ETH_P_IP,
            (L3::V6 { .. }, None) => ETH_P_IPV6,
            (L3::None, None) => ETH_P_IP,
        };
        for vid in &self.vlans {
            out.extend_from_slice(&ETH_P_8021Q.to_be_bytes());
            out.extend_from_slice(&vid.to_be_bytes());
        }
        out.extend_from_slice(&inner_type.to_be_bytes());
        match &self.l3 {
            L3::None => {}
            L3::V4 {
                src,
                dst,
                ttl,
                tos,
                id,
                dont_fragment,
                proto,
            } => {
                let proto = proto.unwrap_or_else(|| self.l4_proto(false));
                let total = 20 + l4.len();
                let mut h = [0u8; 20];
                h[0] = 0x45;
                h[1] = *tos;
                h[2..4].copy_from_slice(&(total as u16).to_be_bytes());
                h[4..6].copy_from_slice(&id.to_be_bytes());
                if *dont_fragment {
                    h[6] = 0x40;
                }
                h[8] = *ttl;
                h[9] = proto;
                h[12..16].copy_from_slice(&src.octets());
                h[16..20].copy_from_slice(&dst.octets());
                let sum = checksum(&[&h]);
                h[10..12].copy_from_slice(&sum.to_be_bytes());
                out.extend_from_slice(&h);
            }
            L3::V6 {
                src,
                dst,
                hop_limit,
                proto,
            } => {
                let proto = proto.unwrap_or_else(|| self.l4_proto(true));
                out.extend_from_slice(&[0x60, 0, 0, 0]);
                out.extend_from_slice(&(l4.len() as u16).to_be_bytes());
                out.push(proto);
                out.push(*hop_limit);
                out.extend_from_slice(&src.octets());
                out.extend_from_slice(&dst.octets());
            }
        }
        out.extend_from_slice(&l4);
        out
    }

    fn l4_proto(&self, v6: bool) -> u8 {
        match self.l4 {
            L4::None => 255,
            L4::Udp { .. } => IPPROTO_UDP,
            L4::Tcp { .. } => IPPROTO_TCP,
            L4::Icmp { .. } if v6 => IPPROTO_ICMPV6,
            L4::Icmp { .. } => IPPROTO_ICMP,
        }
    }

    /// The transport header plus payload, with its checksum filled in.
    fn build_l4(&self) -> Vec<u8> {
        let v6 = matches!(self.l3, L3::V6 { .. });
        let mut seg = match &self.l4 {
            L4::None => return self.payload.clone(),
            L4::Udp { sport, dport } => {
                let mut h = vec![0u8; 8];
                h[0..2].copy_from_slice(&sport.to_be_bytes());
                h[2..4].copy_from_slice(&dport.to_be_bytes());
                h[4..6].copy_from_slice(&((8 + self.payload.len()) as u16).to_be_bytes());
                h
            }
            L4::Tcp {
                sport,
                dport,
                flags,
                seq,
                ack,
                window,
            } => {
                let mut h = vec![0u8; 20];
                h[0..2].copy_from_slice(&sport.to_be_bytes());
                h[2..4].copy_from_slice(&dport.to_be_bytes());
                h[4..8].copy_from_slice(&seq.to_be_bytes());
                h[8..12].copy_from_slice(&ack.to_be_bytes());
                h[12] = 5 << 4;
                h[13] = flags.0;
                h[14..16].copy_from_slice(&window.to_be_bytes());
                h
            }
            L4::Icmp {
                ty,
                code,
                id,
                seq,
                echo,
            } => {
                let ty = match (echo, v6) {
                    (Echo::Request, false) => 8,
                    (Echo::Reply, false) => 0,
                    (Echo::Request, true) => 128,
                    (Echo::Reply, true) => 129,
                    (Echo::Other, _) => ty.unwrap_or(0),
                };
                let mut h = vec![ty, *code, 0, 0];
                h.extend_from_slice(&id.to_be_bytes());
                h.extend_from_slice(&seq.to_be_bytes());
                h
            }
        };
        let csum_at = match self.l4 {
            L4::Udp { .. } => 6,
            L4::Tcp { .. } => 16,
            _ => 2,
        };
        seg.extend_from_slice(&self.payload);
        let proto = self.l4_proto(v6);
        let len = (seg.len() as u32).to_be_bytes();
        let sum = match &self.l3 {
            L3::V4 { .. } if proto == IPPROTO_ICMP => checksum(&[&seg]),
            L3::V4 { src, dst, .. } => {
                let pseudo = [0, proto, len[2], len[3]];
                checksum(&[&src.octets(), &dst.octets(), &pseudo, &seg])
            }
            L3::V6 { src, dst, .. } => {
                let pseudo = [len[0], len[1], len[2], len[3], 0, 0, 0, proto];
                checksum(&[&src.octets(), &dst.octets(), &pseudo, &seg])
            }
            L3::None => 0,
        };
        // A computed UDP checksum of zero is sent as all ones (RFC 768).
        let sum = if sum == 0 && proto == IPPROTO_UDP {
            0xffff
        } else {
            sum
        };
        seg[csum_at..csum_at + 2].copy_from_slice(&sum.to_be_bytes());
        seg
    }
}

/// The Internet checksum (RFC 1071) over the concatenation of `parts`.
/// Every part but the last must have even length.
pub fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        let mut chunks = part.chunks_exact(2);
        for c in &mut chunks {
            sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
        }
        if let [last] = chunks.remainder() {
            sum += u32::from(*last) << 8;
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// Formats bytes as lower-case hex, 16 bytes per line group separated by spaces.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(if i % 16 == 0 { '\n' } else { ' ' });
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}
