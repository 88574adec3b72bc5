/** The columns of a place-list CSV (as db/reference/icb_2026.csv). Isomorphic: the import page lists them. */
export const PLACE_CSV_COLUMNS = ['icb_ods_code', 'icb_gss_code', 'icb_name', 'nhs_england_region', 'nhs_england_region_ods_code', 'nhs_england_region_gss_code'] as const
