let turn: Promise<void> | undefined;

/**
 * Resolves when the event loop has run this turn's I/O callbacks (a `setImmediate`), the same promise for
 * every caller of the turn. nats.js writes its outbound buffer in a microtask queued by the first publish
 * after a write, so publishes made right after awaiting this, by all the callers of a turn, go out in one
 * socket write instead of one each: under load, a write syscall costs more than the message it carries.
 */
export function endOfTurn(): Promise<void> {
  turn ??= new Promise((resolve) =>
    setImmediate(() => {
      turn = undefined;
      resolve();
    }),
  );
  return turn;
}
