import { runService } from '@tidewater/runtime';
import { coordinator } from './coordinator.js';

// Loopback by default: binding elsewhere needs TLS and auth (docs/operations.md).
const grpcAddress = process.env.TIDEWATER_GRPC_ADDRESS ?? '127.0.0.1:7233';

await runService('coordinator', (ctx) => [coordinator(ctx, grpcAddress)]);
