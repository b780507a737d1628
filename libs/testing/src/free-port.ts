import { createServer, type Server } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await distinctFreePorts(1);
  return port!;
}

/**
 * A free port for each name, e.g. every port variable of a stack so that it runs beside any other. The
 * ports are held until all are chosen: one closed at once could be handed out again for the next name, and
 * two services of one stack would then share a port (the second fails to listen, and a readiness check of
 * its port is answered by the first).
 */
export async function freePorts<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const ports = await distinctFreePorts(names.length);
  return Object.fromEntries(names.map((name, i) => [name, ports[i]!])) as Record<K, number>;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listenAnywhere));
  const ports = servers.map((srv) => (srv.address() as { port: number }).port);
  await Promise.all(servers.map((srv) => new Promise((resolve) => srv.close(resolve))));
  return ports;
}

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}
