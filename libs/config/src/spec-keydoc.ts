import { z } from 'zod';
import { withMeta, type KeyDoc } from './spec-leaves.js';

// How a task-spec key carries its row of the docs table (spec-doc.ts reads it back).

/** `schema`, documented as a key with the row `d`. */
export const doc = <T extends z.ZodType>(schema: T, d: KeyDoc): T => withMeta(schema, { doc: d });

/** A key the schema lets through as is (validated elsewhere), documented with the row `d`. */
export const unchecked = (d: KeyDoc) => doc(z.unknown().optional(), d);
