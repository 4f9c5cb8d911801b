/**
 * Hang-up watches for fds refdev keeps on behalf of a client's fd (the kept end of a syncobj fd's
 * socketpair): the server's reactor watches them, so an entry goes the moment the client's last copy does.
 */
type Watcher = (fd: number, onHangup: () => void) => () => void;

let watcher: Watcher | undefined;

/** Set by the server when it starts its reactor. */
export function setHangupWatcher(w: Watcher | undefined): void {
  watcher = w;
}

/** Calls `onHangup` once the peer of socket `fd` is gone; returns the unwatch. Without a reactor, nothing is watched. */
export function watchHangup(fd: number, onHangup: () => void): () => void {
  return watcher ? watcher(fd, onHangup) : () => {};
}
