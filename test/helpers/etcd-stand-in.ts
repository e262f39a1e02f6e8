// A stand-in for etcd's JSON gateway (a test double, not etcd): TLS from the etcd CA, a
// client certificate from the same CA required, and only member list and remove, with
// member IDs as the decimal uint64 strings the gateway writes.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { serverCertificate } from './kube-api-stand-in.ts';

export interface StandInMember {
  id: string;
  name: string;
  peerUrl: string;
}

export class EtcdStandIn {
  readonly requests: string[] = [];
  readonly members: StandInMember[];
  private server: Server | undefined;
  port = 0;

  constructor(
    private readonly ca: { cert: string; key: string },
    members: StandInMember[],
  ) {
    this.members = [...members];
  }

  async start(): Promise<void> {
    const { cert, key } = serverCertificate(this.ca);
    this.server = createServer(
      { cert, key, ca: this.ca.cert, requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          this.requests.push(`${req.method} ${req.url} ${body}`);
          const authorized = (req.socket as TLSSocket).authorized;
          const reply = (status: number, value: unknown) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(JSON.stringify(value));
          };
          if (!authorized) return reply(401, { error: 'client certificate required' });
          const header = { cluster_id: '12585971608760269493', member_id: this.members[0]?.id ?? '0', raft_term: '3' };
          if (req.method === 'POST' && req.url === '/v3/cluster/member/list') {
            return reply(200, {
              header,
              members: this.members.map((member) => ({
                ID: member.id,
                name: member.name,
                peerURLs: [member.peerUrl],
                clientURLs: [member.peerUrl.replace(':2380', ':2379')],
              })),
            });
          }
          if (req.method === 'POST' && req.url === '/v3/cluster/member/remove') {
            const { ID } = JSON.parse(body) as { ID?: unknown };
            const index = this.members.findIndex((member) => member.id === ID);
            if (typeof ID !== 'string' || index < 0)
              return reply(404, { error: 'etcdserver: member not found', code: 5 });
            this.members.splice(index, 1);
            return reply(200, { header, members: [] });
          }
          reply(404, { error: `the stand-in does not implement ${req.method} ${req.url}` });
        });
      },
    );
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
