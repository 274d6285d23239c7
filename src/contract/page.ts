/** A page of a list the admin API answers: its items, newest first, and the cursor of the next page (null on the last). */
import { z } from "@hono/zod-openapi";

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });
export type Page<T> = { data: T[]; next_cursor: string | null };
