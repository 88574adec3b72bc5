/**
 * The list of migrations, in order. Each file is frozen once landed; add new ones at the end (name them
 * YYYY_MM_DD_HHMMSS_verb_noun.ts). A static list (rather than reading the folder) works the same under tsx, vitest
 * and bundlers.
 */
import type { Migration } from 'kysely'
import * as m20261121061500 from './2026_11_21_061500_create_core_tables.ts'
import * as m20261121061600 from './2026_11_21_061600_load_icb_places.ts'

export const migrations: Record<string, Migration> = {
  '2026_11_21_061500_create_core_tables': m20261121061500,
  '2026_11_21_061600_load_icb_places': m20261121061600,
}
