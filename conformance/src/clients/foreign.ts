// Uses a context fd inherited as fd 3 from another process: OA_IOCTL_CREATE_QUEUE must be refused (EPERM).
// argv: kind (socket|kernel) request-hex arg-hex. Prints the errno name, or "success".
import { ioctl, UnixSocket } from '@openaccel/sys';
import { decodeReply, encodeRequest, errnoName, SocketNodeKind } from '@openaccel/uapi';
import { endWithParent } from './lifeline.js';

endWithParent();

const [kind, requestHex, argHex] = process.argv.slice(2);
const request = Number.parseInt(requestHex!, 16);
const arg = Uint8Array.from(Buffer.from(argHex!, 'hex'));
if (kind === 'kernel') {
  const r = ioctl(3, request, arg);
  process.stdout.write(`${r.errno ?? 'success'}\n`);
} else {
  const s = new UnixSocket(3);
  const sent = s.send(encodeRequest({ kind: SocketNodeKind.Ioctl, request, arg }));
  const r = typeof sent === 'string' ? sent : s.recv();
  const reply = typeof r === 'string' ? undefined : decodeReply(r.payload);
  process.stdout.write(`${reply ? (reply.errno ? (errnoName(reply.errno) ?? `E${reply.errno}`) : 'success') : `transport ${String(r)}`}\n`);
}
process.exit(0);
