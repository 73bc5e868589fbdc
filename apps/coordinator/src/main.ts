import { runService } from '@tidewater/runtime';
import { coordinator } from './coordinator.js';

// Loopback by default: binding elsewhere needs TLS and auth (docs/operations.md).
await runService('coordinator', (ctx) => [coordinator(ctx, ctx.config.grpcAddress)]);
