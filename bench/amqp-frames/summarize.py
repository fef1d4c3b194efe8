#!/usr/bin/env python3
"""Prints, per AMQP connection recorded by amqp_frame_proxy.py, what it cost per published message.

Usage: python3 summarize.py frames.jsonl
"""
import json, sys

for line in open(sys.argv[1]):
    d = json.loads(line)
    up, down = d['client_to_server'], d['server_to_client']
    n = up['methods'].get('basic.publish', 0)
    if n < 100:
        continue
    per = lambda v: f'{v / n:.3f}'
    print(f"connection {d['conn']}: {n} basic.publish")
    print(f"  client->server per message: bytes {per(up['bytes'])}, frames {per(sum(up['frames'].values()))}, "
          f"header-frame bytes {per(up['header_bytes'])}, body bytes {per(up['body_bytes'])}, socket reads {per(up['reads'])}")
    print(f"  server->client per message: bytes {per(down['bytes'])}, frames {per(sum(down['frames'].values()))}, socket reads {per(down['reads'])}")
    confirms = down['ack_multiple'] + down['ack_single']
    print(f"  confirms (basic.ack from the broker): {confirms} ({down['ack_multiple']} multiple) = {n / max(1, confirms):.1f} messages per confirm")
    print(f"  channels: {up['channels']}; methods client->server: {up['methods']}")
    print(f"  methods server->client: {down['methods']}")
