// A socket node that answers every ioctl with its argument, reporting in the first u32 how many fds came
// with the request; to a request for nr 0x2D (PRIME_HANDLE_TO_FD) or 0xC1 (SYNCOBJ_HANDLE_TO_FD) it
// attaches a memfd, as a device hands back a new fd, and to nr 0x40 (GET_INFO, which has no fd field) one
// too, as a broken or hostile device might. Serves one connection, then exits.
import { C, closeFd, createMemfd, pollFds, UnixSocket } from '@openaccel/sys';
import { decodeRequest, encodeReply } from '@openaccel/uapi';

const listener = UnixSocket.seqpacket();
listener.listen(process.argv[2]);
process.stdout.write('ready\n');
// The accepted socket is non-blocking: wait for each datagram (the test kills this process when it is done).
const readable = (fd) => pollFds([fd], C.POLLIN, -1);
readable(listener.fd);
const conn = listener.accept();
for (;;) {
  readable(conn.fd);
  const msg = conn.recv();
  if (typeof msg === 'string' || msg.length === 0) break;
  const req = decodeRequest(msg.payload);
  for (const fd of msg.fds) closeFd(fd);
  const data = req ? Uint8Array.from(req.arg) : new Uint8Array(0); // a copy: the received payload is a reused buffer
  if (data.length >= 4) new DataView(data.buffer).setUint32(0, msg.fds.length, true);
  const nr = req ? (req.request >>> 0) & 0xff : -1;
  const fds = nr === 0x2d || nr === 0xc1 || nr === 0x40 ? [createMemfd('handed-back', 4096)] : [];
  conn.send(encodeReply({ errno: 0, data }), fds);
  for (const fd of fds) closeFd(fd);
}
conn.close();
listener.close();
