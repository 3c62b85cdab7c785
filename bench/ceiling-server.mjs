// The ceiling: a bare Fastify hello-world on the same machine, measured with the same load settings.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0) });
const addr = app.server.address();
process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
