"""A Python module the checker reads signatures from."""

def get_default_mtu():
    return 1500

def calculate_bandwidth(packets_per_second, avg_packet_size=1500):
    return packets_per_second * avg_packet_size

def is_rate_limited(current_rate, max_rate=1000000) -> bool:
    return current_rate > max_rate

def describe(name: str) -> str:
    return "interface " + name
