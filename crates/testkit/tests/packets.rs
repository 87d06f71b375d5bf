//! Checks the packet builder without a kernel: header layout against a
//! published IPv4 header, and every checksum by the receiver's rule (the
//! one's-complement sum over the covered bytes, checksum included, is zero).
//! These tests must stay independent of BPF and of the annotation parser.

use std::net::Ipv6Addr;

use testkit::packet::{
    checksum, Packet, TcpFlags, ETH_P_8021Q, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP,
};

const ETH: usize = 14;

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Verifies a transport checksum with the IPv4 pseudo-header.
fn l4_ok_v4(pkt: &[u8]) -> bool {
    let ip = &pkt[ETH..ETH + 20];
    let seg = &pkt[ETH + 20..];
    let len = (seg.len() as u16).to_be_bytes();
    checksum(&[&ip[12..20], &[0, ip[9], len[0], len[1]], seg]) == 0
}

fn l4_ok_v6(pkt: &[u8]) -> bool {
    let ip = &pkt[ETH..ETH + 40];
    let seg = &pkt[ETH + 40..];
    let len = (seg.len() as u32).to_be_bytes();
    checksum(&[&ip[8..40], &len, &[0, 0, 0, ip[6]], seg]) == 0
}

#[test]
fn ipv4_header_matches_published_example() {
    // The header from the "IPv4 header checksum" example: 192.168.0.1 ->
    // 192.168.0.199, UDP, total length 0x73, DF, TTL 64, checksum 0xb861.
    let pkt = Packet::eth()
        .ipv4([192, 168, 0, 1], [192, 168, 0, 199])
        .udp(1, 2)
        .payload(&[0u8; 87])
        .build();
    let expected = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00,
        0x01, 0xc0, 0xa8, 0x00, 0xc7,
    ];
    assert_eq!(&pkt[ETH..ETH + 20], &expected);
    assert_eq!(pkt.len(), ETH + 0x73);
}

#[test]
fn ethernet_defaults_and_vlan() {
    let bare = Packet::eth().build();
    assert_eq!(bare.len(), 14, "an Ethernet-only frame is exactly a header");
    assert_eq!(&bare[0..6], &testkit::packet::DEFAULT_DST_MAC);
    assert_eq!(&bare[6..12], &testkit::packet::DEFAULT_SRC_MAC);

    let tagged = Packet::eth()
        .src_mac([1, 2, 3, 4, 5, 6])
        .vlan(7)
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .build();
    assert_eq!(&tagged[6..12], &[1, 2, 3, 4, 5, 6]);
    assert_eq!(be16(&tagged, 12), ETH_P_8021Q);
    assert_eq!(be16(&tagged, 14), 7);
    assert_eq!(be16(&tagged, 16), 0x0800);
    assert_eq!(tagged[18], 0x45);

    let arp = Packet::eth().ethertype(0x0806).payload(&[0; 28]).build();
    assert_eq!(be16(&arp, 12), 0x0806);
    assert_eq!(arp.len(), 42);
}

#[test]
fn udp_over_ipv4_lengths_and_checksums() {
    let pkt = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .ttl(5)
        .udp(1234, 53)
        .payload(b"hi")
        .build();
    assert_eq!(pkt.len(), ETH + 20 + 8 + 2);
    assert_eq!(checksum(&[&pkt[ETH..ETH + 20]]), 0, "IPv4 header checksum");
    assert_eq!(pkt[ETH + 8], 5, "TTL");
    assert_eq!(pkt[ETH + 9], IPPROTO_UDP);
    assert_eq!(be16(&pkt, ETH + 20), 1234);
    assert_eq!(be16(&pkt, ETH + 22), 53);
    assert_eq!(be16(&pkt, ETH + 24), 10, "UDP length");
    assert_ne!(be16(&pkt, ETH + 26), 0, "UDP checksum present");
    assert!(l4_ok_v4(&pkt));
}

#[test]
fn tcp_flags_and_checksum() {
    let pkt = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .tcp(40000, 22)
        .flags(TcpFlags::SYN | TcpFlags::ACK)
        .seq(7)
        .ack(9)
        .window(1024)
        .payload(b"odd")
        .build();
    let tcp = &pkt[ETH + 20..];
    assert_eq!(pkt[ETH + 9], IPPROTO_TCP);
    assert_eq!(u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]), 7);
    assert_eq!(u32::from_be_bytes([tcp[8], tcp[9], tcp[10], tcp[11]]), 9);
    assert_eq!(tcp[12] >> 4, 5, "data offset");
    assert_eq!(tcp[13], 0x12, "SYN|ACK");
    assert_eq!(be16(tcp, 14), 1024);
    assert!(l4_ok_v4(&pkt), "odd-length payload is padded for the sum");
    assert_eq!(TcpFlags::by_name("PSH"), Some(TcpFlags::PSH));
    assert_eq!(TcpFlags::by_name("syn"), None);
}

#[test]
fn ipv6_udp_and_icmpv6() {
    let a: Ipv6Addr = "fd00::1".parse().unwrap();
    let b: Ipv6Addr = "fd00::2".parse().unwrap();
    let pkt = Packet::eth()
        .ipv6(a, b)
        .ttl(3)
        .udp(1, 53)
        .payload(&[0; 32])
        .build();
    assert_eq!(be16(&pkt, 12), 0x86dd);
    assert_eq!(pkt[ETH] >> 4, 6);
    assert_eq!(be16(&pkt, ETH + 4), 40, "payload length");
    assert_eq!(pkt[ETH + 6], IPPROTO_UDP);
    assert_eq!(pkt[ETH + 7], 3, "hop limit");
    assert!(l4_ok_v6(&pkt));

    let echo = Packet::eth()
        .ipv6(a, b)
        .icmp_echo_request(1, 2)
        .payload(b"ping")
        .build();
    assert_eq!(echo[ETH + 6], IPPROTO_ICMPV6);
    assert_eq!(echo[ETH + 40], 128, "ICMPv6 echo request");
    assert!(l4_ok_v6(&echo));
}

#[test]
fn icmp_over_ipv4() {
    let pkt = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .icmp_echo_request(0x1234, 2)
        .payload(b"ping")
        .build();
    let icmp = &pkt[ETH + 20..];
    assert_eq!(pkt[ETH + 9], 1);
    assert_eq!(icmp[0], 8);
    assert_eq!(be16(icmp, 4), 0x1234);
    assert_eq!(be16(icmp, 6), 2);
    assert_eq!(
        checksum(&[icmp]),
        0,
        "ICMP checksum covers only the message"
    );

    let unreachable = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .icmp(3, 4)
        .build();
    assert_eq!(&unreachable[ETH + 20..ETH + 22], &[3, 4]);
    let reply = Packet::eth()
        .ipv4([10, 0, 0, 1], [10, 0, 0, 2])
        .icmp_echo_reply(1, 1)
        .build();
    assert_eq!(reply[ETH + 20], 0);
}

#[test]
fn ipv4_options_and_protocol_override() {
    let pkt = Packet::eth()
        .ipv4([1, 1, 1, 1], [2, 2, 2, 2])
        .tos(0x10)
        .ip_id(77)
        .dont_fragment(false)
        .ip_proto(47)
        .build();
    assert_eq!(pkt[ETH + 1], 0x10);
    assert_eq!(be16(&pkt, ETH + 4), 77);
    assert_eq!(be16(&pkt, ETH + 6), 0);
    assert_eq!(pkt[ETH + 9], 47);
    assert_eq!(checksum(&[&pkt[ETH..ETH + 20]]), 0);
}

#[test]
#[should_panic(expected = "needs an IP layer")]
fn transport_without_ip_is_a_test_bug() {
    let _ = Packet::eth().udp(1, 2);
}
