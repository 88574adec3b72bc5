/**
 * The list of migrations, in order. Each file is frozen once landed; add new ones at the end (name them
 * YYYY_MM_DD_HHMMSS_verb_noun.ts). A static list (rather than reading the folder) works the same under tsx, vitest
 * and bundlers.
 */
import type { Migration } from 'kysely'
import * as m20261121061500 from './2026_11_21_061500_create_core_tables.ts'
import * as m20261121061600 from './2026_11_21_061600_load_icb_places.ts'
import * as m20261121071000 from './2026_11_21_071000_create_pooled_budget_tables.ts'
import * as m20261121073000 from './2026_11_21_073000_create_application_reference_counters.ts'
import * as m20261121074000 from './2026_11_21_074000_add_screening_and_fcfs_to_applications.ts'
import * as m20261121091500 from './2026_11_21_091500_create_assessment_and_panel_tables.ts'
import * as m20261121093000 from './2026_11_21_093000_add_outcome_areas_to_applications.ts'
import * as m20261121120000 from './2026_11_21_120000_create_offer_and_payment_tables.ts'
import * as m20261121140000 from './2026_11_21_140000_create_impact_and_open_data_tables.ts'
import * as m20261121200000 from './2026_11_21_200000_add_indexes_for_funder_and_finance_pages.ts'
import * as m20261121200100 from './2026_11_21_200100_add_indexes_for_stats_returns_and_assessor_queue.ts'
import * as m20261121200200 from './2026_11_21_200200_add_indexes_for_open_data_and_pot_dashboards.ts'
import * as m20261122020000 from './2026_11_22_020000_speed_up_pot_and_funder_dashboards.ts'
import * as m20261122020100 from './2026_11_22_020100_speed_up_panel_ranking_and_assessor_queue.ts'
import * as m20261122020200 from './2026_11_22_020200_speed_up_finance_returns_and_stats.ts'
import * as m20261122020300 from './2026_11_22_020300_speed_up_open_data_export.ts'
import * as m20261122050000 from './2026_11_22_050000_maintain_dashboard_summaries.ts'
import * as m20261122050100 from './2026_11_22_050100_maintain_bid_score_summaries.ts'
import * as m20261122050200 from './2026_11_22_050200_maintain_finance_returns_and_stats_counts.ts'
import * as m20261122050400 from './2026_11_22_050400_maintain_round_stats.ts'
import * as m20261122081500 from './2026_11_22_081500_maintain_contribution_figures.ts'
import * as m20261122115900 from './2026_11_22_115900_index_accepted_award_ids.ts'
import * as m20261122170000 from './2026_11_22_170000_count_open_data_changes.ts'
import * as m20261123010000 from './2026_11_23_010000_count_statistics_changes.ts'
import * as m20261123020000 from './2026_11_23_020000_count_funding_changes.ts'
import * as m20261123030000 from './2026_11_23_030000_count_return_changes.ts'
import * as m20261123040000 from './2026_11_23_040000_count_assessment_changes.ts'
import * as m20261123050000 from './2026_11_23_050000_order_change_count_locks.ts'

export const migrations: Record<string, Migration> = {
  '2026_11_21_061500_create_core_tables': m20261121061500,
  '2026_11_21_061600_load_icb_places': m20261121061600,
  '2026_11_21_071000_create_pooled_budget_tables': m20261121071000,
  '2026_11_21_073000_create_application_reference_counters': m20261121073000,
  '2026_11_21_074000_add_screening_and_fcfs_to_applications': m20261121074000,
  '2026_11_21_091500_create_assessment_and_panel_tables': m20261121091500,
  '2026_11_21_093000_add_outcome_areas_to_applications': m20261121093000,
  '2026_11_21_120000_create_offer_and_payment_tables': m20261121120000,
  '2026_11_21_140000_create_impact_and_open_data_tables': m20261121140000,
  '2026_11_21_200000_add_indexes_for_funder_and_finance_pages': m20261121200000,
  '2026_11_21_200100_add_indexes_for_stats_returns_and_assessor_queue': m20261121200100,
  '2026_11_21_200200_add_indexes_for_open_data_and_pot_dashboards': m20261121200200,
  '2026_11_22_020000_speed_up_pot_and_funder_dashboards': m20261122020000,
  '2026_11_22_020100_speed_up_panel_ranking_and_assessor_queue': m20261122020100,
  '2026_11_22_020200_speed_up_finance_returns_and_stats': m20261122020200,
  '2026_11_22_020300_speed_up_open_data_export': m20261122020300,
  '2026_11_22_050000_maintain_dashboard_summaries': m20261122050000,
  '2026_11_22_050100_maintain_bid_score_summaries': m20261122050100,
  '2026_11_22_050200_maintain_finance_returns_and_stats_counts': m20261122050200,
  '2026_11_22_050400_maintain_round_stats': m20261122050400,
  '2026_11_22_081500_maintain_contribution_figures': m20261122081500,
  '2026_11_22_115900_index_accepted_award_ids': m20261122115900,
  '2026_11_22_170000_count_open_data_changes': m20261122170000,
  '2026_11_23_010000_count_statistics_changes': m20261123010000,
  '2026_11_23_020000_count_funding_changes': m20261123020000,
  '2026_11_23_030000_count_return_changes': m20261123030000,
  '2026_11_23_040000_count_assessment_changes': m20261123040000,
  '2026_11_23_050000_order_change_count_locks': m20261123050000,
}
