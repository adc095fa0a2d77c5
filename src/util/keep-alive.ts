/**
 * Holds the event loop open until released. A daemon whose services happen to have no
 * handle (timer, socket) open must still wait for its stop signal, as upstream's
 * `signal.pause()` loop does; signal listeners alone do not keep Node running.
 * @returns the release function; calling it more than once is harmless
 */
export function keepAlive(): () => void {
  // The callback never matters; the interval only exists to be a referenced handle.
  const timer = setInterval(() => {}, 2 ** 30);
  return () => clearInterval(timer);
}
