/**
 * The largest id a row can have: ids are INTEGER columns (int4 on PostgreSQL). A larger id belongs to nobody, and
 * asking PostgreSQL about one is an error ("out of range for type integer") rather than "not found", so id fields
 * in forms stop at this bound: `z.number().int().positive().max(MAX_ID)`.
 */
export const MAX_ID = 2_147_483_647
