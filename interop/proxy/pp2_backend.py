"""A plain TCP backend behind `tls-srp serve --forward --proxy-protocol`.

Reads each connection's PROXY protocol v2 header with the `proxy-protocol` package's
reader (PyPI proxy-protocol 0.11.3), prints what it carried as one JSON line on stdout
(client address and port, the username TLV, the SNI authority, the SSL TLV's version and
cipher), then answers the client with `hello USER` and closes.

    python pp2_backend.py USERNAME_TLV_TYPE     # prints "PORT <n>" first
"""

import asyncio
import json
import sys

from proxyprotocol.reader import ProxyProtocolReader
from proxyprotocol.v2 import ProxyProtocolV2


async def main() -> None:
    tlv_type = int(sys.argv[1], 0)
    pp = ProxyProtocolReader(ProxyProtocolV2())

    async def handle(reader, writer):
        try:
            result = await pp.read(reader)
            tlv = result.tlv
            user = tlv.get(tlv_type)
            line = {
                "source": list(result.peername),
                "user": None if user is None else user.decode("utf-8"),
                "authority": tlv.authority,
                "ssl_version": tlv.ssl.version,
                "ssl_cipher": tlv.ssl.cipher,
            }
            print(json.dumps(line), flush=True)
            writer.write(b"hello %s\n" % (user or b"?"))
            await writer.drain()
        except Exception as e:  # report, never hang the test
            print(json.dumps({"error": repr(e)}), flush=True)
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


asyncio.run(main())
