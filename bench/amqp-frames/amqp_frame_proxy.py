#!/usr/bin/env python3
"""Loopback TCP proxy that parses AMQP 0-9-1 frames (type 1 byte, channel 2, size 4, payload, 0xCE) both ways and
appends, when a connection closes, one JSON line with its counts: bytes, socket reads, frames by type, methods by
class and method, channels, header and body bytes, the broker's confirms (single or multiple), the exchanges published
to, and the last header frame and body seen.

Usage: python3 amqp_frame_proxy.py LISTEN_PORT UPSTREAM_PORT OUT.jsonl, then point the client at the listen port
(for the benchmark: RABBITMQ=amqp://guest:guest@127.0.0.1:LISTEN_PORT/). A diagnostic: it slows the connection.
"""
import asyncio, struct, sys, collections, time, json

LISTEN = int(sys.argv[1]); UPSTREAM = int(sys.argv[2]); OUT = sys.argv[3]
NAMES = {(10,10):'connection.start',(10,11):'connection.start-ok',(10,30):'connection.tune',(10,31):'connection.tune-ok',(10,40):'connection.open',(10,41):'connection.open-ok',(10,50):'connection.close',(10,51):'connection.close-ok',(10,60):'connection.blocked',(10,61):'connection.unblocked',
 (20,10):'channel.open',(20,11):'channel.open-ok',(20,20):'channel.flow',(20,40):'channel.close',(20,41):'channel.close-ok',
 (40,10):'exchange.declare',(40,11):'exchange.declare-ok',(40,30):'exchange.bind',(40,31):'exchange.bind-ok',
 (50,10):'queue.declare',(50,11):'queue.declare-ok',(50,20):'queue.bind',(50,21):'queue.bind-ok',(50,30):'queue.purge',(50,40):'queue.delete',
 (60,10):'basic.qos',(60,11):'basic.qos-ok',(60,20):'basic.consume',(60,21):'basic.consume-ok',(60,30):'basic.cancel',(60,31):'basic.cancel-ok',(60,40):'basic.publish',(60,50):'basic.return',(60,60):'basic.deliver',(60,80):'basic.ack',(60,90):'basic.reject',(60,120):'basic.nack',
 (85,10):'confirm.select',(85,11):'confirm.select-ok',(90,10):'tx.select'}
conn_id = 0

class Dir:
    def __init__(s):
        s.bytes=0; s.reads=0; s.frames=collections.Counter(); s.methods=collections.Counter(); s.channels=collections.Counter()
        s.header_bytes=0; s.body_bytes=0; s.ack_multi=0; s.ack_single=0; s.publish_targets=collections.Counter(); s.buf=b''; s.started=False
        s.frames_per_read=[]; s.sample=None; s.bsample=None
    def feed(s, data):
        s.bytes+=len(data); s.reads+=1; s.buf+=data; b=s.buf; n=0; i=0
        if not s.started:
            if len(b) >= 8 and b[:4]==b'AMQP': i=8; s.started=True
            elif b[:1] in (b'\x01',b'\x02',b'\x03',b'\x08'): s.started=True
            else:
                if len(b)<8: return
                s.started=True
        while len(b)-i >= 7:
            t,ch,size=struct.unpack_from('>BHI',b,i)
            if len(b)-i < 8+size: break
            p=b[i+7:i+7+size]; i+=8+size; n+=1
            s.frames[{1:'method',2:'header',3:'body',8:'heartbeat'}.get(t,str(t))]+=1; s.channels[ch]+=1
            if t==1:
                c,m=struct.unpack_from('>HH',p,0); name=NAMES.get((c,m),f'{c}.{m}'); s.methods[name]+=1
                if (c,m) in ((60,80),(60,120)):
                    tag,bits=struct.unpack_from('>QB',p,4)
                    if bits&1: s.ack_multi+=1
                    else: s.ack_single+=1
                if (c,m)==(60,40):
                    o=6; l=p[o]; ex=p[o+1:o+1+l].decode(); o+=1+l; l=p[o]; rk=p[o+1:o+1+l].decode()
                    s.publish_targets[(ex if len(ex)<60 else ex[:60])]+=1
            elif t==2:
                s.header_bytes+=size
                s.sample=p
            elif t==3:
                s.body_bytes+=size
                s.bsample=p
        s.buf=b[i:]
        s.frames_per_read.append(n)
    def summary(s):
        return {'bytes':s.bytes,'reads':s.reads,'frames':dict(s.frames),'methods':dict(s.methods),'channels':len(s.channels),
                'top_channels':s.channels.most_common(4),'header_bytes':s.header_bytes,'body_bytes':s.body_bytes,
                'ack_multiple':s.ack_multi,'ack_single':s.ack_single,'publish_exchanges':dict(s.publish_targets.most_common(5)),'sample_header':repr(s.sample),'sample_body':(s.bsample or b'').decode('utf-8','replace')}

async def pump(r,w,d):
    try:
        while True:
            data=await r.read(262144)
            if not data: break
            d.feed(data); w.write(data); await w.drain()
    except Exception: pass
    finally:
        try: w.close()
        except Exception: pass

async def handle(cr,cw):
    global conn_id; conn_id+=1; cid=conn_id; t0=time.time()
    sr,sw=await asyncio.open_connection('127.0.0.1',UPSTREAM)
    up=Dir(); down=Dir()
    await asyncio.gather(pump(cr,sw,up),pump(sr,cw,down))
    with open(OUT,'a') as f:
        f.write(json.dumps({'conn':cid,'opened':t0,'seconds':round(time.time()-t0,2),'client_to_server':up.summary(),'server_to_client':down.summary()})+'\n')

async def main():
    srv=await asyncio.start_server(handle,'127.0.0.1',LISTEN)
    async with srv: await srv.serve_forever()
asyncio.run(main())
