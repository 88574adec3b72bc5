/**
 * Reference data: England's integrated care boards as effective-dated places, from db/reference/icb_2023.csv (42, valid
 * 2023-04-01 to 2026-03-31), db/reference/icb_2026.csv (36, from 2026-04-01) and icb_succession_2026.csv (predecessor ->
 * successor links, whole or part). An ICB unchanged in 2026 is one place with no end date; one that closed ends on
 * 2026-03-31; one that changed boundary (QRL, Hampshire and Isle of Wight) is two places linked as a whole continuation.
 *
 * Frozen: the data is written out here (not read from the CSVs) so this migration means the same thing forever.
 * Later corrections arrive through the place import (an admin's CSV, previewed) or a new migration.
 */
import type { Kysely } from 'kysely'

// ods_code, gss_code, name, region_name, region_ods_code, region_gss_code, valid_from, valid_to, source
const PLACES: [string, string, string, string, string, string, string, string | null, string][] = [
  ["QHG","E54000024","NHS Bedfordshire, Luton and Milton Keynes Integrated Care Board","East of England","Y61","E40000007","2023-04-01","2026-03-31","icb_2023"],
  ["QUE","E54000056","NHS Cambridgeshire and Peterborough Integrated Care Board","East of England","Y61","E40000007","2023-04-01","2026-03-31","icb_2023"],
  ["QM7","E54000025","NHS Hertfordshire and West Essex Integrated Care Board","East of England","Y61","E40000007","2023-04-01","2026-03-31","icb_2023"],
  ["QH8","E54000026","NHS Mid and South Essex Integrated Care Board","East of England","Y61","E40000007","2023-04-01","2026-03-31","icb_2023"],
  ["QMM","E54000022","NHS Norfolk and Waveney Integrated Care Board","East of England","Y61","E40000007","2023-04-01","2026-03-31","icb_2023"],
  ["QJG","E54000023","NHS Suffolk and North East Essex Integrated Care Board","East of England","Y61","E40000007","2023-04-01","2026-03-31","icb_2023"],
  ["QMJ","E54000028","NHS North Central London Integrated Care Board","London","Y56","E40000003","2023-04-01","2026-03-31","icb_2023"],
  ["QMF","E54000029","NHS North East London Integrated Care Board","London","Y56","E40000003","2023-04-01",null,"icb_2023+icb_2026"],
  ["QRV","E54000027","NHS North West London Integrated Care Board","London","Y56","E40000003","2023-04-01","2026-03-31","icb_2023"],
  ["QKK","E54000030","NHS South East London Integrated Care Board","London","Y56","E40000003","2023-04-01",null,"icb_2023+icb_2026"],
  ["QWE","E54000031","NHS South West London Integrated Care Board","London","Y56","E40000003","2023-04-01",null,"icb_2023+icb_2026"],
  ["QHL","E54000055","NHS Birmingham and Solihull Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QUA","E54000062","NHS Black Country Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QWU","E54000018","NHS Coventry and Warwickshire Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QJ2","E54000058","NHS Derby and Derbyshire Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QGH","E54000019","NHS Herefordshire and Worcestershire Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QK1","E54000015","NHS Leicester, Leicestershire and Rutland Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QJM","E54000013","NHS Lincolnshire Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QPM","E54000059","NHS Northamptonshire Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QT1","E54000060","NHS Nottingham and Nottinghamshire Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QOC","E54000011","NHS Shropshire, Telford and Wrekin Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QNC","E54000010","NHS Staffordshire and Stoke-on-Trent Integrated Care Board","Midlands","Y60","E40000011","2023-04-01",null,"icb_2023+icb_2026"],
  ["QOQ","E54000051","NHS Humber and North Yorkshire Integrated Care Board","North East and Yorkshire","Y63","E40000012","2023-04-01",null,"icb_2023+icb_2026"],
  ["QHM","E54000050","NHS North East and North Cumbria Integrated Care Board","North East and Yorkshire","Y63","E40000012","2023-04-01",null,"icb_2023+icb_2026"],
  ["QF7","E54000061","NHS South Yorkshire Integrated Care Board","North East and Yorkshire","Y63","E40000012","2023-04-01",null,"icb_2023+icb_2026"],
  ["QWO","E54000054","NHS West Yorkshire Integrated Care Board","North East and Yorkshire","Y63","E40000012","2023-04-01",null,"icb_2023+icb_2026"],
  ["QYG","E54000008","NHS Cheshire and Merseyside Integrated Care Board","North West","Y62","E40000010","2023-04-01",null,"icb_2023+icb_2026"],
  ["QOP","E54000057","NHS Greater Manchester Integrated Care Board","North West","Y62","E40000010","2023-04-01",null,"icb_2023+icb_2026"],
  ["QE1","E54000048","NHS Lancashire and South Cumbria Integrated Care Board","North West","Y62","E40000010","2023-04-01",null,"icb_2023+icb_2026"],
  ["QU9","E54000044","NHS Buckinghamshire, Oxfordshire and Berkshire West Integrated Care Board","South East","Y59","E40000005","2023-04-01","2026-03-31","icb_2023"],
  ["QNQ","E54000034","NHS Frimley Integrated Care Board","South East","Y59","E40000005","2023-04-01","2026-03-31","icb_2023"],
  ["QRL","E54000042","NHS Hampshire and Isle of Wight Integrated Care Board","South East","Y59","E40000005","2023-04-01","2026-03-31","icb_2023"],
  ["QKS","E54000032","NHS Kent and Medway Integrated Care Board","South East","Y59","E40000005","2023-04-01",null,"icb_2023+icb_2026"],
  ["QXU","E54000063","NHS Surrey Heartlands Integrated Care Board","South East","Y59","E40000005","2023-04-01","2026-03-31","icb_2023"],
  ["QNX","E54000064","NHS Sussex Integrated Care Board","South East","Y59","E40000005","2023-04-01","2026-03-31","icb_2023"],
  ["QOX","E54000040","NHS Bath and North East Somerset, Swindon and Wiltshire Integrated Care Board","South West","Y58","E40000006","2023-04-01",null,"icb_2023+icb_2026"],
  ["QUY","E54000039","NHS Bristol, North Somerset and South Gloucestershire Integrated Care Board","South West","Y58","E40000006","2023-04-01",null,"icb_2023+icb_2026"],
  ["QT6","E54000036","NHS Cornwall and the Isles of Scilly Integrated Care Board","South West","Y58","E40000006","2023-04-01",null,"icb_2023+icb_2026"],
  ["QJK","E54000037","NHS Devon Integrated Care Board","South West","Y58","E40000006","2023-04-01",null,"icb_2023+icb_2026"],
  ["QVV","E54000041","NHS Dorset Integrated Care Board","South West","Y58","E40000006","2023-04-01",null,"icb_2023+icb_2026"],
  ["QR1","E54000043","NHS Gloucestershire Integrated Care Board","South West","Y58","E40000006","2023-04-01",null,"icb_2023+icb_2026"],
  ["QSL","E54000038","NHS Somerset Integrated Care Board","South West","Y58","E40000006","2023-04-01",null,"icb_2023+icb_2026"],
  ["S1Y5D","E54000065","NHS Central East Integrated Care Board","East of England","Y61","E40000007","2026-04-01",null,"icb_2026"],
  ["D7T5G","E54000066","NHS Essex Integrated Care Board","East of England","Y61","E40000007","2026-04-01",null,"icb_2026"],
  ["T6Y0W","E54000068","NHS Norfolk and Suffolk Integrated Care Board","East of England","Y61","E40000007","2026-04-01",null,"icb_2026"],
  ["Z9B2Z","E54000071","NHS West and North London Integrated Care Board","London","Y56","E40000003","2026-04-01",null,"icb_2026"],
  ["QRL","E54000067","NHS Hampshire and Isle of Wight Integrated Care Board","South East","Y59","E40000005","2026-04-01",null,"icb_2026"],
  ["S9B9J","E54000069","NHS Surrey and Sussex Integrated Care Board","South East","Y59","E40000005","2026-04-01",null,"icb_2026"],
  ["S0E4D","E54000070","NHS Thames Valley Integrated Care Board","South East","Y59","E40000005","2026-04-01",null,"icb_2026"],
]

// predecessor ods_code, successor ods_code, transfer, effective_date (QRL -> QRL is QRL's own continuation)
const LINKS: [string, string, 'whole' | 'part', string][] = [
  ["QHG","S1Y5D","whole","2026-04-01"],
  ["QUE","S1Y5D","whole","2026-04-01"],
  ["QM7","S1Y5D","part","2026-04-01"],
  ["QM7","D7T5G","part","2026-04-01"],
  ["QH8","D7T5G","whole","2026-04-01"],
  ["QJG","D7T5G","part","2026-04-01"],
  ["QJG","T6Y0W","part","2026-04-01"],
  ["QMM","T6Y0W","whole","2026-04-01"],
  ["QU9","S0E4D","whole","2026-04-01"],
  ["QNQ","S0E4D","part","2026-04-01"],
  ["QNQ","S9B9J","part","2026-04-01"],
  ["QNQ","QRL","part","2026-04-01"],
  ["QXU","S9B9J","whole","2026-04-01"],
  ["QNX","S9B9J","whole","2026-04-01"],
  ["QMJ","Z9B2Z","whole","2026-04-01"],
  ["QRV","Z9B2Z","whole","2026-04-01"],
  ["QRL","QRL","whole","2026-04-01"],
]

export async function up(db: Kysely<any>): Promise<void> {
  for (const [ods_code, gss_code, name, region_name, region_ods_code, region_gss_code, valid_from, valid_to, source] of PLACES) {
    await db
      .insertInto('places')
      .values({ kind: 'icb', ods_code, gss_code, name, region_name, region_ods_code, region_gss_code, valid_from, valid_to, source })
      .execute()
  }
  for (const [pred, succ, transfer, effective_date] of LINKS) {
    // The predecessor is the version that ended the day before; the successor is the version that starts that day.
    const predecessor = await db.selectFrom('places').select('id').where('ods_code', '=', pred).where('valid_to', '=', '2026-03-31').executeTakeFirstOrThrow()
    const successor = await db.selectFrom('places').select('id').where('ods_code', '=', succ).where('valid_from', '=', effective_date).executeTakeFirstOrThrow()
    await db
      .insertInto('place_links')
      .values({ predecessor_place_id: predecessor.id, successor_place_id: successor.id, transfer, effective_date })
      .execute()
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('place_links').execute()
  await db.deleteFrom('places').where('kind', '=', 'icb').execute()
}
